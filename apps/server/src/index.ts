// The server package's library surface: used by tests, benchmarks and sample apps that embed a server.
export { createApp } from "./app.js";
export { parseConfig, type Config } from "./config.js";
export { startServer, type RunningServer } from "./runtime.js";
