#!/usr/bin/env node
// `promptreg-fake-llm [port] [--stream-chunks N] [--stream-ms D]`: an offline stand-in for OpenAI and
// Anthropic, to try the gateway without a key. It echoes the last message; a `stream: true` call gets
// server-sent events. `--stream-chunks 20 --stream-ms 2000` streams every answer as 20 chunks over 2 s
// (the slow-stream benchmark's provider).
import { parseArgs } from "node:util";
import { startFakeLlm } from "./index.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { "stream-chunks": { type: "string" }, "stream-ms": { type: "string" }, help: { type: "boolean", short: "h" } },
});
if (values.help) {
  process.stdout.write("usage: promptreg-fake-llm [port] [--stream-chunks N] [--stream-ms D]\n");
  process.exit(0);
}
const port = Number(positionals[0] ?? 8788);
const chunks = values["stream-chunks"] ? Number(values["stream-chunks"]) : undefined;
const totalMs = values["stream-ms"] ? Number(values["stream-ms"]) : 0;
if (!Number.isInteger(port) || port < 0 || port > 65535 || (chunks !== undefined && !(chunks >= 1)) || !(totalMs >= 0)) {
  process.stderr.write("promptreg-fake-llm: port must be 0-65535, --stream-chunks at least 1, --stream-ms at least 0\n");
  process.exit(2);
}
const fake = await startFakeLlm({ port, record: false, ...(chunks ? { stream: { chunks, intervalMs: totalMs / chunks } } : {}) });
process.stdout.write(
  `fake LLM listening on ${fake.url}\n` +
    `  OpenAI-compatible: OPENAI_BASE_URL=${fake.baseUrl}\n` +
    `  Anthropic Messages: a provider { "type": "anthropic", "baseUrl": "${fake.url}" }\n`,
);
const stop = () => void fake.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
