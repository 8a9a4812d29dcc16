import type { ZodError } from "zod";

/** `path: message; path: message`, the form every 400 answer uses. */
export function formatZodIssues(error: ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}
