// Starts the fake upstream and the server as child processes, as they run in production: the load
// generator must not share an event loop with what it measures.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export async function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => r(port));
    });
  });
}

async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { method: "GET" });
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

export interface Stack {
  upstreamUrl: string;
  serverUrl: string;
  apiKey: string;
  stop(): Promise<void>;
}

/** Fake upstream + server (with its own embedded FerretDB in a temporary directory). */
export async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  const children: ChildProcess[] = [];
  const dataDir = await mkdtemp(join(tmpdir(), "promptreg-bench-"));
  const upstreamPort = await freePort();
  const serverPort = await freePort();
  const apiKey = "bench-admin-key-0123456789";
  children.push(spawn(process.execPath, [join(root, "packages/fake-llm/dist/cli.js"), String(upstreamPort)], { stdio: "ignore" }));
  children.push(
    // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under load.
    spawn(process.execPath, [...(process.env["BENCH_SERVER_NODE_ARGS"]?.split(" ").filter(Boolean) ?? []), join(root, "apps/server/dist/main.js")], {
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...process.env,
        PORT: String(serverPort),
        PROMPTREG_DATA_DIR: dataDir,
        PROMPTREG_API_KEY: apiKey,
        PROMPTREG_LOG_LEVEL: "warn",
        OPENAI_BASE_URL: `http://127.0.0.1:${upstreamPort}/v1`,
        OPENAI_API_KEY: "sk-bench",
        // The load generator is one key sending tens of thousands of requests: not what is measured.
        PROMPTREG_RATE_LIMIT_PER_MINUTE: "0",
        ...extraEnv,
      },
    }),
  );
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
  const serverUrl = `http://127.0.0.1:${serverPort}`;
  await waitFor(`${upstreamUrl}/`);
  await waitFor(`${serverUrl}/readyz`);
  return {
    upstreamUrl,
    serverUrl,
    apiKey,
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((r) => {
              if (child.exitCode !== null) return r();
              child.once("exit", () => r());
              child.kill("SIGTERM");
            }),
        ),
      );
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
