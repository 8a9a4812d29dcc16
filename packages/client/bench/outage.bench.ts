/**
 * The prompt manager through outages, against a real server process (apps/server/dist/main.js) on an embedded
 * FerretDB: `pnpm --filter @promptreg/client exec tsx bench/outage.bench.ts` (~30 s; build the server first).
 *
 * Scenarios, in one run, each row's baseline being the same call with the server up:
 *   1. server up: a cold miss (network) and cache hits;
 *   2. server process stopped (connection refused): what a call costs and which `source` serves it —
 *      a pointer still fresh ("cache"), one past maxStaleMs ("last-known-good": the first call asks the server,
 *      the next ones within outageBackoffMs do not), a prompt never fetched with a fallback ("fallback"), and
 *      one with neither (PromptUnavailableError);
 *   3. database stopped, server up (it answers 503 within PROMPTREG_DB_TIMEOUT_MS, here 1000 ms);
 *   4. recovery: time from the server answering /readyz again to the first "network" answer, and to the
 *      deployment stream being live again.
 * Two managers: "default" (pointerTtlMs 30 s, maxStaleMs 5 min, outageBackoffMs 2 s, SSE on) and "short"
 * (pointerTtlMs 50 ms, maxStaleMs 200 ms, outageBackoffMs 2 s, SSE off) to get past maxStaleMs quickly.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { availableParallelism, loadavg } from "node:os";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmbeddedDb, type EmbeddedDb } from "@promptreg/embedded-db";
import type { TPromptBody } from "@promptreg/contracts";
import { createRestClient, PromptManager, PromptUnavailableError, type PromptBodyRequest, type PromptManagerEvent } from "../src/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const API_KEY = "bench-admin-key-0123456789";
const OUTAGE_BACKOFF_MS = 2000;

const body = (greeting: string): TPromptBody => ({
  model: "gpt-4o-mini",
  temperature: 0.3,
  messages: [
    { role: "system", content: `${greeting} You support {{hc:company:string}} customers.` },
    { role: "user", content: "{{hc:question:string}}" },
  ],
});
const inputs = { company: "Acme", question: "Where is my order?" };

const freePort = () =>
  new Promise<number>((r) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => r(port));
    });
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");

let serverChild: ChildProcess | undefined;
process.once("exit", () => serverChild?.kill("SIGKILL"));

async function startServerProcess(port: number, mongoUri: string): Promise<number> {
  const t0 = performance.now();
  serverChild = spawn(process.execPath, [join(root, "apps/server/dist/main.js")], {
    stdio: ["ignore", "ignore", "ignore"],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      MONGODB_URI: mongoUri,
      PROMPTREG_API_KEY: API_KEY,
      PROMPTREG_LOG_LEVEL: "silent",
      PROMPTREG_RATE_LIMIT_PER_MINUTE: "0",
      PROMPTREG_DB_TIMEOUT_MS: "1000",
    },
  });
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(20)) {
    if (serverChild.exitCode !== null) throw new Error(`the server exited with code ${serverChild.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      await res.arrayBuffer();
      if (res.ok) return performance.now() - t0;
    } catch {
      // not up yet
    }
  }
  throw new Error("the server did not come up");
}

async function stopServerProcess(): Promise<void> {
  const child = serverChild;
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((r) => {
    child.once("exit", () => r());
    child.kill("SIGTERM");
  });
}

interface Row {
  scenario: string;
  manager: string;
  source: string;
  calls: number;
  p50: number;
  max: number;
  unit: "µs" | "ms";
  note: string;
}
const rows: Row[] = [];

/** Times `n` calls one after the other; the source of each is collected. */
async function calls(run: () => Promise<string>, n: number): Promise<{ latencies: number[]; sources: Set<string> }> {
  const latencies: number[] = [];
  const sources = new Set<string>();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    sources.add(await run());
    latencies.push(performance.now() - t0);
  }
  return { latencies, sources };
}

function record(scenario: string, manager: string, result: { latencies: number[]; sources: Set<string> }, unit: "µs" | "ms", note = "") {
  const sorted = [...result.latencies].sort((a, b) => a - b);
  const scale = unit === "µs" ? 1000 : 1;
  rows.push({
    scenario,
    manager,
    source: [...result.sources].join(", "),
    calls: sorted.length,
    p50: sorted[Math.floor(sorted.length / 2)]! * scale,
    max: sorted[sorted.length - 1]! * scale,
    unit,
    note,
  });
}

