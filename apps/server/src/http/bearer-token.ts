import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * Lets a request through only with `Authorization: Bearer <token>` (for operator endpoints such as
 * /metrics, which are not tied to an organization's API keys); no token configured, no check. Compared
 * as digests in constant time.
 */
export function requireBearerToken(token: string | undefined, what: string): RequestHandler {
  if (token === undefined) return (_req, _res, next) => next();
  const expected = digest(`Bearer ${token}`);
  return (req, res, next) => {
    const given = req.get("authorization");
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return next();
    res.status(401).set("www-authenticate", "Bearer").json({ data: null, error: `${what} needs 'Authorization: Bearer <token>'` });
  };
}
