#!/usr/bin/env node
// `promptreg-fake-llm [port]`: an offline stand-in for OpenAI, to try the gateway without a key.
import { startFakeLlm } from "./index.js";

const port = Number(process.argv[2] ?? 8788);
const fake = await startFakeLlm({ port, record: false });
process.stdout.write(`fake LLM listening; use OPENAI_BASE_URL=${fake.baseUrl}\n`);
const stop = () => void fake.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
