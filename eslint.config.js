// One ESLint flat config for the whole repo: typed rules for TypeScript, run by each package's `lint`.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  { ignores: ["packages/embedded-db/bin/**", "packages/fake-llm/bin/**", "**/dist/**", "**/build/**", "**/node_modules/**", "**/.turbo/**", "**/coverage/**", "**/*.config.js", "apps/dashboard/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Configuration is read once, validated, in config.ts; nowhere else reads the environment.
      "no-restricted-properties": ["error", { object: "process", property: "env", message: "read configuration in config.ts only" }],
    },
  },
  {
    // Tests assert on loosely typed JSON answers (src/testing: the server's test support, @promptreg/server/testing).
    files: ["**/*.test.ts", "**/test/**/*.ts", "**/bench/**/*.ts", "apps/server/src/testing/**"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
      // Async stand-ins for loaders read better than Promise.resolve(...) wrappers.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // Plain JavaScript scripts (no tsconfig holds them): the untyped rules only.
    files: ["**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ["apps/server/src/config.ts", "apps/server/src/testing/**", "**/test/**/*.ts", "**/bench/**/*.ts", "scripts/**", "packages/embedded-db/src/**"],
    rules: { "no-restricted-properties": "off" },
  },
);
