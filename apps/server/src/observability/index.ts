// Request logs and metrics, wired once per server: `middleware` goes first in the Express app; `wrap` puts
// the same around a handler that runs outside Express (the gateway), with a fixed route label.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import type { Logger } from "../logger.js";
import { createRequestObserver } from "./http.js";
import { createMetrics, type Metrics } from "./metrics.js";

export { createMetrics, type Metrics } from "./metrics.js";
export { routeLabel, STATIC_ROUTE, UNMATCHED_ROUTE } from "./route-label.js";

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Observability {
  metrics: Metrics;
  /** Express middleware: one log line and one latency observation per request. Mount first. */
  middleware: RequestHandler;
  /** The same around a plain Node handler, whose requests are all labelled `route`. */
  wrap(route: string, handler: NodeHandler): NodeHandler;
  /** GET /metrics: Prometheus' text format. */
  metricsHandler: RequestHandler;
}

export function createObservability(logger: Logger, metrics: Metrics = createMetrics()): Observability {
  const observe = createRequestObserver(logger, metrics.httpDurations);
  return {
    metrics,
    middleware: (req, res, next) => {
      observe(req, res);
      next();
    },
    wrap: (route, handler) => (req, res) => {
      observe(req, res, route);
      handler(req, res);
    },
    metricsHandler: (_req, res, next) => {
      metrics.registry.metrics().then(
        (text) => res.status(200).type(metrics.registry.contentType).set("cache-control", "no-store").send(text),
        next,
      );
    },
  };
}
