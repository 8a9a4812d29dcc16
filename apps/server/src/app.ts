// The HTTP server's request handling: the three entry points (the gateway, the hot REST routes, the
// Express app with the rest of the REST adapter, tRPC, health, docs and the dashboard), which share one
// request pipeline (http/pipeline.ts: admission, rate limits, body reading). No listen() here, so tests
// build the app on a port of their choosing. New HTTP surfaces mount in createApp.
import { createExpressMiddleware } from "@trpc/server/adapters/express";
import type { RequestListener } from "node:http";
import { MAX_TRPC_BATCH_SIZE } from "@promptreg/contracts";
import cors from "cors";
import express, { type Express, type RequestHandler } from "express";
import helmet from "helmet";
import type { CallSink } from "./analytics/index.js";
import type { Config } from "./config.js";
import type { DatabaseConnection } from "./db/index.js";
import { createGatewayHandler, GATEWAY_ROUTE, type GatewayHandler } from "./gateway/chat-completions.js";
import type { Health } from "./health.js";
import type { ProviderRouter } from "./gateway/providers/router.js";
import { bodyErrors } from "./http/body.js";
import { createDashboardRouter } from "./http/dashboard.js";
import { requireBearerToken } from "./http/bearer-token.js";
import { createNotFoundHandler, restErrorHandler } from "./http/errors.js";
import { bodyKind, createRequestPipeline, EXPOSED_HEADERS, type RequestPipeline } from "./http/pipeline.js";
import { requestId } from "./http/request-id.js";
import type { Logger } from "./logger.js";
import { createObservability, type Observability } from "./observability/index.js";
import { createApiDocsRouter } from "./openapi/index.js";
import { createHotRoutes } from "./rest/hot-routes.js";
import { createRestRouter, restRoutes } from "./rest/index.js";
import type { RouteServing } from "./rest/route.js";
import { BODY_URL_PATH, type Services } from "./services/index.js";
import { appRouter } from "./trpc/root.js";

export interface AppDependencies {
  config: Config;
  services: Services;
  database: Pick<DatabaseConnection, "ping">;
  logger: Logger;
  /** The gateway's way to the LLM providers (routing, fallbacks, translation). */
  providers: ProviderRouter;
  /** Request logs and metrics; made from `logger` when not given. */
  observability?: Observability;
  /** What /healthz reports (health.ts); without it, /healthz answers that the process is up. */
  health?: Pick<Health, "report">;
  /** Where the gateway records each prompt call (request log, metrics, traces); none: nothing is recorded. */
  calls?: CallSink | undefined;
}

export const GATEWAY_PATH = GATEWAY_ROUTE;

/** Paths of the service endpoints outside the API (health, readiness, metrics, the OpenAPI document). */
const SERVICE_PATHS = ["/healthz", "/readyz", "/metrics", "/openapi.json"] as const;

type HotRoutes = ReturnType<typeof createHotRoutes>;

/**
 * The server's request listener: the gateway's route and the hot REST routes (prompt fetches) go straight
 * to their handlers (Express's own dispatch costs ~60 µs a request, a tenth of the gateway's whole budget
 * and more than a cached prompt fetch); everything else to Express.
 */
export function createRequestListener(deps: AppDependencies): RequestListener {
  const observability = deps.observability ?? createObservability(deps.logger);
  const app = createApp({ ...deps, observability });
  const gateway = observability.wrap(GATEWAY_PATH, app.locals["gateway"] as GatewayHandler);
  const hotRoutes = app.locals["hotRoutes"] as HotRoutes;
  return (req, res) => {
    if (req.url?.startsWith("//")) req.url = collapseSlashes(req.url);
    if (req.method === "POST" && (req.url === GATEWAY_PATH || req.url?.startsWith(`${GATEWAY_PATH}?`))) gateway(req, res);
    else if (!hotRoutes(req, res)) void app(req, res);
  };
}

/**
 * `//v1/…` → `/v1/…`: a base URL configured with a trailing slash (`http://host/`) makes SDKs that join
 * paths by concatenation, Helicone's among them, send a leading double slash. Only the leading run: an
 * empty segment further on is an empty id, not a typo.
 */
const collapseSlashes = (url: string): string => url.replace(/^\/{2,}/, "/");

