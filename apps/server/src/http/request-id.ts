import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { RequestHandler } from "express";

const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

/**
 * The caller's `x-request-id` when it is sane, else a new one, written into the request's headers so that
 * every later reader (the log line, this middleware, the gateway) uses the same id. Idempotent.
 */
export function assignRequestId(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  if (typeof given === "string" && REQUEST_ID_PATTERN.test(given)) return given;
  const id = randomUUID();
  req.headers["x-request-id"] = id;
  return id;
}

/** Gives the request its id and echoes it back on the response. */
export const requestId: RequestHandler = (req, res, next) => {
  const id = assignRequestId(req);
  res.locals["requestId"] = id;
  res.set("x-request-id", id);
  next();
};
