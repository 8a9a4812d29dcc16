// The REST routes every SDK calls on each prompt fetch (`hot: true` in the route table), answered on plain
// Node req/res ahead of Express. Express's router walks its middleware and route table on every request,
// which costs more CPU than the whole answer once the resolution is cached (docs/benchmarks.md §1). The
// route's contract, handler and envelope are the same objects Express mounts, served by the same
// `serveRoute` (request pipeline included); the same helmet and CORS middleware run.
import type { IncomingMessage, ServerResponse } from "node:http";
import { restErrorAnswer } from "../http/errors.js";
import { assignRequestId } from "../http/request-id.js";
import type { Logger } from "../logger.js";
import { serveRoute, type RestRoute, type RouteServing } from "./route.js";

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;
/** Connect-style middleware (helmet, cors), run here as Express would run it. */
type ConnectMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

export interface HotRouteOptions extends RouteServing {
  logger: Logger;
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
      const { status, text } = await serveRoute(route, req, {}, options);
      send(res, status, text);
    } catch (error) {
      // What is left of a refused body is drained, so the connection stays usable.
      if (!req.readableEnded) req.resume();
      const answer = restErrorAnswer(error, options.logger, { requestId, method: req.method, path: route.path });
      if (res.headersSent) return void res.destroy();
      for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
      send(res, answer.status, answer.body);
    }
  }

  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== "POST" || req.url === undefined) return false;
    const handler = byPath.get(req.url);
    if (!handler) return false;
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

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
