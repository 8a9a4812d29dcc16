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
          // Builds the app when dist/ is missing, boots a database, the server and Chromium.
          testTimeout: 240_000,
          hookTimeout: 300_000,
          // expect.poll waits up to 15 s (vitest's default is 1 s): the machine may be loaded, and a screen
          // refreshed by a pushed change waits for the stream, a refetch and a render.
          expect: { poll: { timeout: 15_000, interval: 100 } },
          fileParallelism: false,
        },
      },
    ],
  },
});
