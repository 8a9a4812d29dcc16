/**
 * What every command gets: its output (tty/json/colour), the environment read at start-up, and a lazily
 * connected client, so commands that fail on their arguments never need credentials.
 */
import type { Command } from "commander";
import { resolveCredentials, type CliEnvironment, type Credentials } from "./config.js";
import { ExitCode, toCliError } from "./errors.js";
import { createOutput, type Output, type OutputStream } from "./output.js";
import { connect, type PromptregClient } from "./registry.js";

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  environment: CliEnvironment;
}

export interface CommandContext {
  output: Output;
  io: CliIo;
  environment: CliEnvironment;
  credentials(): Promise<Credentials>;
  client(): Promise<PromptregClient>;
}

/** A command's body: returns its exit code (default 0) or throws (CliError or anything else). */
export type Handler<TOptions> = (context: CommandContext, args: string[], options: TOptions) => Promise<number | void>;

/** Turns handlers into commander actions that report errors and record the exit code. */
export class App {
  exitCode: number = ExitCode.OK;
  constructor(readonly io: CliIo) {}

  action<TOptions>(handler: Handler<TOptions>): (...args: unknown[]) => Promise<void> {
    return async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      // Commander passes the declared arguments (a variadic one as an array), then the options, then itself.
      const positional = args.slice(0, -2).flatMap((arg) => (Array.isArray(arg) ? (arg as string[]) : typeof arg === "string" ? [arg] : []));
      const options = command.opts() as TOptions;
      const json = command.optsWithGlobals<{ json?: boolean }>().json === true;
      const output = createOutput({ json, stdout: this.io.stdout, stderr: this.io.stderr, noColor: this.io.environment.noColor });
      let credentials: Credentials | undefined;
      let client: PromptregClient | undefined;
      const context: CommandContext = {
        output,
        io: this.io,
        environment: this.io.environment,
        credentials: async () => (credentials ??= await resolveCredentials(this.io.environment, (message) => output.warn(message))),
        client: async () => (client ??= connect(await context.credentials())),
      };
      try {
        this.exitCode = (await handler(context, positional, options)) ?? ExitCode.OK;
      } catch (error) {
        const failure = toCliError(error, credentials?.url);
        output.error(failure.message, failure.exitCode);
        this.exitCode = failure.exitCode;
      }
    };
  }
}
