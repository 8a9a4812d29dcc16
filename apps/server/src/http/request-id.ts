import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";

/** Accepts a caller's `x-request-id` (if sane) or makes one, and echoes it back on the response. */
export const requestId: RequestHandler = (req, res, next) => {
  const given = req.get("x-request-id");
  const id = given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
  res.locals["requestId"] = id;
  res.set("x-request-id", id);
  next();
};
