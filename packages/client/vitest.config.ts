import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["@promptreg/server/testing/global-setup"],
    testTimeout: 30_000,
    hookTimeout: 180_000,
    // Type tests: test/**/*.test-d.ts are checked by tsc (an unused `@ts-expect-error` fails the run).
    typecheck: {
      enabled: true,
      include: ["test/**/*.test-d.ts"],
      tsconfig: "./tsconfig.json",
    },
  },
});
