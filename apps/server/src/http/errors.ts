import { isUtf8 } from "node:buffer";
import type { ErrorRequestHandler, RequestHandler } from "express";
import { AppError, toAppError } from "../errors.js";
import type { Logger } from "../logger.js";

/** Errors of express.json (body-parser), which carry `type` and `status`. */
interface BodyParserError {
  type: string;
  status: number;
}
const isBodyParserError = (error: unknown): error is BodyParserError =>
  typeof error === "object" && error !== null && "type" in error && "status" in error;

const bodyParserMessages: Record<string, (limit: number) => AppError> = {
  "entity.too.large": (limit) => new AppError("PAYLOAD_TOO_LARGE", `request body is larger than ${limit} bytes`),
  "entity.parse.failed": () => new AppError("BAD_REQUEST", "request body is not valid JSON"),
  "encoding.unsupported": () => new AppError("BAD_REQUEST", "unsupported content encoding"),
  "encoding.invalid": () => new AppError("BAD_REQUEST", "request body is not valid UTF-8"),
  "charset.unsupported": () => new AppError("BAD_REQUEST", "unsupported charset; send UTF-8 JSON"),
  "request.aborted": () => new AppError("BAD_REQUEST", "request aborted"),
};

export function toHttpError(error: unknown, bodyLimitBytes: number): AppError {
  if (isBodyParserError(error)) {
    const make = bodyParserMessages[error.type];
    if (make) return make(bodyLimitBytes);
    if (error.status >= 400 && error.status < 500) return new AppError("BAD_REQUEST", "malformed request");
  }
  return toAppError(error);
}

/** The REST error envelope `{ data: null, error }`. 500s carry a generic message and are logged with the request id. */
export function restErrorHandler(logger: Logger, bodyLimitBytes: number): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const appError = toHttpError(error, bodyLimitBytes);
    const requestId = res.locals["requestId"] as string | undefined;
    if (appError.code === "INTERNAL") {
      logger.error({ err: error, requestId, method: req.method, path: req.path }, "unhandled error");
    } else if (appError.code === "UNAVAILABLE") {
      logger.warn({ requestId, path: req.path, reason: (error as Error).message }, "database unavailable");
    }
    if (res.headersSent) return;
    if (appError.code === "UNAVAILABLE") res.set("retry-after", "2");
    res.status(appError.httpStatus).json({ data: null, error: appError.message });
  };
}

/**
 * express.json `verify` hook: decoding would silently turn invalid bytes into U+FFFD and store them.
 * The error carries body-parser's shape so the error handler answers 400.
 */
export function refuseInvalidUtf8(_req: unknown, _res: unknown, buf: Buffer): void {
  if (!isUtf8(buf)) throw Object.assign(new Error("invalid UTF-8"), { type: "encoding.invalid", status: 400 });
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({ data: null, error: `no route ${req.method} ${req.path}` });
};
