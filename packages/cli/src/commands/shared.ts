/** Helpers more than one command uses. */
import { stat } from "node:fs/promises";
import { CliError, ExitCode, usageError } from "../errors.js";
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

/**
 * `--env` of `deploy` and `rollback`. Declared as a plain option and checked here, in the action, rather than
 * with commander's requiredOption: commander checks mandatory options before arguments, so `promptreg
 * deploy` alone would complain about `--env` instead of the missing `<prompt> <version>`.
 */
export function requiredEnv(env: string | undefined): string {
  if (env === undefined) throw usageError("required option '--env <environment>' not specified");
  return env;
}
