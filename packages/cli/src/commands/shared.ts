/** Helpers more than one command uses. */
import { stat } from "node:fs/promises";
import { CliError, ExitCode } from "../errors.js";
import { listPromptFiles } from "../files.js";

/** The files named on the command line (each must exist), else every prompt file in `dir`. */
export async function promptFilePaths(args: string[], dir: string): Promise<string[]> {
  if (args.length === 0) return listPromptFiles(dir);
  for (const path of args) {
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) throw new CliError(`no such file: ${path}`, ExitCode.NOT_FOUND);
  }
  return args;
}
