// Boots the whole server: database (embedded FerretDB unless MONGODB_URI is set), indexes, services, app,
// listener; and shuts it down in reverse order. main.ts and the test harness both use it.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { superviseEmbeddedDb, type SupervisedDb, type SupervisorEvent } from "@promptreg/embedded-db";
import { startAnalytics, type AnalyticsRuntime } from "./analytics/index.js";
import { createRequestListener } from "./app.js";
import { answerClientErrorsAsJson } from "./http/client-errors.js";
import { createProviderRouter } from "./gateway/providers/router.js";
import type { Config } from "./config.js";
import { connectDatabase, createRepositories, ensureIndexes, type DatabaseConnection } from "./db/index.js";
import { createHealth } from "./health.js";
import { createLogger, type Logger } from "./logger.js";
import { createMetrics, createObservability } from "./observability/index.js";
import { createServices, type Services } from "./services/index.js";

export interface RunningServer {
  url: string;
  port: number;
  services: Services;
  database: DatabaseConnection;
  /** The embedded database and its supervisor (absent with MONGODB_URI). */
  embeddedDb: SupervisedDb | undefined;
  logger: Logger;
  /** The call recorder and tracer (tests drain the recorder to read what it wrote). */
  analytics: AnalyticsRuntime;
  close(): Promise<void>;
}

export async function startServer(config: Config, logger = createLogger(config.logLevel)): Promise<RunningServer> {
  let embeddedDb: SupervisedDb | undefined;
  let uri = config.mongodbUri;
  if (!uri) {
    embeddedDb = await superviseEmbeddedDb({ dataDir: config.dataDir, binary: config.ferretdbBin, onEvent: (event) => logSupervisor(logger, event) });
    uri = embeddedDb.uri;
    logger.info({ dataDir: config.dataDir, uri }, "embedded FerretDB started");
  }
  let database: DatabaseConnection | undefined;
  let analytics: AnalyticsRuntime | undefined;
  try {
    const metrics = createMetrics();
    database = await connectDatabase(uri, config.mongodbDb, config.dbTimeoutMs, { onCommand: metrics.observeDbCommand });
    const repositories = createRepositories(database.db, { dbTimeoutMs: config.dbTimeoutMs });
    await ensureIndexes(repositories);
    const signingSecrets = config.signingSecrets ?? [await repositories.settings.sharedSecret("body-url-signing-secret")];
    const services = createServices(repositories, {
      bootstrapApiKey: config.bootstrapApiKey,
      signingSecrets,
      bodyUrlTtlSeconds: config.bodyUrlTtlSeconds,
      ...config.cache,
      analytics: config.analytics,
    });
    await services.auth.bootstrap();
    const swept = await services.prompts.sweepAbandoned();
    if (swept > 0) logger.warn({ swept }, "removed prompts whose creation never finished");

    services.deploymentFeed.start();
    metrics.trackResolutionCaches(() => services.resolution.stats());
    const providers = createProviderRouter(config.providers, metrics.providerObserver);
    metrics.trackProviders(() => providers.stats());
    const observability = createObservability(logger, metrics);
    analytics = await startAnalytics(config, services, repositories, metrics.registry, logger);
    const calls = analytics.sink;
    // Every replica evaluates; a rollback is one revision-checked transition of the pointer, so one acts.
    const rolloutEvaluator = services.rollouts.startEvaluator(config.rolloutEvaluationMs, logger, config.dbTimeoutMs);
    const health = createHealth({ database, embedded: embeddedDb, dbDownMs: config.healthDbDownMs });
    const server: Server = createServer(createRequestListener({ config, services, database, logger, providers, observability, health, calls }));
    answerClientErrorsAsJson(server);
    // A deep accept queue: thousands of long LLM calls may connect at once (the default 511 drops SYNs past it,
    // and a dropped SYN costs the caller a 1-s retransmit).
    server.listen({ port: config.port, host: config.host, backlog: 4096 });
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
    const db = database;
    const running = analytics;

    return {
      url,
      port,
      services,
      database: db,
      embeddedDb,
      logger,
      analytics: running,
      async close() {
        // Stop taking connections, let in-flight requests finish (bounded), then close the database.
        const closed = new Promise<void>((r) => server.close(() => r()));
        services.events.close();
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), 5000);
        await closed;
        clearTimeout(timer);
        services.deploymentFeed.stop();
        rolloutEvaluator.stop();
        health.stop();
        // In-flight calls are over: write their records (bounded) while the database is still there.
        await running.close();
        await providers.close();
        await db.close();
        await embeddedDb?.stop();
      },
    };
  } catch (error) {
    await analytics?.close().catch(() => undefined);
    await database?.close().catch(() => undefined);
    await embeddedDb?.stop();
    throw error;
  }
}

/** One log line per supervisor step: an exit and each restart are worth an operator's attention. */
function logSupervisor(logger: Logger, event: SupervisorEvent): void {
  switch (event.type) {
    case "exited":
      logger.error({ pid: event.pid, code: event.code, signal: event.signal, stderr: event.stderr || undefined }, "embedded FerretDB exited; restarting it");
      break;
    case "restarting":
      logger.warn({ attempt: event.attempt, delayMs: event.delayMs }, "restarting embedded FerretDB");
      break;
    case "restarted":
      logger.warn({ pid: event.pid, attempt: event.attempt, downMs: event.downMs }, "embedded FerretDB restarted");
      break;
    case "restart-failed":
      logger.error({ attempt: event.attempt, error: event.error }, "embedded FerretDB did not start");
      break;
    case "gave-up":
      logger.fatal({ attempts: event.attempts, downMs: event.downMs }, "gave up restarting embedded FerretDB; /healthz answers 503");
      break;
  }
}
