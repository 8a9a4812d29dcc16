/** Turns whatever a call threw into words for a person: what went wrong and, where it helps, what to do. */
import { isPromptregError } from "@promptreg/client";

export interface ErrorDescription {
  message: string;
  status: number | undefined;
  /** Per-field problems the server reported for invalid input (`field: problem`). */
  fieldErrors: string[];
}

export function describeError(error: unknown): ErrorDescription {
  if (isPromptregError(error)) {
    const status = error.data?.httpStatus;
    const fieldErrors: string[] = [];
    const zod = error.data?.zodError;
    if (zod) {
      const byField: Record<string, unknown> = zod.fieldErrors;
      for (const [field, problems] of Object.entries(byField)) {
        if (Array.isArray(problems)) for (const problem of problems) fieldErrors.push(`${field}: ${String(problem)}`);
      }
    }
    if (status === undefined) {
      return { message: networkMessage(error.cause ?? error), status, fieldErrors };
    }
    const prefix = status === 401 ? "Not signed in: " : status === 403 ? "Not allowed: " : "";
    return { message: `${prefix}${capitalize(error.message)}`, status, fieldErrors };
  }
  return { message: networkMessage(error), status: undefined, fieldErrors: [] };
}

function networkMessage(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === "AbortError" || error.name === "TimeoutError" || /timed? ?out/i.test(error.message)) {
      return "The server took too long to answer. Try again in a moment.";
    }
    if (error instanceof TypeError || /fetch|network/i.test(error.message)) {
      return "Could not reach the promptreg server. Check that it is running and try again.";
    }
    return capitalize(error.message);
  }
  return "Something went wrong.";
}

function capitalize(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}

/** Whether an error means the API key is not (or no longer) accepted. */
export function isUnauthorized(error: unknown): boolean {
  return isPromptregError(error) && error.data?.httpStatus === 401;
}

export function statusOf(error: unknown): number | undefined {
  return isPromptregError(error) ? error.data?.httpStatus : undefined;
}