const sourceOf = (manager: PromptManager, request: PromptBodyRequest) => async () => {
  try {
    return (await manager.getPromptBody(request)).source;
  } catch (error) {
    return error instanceof PromptUnavailableError ? "PromptUnavailableError" : `${(error as Error).name}`;
  }
};

console.log(`\n## Prompt manager through outages\n\nNode ${process.version}, ${availableParallelism()} cores, load average ${load()}`);

const dataDir = await mkdtemp(join(tmpdir(), "promptreg-client-bench-"));
const dbPort = await freePort();
let db: EmbeddedDb | undefined = await startEmbeddedDb({ dataDir, port: dbPort, binary: process.env["FERRETDB_BIN"] || undefined });
const serverPort = await freePort();
const url = `http://127.0.0.1:${serverPort}`;
const managers: PromptManager[] = [];
try {
  await startServerProcess(serverPort, db.uri);
  const rest = createRestClient({ url, apiKey: API_KEY });
  const cached = await rest.createPrompt({ name: "bench-outage-cached", promptBody: body("Hello.") });
  const withFallback = await rest.createPrompt({ name: "bench-outage-fallback", promptBody: body("Hi.") });
  const neither = await rest.createPrompt({ name: "bench-outage-none", promptBody: body("Hey.") });

  const events: Array<{ at: number; event: PromptManagerEvent }> = [];
  const byDefault = new PromptManager({ url, apiKey: API_KEY, onEvent: (event) => events.push({ at: performance.now(), event }) });
  const short = new PromptManager({
    url,
    apiKey: API_KEY,
    subscribe: false,
    pollIntervalMs: 3_600_000,
    pointerTtlMs: 50,
    maxStaleMs: 200,
    outageBackoffMs: OUTAGE_BACKOFF_MS,
    fallbacks: { [withFallback.id]: body("Fallback.") },
  });
  managers.push(byDefault, short);
  const request = { prompt_id: cached.id, inputs };
  const defaultCall = sourceOf(byDefault, request);
  const shortCall = sourceOf(short, request);
  if (!(await byDefault.ready())) throw new Error("the deployment stream did not come up");

  // 1. Server up.
  record("server up", "default", await calls(defaultCall, 1), "ms", "cold miss: one /v2 environment-version request");
  await calls(shortCall, 1);
  await calls(defaultCall, 20_000);
  record("server up", "default", await calls(defaultCall, 20_000), "µs", "cache hit (baseline of the outage rows)");

  // 2. Server process stopped.
  await stopServerProcess();
  const downAt = performance.now();
  await sleep(250); // past the short manager's maxStaleMs
  record("server stopped", "default", await calls(defaultCall, 20_000), "µs", "pointer within pointerTtlMs: no request");
  record("server stopped", "short", await calls(shortCall, 1), "ms", "past maxStaleMs: asks the server, connection refused");
  record("server stopped", "short", await calls(shortCall, 20_000), "µs", `within outageBackoffMs (${OUTAGE_BACKOFF_MS} ms): no request`);
  await sleep(OUTAGE_BACKOFF_MS + 50);
  record("server stopped", "short", await calls(shortCall, 1), "ms", "backoff over: asks again, refused again");
  const fallbackCall = sourceOf(short, { prompt_id: withFallback.id, inputs });
  record("server stopped", "short", await calls(fallbackCall, 1), "µs", "never fetched, fallback configured (within backoff)");
  record("server stopped", "short", await calls(fallbackCall, 10_000), "µs", "fallback, steady");
  const noneCall = sourceOf(short, { prompt_id: neither.id, inputs });
  record("server stopped", "short", await calls(noneCall, 1), "µs", "never fetched, no fallback: throws");

  // 4a. Recovery after the process outage.
  const bootMs = await startServerProcess(serverPort, db.uri);
  const readyAt = performance.now();
  const recovery: string[] = [];
  let firstNetworkMs = NaN;
  for (const deadline = readyAt + 10_000; performance.now() < deadline; await sleep(5)) {
    const source = await shortCall();
    if (recovery.at(-1) !== source) recovery.push(source);
    if (source === "network") {
      firstNetworkMs = performance.now() - readyAt;
      break;
    }
  }
  let resubscribedMs = NaN;
  for (const deadline = readyAt + 40_000; performance.now() < deadline; await sleep(20)) {
    const live = events.find((e) => e.at > downAt && e.event.type === "subscribed");
    if (live) {
      resubscribedMs = live.at - readyAt;
      break;
    }
  }

  // 3. Database stopped, server up: the server answers 503 within PROMPTREG_DB_TIMEOUT_MS.
  await sleep(250);
  await db.stop();
  db = undefined;
  await sleep(250);
  record("database stopped", "short", await calls(shortCall, 1), "ms", "past maxStaleMs: asks, the server answers 503 (database unreachable; at most its DB timeout, 1 s)");
  record("database stopped", "short", await calls(shortCall, 10_000), "µs", "within outageBackoffMs: no request");
  record("database stopped", "default", await calls(defaultCall, 10_000), "µs", "pointer within pointerTtlMs: no request");
  db = await startEmbeddedDb({ dataDir, port: dbPort, binary: process.env["FERRETDB_BIN"] || undefined });
  const dbBackAt = performance.now();
  let dbRecoveryMs = NaN;
  for (const deadline = dbBackAt + 20_000; performance.now() < deadline; await sleep(5)) {
    if ((await shortCall()) === "network") {
      dbRecoveryMs = performance.now() - dbBackAt;
      break;
    }
  }

  const f = (n: number, unit: "µs" | "ms") => (unit === "µs" ? n.toFixed(2) : n.toFixed(1));
  console.log(`\n### Calls of getPromptBody (sequential; p50 and max per call)\n`);
  console.log("| scenario | manager | source | calls | p50 | max | note |");
  console.log("|---|---|---|---:|---:|---:|---|");
  for (const r of rows) console.log(`| ${r.scenario} | ${r.manager} | ${r.source} | ${r.calls} | ${f(r.p50, r.unit)} ${r.unit} | ${f(r.max, r.unit)} ${r.unit} | ${r.note} |`);

  console.log(`\n### Recovery\n`);
  console.log("| event | time |");
  console.log("|---|---:|");
  console.log(`| server process restarted: spawn to /readyz | ${bootMs.toFixed(0)} ms |`);
  console.log(`| server ready → first "network" answer (short manager, polling every 5 ms; sources seen: ${recovery.join(" → ")}) | ${firstNetworkMs.toFixed(0)} ms |`);
  console.log(`| server ready → deployment stream live again (default manager, SSE reconnect backoff) | ${Number.isFinite(resubscribedMs) ? `${resubscribedMs.toFixed(0)} ms` : "not within 40 s"} |`);
  console.log(`| database restarted → first "network" answer (short manager) | ${dbRecoveryMs.toFixed(0)} ms |`);
  const threw = rows.filter((r) => r.scenario !== "server up" && !r.note.endsWith("throws") && /Error/.test(r.source));
  const expectedThrow = rows.find((r) => r.note.endsWith("throws"))?.source === "PromptUnavailableError";
  console.log(`\n### Targets\n`);
  console.log("| target | verdict |");
  console.log("|---|---|");
  console.log(`| every call with a cached or fallback body is served through the outages (no throw) | ${threw.length === 0 ? "met" : `MISSED (${threw.length} rows threw)`} |`);
  console.log(`| a call with neither throws PromptUnavailableError | ${expectedThrow ? "met" : "MISSED"} |`);
  console.log(`| cache hits cost the same during an outage (< 5 µs) | ${rows.filter((r) => r.unit === "µs" && r.source === "cache").every((r) => r.p50 < 5) ? "met" : "MISSED"} |`);
  console.log(`| back on the network within outageBackoffMs (${OUTAGE_BACKOFF_MS} ms) of the server being ready | ${firstNetworkMs <= OUTAGE_BACKOFF_MS + 100 ? "met" : "MISSED"} (${firstNetworkMs.toFixed(0)} ms) |`);
  console.log(`load average after: ${load()}`);
} finally {
  for (const m of managers) m.close();
  await stopServerProcess();
  await db?.stop();
  await rm(dataDir, { recursive: true, force: true });
}
