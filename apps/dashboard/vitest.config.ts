import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          // Pure helpers (.test.ts) and components rendered to static HTML with react-dom/server (.test.tsx);
          // test/*.unit.test.ts check what src/ writes with Node's tools (a shell, Python, TypeScript).
          include: ["src/**/*.test.{ts,tsx}", "test/**/*.unit.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/**/*.e2e.test.ts"],
          environment: "node",
          // The run's database (embedded FerretDB or PROMPTREG_TEST_MONGODB_URI), as in every package.
          globalSetup: ["@promptreg/server/testing/global-setup"],
          // Builds the app, then boots the server (on the run's database) and Chromium.
          testTimeout: 240_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          // expect.poll waits up to 15 s (vitest's default is 1 s), as long as a Playwright action may wait
          // (the context's default timeout): the machine may be loaded, a screen refreshed by a pushed
          // change waits for the stream, a refetch and a render, and since Vitest 5 a poll that settles
          // after its timeout fails.
          expect: { poll: { timeout: 15_000, interval: 100 } },
        },
      },
    ],
  },
});
