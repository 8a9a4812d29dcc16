import { ID_SHAPES } from "@promptreg/contracts";
import type { ErrorRequestHandler, RequestHandler } from "express";
import { AppError, errorHeaders, toAppError } from "../errors.js";
import type { Logger } from "../logger.js";

/**
 * Anything thrown while serving a request, as the AppError its answer is made from. Besides our own and
 * the database's errors (errors.ts), Express raises http-errors with a 4xx `status` (a path that does not
 * decode, say): a plain 400.
 */
export function toHttpError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const status = typeof error === "object" && error !== null ? (error as { status?: unknown }).status : undefined;
  if (typeof status === "number" && status >= 400 && status < 500) return new AppError("BAD_REQUEST", "malformed request");
  return toAppError(error);
}

/** A REST error answer: status, extra headers and the `{ data: null, error }` envelope as JSON text. */
export interface RestErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The REST answer to an error, for Express's error handler and the hot routes alike. 500s carry a generic
 * message and are logged with the request id; database outages are logged as warnings and say when to retry.
 */
export function restErrorAnswer(
  error: unknown,
  logger: Logger,
  request: { requestId: string | undefined; method: string | undefined; path: string },
): RestErrorAnswer {
  const appError = toHttpError(error);
  logServerError(logger, appError, error, request);
  return { status: appError.httpStatus, headers: errorHeaders(appError), body: JSON.stringify({ data: null, error: appError.message }) };
}

/**
 * What every transport logs of a failed request: 500s as errors with the request id (their answer says
 * no more than "internal server error"), database outages as warnings; client errors not at all.
 */
export function logServerError(
  logger: Logger,
  appError: AppError,
  cause: unknown,
  request: { requestId: string | undefined; method?: string | undefined; path: string },
): void {
  if (appError.code === "INTERNAL") {
    logger.error({ err: cause, requestId: request.requestId, method: request.method, path: request.path }, "unhandled error");
  } else if (appError.code === "UNAVAILABLE") {
    logger.warn({ requestId: request.requestId, path: request.path, reason: (cause as Error).message }, "database unavailable");
  }
}

/** Express's error handler: restErrorAnswer. */
export function restErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const requestId = res.locals["requestId"] as string | undefined;
    // What is left of a refused body is drained, so the connection stays usable.
    if (!req.readableEnded) req.resume();
    const answer = restErrorAnswer(error, logger, { requestId, method: req.method, path: req.path });
    if (res.headersSent) return;
    res.status(answer.status).set(answer.headers).type("application/json").send(answer.body);
  };
}

/** A route as the 405 check sees it: method and Express path (`:name` segments match one id of that name's form). */
export interface KnownRoute {
  method: string;
  path: string;
}

/** The form a path parameter must have for a path to name an endpoint at all (see ID_SHAPES). */
const PARAMETER_SHAPES: Record<string, RegExp> = {
  promptId: ID_SHAPES.promptId,
  promptVersionId: ID_SHAPES.versionId,
  versionId: ID_SHAPES.versionId,
  keyId: ID_SHAPES.keyId,
};

/**
 * The answer to a request no route took: 405 with `Allow` when the path names an endpoint that exists for
 * other methods (a client debugging a wrong method learns which to use), else 404 "no such endpoint".
 * A parameter segment only matches an id of its form: `POST /v1/prompt-2025/query/nonsense` is no
 * endpoint, not a prompt called "query" that could be deleted.
 */
export function createNotFoundHandler(routes: readonly KnownRoute[]): RequestHandler {
  const patterns = routes.map((route) => ({ method: route.method.toUpperCase(), segments: route.path.split("/") }));
  const segmentMatches = (segment: string, part: string) => {
    if (!part.startsWith(":")) return part === segment;
    const shape = PARAMETER_SHAPES[part.slice(1)];
    return shape ? shape.test(decodeSegment(segment)) : segment !== "";
  };
  const matches = (segments: string[], pattern: string[]) =>
    segments.length === pattern.length && pattern.every((part, i) => segmentMatches(segments[i]!, part));
  return (req, res) => {
    const segments = req.path.replace(/\/$/, "").split("/");
    const allowed = [...new Set(patterns.filter((p) => matches(segments, p.segments)).map((p) => p.method))];
    if (allowed.includes("GET")) allowed.push("HEAD");
    if (allowed.length > 0 && !allowed.includes(req.method)) {
      res.status(405).set("allow", allowed.join(", ")).json({ data: null, error: `${req.method} is not allowed on ${req.path}; use ${allowed.slice(0, -1).join(", ")}${allowed.length > 1 ? " or " : ""}${allowed.at(-1)}` });
      return;
    }
    res.status(404).json({ data: null, error: `no such endpoint: ${req.method} ${req.path}` });
  };
}

const decodeSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};
