// Starts what the benchmarks measure as separate processes, as they run in production: the load generator
// must not share an event loop with what it measures.
//
// - the database: an embedded FerretDB (SQLite) in a temporary directory, or, with MONGODB_URI set, a fresh
//   database (MONGODB_DB-like name `promptreg_bench_…`) on that MongoDB, dropped at the end;
// - the fake upstream (packages/fake-llm), the server (apps/server/dist/main.js), and the resolution
//   benchmark's minimal Express baseline (bench/baseline-server.ts), each in its own child process, all
//   on loopback, all pointed at the same database.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmbeddedDb } from "@promptreg/embedded-db";
import { MongoClient } from "mongodb";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");

// Children never outlive the benchmark, even when it fails or is interrupted.
const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

export async function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => r(port));
    });
  });
}

async function waitFor(url: string, child: ChildProcess | undefined, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${url}: the process exited with code ${child.exitCode} before answering`);
    try {
      const res = await fetch(url, { method: "GET" });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  return new Promise<void>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) return r();
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      r();
    });
    child.kill(signal);
  });
}

export interface Database {
  /** "ferretdb" (embedded, SQLite backend) or "mongodb" (MONGODB_URI). */
  kind: "ferretdb" | "mongodb";
  uri: string;
  dbName: string;
  /** The FerretDB process (embedded only). */
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Hides the credentials of a MongoDB URI, for printing. */
export const redactUri = (uri: string) => uri.replace(/\/\/[^@/]*@/, "//***@");

/** The database every process of one benchmark shares. */
export async function startDatabase(): Promise<Database> {
  const external = process.env["MONGODB_URI"];
  if (external) {
    const dbName = `promptreg_bench_${randomBytes(4).toString("hex")}`;
    return {
      kind: "mongodb",
      uri: external,
      dbName,
      pid: undefined,
      async stop() {
        const client = new MongoClient(external);
        try {
          await client.connect();
          await client.db(dbName).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  }
  const dataDir = await mkdtemp(join(tmpdir(), "promptreg-bench-db-"));
  const db = await startEmbeddedDb({ dataDir, binary: process.env["FERRETDB_BIN"] || undefined });
  return {
    kind: "ferretdb",
    uri: db.uri,
    dbName: "promptreg",
    pid: db.pid,
    async stop() {
      await db.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Process {
  url: string;
  port: number;
  pid: number;
  /** SIGTERM (SIGKILL after 10 s); resolves once it exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The fake upstream (OpenAI and Anthropic shapes); it answers at once unless `args` say otherwise (e.g. `--stream-chunks 20 --stream-ms 2000`). */
export async function startUpstream(args: string[] = []): Promise<Process> {
  const port = await freePort();
  const child = track(spawn(process.execPath, [join(root, "packages/fake-llm/dist/cli.js"), String(port), ...args], { stdio: "ignore" }));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/`, child);
  return { url, port, pid: child.pid!, stop: (signal) => stopChild(child, signal) };
}

/** A providers file (PROMPTREG_PROVIDERS_FILE) in a temporary directory. */
export async function writeProvidersFile(content: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "promptreg-bench-providers-"));
  const path = join(dir, "providers.json");
  await writeFile(path, JSON.stringify(content));
  return path;
}

export const BENCH_API_KEY = "bench-admin-key-0123456789";

export interface ServerOptions {
  database: Database;
  upstreamUrl?: string | undefined;
  /** Default: a free port. */
  port?: number | undefined;
  env?: Record<string, string> | undefined;
}

/** apps/server/dist/main.js (or BENCH_SERVER_MAIN) on `database`. */
export async function startServerProcess(options: ServerOptions): Promise<Process> {
  const port = options.port ?? (await freePort());
  const child = track(spawn(
    process.execPath,
    // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under load.
    // BENCH_SERVER_MAIN runs another build (an A/B against an older commit built in a git worktree).
    [...(process.env["BENCH_SERVER_NODE_ARGS"]?.split(" ").filter(Boolean) ?? []), process.env["BENCH_SERVER_MAIN"] ?? join(root, "apps/server/dist/main.js")],
    {
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...process.env,
        PORT: String(port),
        HOST: "127.0.0.1",
        MONGODB_URI: options.database.uri,
        MONGODB_DB: options.database.dbName,
        PROMPTREG_API_KEY: BENCH_API_KEY,
        PROMPTREG_LOG_LEVEL: "warn",
        ...(options.upstreamUrl ? { OPENAI_BASE_URL: `${options.upstreamUrl}/v1`, OPENAI_API_KEY: "sk-bench" } : {}),
        // The load generator is one key sending tens of thousands of requests: not what is measured.
        PROMPTREG_RATE_LIMIT_PER_MINUTE: "0",
        ...options.env,
      },
    },
  ));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/readyz`, child);
  return { url, port, pid: child.pid!, stop: (signal) => stopChild(child, signal) };
}

/**
 * The resolution benchmark's baseline: a minimal Express 5 app doing single findOnes (bench/baseline-server.ts);
 * `rawUrl` is its plain node:http listener (cached read without a framework).
 */
export async function startBaseline(database: Database): Promise<Process & { rawUrl: string }> {
  const port = await freePort();
  const rawPort = await freePort();
  const child = track(spawn(process.execPath, ["--import", "tsx", join(here, "baseline-server.ts")], {
    cwd: join(root, "apps/server"),
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, PORT: String(port), RAW_PORT: String(rawPort), MONGODB_URI: database.uri, MONGODB_DB: database.dbName },
  }));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/healthz`, child);
  return { url, port, pid: child.pid!, rawUrl: `http://127.0.0.1:${rawPort}`, stop: (signal) => stopChild(child, signal) };
}

export interface Stack {
  upstreamUrl: string;
  serverUrl: string;
  apiKey: string;
  /** The server process (for /proc sampling). */
  serverPid: number;
  database: Database;
  stop(): Promise<void>;
}

/** Fake upstream + server, on a database of their own (embedded FerretDB in a temporary directory, or MONGODB_URI). */
export async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  const database = await startDatabase();
  const started: Process[] = [];
  try {
    const upstream = await startUpstream();
    started.push(upstream);
    const server = await startServerProcess({ database, upstreamUrl: upstream.url, env: extraEnv });
    started.push(server);
    return {
      upstreamUrl: upstream.url,
      serverUrl: server.url,
      apiKey: BENCH_API_KEY,
      serverPid: server.pid,
      database,
      async stop() {
        await Promise.all(started.map((p) => p.stop()));
        await database.stop();
      },
    };
  } catch (error) {
    await Promise.all(started.map((p) => p.stop()));
    await database.stop();
    throw error;
  }
}
