// A real promptreg server (startServer from @promptreg/server, real Express on loopback, its own database on
// the run's FerretDB) whose gateway forwards to a fake LLM, for one test file.
import { randomBytes } from "node:crypto";
import { startFakeLlm, type FakeLlm } from "@promptreg/fake-llm";
import { parseConfig, startServer, type RunningServer } from "@promptreg/server";
import { inject } from "vitest";

export const ADMIN_KEY = "test-bootstrap-key-0123456789";
/** The provider key the server sends upstream (the fake LLM records it). */
export const SERVER_UPSTREAM_KEY = "sk-server-upstream-key";

export interface TestEnv {
  url: string;
  /** The fake upstream of the gateway, and of the sample's direct calls. */
  llm: FakeLlm;
  running: RunningServer;
  stop(): Promise<void>;
}

export async function startTestEnv(): Promise<TestEnv> {
  const llm = await startFakeLlm();
  const running = await startServer(
    parseConfig({
      MONGODB_URI: inject("mongoUri"),
      MONGODB_DB: `example_rest_${randomBytes(6).toString("hex")}`,
      PORT: "0",
      PROMPTREG_API_KEY: ADMIN_KEY,
      PROMPTREG_LOG_LEVEL: "silent",
      PROMPTREG_DB_TIMEOUT_MS: "3000",
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_API_KEY: SERVER_UPSTREAM_KEY,
    }),
  );
  return {
    url: running.url,
    llm,
    running,
    async stop() {
      await running.close();
      await llm.close();
    },
  };
}