export function createApp({ config, services, database, logger, providers, observability, health, calls }: AppDependencies): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", config.trustProxy);
  app.set("json spaces", 0);
  const observed = observability ?? createObservability(logger);
  // First of all: every request gets its id, its log line and its latency observation.
  app.use(observed.middleware);
  // One pipeline for the API and the gateway, so a key's allowance is the same whichever it calls.
  const pipeline = createRequestPipeline(services.auth, {
    bodyLimitBytes: config.bodyLimitBytes,
    dbTimeoutMs: config.dbTimeoutMs,
    rateLimitPerMinute: config.rateLimitPerMinute,
    authFailuresPerMinute: config.authFailuresPerMinute,
    trustProxy: config.trustProxy,
  });
  const serving: RouteServing = { services, pipeline, publicUrl: config.publicUrl, trustProxy: config.trustProxy };

  // The gateway first, ahead of every middleware: it is the hot path of our users' LLM calls, reads its
  // own body (keeping the raw bytes for pass-through) and answers OpenAI-shaped errors.
  const gateway = createGatewayHandler(services, providers, logger, {
    pipeline,
    compiledLimitBytes: config.compiledLimitBytes,
    corsOrigins: config.corsOrigins,
    calls,
  });
  app.locals["gateway"] = gateway;
  app.post(GATEWAY_PATH, (req, res) => gateway(req, res));

  app.use(requestId);
  // helmet's defaults, except `upgrade-insecure-requests`: it makes browsers fetch the dashboard's assets
  // over https, which blanks the page on any plain-http host but localhost (a compose setup, a LAN box).
  // Behind TLS the page is https anyway.
  const securityHeaders = helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  // Browsers of the configured origins only; none by default (the dashboard is served same-origin).
  const corsHeaders = cors({
    origin: config.corsOrigins.length > 0 ? [...config.corsOrigins] : false,
    exposedHeaders: [...EXPOSED_HEADERS],
    maxAge: 600,
  });
  app.use(securityHeaders, corsHeaders);
  // The hot REST routes run outside Express (see createRequestListener) with the same header middleware
  // and route serving; Express still mounts them (createApp alone serves every route).
  app.locals["hotRoutes"] = createHotRoutes(restRoutes, {
    ...serving,
    logger,
    middleware: [securityHeaders, corsHeaders],
    observe: (route, handler) => observed.wrap(route, handler),
  });

  app.get("/healthz", (_req, res) => {
    if (!health) return void res.json({ status: "ok" });
    const report = health.report();
    res.status(report.healthy ? 200 : 503).json(report.body);
  });
  app.get("/readyz", async (_req, res) => {
    const ready = await database.ping();
    res.status(ready ? 200 : 503).json(ready ? { status: "ready" } : { status: "unavailable", error: "database unreachable" });
  });
  app.get("/metrics", requireBearerToken(config.metricsToken, "GET /metrics"), observed.metricsHandler);
  // GET /openapi.json and the interactive docs at GET /docs.
  app.use(createApiDocsRouter());

  // From here on (tRPC, the REST routes, the deployment stream, signed body URLs) a request's database work
  // shares one deadline (http/pipeline.ts run, db/deadline.ts).
  app.use((_req, _res, next) => pipeline.run(next));

  app.use(
    "/trpc",
    trpcBody(pipeline),
    createExpressMiddleware({
      router: appRouter,
      maxBatchSize: MAX_TRPC_BATCH_SIZE,
      createContext: ({ req, res }) => {
        const admission = pipeline.admit(req);
        // Awaited by authedProcedure; a call that never gets that far must not leave it unhandled.
        admission.catch(() => undefined);
        return { services, admission, requestId: res.locals["requestId"] as string, dbTimeoutMs: config.dbTimeoutMs };
      },
      onError: ({ error, path }) => {
        if (error.code === "INTERNAL_SERVER_ERROR") logger.error({ err: error.cause ?? error, path }, "tRPC internal error");
      },
    }),
  );

  app.use(createRestRouter(serving));
  const dashboard = createDashboardRouter(config.dashboardDir);
  if (dashboard) app.use(dashboard);
  app.use(
    createNotFoundHandler([
      ...restRoutes,
      { method: "post", path: GATEWAY_PATH },
      { method: "get", path: `${BODY_URL_PATH}/:versionId` },
      ...SERVICE_PATHS.map((path) => ({ method: "get", path })),
    ]),
  );
  app.use(restErrorHandler(logger));
  return app;
}

/**
 * tRPC's request bodies, read by the shared pipeline (limit, encodings, UTF-8, depth) before tRPC parses
 * the batch: tRPC takes `req.body` when it is set. Other content types are tRPC's to refuse.
 */
function trpcBody(pipeline: RequestPipeline): RequestHandler {
  return (req, _res, next) => {
    const kind = req.method === "POST" ? bodyKind(req) : "other";
    if (kind === "unsupported-charset") return next(bodyErrors.unsupportedCharset());
    if (kind !== "json") return next();
    pipeline.readJson(req).then(({ body }) => {
      req.body = body;
      next();
    }, next);
  };
}
