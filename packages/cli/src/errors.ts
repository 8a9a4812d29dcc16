/**
 * Exit codes scripts can rely on, and the one error type commands throw to choose one. Errors of the tRPC
 * client are translated here, so every command reports a refused key, an unknown id or an unreachable server
 * the same way.
 */
import { isPromptregError } from "@promptreg/client";

export const ExitCode = {
  /** Success; for `diff`, no differences. */
  OK: 0,
  /** Failure (server error, invalid file, unreachable server…); for `diff`, differences found. */
  FAILURE: 1,
  /** Usage error: unknown command or option, missing or malformed argument. */
  USAGE: 2,
  /** Authentication or configuration problem: not logged in, key refused, unreadable config file. */
  AUTH: 3,
  /** What was named does not exist: prompt, version, environment. */
  NOT_FOUND: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.FAILURE,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const usageError = (message: string) => new CliError(message, ExitCode.USAGE);
export const notFoundError = (message: string) => new CliError(message, ExitCode.NOT_FOUND);

/** Whether the server answered 404 (NOT_FOUND) to a tRPC call. */
export function isNotFound(error: unknown): boolean {
  return isPromptregError(error) && error.data?.code === "NOT_FOUND";
}

/** Whether the server refused the action to the API key's role (403, FORBIDDEN) of a tRPC call. */
export function isForbidden(error: unknown): boolean {
  return isPromptregError(error) && error.data?.code === "FORBIDDEN";
}

/** Whether the server refused the API key (401, UNAUTHORIZED) of a tRPC call. */
export function isUnauthorized(error: unknown): boolean {
  return isPromptregError(error) && error.data?.code === "UNAUTHORIZED";
}

/** Any error as a CliError with the right exit code; `url` names the server in connection errors. */
export function toCliError(error: unknown, url?: string): CliError {
  if (error instanceof CliError) return error;
  if (isPromptregError(error)) {
    const data = error.data;
    if (!data) {
      // No tRPC answer: nothing listening, DNS, timeout, or something else than promptreg at that URL.
      return new CliError(`cannot reach a promptreg server${url ? ` at ${url}` : ""}: ${causeChain(error)}`, ExitCode.FAILURE, { cause: error });
    }
    switch (data.code) {
      case "UNAUTHORIZED":
        return new CliError(`the server refused the API key: ${error.message}. Run \`promptreg login\` or set PROMPTREG_API_KEY.`, ExitCode.AUTH, {
          cause: error,
        });
      case "FORBIDDEN":
        return new CliError(`not allowed: ${error.message}`, ExitCode.AUTH, { cause: error });
      case "NOT_FOUND":
        return new CliError(error.message, ExitCode.NOT_FOUND, { cause: error });
      default:
        return new CliError(`${error.message} (${data.code}, HTTP ${data.httpStatus})`, ExitCode.FAILURE, { cause: error });
    }
  }
  if (error instanceof Error) return new CliError(error.message, ExitCode.FAILURE, { cause: error });
  return new CliError(String(error), ExitCode.FAILURE);
}

/** "fetch failed: connect ECONNREFUSED 127.0.0.1:1": the messages of an error and its causes. */
function causeChain(error: Error): string {
  const messages: string[] = [];
  let current: unknown = error;
  while (current instanceof Error && messages.length < 5) {
    if (current.message && !messages.includes(current.message)) messages.push(current.message);
    current = current.cause;
  }
  return messages.join(": ");
}
