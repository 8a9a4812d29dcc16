// The request log at volume: one prompt's calls over the last 24 h, seeded through the recorder's own batch
// writer (the code path of every flush: chunks, minute/hour/day rollups under the prompt's lock) at 10k,
// 100k and 1M calls, then the queries through the server's REST API: per-version metrics over 24 h (the
// target: under 300 ms at 1M on the embedded database), 7 days, the last hour (a rollout's window), a
// 24 h series, and request-log pages (first, deep, a rare status). Baseline of the same run: one `findOne`
// by `_id` of a rollup document with the driver (the unit every query is made of).
//
// Run: pnpm --filter @promptreg/server exec tsx bench/analytics-store.bench.ts
// Knobs: BENCH_ANALYTICS_LEVELS ("10000,100000,1000000"), BENCH_ANALYTICS_SAMPLES (30 per query and level),
// MONGODB_URI (a real MongoDB instead of the embedded FerretDB).
import { randomUUID } from "node:crypto";
import { MongoClient } from "mongodb";
import { createPriceTable } from "../src/analytics/cost.js";
import { createBatchWriter, type PreparedCall } from "../src/analytics/writer.js";
import { createAnalyticsRepository, rollupId } from "../src/db/analytics.repository.js";
import { template } from "./fixture.js";
import { BENCH_API_KEY, redactUri, startDatabase, startServerProcess, type Process } from "./processes.js";
import { dbCommandCounts, int, load, machineLine, ms, ratio, table, waitForQuietMachine } from "./report.js";

const levels = (process.env["BENCH_ANALYTICS_LEVELS"] ?? "10000,100000,1000000").split(",").map(Number).filter((n) => n > 0).sort((a, b) => a - b);
const samples = Number(process.env["BENCH_ANALYTICS_SAMPLES"] ?? 30);
const BATCH = 5000;
const DAY = 86_400_000;

await waitForQuietMachine();
console.log(`\n## Request log and metrics at volume\n\n${machineLine()}`);

