/**
 * Everything the end-to-end test runs against, on loopback: an embedded database (or
 * PROMPTREG_TEST_MONGODB_URI), the fake LLM, and the real promptreg server serving this package's fresh
 * dist/ at `/` (PROMPTREG_DASHBOARD_DIR) next to its API, with its own headers (helmet's CSP included).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { FakeLlm } from "@promptreg/fake-llm";

const run = promisify(execFile);

export const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO_ROOT = resolve(APP_DIR, "../..");
export const DIST_DIR = join(APP_DIR, "dist");
export const ADMIN_KEY = "e2e-bootstrap-key-0123456789";

/**
 * Builds what the test needs: the server and the fake LLM (when their dist/ is missing) and the dashboard
 * itself (always: it takes about two seconds, and a stale dist/ would test old code).
 */
export async function buildEverything(): Promise<void> {
  const needed = ["apps/server/dist/index.js", "packages/fake-llm/dist/index.js", "packages/embedded-db/dist/index.js"];
  if (needed.some((path) => !existsSync(join(REPO_ROOT, path)))) {
    await run("pnpm", ["turbo", "run", "build", "--filter=@promptreg/server...", "--filter=@promptreg/fake-llm", "--output-logs=errors-only"], {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
  }
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
  // Imported once built: these packages resolve to their dist/.
  const { startServer, parseConfig } = await import("@promptreg/server");
  const { startFakeLlm } = await import("@promptreg/fake-llm");
  const { startEmbeddedDb } = await import("@promptreg/embedded-db");

  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    let mongoUri = process.env["PROMPTREG_TEST_MONGODB_URI"];
    if (!mongoUri) {
      const dataDir = await mkdtemp(join(tmpdir(), "promptreg-dashboard-e2e-"));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      const db = await startEmbeddedDb({ dataDir });
      cleanups.push(() => db.stop());
      mongoUri = db.uri;
    }
    const fake = await startFakeLlm();
    cleanups.push(() => fake.close());
    const server = await startServer(
      parseConfig({
        PORT: "0",
        MONGODB_URI: mongoUri,
        MONGODB_DB: `dashboard_e2e_${randomBytes(4).toString("hex")}`,
        PROMPTREG_API_KEY: ADMIN_KEY,
        OPENAI_BASE_URL: fake.baseUrl,
        OPENAI_API_KEY: "sk-fake-upstream",
        PROMPTREG_LOG_LEVEL: "silent",
        PROMPTREG_DASHBOARD_DIR: DIST_DIR,
      }),
    );
    cleanups.push(() => server.close());
    const home = await fetch(server.url, { headers: { accept: "text/html" } });
    if (!home.ok || !(home.headers.get("content-type") ?? "").includes("text/html")) {
      throw new Error("the server build does not serve the dashboard at /: rebuild it (pnpm turbo run build --filter=@promptreg/server)");
    }
    return { url: server.url, fake, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
