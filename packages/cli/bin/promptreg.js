#!/usr/bin/env node
// The `promptreg` command. A shim, so the bin exists before the package is built (pnpm links bins at
// install time): in this repository, `pnpm promptreg` works once `pnpm build` or `pnpm start` has built it.
try {
  await import("../dist/cli.js");
} catch (error) {
  const missing = error && error.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/cli.js' imported from");
  if (!missing) throw error;
  process.stderr.write("promptreg: the CLI is not built yet: run `pnpm build` (or `pnpm start`) in the repository first\n");
  process.exitCode = 1;
}
