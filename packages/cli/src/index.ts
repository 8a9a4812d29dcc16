/**
 * The `promptreg` program: commander wiring, global options and exit codes. Each command lives in
 * src/commands/<name>.ts; `run` is what bin/promptreg.js calls (through dist/cli.js).
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { registerCodegen } from "./commands/codegen.js";
import { registerDeploy } from "./commands/deploy.js";
import { registerDiff } from "./commands/diff.js";
import { registerLogin } from "./commands/login.js";
import { registerLs } from "./commands/ls.js";
import { registerPull } from "./commands/pull.js";
import { registerPush } from "./commands/push.js";
import { registerRollback } from "./commands/rollback.js";
import { registerRollout } from "./commands/rollout.js";
import { readEnvironment } from "./config.js";
import { App, type CliIo } from "./context.js";
import { ExitCode } from "./errors.js";
import { createOutput } from "./output.js";

function packageVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string };
    return manifest.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

const EXIT_CODES_HELP = `
Exit codes:
  0  success (diff: no differences)
  1  failure (diff: differences found)
  2  usage error (unknown command or option, bad argument)
  3  authentication or configuration problem (not logged in, key refused)
  4  not found (prompt, version, environment, file)

Environment: PROMPTREG_URL, PROMPTREG_API_KEY (override the config file), PROMPTREG_CONFIG (config file
path; default $XDG_CONFIG_HOME/promptreg/config.json or ~/.config/promptreg/config.json), NO_COLOR.`;

export function createProgram(app: App): Command {
  const { stdout, stderr } = app.io;
  // Under --json, commander's own messages (usage errors, help after a missing command) are not written:
  // `run` reports them as one JSON error instead. Commander has parsed the program's options (--json,
  // wherever it stands) before it reports any usage error, so the flag is known by then.
  const json = () => program.opts<{ json?: boolean }>().json === true;
  const program: Command = new Command("promptreg")
    .description("Pull, edit, push, diff, deploy, roll out and type the prompts of a promptreg server.")
    .version(packageVersion(), "-V, --version", "print the version")
    .option("--json", "print machine-readable JSON on stdout (errors as JSON on stderr)")
    .helpOption("-h, --help", "show help")
    .addHelpText("after", EXIT_CODES_HELP)
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void stdout.write(text),
      writeErr: (text) => void (json() ? undefined : stderr.write(text)),
    });
  registerLogin(program, app);
  registerLs(program, app);
  registerPull(program, app);
  registerPush(program, app);
  registerDiff(program, app);
  registerDeploy(program, app);
  registerRollback(program, app);
  registerRollout(program, app);
  registerCodegen(program, app);
  return program;
}

/** Runs the CLI on `argv` (as process.argv: node, script, args…) and returns its exit code. */
export async function run(argv: string[], io?: Partial<CliIo>): Promise<number> {
  const app = new App({
    stdout: io?.stdout ?? process.stdout,
    stderr: io?.stderr ?? process.stderr,
    stdin: io?.stdin ?? process.stdin,
    environment: io?.environment ?? readEnvironment(),
  });
  const program = createProgram(app);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; every other commander error is a usage error.
      if (error.exitCode === 0) return ExitCode.OK;
      if (program.opts<{ json?: boolean }>().json === true) {
        createOutput({ json: true, stdout: app.io.stdout, stderr: app.io.stderr, noColor: true }).error(usageMessage(error, program), ExitCode.USAGE);
      }
      return ExitCode.USAGE;
    }
    throw error;
  }
  return app.exitCode;
}

/** A commander usage error as one line for `{"error": …}`: "unknown command 'lss' (Did you mean ls?)". */
function usageMessage(error: CommanderError, program: Command): string {
  if (error.code === "commander.help") {
    // Commander shows the help instead of a message: no command was given, or `help <unknown command>`.
    const [first, second] = program.args;
    return first === "help" && second !== undefined ? `unknown command '${second}'` : "no command given: see promptreg --help";
  }
  return error.message.replace(/^error: /, "").replace(/\s*\n\s*/g, " ").trim();
}
