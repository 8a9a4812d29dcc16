// The REST routes every SDK calls on each prompt fetch (`hot: true` in the route table), answered on plain
// Node req/res ahead of Express. Express's router walks its middleware and route table on every request,
// which costs more CPU than the whole answer once the resolution is cached (docs/benchmarks.md §1). The route's
// contract, handler and envelope are the same objects Express mounts; the same helmet and CORS middleware
// run; the rate limiter is shared. Anything unusual (a compressed or non-UTF-8 body, a non-JSON content
// type) is left to Express, which answers it exactly as before.
import type { IncomingMessage, ServerResponse } from "node:http";
import { withRequestDeadline } from "../db/index.js";
import type { Logger } from "../logger.js";
import { bodyErrors, parseJsonBody, readBody } from "../http/body.js";
import { restErrorAnswer } from "../http/errors.js";
import { callerOf, rateLimitMessage, type RateLimiter } from "../http/rate-limit.js";
import { assignRequestId } from "../http/request-id.js";
import type { Services } from "../services/index.js";
import { envelopeText, executeRoute, wantsFresh, type RestRoute } from "./route.js";

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;
/** Connect-style middleware (helmet, cors), run here as Express would run it. */
type ConnectMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

export interface HotRouteOptions {
  services: Services;
  logger: Logger;
  rateLimiter: RateLimiter;
  bodyLimitBytes: number;
  /** The database deadline of one request (db/deadline.ts). */
  dbTimeoutMs: number;
  publicUrl: string | undefined;
  trustProxy: boolean;
  /** The app's own header middleware, in the order Express runs them. */
  middleware: readonly ConnectMiddleware[];
  /** Wraps each route's handler in the request log and metrics (observability.wrap). */
  observe(route: string, handler: NodeHandler): NodeHandler;
}

/** Returns a dispatcher that answers a hot route and returns true, or returns false and touches nothing. */
export function createHotRoutes(routes: readonly RestRoute[], options: HotRouteOptions) {
  const byPath = new Map<string, NodeHandler>();
  for (const route of routes) {
    if (!route.hot) continue;
    if (route.method !== "post" || route.path.includes(":")) throw new Error(`hot route ${route.path}: only POST routes without parameters`);
    byPath.set(route.path, options.observe(route.path, (req, res) => void answer(route, req, res)));
  }

  async function answer(route: RestRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = assignRequestId(req);
    res.setHeader("x-request-id", requestId);
    try {
      for (const middleware of options.middleware) {
        await runMiddleware(middleware, req, res);
      }
      const decision = options.rateLimiter.take(callerOf(req));
      if (!decision.allowed) {
        req.resume();
        res.setHeader("retry-after", String(decision.retryAfterSeconds));
        send(res, 429, JSON.stringify({ data: null, error: rateLimitMessage(options.rateLimiter, decision.retryAfterSeconds) }));
        return;
      }
      const raw = await readBody(req, options.bodyLimitBytes);
      // As express.json: an empty body is `{}`, and only an object or array is JSON here (strict mode).
      const body = raw.length === 0 ? {} : parseJsonBody(raw);
      if (typeof body !== "object" || body === null) throw bodyErrors.invalidJson();
      const data = await withRequestDeadline(options.dbTimeoutMs, () =>
        executeRoute(route, options.services, {
          authorization: req.headers.authorization,
          body,
          params: {},
          baseUrl: options.publicUrl ?? baseUrlOf(req, options.trustProxy),
          fresh: wantsFresh(req.headers),
        }),
      );
      send(res, route.status ?? 200, envelopeText(data));
    } catch (error) {
      const answer = restErrorAnswer(error, options.logger, options.bodyLimitBytes, { requestId, method: req.method, path: route.path });
      if (res.headersSent) return void res.destroy();
      for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
      send(res, answer.status, answer.body);
    }
  }

  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== "POST" || req.url === undefined) return false;
    const handler = byPath.get(req.url);
    if (!handler || !isPlainJson(req)) return false;
    handler(req, res);
    return true;
  };
}

function runMiddleware(middleware: ConnectMiddleware, req: IncomingMessage, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) =>
    middleware(req, res, (error) => {
      if (error === undefined || error === null) resolve();
      else reject(error instanceof Error ? error : new Error("header middleware failed"));
    }),
  );
}

/** `application/json` (or `+json`), UTF-8 or no charset, not compressed: what this path reads itself. */
function isPlainJson(req: IncomingMessage): boolean {
  const encoding = req.headers["content-encoding"];
  if (encoding !== undefined && encoding.toLowerCase() !== "identity") return false;
  const type = req.headers["content-type"];
  if (type === undefined) return false;
  const [mediaType = "", ...parameters] = type.toLowerCase().split(";").map((part) => part.trim());
  if (mediaType !== "application/json" && !/^application\/[^/]+\+json$/.test(mediaType)) return false;
  return parameters.every((p) => !p.startsWith("charset=") || p === "charset=utf-8" || p === 'charset="utf-8"');
}

/** What Express's `req.protocol` and `req.host` give for this request, with `trust proxy` on or off. */
function baseUrlOf(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = (name: string) => {
    const value = trustProxy ? req.headers[name] : undefined;
    return typeof value === "string" ? value.split(",")[0]!.trim() : undefined;
  };
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  const protocol = forwarded("x-forwarded-proto") ?? (encrypted ? "https" : "http");
  const host = forwarded("x-forwarded-host") ?? req.headers.host ?? "localhost";
  return `${protocol}://${host}`;
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
