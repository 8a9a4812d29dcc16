// Prompt resolution ("which version does this environment serve, with its body") over REST and tRPC vs a
// minimal Express 5 handler doing a single findOne on the same database, in one run: uncached (the request
// says `Cache-Control: no-cache`, so the server reads the database) and with the server's caches warm; then
// the warm resolution cache (the gateway's) against the same findOne, in process.
//
// Run: pnpm --filter @promptreg/server exec tsx bench/resolution.bench.ts
// Knobs: BENCH_RESOLUTION_SECONDS (3) per cell, BENCH_RESOLUTION_ROUNDS (3) interleaved slices per latency
// cell, BENCH_RESOLUTION_CONNECTIONS (16) for the throughput table, MONGODB_URI (a real MongoDB instead of
// the embedded FerretDB).
//
// Processes: the database, the server, the fake upstream and the baseline (bench/baseline-server.ts) each
// run in their own process; the load generators run here. Latency: bench/load.ts (hrtime, µs precision,
// concurrency 1, keep-alive). Throughput: autocannon (whole-ms latency histogram, so only req/s is used).
// CPU per request of the answering process and of the database process come from /proc/<pid>/stat (the
// app column is the server, the baseline or the upstream, whichever answers the row; the DB column is
// FerretDB's, empty on MONGODB_URI); DB commands per request from the server's /metrics.
import { parseConfig, startServer } from "../src/index.js";
import { runThroughput, type ThroughputResult, type ThroughputTarget } from "./autocannon.js";
import { requestOperation, runOperation, summarize, type LoadResult, type Operation } from "./load.js";
import { BENCH_API_KEY, redactUri, startBaseline, startDatabase, startServerProcess, startUpstream, type Process } from "./processes.js";
import { cpuSecondsOf, dbCommandCounts, int, load, machineLine, microbench, ms, ratio, table, waitForQuietMachine } from "./report.js";
import { compiledBody as compiled, inputs, template } from "./fixture.js";

const seconds = Number(process.env["BENCH_RESOLUTION_SECONDS"] ?? 3);
const connections = Number(process.env["BENCH_RESOLUTION_CONNECTIONS"] ?? 16);
const rounds = Math.max(1, Number(process.env["BENCH_RESOLUTION_ROUNDS"] ?? 3));


interface Row {
  key: string;
  label: string;
  /** For the latency table (one operation = what the row does). */
  op: Operation;
  origin: string;
  /** For autocannon. */
  throughput: ThroughputTarget;
  /** Read the DB command counts of the server around it. */
  server: boolean;
  /** The process that answers (its CPU time is read from /proc around the measurement). */
  pid: number;
}

await waitForQuietMachine();
console.log(`\n## Prompt resolution: server vs a minimal Express findOne on the same database\n\n${machineLine()}`);

