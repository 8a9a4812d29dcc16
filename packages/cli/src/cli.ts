// The executable: bin/promptreg.js imports this file.
import { run } from "./index.js";

try {
  process.exitCode = await run(process.argv);
} catch (error) {
  process.stderr.write(`promptreg: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
