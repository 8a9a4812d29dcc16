import { pino, type Logger } from "pino";

export type { Logger };

/** Structured JSON logs. Authorization headers and keys never reach a log line. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "promptreg" },
    redact: { paths: ["req.headers.authorization", "authorization", "apiKey", "secret"], censor: "[redacted]" },
  });
}
