// One error type for every rule a service enforces, and one table mapping its codes to tRPC codes and
// HTTP statuses, so the tRPC and REST adapters can never disagree about what an error means.
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server";
import { MongoError, MongoNetworkError, MongoOperationTimeoutError, MongoServerSelectionError } from "mongodb";
import { RequestDeadlineError } from "./db/deadline.js";

export const appErrorTable = {
  BAD_REQUEST: { trpc: "BAD_REQUEST", http: 400 },
  UNAUTHORIZED: { trpc: "UNAUTHORIZED", http: 401 },
  FORBIDDEN: { trpc: "FORBIDDEN", http: 403 },
  NOT_FOUND: { trpc: "NOT_FOUND", http: 404 },
  CONFLICT: { trpc: "CONFLICT", http: 409 },
  PAYLOAD_TOO_LARGE: { trpc: "PAYLOAD_TOO_LARGE", http: 413 },
  UNPROCESSABLE: { trpc: "UNPROCESSABLE_CONTENT", http: 422 },
  TOO_MANY_REQUESTS: { trpc: "TOO_MANY_REQUESTS", http: 429 },
  UNAVAILABLE: { trpc: "SERVICE_UNAVAILABLE", http: 503 },
  INTERNAL: { trpc: "INTERNAL_SERVER_ERROR", http: 500 },
} as const satisfies Record<string, { trpc: TRPC_ERROR_CODE_KEY; http: number }>;

export type AppErrorCode = keyof typeof appErrorTable;

export class AppError extends Error {
  override readonly name = "AppError";
  constructor(
    readonly code: AppErrorCode,
    message: string,
    /** Structured detail for clients (e.g. input errors), sent as is. */
    readonly details?: unknown,
    /** When to try again (429): the `Retry-After` header of every transport's answer. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  get httpStatus(): number {
    return appErrorTable[this.code].http;
  }
}

export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} not found`);

/**
 * Headers every transport adds to an error answer: when to retry a refused (429) or unavailable (503)
 * request. One place, so REST, tRPC and the gateway tell clients the same.
 */
export function errorHeaders(error: AppError): Record<string, string> {
  if (error.code === "TOO_MANY_REQUESTS") return { "retry-after": String(error.retryAfterSeconds ?? 1) };
  if (error.code === "UNAVAILABLE") return { "retry-after": "2" };
  return {};
}

/**
 * Driver errors that mean "the database cannot be reached" (or did not answer within the request's
 * deadline, db/deadline.ts), as opposed to a bug or a bad query.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof MongoServerSelectionError || error instanceof MongoNetworkError) return true;
  if (error instanceof MongoOperationTimeoutError || error instanceof RequestDeadlineError) return true;
  if (!(error instanceof MongoError)) return false;
  // MongoWaitQueueTimeoutError: no connection could be checked out before the request's deadline.
  return ["MongoTopologyClosedError", "MongoNotConnectedError", "MongoNetworkTimeoutError", "MongoPoolClearedError", "MongoWaitQueueTimeoutError"].includes(
    error.name,
  );
}

/** Anything thrown while serving a request, as an AppError; unknown errors become a generic INTERNAL. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isDatabaseUnavailable(error)) return new AppError("UNAVAILABLE", "database unavailable; try again shortly");
  return new AppError("INTERNAL", "internal server error");
}
