// Per request: one structured JSON log line (pino, the app's logger) and one latency observation
// (prom-client), from a single `close` listener. This runs on every request, the gateway's included, so it
// does the least it can: no child logger, no header or body serialisation, nothing until the answer is
// over. (pino-http and express-prom-bundle, tried first, cost about 65 µs of CPU per request on our 2-core
// machine against about 20 µs for this: they build two child loggers and a timer per request.)
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { Level } from "pino";
import type { Histogram } from "prom-client";
import type { Logger } from "../logger.js";
import { routeLabel } from "./route-label.js";
import { assignRequestId } from "../http/request-id.js";

/** Probes and scrapes come every few seconds: their successes are logged at debug level only. */
const QUIET_ROUTES = new Set(["/healthz", "/readyz", "/metrics"]);

/** The URL's path: query strings may hold credentials (the signatures of signed body URLs). */
function pathOf(req: IncomingMessage): string {
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? "";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

export type HttpDurationHistogram = Histogram<"method" | "route" | "status">;

/**
 * Starts observing one request. `route` fixes the label of requests answered outside Express's router;
 * otherwise it is read from Express when the answer is over.
 */
export type ObserveRequest = (req: IncomingMessage, res: ServerResponse, route?: string) => void;

export function createRequestObserver(logger: Logger, durations: HttpDurationHistogram): ObserveRequest {
  return (req, res, fixedRoute) => {
    const start = performance.now();
    const requestId = assignRequestId(req);
    // `close` comes once the answer is sent, or when the client hung up first (then unfinished).
    res.once("close", () => {
      const seconds = (performance.now() - start) / 1000;
      const status = res.statusCode;
      const route = fixedRoute ?? routeLabel(req, status);
      durations.observe({ method: req.method ?? "", route, status: String(status) }, seconds);
      const level: Level = status >= 500 ? "error" : status < 400 && QUIET_ROUTES.has(route) ? "debug" : "info";
      if (!logger.isLevelEnabled(level)) return;
      const line = {
        requestId,
        method: req.method,
        route,
        path: pathOf(req),
        status,
        durationMs: Math.round(seconds * 1e6) / 1000,
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      logger[level](line, "request completed");
    });
  };
}
