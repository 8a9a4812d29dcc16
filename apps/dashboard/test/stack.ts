/**
 * Everything the end-to-end test runs against, on loopback: the real promptreg server every package's
 * tests share (startTestServerWithFakeLlm from @promptreg/server/testing, on the run's database started
 * by the e2e project's global setup), its gateway on a fake LLM, serving this package's fresh dist/ at
 * `/` (PROMPTREG_DASHBOARD_DIR) next to its API, with its own headers (helmet's CSP included).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { FakeLlm } from "@promptreg/fake-llm";
import { ADMIN_KEY, startTestServerWithFakeLlm } from "@promptreg/server/testing";

const run = promisify(execFile);

export { ADMIN_KEY };
export const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DIST_DIR = join(APP_DIR, "dist");

/**
 * Builds the dashboard itself, always (about two seconds, and a stale dist/ would test old code) unless
 * PROMPTREG_E2E_SKIP_BUILD=1 and a build exists. The server it runs on is built before the tests run
 * (turbo's `^build`; by hand: `pnpm turbo run build --filter=@promptreg/dashboard^...`).
 */
export async function buildDashboard(): Promise<void> {
  if (process.env["PROMPTREG_E2E_SKIP_BUILD"] === "1" && existsSync(join(DIST_DIR, "index.html"))) return;
  await run(process.execPath, [join(APP_DIR, "node_modules/vite/bin/vite.js"), "build", "--logLevel", "warn"], {
    cwd: APP_DIR,
    maxBuffer: 16 * 1024 * 1024,
  });
}

export interface Stack {
  /** The promptreg server: the dashboard at `/`, the API beside it. */
  url: string;
  /** The fake LLM behind the gateway: a test can make it stream, fail or hang. */
  fake: FakeLlm;
  stop(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const server = await startTestServerWithFakeLlm({ PROMPTREG_DASHBOARD_DIR: DIST_DIR });
  try {
    const home = await fetch(server.url, { headers: { accept: "text/html" } });
    if (!home.ok || !(home.headers.get("content-type") ?? "").includes("text/html")) {
      throw new Error(`the server does not serve the dashboard at / (${home.status}): is ${DIST_DIR} built?`);
    }
    return { url: server.url, fake: server.llm, stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
