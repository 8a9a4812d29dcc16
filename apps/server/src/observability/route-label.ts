import type { IncomingMessage } from "node:http";

/** The label of failed requests no route answered (404s, bodies refused before routing): one series, not one per URL. */
export const UNMATCHED_ROUTE = "unmatched";
/** The label of successful requests answered by catch-all handlers (static files, the dashboard's pages). */
export const STATIC_ROUTE = "static";

interface RoutedRequest extends IncomingMessage {
  /** Set by Express once a route matched. */
  route?: { path?: unknown };
  baseUrl?: string;
}

/**
 * The route pattern that answered a request (`/v1/prompt-2025/id/:promptId`), never the raw URL: metric
 * labels must stay few, whatever URLs clients send. Read when the answer is over, once Express has set
 * `req.route`. A request answered inside a mount without routes of its own (`/trpc`) is labelled with its
 * mount path. Pattern routes (RegExp) are catch-alls that may also pass a request on, so they count as no
 * route at all.
 */
export function routeLabel(req: IncomingMessage, status: number): string {
  const { route, baseUrl = "" } = req as RoutedRequest;
  const path = route?.path;
  if (typeof path === "string") return baseUrl && path === "/" ? baseUrl : `${baseUrl}${path}`;
  if (baseUrl) return baseUrl;
  return status < 400 ? STATIC_ROUTE : UNMATCHED_ROUTE;
}
