import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["@promptreg/server/testing/global-setup"],
    testTimeout: 30_000,
    hookTimeout: 180_000,
  },
});
