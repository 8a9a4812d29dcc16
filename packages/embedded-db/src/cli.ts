#!/usr/bin/env node
// `promptreg-embedded-db build` builds the cached FerretDB binary (what .ci/run and `pnpm db:build` call).
import { ensureFerretdbBinary } from "./binary.js";

const command = process.argv[2] ?? "build";
if (command !== "build") {
  process.stderr.write("usage: promptreg-embedded-db build\n");
  process.exit(2);
}
try {
  process.stdout.write(`${await ensureFerretdbBinary()}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
