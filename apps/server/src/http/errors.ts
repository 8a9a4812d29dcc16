import { isUtf8 } from "node:buffer";
import type { ErrorRequestHandler, RequestHandler } from "express";
import { AppError, toAppError } from "../errors.js";
import type { Logger } from "../logger.js";
import { bodyErrors } from "./body.js";

/**
 * Errors of express.json (body-parser): http-errors with a `status`, most with a `type`; a body that fails
 * to decompress carries zlib's `errno` and `code` (Z_DATA_ERROR, ERR__ERROR_FORMAT_PADDING_2…) instead.
 */
interface BodyParserError {
  status: number;
  type?: unknown;
  code?: unknown;
  errno?: unknown;
}
const isBodyParserError = (error: unknown): error is BodyParserError =>
  typeof error === "object" && error !== null && typeof (error as { status?: unknown }).status === "number";

const bodyParserMessages: Record<string, (limit: number) => AppError> = {
  "entity.too.large": bodyErrors.tooLarge,
  "entity.parse.failed": bodyErrors.invalidJson,
  "encoding.unsupported": bodyErrors.unsupportedEncoding,
  "encoding.invalid": bodyErrors.invalidUtf8,
  "charset.unsupported": () => new AppError("BAD_REQUEST", "unsupported charset; send UTF-8 JSON"),
  "request.aborted": () => new AppError("BAD_REQUEST", "request aborted"),
};

export function toHttpError(error: unknown, bodyLimitBytes: number): AppError {
  if (isBodyParserError(error)) {
    const make = typeof error.type === "string" ? bodyParserMessages[error.type] : undefined;
    if (make) return make(bodyLimitBytes);
    if (typeof error.errno === "number" && typeof error.code === "string") {
      return bodyErrors.undecodable();
    }
    if (error.status === 413) return bodyErrors.tooLarge(bodyLimitBytes);
    if (error.status >= 400 && error.status < 500) return new AppError("BAD_REQUEST", "malformed request");
  }
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
  bodyLimitBytes: number,
  request: { requestId: string | undefined; method: string | undefined; path: string },
): RestErrorAnswer {
  const appError = toHttpError(error, bodyLimitBytes);
  const headers: Record<string, string> = {};
  if (appError.code === "INTERNAL") {
    logger.error({ err: error, requestId: request.requestId, method: request.method, path: request.path }, "unhandled error");
  } else if (appError.code === "UNAVAILABLE") {
    logger.warn({ requestId: request.requestId, path: request.path, reason: (error as Error).message }, "database unavailable");
    headers["retry-after"] = "2";
  }
  return { status: appError.httpStatus, headers, body: JSON.stringify({ data: null, error: appError.message }) };
}

/** Express's error handler: restErrorAnswer. */
export function restErrorHandler(logger: Logger, bodyLimitBytes: number): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const requestId = res.locals["requestId"] as string | undefined;
    const answer = restErrorAnswer(error, logger, bodyLimitBytes, { requestId, method: req.method, path: req.path });
    if (res.headersSent) return;
    res.status(answer.status).set(answer.headers).type("application/json").send(answer.body);
  };
}

/**
 * express.json `verify` hook: decoding would silently turn invalid bytes into U+FFFD and store them.
 * The error carries body-parser's shape so the error handler answers 400.
 */
export function refuseInvalidUtf8(_req: unknown, _res: unknown, buf: Buffer): void {
  if (!isUtf8(buf)) throw Object.assign(new Error("invalid UTF-8"), { type: "encoding.invalid", status: 400 });
}

/** A route as the 405 check sees it: method and Express path (`:name` segments match any one segment). */
export interface KnownRoute {
  method: string;
  path: string;
}

/**
 * The answer to a request no route took: 405 with `Allow` when the path exists for other methods (a
 * client debugging a wrong method learns which to use), else 404.
 */
export function createNotFoundHandler(routes: readonly KnownRoute[]): RequestHandler {
  const patterns = routes.map((route) => ({ method: route.method.toUpperCase(), segments: route.path.split("/") }));
  const matches = (segments: string[], pattern: string[]) =>
    segments.length === pattern.length && pattern.every((part, i) => part.startsWith(":") ? segments[i] !== "" : part === segments[i]);
  return (req, res) => {
    const segments = req.path.replace(/\/$/, "").split("/");
    const allowed = [...new Set(patterns.filter((p) => matches(segments, p.segments)).map((p) => p.method))];
    if (allowed.includes("GET")) allowed.push("HEAD");
    if (allowed.length > 0 && !allowed.includes(req.method)) {
      res.status(405).set("allow", allowed.join(", ")).json({ data: null, error: `${req.method} is not allowed on ${req.path}; use ${allowed.slice(0, -1).join(", ")}${allowed.length > 1 ? " or " : ""}${allowed.at(-1)}` });
      return;
    }
    res.status(404).json({ data: null, error: `no route ${req.method} ${req.path}` });
  };
}