const database = await startDatabase();
const started: Process[] = [];
try {
  console.log(`database: ${database.kind} (${redactUri(database.uri)}, db ${database.dbName})`);
  const upstream = await startUpstream();
  started.push(upstream);
  const server = await startServerProcess({ database, upstreamUrl: upstream.url });
  started.push(server);
  const baseline = await startBaseline(database);
  started.push(baseline);

  const auth = { authorization: `Bearer ${BENCH_API_KEY}`, "content-type": "application/json" };
  const json = { "content-type": "application/json" };
  const created = await fetch(`${server.url}/v1/prompt-2025`, { method: "POST", headers: auth, body: JSON.stringify({ name: "bench-resolution", promptBody: template }) });
  if (created.status !== 201 && created.status !== 200) throw new Error(`creating the prompt answered ${created.status}: ${await created.text()}`);
  const { data } = (await created.json()) as { data: { id: string; versionId: string } };
  const promptId = data.id;
  const versionId = data.versionId;

  const envBody = JSON.stringify({ promptId, environment: "production" });
  const versionBody = JSON.stringify({ versionId });
  const trpcPath = (procedure: string, input: unknown) => `/trpc/${procedure}?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: input }))}`;
  const trpcVersion = trpcPath("environments.version", { promptId, environment: "production" });
  const trpcBody = trpcPath("versions.body", { versionId });
  const trpcWithBody = trpcPath("environments.versionWithBody", { promptId, environment: "production" });
  const uncached = { ...auth, "cache-control": "no-cache" };

  const post = (origin: string, path: string, body: string, headers: Record<string, string>) => ({
    op: requestOperation({ origin, path, headers, body }),
    origin,
    throughput: { url: `${origin}${path}`, method: "POST" as const, headers, body },
  });
  const get = (origin: string, path: string, headers: Record<string, string>) => ({
    op: requestOperation({ origin, path, headers, method: "GET" }),
    origin,
    throughput: { url: `${origin}${path}`, method: "GET" as const, headers },
  });

  const rows: Row[] = [
    { key: "b-floor", pid: baseline.pid, label: "baseline: Express GET /healthz (no database)", server: false, ...get(baseline.url, "/healthz", {}) },
    { key: "b-raw", pid: baseline.pid, label: "baseline: plain node:http, version from a Map (cached, no framework)", server: false, ...post(baseline.rawUrl, "/cached-version", versionBody, json) },
    { key: "b-cached", pid: baseline.pid, label: "baseline: Express, version from a Map (cached)", server: false, ...post(baseline.url, "/cached-version", versionBody, json) },
    { key: "b-1", pid: baseline.pid, label: "**baseline: Express, 1 findOne (version by _id)**", server: false, ...post(baseline.url, "/version", versionBody, json) },
    { key: "b-2", pid: baseline.pid, label: "baseline: Express, 2 findOnes (pointer, version)", server: false, ...post(baseline.url, "/environment-version", envBody, json) },
    { key: "s-floor", pid: server.pid, label: "server GET /healthz (no database)", server: true, ...get(server.url, "/healthz", {}) },
    { key: "rest-v2", pid: server.pid, label: "**server REST POST /v2/…/environment-version, uncached** (Cache-Control: no-cache)", server: true, ...post(server.url, "/v2/prompt-2025/query/environment-version", envBody, uncached) },
    { key: "rest-v1", pid: server.pid, label: "server REST POST /v1/…/environment-version, uncached (metadata only)", server: true, ...post(server.url, "/v1/prompt-2025/query/environment-version", envBody, uncached) },
    { key: "rest-v2-warm", pid: server.pid, label: "**server REST POST /v2/…/environment-version, cache warm**", server: true, ...post(server.url, "/v2/prompt-2025/query/environment-version", envBody, auth) },
    { key: "rest-v1-warm", pid: server.pid, label: "server REST POST /v1/…/environment-version, cache warm", server: true, ...post(server.url, "/v1/prompt-2025/query/environment-version", envBody, auth) },
    { key: "trpc-warm", pid: server.pid, label: "server tRPC environments.versionWithBody, cache warm (through Express)", server: true, ...get(server.url, trpcWithBody, auth) },
    {
      key: "trpc",
      pid: server.pid,
      label: "server tRPC environments.version (cached) + versions.body (uncached): 2 requests",
      server: true,
      origin: server.url,
      op: async (pool) => {
        for (const path of [trpcVersion, trpcBody]) {
          const res = await pool.request({ method: "GET", path, headers: auth });
          await res.body.arrayBuffer();
          if (res.statusCode !== 200) return false;
        }
        return true;
      },
      throughput: {
        url: server.url,
        requests: [
          { method: "GET", path: trpcVersion, headers: auth },
          { method: "GET", path: trpcBody, headers: auth },
        ],
      },
    },
    {
      key: "upstream",
      pid: upstream.pid,
      label: "fake upstream called directly (no resolution)",
      server: false,
      ...post(upstream.url, "/v1/chat/completions", compiled, { ...json, authorization: "Bearer sk-bench" }),
    },
    {
      key: "gateway",
      pid: server.pid,
      label: "gateway /v1/chat/completions, resolution cache warm (+ compile + upstream hop)",
      server: true,
      ...post(server.url, "/v1/chat/completions", JSON.stringify({ prompt_id: promptId, inputs }), auth),
    },
  ];

  // Every row must answer 200 before anything is measured.
  for (const row of rows) {
    const check = await runOperation(row.origin, row.op, 1, { durationMs: 10_000, warmupMs: 0, maxRequests: 1 });
    if (check.requests !== 1 || check.errors > 0) throw new Error(`${row.key} does not answer 200`);
  }

  // DB commands per request (server rows), from the server's /metrics: background polling subtracted.
  const commandsPerRequest = new Map<string, string>();
  const total = (m: Map<string, number> | undefined) => (m ? [...m.values()].reduce((s, v) => s + v, 0) : NaN);
  const idleStart = await dbCommandCounts(server.url);
  const idleT0 = performance.now();
  await new Promise((r) => setTimeout(r, 1000));
  const idleRate = (total(await dbCommandCounts(server.url)) - total(idleStart)) / ((performance.now() - idleT0) / 1000);
  for (const row of rows.filter((r) => r.server)) {
    const before = await dbCommandCounts(server.url);
    const t0 = performance.now();
    await runOperation(row.origin, row.op, 1, { durationMs: 10_000, warmupMs: 0, maxRequests: 200 });
    const after = await dbCommandCounts(server.url);
    const elapsed = (performance.now() - t0) / 1000;
    if (!before || !after) continue;
    const byCommand = [...after.entries()]
      .map(([name, n]) => [name, (n - (before.get(name) ?? 0)) / 200] as const)
      .filter(([, n]) => n >= 0.05)
      .map(([name, n]) => `${n.toFixed(1)} ${name}`);
    const perRequest = (total(after) - total(before) - idleRate * elapsed) / 200;
    commandsPerRequest.set(row.key, `${Math.max(0, perRequest).toFixed(1)}${byCommand.length > 0 ? ` (${byCommand.join(", ")})` : ""}`);
  }
  commandsPerRequest.set("b-1", "1 (1 find)");
  commandsPerRequest.set("b-2", "2 (2 find)");
  commandsPerRequest.set("b-cached", "0");
  commandsPerRequest.set("b-raw", "0");
  commandsPerRequest.set("b-floor", "0");
  commandsPerRequest.set("upstream", "0");

  // Latency, concurrency 1.
  console.log(`\nload average before measuring: ${load()}`);
  // Rows are interleaved: `rounds` passes over all rows, each slice seconds/rounds long, so that a burst of
  // load from elsewhere on the machine lands on every row rather than on one.
  const latency = new Map<string, LoadResult>();
  const cpu = new Map<string, { app: number; db: number }>();
  const collected = new Map<string, { latencies: number[]; errors: number; seconds: number; app: number; db: number }>(
    rows.map((r) => [r.key, { latencies: [], errors: 0, seconds: 0, app: 0, db: 0 }]),
  );
  for (const row of rows) await runOperation(row.origin, row.op, 1, { durationMs: 300, warmupMs: 0 });
  for (let round = 0; round < rounds; round++) {
    for (const row of rows) {
      const acc = collected.get(row.key)!;
      await runOperation(row.origin, row.op, 1, { durationMs: 100, warmupMs: 0 });
      const [app0, db0] = await Promise.all([cpuSecondsOf(row.pid), database.pid ? cpuSecondsOf(database.pid) : NaN]);
      const slice = await runOperation(row.origin, row.op, 1, { durationMs: (seconds * 1000) / rounds, warmupMs: 0, maxRequests: 200_000, collect: acc.latencies });
      const [app1, db1] = await Promise.all([cpuSecondsOf(row.pid), database.pid ? cpuSecondsOf(database.pid) : NaN]);
      acc.errors += slice.errors;
      acc.seconds += slice.seconds;
      acc.app += app1 - app0;
      acc.db += db1 - db0;
    }
  }
  for (const row of rows) {
    const acc = collected.get(row.key)!;
    const result = summarize(acc.latencies, acc.errors, acc.seconds);
    latency.set(row.key, result);
    cpu.set(row.key, { app: (acc.app / result.requests) * 1e6, db: (acc.db / result.requests) * 1e6 });
  }
  const base = latency.get("b-1")!;
  console.log(`\n### Latency at concurrency 1 (hrtime generator, ${seconds} s per row in ${rounds} interleaved slices, keep-alive; ms; ratio = p50 / baseline 1-findOne p50)\n`);
  console.log(
    table(
      ["what", "p50", "p90", "p99", "mean", "req/s", "p50 ratio", "DB commands / request", "CPU µs / request: app", "DB process", "errors"],
      rows.map((row) => {
        const r = latency.get(row.key)!;
        const c = cpu.get(row.key)!;
        return [row.label, ms(r.p50), ms(r.p90), ms(r.p99), ms(r.mean), int(r.rps), ratio(r.p50 / base.p50), commandsPerRequest.get(row.key) ?? "n/a", int(c.app), int(c.db), String(r.errors)];
      }),
    ),
  );

  // Throughput, autocannon.
  const throughput = new Map<string, ThroughputResult>();
  for (const row of rows) throughput.set(row.key, await runThroughput(row.throughput, connections, seconds, 2_000_000));
  const baseTp = throughput.get("b-1")!;
  console.log(`\n### Throughput at ${connections} connections (autocannon, ${seconds} s per row; an operation is one row's request(s); ratio = ops/s / baseline 1-findOne ops/s)\n`);
  console.log(
    table(
      ["what", "ops/s", "ratio", "p50 ms (integer)", "p99 ms (integer)", "requests", "errors"],
      rows.map((row) => {
        const r = throughput.get(row.key)!;
        return [row.label, int(r.opsPerSecond), ratio(r.opsPerSecond / baseTp.opsPerSecond), String(r.p50), String(r.p99), int(r.total), String(r.errors)];
      }),
    ),
  );

  // The warm resolution cache itself, in process: the gateway's resolve() against the same findOne through
  // the same driver, no HTTP on either side.
  const local = await startServer(
    parseConfig({ PORT: "0", MONGODB_URI: database.uri, MONGODB_DB: database.dbName, PROMPTREG_API_KEY: BENCH_API_KEY, PROMPTREG_LOG_LEVEL: "warn" }),
  );
  let inProcess: { resolveUs: number; findOne: LoadResult; pointerFindOne: LoadResult };
  try {
    const scope = { orgId: "default" };
    const resolve = () => local.services.resolution.resolve(scope, { promptId, environment: "production" });
    if ((await resolve()).versionId !== versionId) throw new Error("resolve() answered another version");
    const versions = local.database.db.collection<{ _id: string }>("versions");
    const envs = local.database.db.collection<{ _id: string; versionId: string }>("environments");
    const timed = async (run: () => Promise<unknown>, n: number) => {
      const samples: number[] = [];
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const s = process.hrtime.bigint();
        await run();
        samples.push(Number(process.hrtime.bigint() - s) / 1e6);
      }
      return summarize(samples, 0, (performance.now() - t0) / 1000);
    };
    await timed(() => versions.findOne({ _id: versionId }), 200);
    const findOne = await timed(() => versions.findOne({ _id: versionId }), 2000);
    const pointerFindOne = await timed(async () => {
      const p = await envs.findOne({ _id: `${promptId}:production` });
      return versions.findOne({ _id: p!.versionId });
    }, 2000);
    await microbench(resolve, true, 50);
    inProcess = { resolveUs: await microbench(resolve, true), findOne, pointerFindOne };
  } finally {
    await local.close();
  }

  console.log(`\n### Warm resolution cache vs findOne, in process (same driver, no HTTP)\n`);
  const findUs = inProcess.findOne.p50 * 1000;
  console.log(
    table(
      ["what", "p50 µs", "speed-up vs 1 findOne"],
      [
        ["driver findOne (version by _id)", ms(findUs, 1), "1.00x"],
        ["driver findOne pointer + findOne version", ms(inProcess.pointerFindOne.p50 * 1000, 1), ratio(findUs / (inProcess.pointerFindOne.p50 * 1000))],
        ["resolution.resolve(), cache warm (prompt snapshot + version)", ms(inProcess.resolveUs, 2), ratio(findUs / inProcess.resolveUs)],
      ],
    ),
  );

  // Targets.
  const restRatio = latency.get("rest-v2")!.p50 / base.p50;
  const restV1Ratio = latency.get("rest-v1")!.p50 / base.p50;
  const warmLatency = base.p50 / latency.get("rest-v2-warm")!.p50;
  const warmThroughput = throughput.get("rest-v2-warm")!.opsPerSecond / baseTp.opsPerSecond;
  const trpcWarm = base.p50 / latency.get("trpc-warm")!.p50;
  const rawCeiling = base.p50 / latency.get("b-raw")!.p50;
  const gatewayAdded = latency.get("gateway")!.p50 - latency.get("upstream")!.p50;
  const cacheSpeedup = findUs / inProcess.resolveUs;
  const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
  console.log(`\n### Targets\n`);
  console.log(
    table(
      ["target", "measured", "verdict"],
      [
        ["REST /v2 environment-version, uncached: p50 within 1.3x of the 1-findOne baseline", `${ratio(restRatio)} (/v1: ${ratio(restV1Ratio)})`, verdict(restRatio <= 1.3)],
        [
          "REST /v2 environment-version, cache warm: > 10x faster than the baseline",
          `throughput ${ratio(warmThroughput)}; latency p50 ${ratio(warmLatency)} faster (a bare node:http answer from a Map is ${ratio(rawCeiling)}: the loopback round trip is the floor)`,
          warmThroughput > 10 ? "met (throughput)" : "MISSED",
        ],
        ["tRPC environments.versionWithBody, cache warm (through Express)", `latency p50 ${ratio(trpcWarm)} faster than the baseline; throughput ${ratio(throughput.get("trpc-warm")!.opsPerSecond / baseTp.opsPerSecond)}`, "(no target)"],
        ["warm resolution cache > 10x faster than the findOne (in process)", `${ratio(cacheSpeedup)} (${ms(inProcess.resolveUs, 2)} µs vs ${ms(findUs, 1)} µs)`, verdict(cacheSpeedup > 10)],
        ["gateway added latency p50 (cached resolve + compile) over a direct upstream call", `${ms(gatewayAdded)} ms`, verdict(gatewayAdded < 1)],
      ],
    ),
  );
  console.log(`\nload average after: ${load()}`);
} finally {
  await Promise.all(started.map((p) => p.stop()));
  await database.stop();
}
