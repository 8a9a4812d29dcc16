// Entry point of `pnpm start`: load config, start, and shut down gracefully on SIGINT/SIGTERM.
import { loadConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { startServer } from "./runtime.js";

const config = loadConfig();
const logger = createLogger(config.logLevel);

try {
  const server = await startServer(config, logger);
  logger.info({ url: server.url, database: config.mongodbUri ? "MONGODB_URI" : "embedded" }, "promptreg listening");
  if (!config.bootstrapApiKey) {
    logger.warn("PROMPTREG_API_KEY is not set: no bootstrap admin key; set it to manage prompts and create keys");
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "error during shutdown");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
} catch (error) {
  logger.fatal({ err: error }, "could not start");
  process.exit(1);
}