const database = await startDatabase();
let server: Process | undefined;
const client = new MongoClient(database.uri, { socketTimeoutMS: 300_000 });
try {
  console.log(`database: ${database.kind} (${redactUri(database.uri)}, db ${database.dbName}); levels ${levels.map(int).join(", ")} calls in 23 h`);
  server = await startServerProcess({ database });
  await client.connect();
  const db = client.db(database.dbName);
  const auth = { authorization: `Bearer ${BENCH_API_KEY}`, "content-type": "application/json" };
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${server!.url}${path}`, { method: "POST", headers: auth, body: JSON.stringify(body) });
    const json = (await res.json()) as { data: any; error: string | null };
    if (!res.ok) throw new Error(`${path}: ${res.status} ${json.error}`);
    return json.data;
  };
  const created = await post("/v1/prompt-2025", { name: "volume", promptBody: template });
  const promptId = created.id as string;
  const v10 = created.versionId as string;
  const v11 = (await post("/v1/prompt-2025/update", { promptId, promptVersionId: v10, promptBody: { ...template, temperature: 0.5 }, environment: "staging" })).id as string;

  const repo = createAnalyticsRepository(db);
  await repo.ensureIndexes();
  const writer = createBatchWriter(repo, { recordRetentionMs: 30 * DAY, rollupRetentionMs: 400 * DAY });
  const prices = createPriceTable();
  let seq = 0;
  let seeded = 0;
  let seedSeconds = 0;
  const statuses = [200, 200, 200, 200, 200, 200, 200, 200, 200, 400, 429, 500, 502];

  // Calls span the 23 h before the bench started, so that every one is still in "the last 24 h" when the
  // queries run (seeding a million takes a while).
  const anchor = Date.now();
  /** `count` more calls spread evenly over the 23 h before `anchor`, written in time order, BATCH at a time. */
  async function seed(count: number): Promise<void> {
    const end = anchor - 2000;
    const start = anchor - 23 * 3_600_000;
    const step = (end - start) / count;
    const began = performance.now();
    for (let first = 0; first < count; first += BATCH) {
      const calls: PreparedCall[] = [];
      for (let i = first; i < Math.min(count, first + BATCH); i++) {
        const v = i % 3 === 0 ? v11 : v10;
        const status = i % 100 === 0 ? 500 : statuses[i % statuses.length]!;
        const inputTokens = 200 + (i % 50);
        const outputTokens = 40 + (i % 30);
        calls.push({
          call: {
            r: randomUUID(),
            t: Math.floor(start + i * step),
            v,
            mj: 1,
            mn: v === v11 ? 1 : 0,
            e: v === v11 ? "staging" : "production",
            s: status,
            l: 50 + ((i * 7919) % 2000) * (i % 10 === 0 ? 5 : 1) / 10,
            u: 40,
            f: null,
            k: false,
            m: "gpt-4o-mini",
            p: "openai",
            i: status === 200 ? inputTokens : null,
            o: status === 200 ? outputTokens : null,
            c: status === 200 ? prices.costOf({ provider: "openai", providerUrl: null, model: "gpt-4o-mini", inputTokens, outputTokens, cachedInputTokens: null }) : null,
            x: status === 200 ? null : status === 502 ? "upstream_unreachable" : "error",
          },
          inputsJson: null,
          inputsExpireAt: null,
        });
      }
      await writer.write({ orgId: "default", promptId, seq: seq++, calls });
    }
    seedSeconds += (performance.now() - began) / 1000;
    seeded += count;
  }

  interface Cell {
    p50: number;
    p99: number;
    reads: number;
  }
  async function measure(run: () => Promise<unknown>): Promise<Cell> {
    await run();
    const before = await dbCommandCounts(server!.url);
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      await run();
      times.push(performance.now() - t0);
    }
    const after = await dbCommandCounts(server!.url);
    times.sort((a, b) => a - b);
    const reads = before && after ? ((after.get("find") ?? 0) - (before.get("find") ?? 0)) / samples : NaN;
    return { p50: times[Math.floor(times.length / 2)]!, p99: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]!, reads };
  }

  const now = () => Date.now();
  const queries: Array<{ key: string; label: string; run: () => Promise<unknown> }> = [
    { key: "baseline", label: "**baseline: driver `findOne` of one rollup by `_id`**", run: () => db.collection("call_rollups").findOne({ _id: rollupId("default", promptId, "h", Math.floor(now() / 3_600_000)) as never }) },
    { key: "metrics24", label: "**REST `query/metrics`, last 24 h (default)**", run: () => post("/v1/prompt-2025/query/metrics", { promptId }) },
    { key: "metrics1h", label: "REST `query/metrics`, last hour (a rollout's window)", run: () => post("/v1/prompt-2025/query/metrics", { promptId, from: new Date(now() - 3_600_000).toISOString() }) },
    { key: "metrics7d", label: "REST `query/metrics`, last 7 days", run: () => post("/v1/prompt-2025/query/metrics", { promptId, from: new Date(now() - 7 * DAY).toISOString() }) },
    { key: "series24", label: "REST `query/metrics-series`, 24 h in hours", run: () => post("/v1/prompt-2025/query/metrics-series", { promptId }) },
    { key: "log0", label: "REST `query/requests`, first page (50)", run: () => post("/v1/prompt-2025/query/requests", { promptId, pageSize: 50 }) },
    { key: "log100", label: "REST `query/requests`, page 100 (50 a page)", run: () => post("/v1/prompt-2025/query/requests", { promptId, pageSize: 50, page: 100 }) },
    { key: "logVersion", label: "REST `query/requests`, version 1.1 + staging, first page", run: () => post("/v1/prompt-2025/query/requests", { promptId, versionId: v11, environment: "staging", pageSize: 50 }) },
    { key: "log500", label: "REST `query/requests`, status 500 (1 %), first page", run: () => post("/v1/prompt-2025/query/requests", { promptId, status: 500, pageSize: 50 }) },
  ];

  const results = new Map<string, Map<number, Cell>>();
  const seedRates: string[] = [];
  for (const level of levels) {
    const before = seeded;
    const t0 = seedSeconds;
    await seed(level - seeded);
    seedRates.push(`${int(level)}: ${int((seeded - before) / (seedSeconds - t0))} calls/s`);
    const total = (await post("/v1/prompt-2025/query/metrics", { promptId })).reduce((n: number, row: { requests: number }) => n + row.requests, 0);
    if (total !== level) throw new Error(`metrics count ${total} calls, ${level} were seeded`);
    console.log(`seeded ${int(level)} calls (load ${load()})`);
    for (const q of queries) {
      const cell = await measure(q.run);
      if (!results.has(q.key)) results.set(q.key, new Map());
      results.get(q.key)!.set(level, cell);
    }
  }

  const base = results.get("baseline")!;
  const first = levels[0]!;
  const last = levels[levels.length - 1]!;
  console.log(`\nms, p50 / p99 over ${samples} sequential requests; (n) = database reads (\`find\`) per request; ratio = p50 / baseline p50 at the same level.\n`);
  console.log(
    table(
      ["query", ...levels.map((l) => `${int(l)} calls`), `ratio at ${int(last)}`, `growth ${int(first)} → ${int(last)}`],
      queries.map((q) => {
        const cells = results.get(q.key)!;
        return [
          q.label,
          ...levels.map((l) => {
            const c = cells.get(l)!;
            return `${ms(c.p50, 2)} / ${ms(c.p99, 2)}${Number.isFinite(c.reads) && q.key !== "baseline" ? ` (${c.reads.toFixed(0)})` : ""}`;
          }),
          ratio(cells.get(last)!.p50 / base.get(last)!.p50),
          ratio(cells.get(last)!.p50 / cells.get(first)!.p50),
        ];
      }),
    ),
  );
  // Several replicas flushing the same prompt at once: with the prompt's analytics lock (as the server
  // writes), and without it (the lock bypassed) to show what it prevents on this database.
  const concurrency: string[][] = [];
  for (const locked of [true, false]) {
    const target = (await post("/v1/prompt-2025", { name: `concurrent ${locked}`, promptBody: template })) as { id: string; versionId: string };
    const writerRepo = locked ? repo : { ...repo, locked: <T>(_scope: unknown, _promptId: string, update: () => Promise<T>) => update() };
    const writers = Array.from({ length: 4 }, (_, w) => createBatchWriter(writerRepo, { recordRetentionMs: 30 * DAY, rollupRetentionMs: 400 * DAY, writerId: `bench${locked ? "L" : "U"}${w}` }));
    const batches = 20;
    const perBatch = 200;
    const latencies: number[] = [];
    let failures = 0;
    const t0 = performance.now();
    await Promise.all(
      writers.map(async (writer, w) => {
        for (let b = 0; b < batches; b++) {
          const calls: PreparedCall[] = Array.from({ length: perBatch }, (_, i) => ({
            call: { r: randomUUID(), t: Date.now() - 1000 - i, v: target.versionId, mj: 1, mn: 0, e: "production", s: 200, l: 100 + w, u: 90, f: null, k: false, m: "gpt-4o-mini", p: "openai", i: 10, o: 5, c: null, x: null },
            inputsJson: null,
            inputsExpireAt: null,
          }));
          const start = performance.now();
          // Without the lock, racing upserts of a new rollup fail (duplicate _id): counted, not retried.
          await writer.write({ orgId: "default", promptId: target.id, seq: b, calls }).catch(() => failures++);
          latencies.push(performance.now() - start);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const written = writers.length * batches * perBatch;
    const counted = (await post("/v1/prompt-2025/query/metrics", { promptId: target.id })).reduce((n: number, row: { requests: number }) => n + row.requests, 0);
    latencies.sort((a, b) => a - b);
    concurrency.push([
      locked ? "**with the prompt's analytics lock** (as the server writes)" : "without the lock (bypassed for this measurement)",
      int(written),
      int(counted),
      int(written - counted),
      int(failures),
      int(written / seconds),
      ms(latencies[Math.floor(latencies.length / 2)]!, 1),
      ms(latencies[Math.floor(latencies.length * 0.99)]!, 1),
    ]);
  }
  console.log(`\n4 writers (replicas) flushing one prompt at once, 20 batches of 200 calls each; ms per batch:\n`);
  console.log(table(["writes", "calls written", "calls counted", "lost", "failed batches", "calls/s", "batch p50", "batch p99"], concurrency));

  const m24 = results.get("metrics24")!.get(last)!;
  console.log(`\nSeeding through the batch writer: ${seedRates.join("; ")} (${int(seeded)} calls in ${seedSeconds.toFixed(1)} s).`);
  console.log(`Target: query/metrics over 24 h under 300 ms with ${int(last)} calls: p50 ${ms(m24.p50, 1)} ms, p99 ${ms(m24.p99, 1)} ms: ${m24.p99 < 300 ? "**met**" : m24.p50 < 300 ? "**met at p50**, not at p99" : "**missed**"}. Load at the end: ${load()}.`);
  const stats = await db.command({ collStats: "call_chunks" }).catch(() => undefined);
  if (stats) console.log(`Stored: ${int(Number(stats["count"]))} chunk documents, ${(Number(stats["size"]) / 1024 / 1024).toFixed(0)} MB.`);
} finally {
  await server?.stop();
  await client.close();
  await database.stop();
}
