// The Express app: middleware order, health endpoints, tRPC, the REST adapter and error handling.
// No listen() here, so tests build the app on a port of their choosing. New HTTP surfaces mount here.
import { createExpressMiddleware } from "@trpc/server/adapters/express";
import express, { type Express } from "express";
import helmet from "helmet";
import type { Config } from "./config.js";
import type { DatabaseConnection } from "./db/index.js";
import { createGatewayRouter } from "./gateway/chat-completions.js";
import type { UpstreamClient } from "./gateway/upstream.js";
import { notFoundHandler, restErrorHandler } from "./http/errors.js";
import { requestId } from "./http/request-id.js";
import type { Logger } from "./logger.js";
import { createRestRouter } from "./rest/index.js";
import type { Services } from "./services/index.js";
import { appRouter } from "./trpc/root.js";

export interface AppDependencies {
  config: Config;
  services: Services;
  database: Pick<DatabaseConnection, "ping">;
  logger: Logger;
  upstream: UpstreamClient;
}

export function createApp({ config, services, database, logger, upstream }: AppDependencies): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", config.trustProxy);
  app.set("json spaces", 0);
  app.use(requestId);
  app.use(helmet());

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    const ready = await database.ping();
    res.status(ready ? 200 : 503).json(ready ? { status: "ready" } : { status: "unavailable", error: "database unreachable" });
  });

  // The gateway parses its own body (it keeps the raw bytes for pass-through) and answers OpenAI-shaped errors.
  app.use(
    "/v1/chat/completions",
    createGatewayRouter(services, upstream, logger, { bodyLimitBytes: config.bodyLimitBytes, upstreamApiKey: config.upstream.apiKey }),
  );

  app.use(express.json({ limit: config.bodyLimitBytes, type: ["application/json", "application/*+json"] }));

  app.use(
    "/trpc",
    createExpressMiddleware({
      router: appRouter,
      createContext: ({ req, res }) => ({
        services,
        authorization: req.headers.authorization,
        requestId: res.locals["requestId"] as string,
      }),
      onError: ({ error, path }) => {
        if (error.code === "INTERNAL_SERVER_ERROR") logger.error({ err: error.cause ?? error, path }, "tRPC internal error");
      },
    }),
  );

  app.use(createRestRouter(services, config.publicUrl));
  app.use(notFoundHandler);
  app.use(restErrorHandler(logger, config.bodyLimitBytes));
  return app;
}
