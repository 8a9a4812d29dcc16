// Scale: list versions, count them, list prompts and resolve an environment while the database holds 1k, 10k,
// 100k (and, with BENCH_SCALE_MAX=1000000, 1M) versions, to see how latency grows. Versions are bulk-inserted
// with the driver (insertMany, the document shape the server writes: a clone of a version the server
// created, with a fresh _id, number, seq and createdAt) into one "big" prompt, and indexed as the server
// indexes the versions it creates (the version index, db/version-index.repository.ts); a "small" prompt of
// 3 versions shows what its neighbours cost it, and a "1k" prompt of 1,000 versions is measured alternately
// with the big one (paired rows). Another organization gets one prompt per 10 versions
// (prompt documents inserted the same way), so the prompt list's registry grows too. Baseline in the same
// run: the same kind of queries sent with the driver directly (including the scan listing sent before the
// index, last, since on FerretDB it reads the whole collection). FerretDB's RSS is sampled at each level.
//
// Run: pnpm --filter @promptreg/server exec tsx bench/scale.bench.ts
// Knobs: BENCH_SCALE_MAX (100000; 1000000 adds the 1M level), BENCH_SCALE_LEVELS ("1000,10000,100000,1000000", cut at BENCH_SCALE_MAX),
// BENCH_SCALE_SECONDS (4) and BENCH_SCALE_REQUESTS (200) bound each cell, BENCH_SCALE_INSERT_BUDGET_S (300)
// skips a level whose inserts would take longer at the rate measured so far, BENCH_SCALE_QUERY_BUDGET_S (60)
// skips a query whose latency, scaled from the previous level, would exceed it, MONGODB_URI (a real
// MongoDB: the indexes then serve these queries).
import { randomUUID } from "node:crypto";
import { MongoClient, type Document } from "mongodb";
import type { PromptDoc, VersionDoc } from "../src/db/documents.js";
import { createRepositories } from "../src/db/index.js";
import { Pool } from "undici";
import { summarize, type LoadResult } from "./load.js";
import { BENCH_API_KEY, redactUri, startDatabase, startServerProcess, type Process } from "./processes.js";
import { int, load, machineLine, mb, ms, ratio, rssOf, table, waitForQuietMachine } from "./report.js";

const max = Number(process.env["BENCH_SCALE_MAX"] ?? 100_000);
const levels = (process.env["BENCH_SCALE_LEVELS"] ?? "1000,10000,100000,1000000")
  .split(",")
  .map(Number)
  .filter((n) => n > 0 && n <= max)
  .sort((a, b) => a - b);
const cellSeconds = Number(process.env["BENCH_SCALE_SECONDS"] ?? 4);
const cellRequests = Number(process.env["BENCH_SCALE_REQUESTS"] ?? 200);
const insertBudgetS = Number(process.env["BENCH_SCALE_INSERT_BUDGET_S"] ?? 300);
const queryBudgetS = Number(process.env["BENCH_SCALE_QUERY_BUDGET_S"] ?? 60);
const BATCH = 1000;

const template = {
  model: "gpt-4o-mini",
  temperature: 0.2,
  messages: [
    { role: "system", content: "You are a support agent for {{hc:company:string}}. Answer in {{hc:language:string}}. Be brief, friendly and precise." },
    { role: "user", content: "Order {{hc:order:number}}: {{hc:question:string}}" },
  ],
};

interface Query {
  key: string;
  label: string;
  run: () => Promise<void>;
}

await waitForQuietMachine();
console.log(`\n## Scale: versions in the database vs latency\n\n${machineLine()}`);

const database = await startDatabase();
let server: Process | undefined;
const client = new MongoClient(database.uri, { socketTimeoutMS: 180_000 });
try {
  console.log(`database: ${database.kind} (${redactUri(database.uri)}, db ${database.dbName}); levels ${levels.map(int).join(", ")}`);
  server = await startServerProcess({ database });
  await client.connect();
  const db = client.db(database.dbName);
  const versions = db.collection<VersionDoc>("versions");
  const promptDocs = db.collection<PromptDoc>("prompts");
  // The server's own repositories, to index the bulk-inserted versions exactly as it indexes those it creates.
  const repos = createRepositories(db);
  const auth = { authorization: `Bearer ${BENCH_API_KEY}`, "content-type": "application/json" };
  const rest = async <T>(path: string, body: unknown): Promise<T> => {
    const res = await fetch(`${server!.url}${path}`, { method: "POST", headers: auth, body: JSON.stringify(body) });
    const json = (await res.json()) as { data: T; error: string | null };
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${json.error}`);
    return json.data;
  };

  const big = await rest<{ id: string; versionId: string }>("/v1/prompt-2025", { name: "bench-scale-big", tags: ["bench", "big"], promptBody: template });
  const small = await rest<{ id: string; versionId: string }>("/v1/prompt-2025", { name: "bench-scale-small", tags: ["bench"], promptBody: template });
  let base = small.versionId;
  for (let i = 0; i < 2; i++) {
    base = (await rest<{ id: string }>("/v1/prompt-2025/update", { promptId: small.id, promptVersionId: base, newMajorVersion: false, commitMessage: `v${i}`, promptBody: template })).id;
  }
  const model = await versions.findOne({ _id: big.versionId });
  if (!model) throw new Error("the created version is not in the database");
  // A prompt of 1,000 versions that stays that size: measured alternately with the big prompt at each
  // level (paired rows below), so both see the same load on a shared machine; their ratio is what the
  // big prompt's size costs, the registry's size entering neither (every listing read is by _id).
  const mid = await rest<{ id: string; versionId: string }>("/v1/prompt-2025", { name: "bench-scale-mid", tags: ["bench"], promptBody: template });
  {
    const docs: VersionDoc[] = Array.from({ length: 999 }, (_, i) => ({
      ...model,
      _id: randomUUID(),
      promptId: mid.id,
      major: 2,
      minor: i,
      seq: i + 2,
      commitMessage: `mid ${i}`,
      createdAt: new Date(model.createdAt.getTime() + i + 1),
    }));
    await versions.insertMany(docs, { ordered: false });
    await repos.versionIndex.addStored({ orgId: "default" }, mid.id, docs);
    await db.collection("prompts").updateOne({ _id: mid.id } as Document, { $set: { versionSeq: 1001 } });
  }

  // In the database: big prompt's versions (1 created by the server + bulk), small prompt's 3.
  let inBig = 1;
  let otherPrompts = 0;
  const startTime = model.createdAt.getTime();
  const insertRows: string[][] = [];
  let rate = NaN;
  const insertUpTo = async (target: number) => {
    const t0 = performance.now();
    const from = inBig;
    while (inBig < target) {
      const n = Math.min(BATCH, target - inBig);
      const docs: VersionDoc[] = [];
      for (let i = 0; i < n; i++) {
        const k = inBig + i; // 1.. : version 2.0 onwards, 1000 minors per major
        docs.push({
          ...model,
          _id: randomUUID(),
          major: 2 + Math.floor((k - 1) / 1000),
          minor: (k - 1) % 1000,
          seq: k + 1,
          commitMessage: `bulk ${k}`,
          createdAt: new Date(startTime + k),
        });
      }
      await versions.insertMany(docs, { ordered: false });
      await repos.versionIndex.addStored({ orgId: "default" }, big.id, docs);
      inBig += n;
    }
    await db.collection("prompts").updateOne({ _id: big.id } as Document, { $set: { versionSeq: inBig + 1 } });
    // Another organization's prompts: one per 10 versions in the registry.
    const promptsWanted = Math.floor(target / 10);
    const promptModel = (await promptDocs.findOne({ _id: small.id }))!;
    while (otherPrompts < promptsWanted) {
      const n = Math.min(BATCH, promptsWanted - otherPrompts);
      await promptDocs.insertMany(
        Array.from({ length: n }, (_, i) => ({ ...promptModel, _id: `other-${otherPrompts + i}`, orgId: "bench-other", name: `other-${otherPrompts + i}` })),
        { ordered: false },
      );
      otherPrompts += n;
    }
    const seconds = (performance.now() - t0) / 1000;
    const inserted = inBig - from;
    if (inserted > 0) rate = inserted / seconds;
    insertRows.push([int(target + 1003), int(inserted), seconds.toFixed(1), int(inserted / seconds)]);
  };

  const listBody = (promptId: string, pageSize = 100) => JSON.stringify({ promptId, page: 0, pageSize });
  const envBody = (promptId: string) => JSON.stringify({ promptId, environment: "production" });
  const pool = new Pool(server.url, { connections: 1, keepAliveTimeout: 30_000 });
  // Prompt fetches are cached once warm: `Cache-Control: no-cache` makes each one read the database.
  const uncached = { ...auth, "cache-control": "no-cache" };
  const http = (path: string, body?: string) => async () => {
    const res = await pool.request({ method: body === undefined ? "GET" : "POST", path, headers: uncached, body, headersTimeout: 600_000, bodyTimeout: 600_000 });
    await res.body.arrayBuffer();
    if (res.statusCode !== 200) throw new Error(`${path} answered ${res.statusCode}`);
  };
  // Creating a version: a minor bump of 1.0 of the big prompt (major 1 holds only these; the bulk versions
  // are in majors 2+). The first of a level may ask for the highest minor (a scan on FerretDB); the
  // others know their number from the replica's floor (one insert).
  const createOf = (prompt: { id: string; versionId: string }) => {
    const createBody = JSON.stringify({ promptId: prompt.id, promptVersionId: prompt.versionId, newMajorVersion: false, commitMessage: "bench", promptBody: template });
    return async () => {
      const res = await pool.request({ method: "POST", path: "/v1/prompt-2025/update", headers: auth, body: createBody, headersTimeout: 600_000, bodyTimeout: 600_000 });
      await res.body.arrayBuffer();
      if (res.statusCode !== 201) throw new Error(`create answered ${res.statusCode}`);
    };
  };
  const create = createOf(big);
  // Paired: [label, big prompt, 1,000-version prompt], alternated request by request.
  const pairs: Array<[string, () => Promise<void>, () => Promise<void>]> = [
    ["REST query/versions, pageSize 50", http("/v1/prompt-2025/query/versions", listBody(big.id, 50)), http("/v1/prompt-2025/query/versions", listBody(mid.id, 50))],
    ["REST query/total-versions", http("/v1/prompt-2025/query/total-versions", JSON.stringify({ promptId: big.id })), http("/v1/prompt-2025/query/total-versions", JSON.stringify({ promptId: mid.id }))],
    ["REST create a version (minor bump)", create, createOf(mid)],
  ];
  const pairedRows: string[][] = [];
  const listFilter = (promptId: string) => ({ orgId: "default", promptId });
  // Reads by _id first, the scans last: a scan that times out in the server keeps running in FerretDB for
  // a while and would slow whatever is measured right after it.
  const queries: Query[] = [
    { key: "drv-find", label: "driver: findOne version by _id", run: async () => void (await versions.findOne({ _id: big.versionId })) },
    { key: "env-big", label: "REST /v2 environment-version, big prompt (uncached)", run: http("/v2/prompt-2025/query/environment-version", envBody(big.id)) },
    { key: "env-small", label: "REST /v2 environment-version, small prompt (uncached)", run: http("/v2/prompt-2025/query/environment-version", envBody(small.id)) },
    { key: "create-big", label: "REST create a version (minor bump), big prompt", run: create },
    { key: "env-v1-big", label: "REST /v1 environment-version (metadata), big prompt (uncached)", run: http("/v1/prompt-2025/query/environment-version", envBody(big.id)) },
    { key: "list-big-50", label: "**REST query/versions, big prompt, pageSize 50**", run: http("/v1/prompt-2025/query/versions", listBody(big.id, 50)) },
    { key: "list-big-100", label: "REST query/versions, big prompt, pageSize 100", run: http("/v1/prompt-2025/query/versions", listBody(big.id)) },
    { key: "list-big-major", label: "REST query/versions, big prompt, majorVersion 2 (1,000 versions)", run: http("/v1/prompt-2025/query/versions", JSON.stringify({ promptId: big.id, majorVersion: 2 })) },
    { key: "list-small", label: "REST query/versions, small prompt (3 versions), pageSize 100", run: http("/v1/prompt-2025/query/versions", listBody(small.id)) },
    {
      key: "list-trpc",
      label: "tRPC versions.list, big prompt, pageSize 50 (the dashboard's list)",
      run: http(`/trpc/versions.list?input=${encodeURIComponent(JSON.stringify({ promptId: big.id, page: 0, pageSize: 50 }))}`),
    },
    { key: "count-total", label: "**REST query/total-versions, big prompt**", run: http("/v1/prompt-2025/query/total-versions", JSON.stringify({ promptId: big.id })) },
    { key: "count-prompts", label: "REST GET count (prompts)", run: http("/v1/prompt-2025/count") },
    {
      key: "prompts-query",
      label: "REST prompt list (search + tags, page 0 of 10)",
      run: http("/v1/prompt-2025/query", JSON.stringify({ search: "scale", tagsFilter: ["bench"], page: 0, pageSize: 10 })),
    },
    {
      key: "drv-list",
      label: "driver: find versions of the big prompt, sort createdAt desc, limit 100 (what listing sent before the index)",
      run: async () => void (await versions.find(listFilter(big.id), { projection: { body: 0 } }).sort({ createdAt: -1, seq: -1 }).limit(100).toArray()),
    },
  ];

  /**
   * One cell, at concurrency 1: a first request; if it alone took over half the cell's time, it is the only
   * sample (a scan of the whole collection is not made faster by a warm-up); otherwise 300 ms of warm-up,
   * then up to cellRequests requests or cellSeconds.
   */
  const measure = async (run: () => Promise<void>): Promise<LoadResult | string> => {
    const time = async () => {
      const s = process.hrtime.bigint();
      await run();
      return Number(process.hrtime.bigint() - s) / 1e6;
    };
    const t0 = performance.now();
    let first: number;
    try {
      first = await time();
    } catch (error) {
      // e.g. the server's database socket timeout (30 s by default) answering 503 to a query that scans.
      return `${(error as Error).message.replace(/^.* answered /, "")} after ${((performance.now() - t0) / 1000).toFixed(1)} s`;
    }
    if (first > (cellSeconds * 1000) / 2) return summarize([first], 0, first / 1000);
    while (performance.now() - t0 < 300) await time();
    const samples: number[] = [];
    const t1 = performance.now();
    while (samples.length < cellRequests && performance.now() - t1 < cellSeconds * 1000) samples.push(await time());
    return summarize(samples, 0, (performance.now() - t1) / 1000);
  };

  // How the database runs the list query (FerretDB's explain says what it pushed down to SQLite). Asked at
  // the first level: the plan does not depend on the size, and a large FerretDB collection is best not
  // touched by anything that might scan it.
  const planOf = (e: Document) => {
    const text = JSON.stringify(e);
    const keys = [...text.matchAll(/"(\w*[Pp]ushdown\w*)":(true|false)/g)].map((m) => `${m[1]}=${m[2]}`);
    const stages = [...new Set([...text.matchAll(/"stage":"(\w+)"/g)].map((m) => m[1]!))];
    const index = [...new Set([...text.matchAll(/"indexName":"(\w+)"/g)].map((m) => m[1]!))];
    return [keys.join(", "), stages.join(" > "), index.join(", ")].filter(Boolean).join("; ") || text.slice(0, 200);
  };
  let plans: string[][] = [];

  const results = new Map<number, Map<string, LoadResult>>();
  const rssRows: string[][] = [];
  const skipped: string[] = [];
  const skippedCells = new Map<string, string>();
  for (const level of levels) {
    const remaining = level - 3 - inBig;
    if (remaining > 0 && Number.isFinite(rate) && remaining / rate > insertBudgetS) {
      skipped.push(
        `${int(level)}: skipped: inserting ${int(remaining)} more versions at the measured ${int(rate)} versions/s would take ~${Math.round(remaining / rate)} s, over the ${insertBudgetS} s budget (BENCH_SCALE_INSERT_BUDGET_S)`,
      );
      continue;
    }
    await insertUpTo(level - 3);
    // Counted here, not with countDocuments: on FerretDB that alone is a scan of the whole collection.
    console.log(`${int(inBig + 1003)} versions in the database, ${int(inBig)} in the big prompt (load average ${load()}); measuring…`);
    const cells = new Map<string, LoadResult>();
    // FerretDB's resident memory while this level is measured (sampled every 200 ms): the index keeps it
    // flat; a count over 1M versions grew it past 12 GB before.
    let peakRss = 0;
    const rssBefore = database.pid ? await rssOf(database.pid) : NaN;
    const sampler = database.pid ? setInterval(() => void rssOf(database.pid!).then((r) => (peakRss = Math.max(peakRss, r || 0))), 200) : undefined;
    for (const q of queries) {
      // A query that grows with the collection: skip it when the last level's time, scaled, is over budget.
      const previous = [...results.entries()].at(-1);
      const last = previous?.[1].get(q.key);
      if (previous && skippedCells.has(`${previous[0]}:${q.key}`)) {
        skippedCells.set(`${level}:${q.key}`, `skipped: failed or skipped at ${int(previous[0])}`);
        cells.set(q.key, summarize([], 0, 0));
        continue;
      }
      if (previous && last && Number.isFinite(last.p50)) {
        const projectedS = ((last.p50 / 1000) * level) / previous[0];
        if (projectedS > queryBudgetS) {
          skippedCells.set(`${level}:${q.key}`, `skipped: ~${Math.round(projectedS)} s projected`);
          cells.set(q.key, summarize([], 0, 0));
          continue;
        }
      }
      const measured = await measure(q.run);
      if (typeof measured === "string") {
        skippedCells.set(`${level}:${q.key}`, measured);
        cells.set(q.key, summarize([], 1, 0));
      } else cells.set(q.key, measured);
    }
    for (const [label, runBig, runMid] of pairs) {
      const timesBig: number[] = [];
      const timesMid: number[] = [];
      const t1 = performance.now();
      while (timesBig.length < cellRequests / 2 && performance.now() - t1 < cellSeconds * 2000) {
        for (const [run, into] of [[runBig, timesBig], [runMid, timesMid]] as const) {
          const s0 = performance.now();
          await run();
          into.push(performance.now() - s0);
        }
      }
      const [b, m] = [summarize(timesBig, 0, 1), summarize(timesMid, 0, 1)];
      pairedRows.push([label, int(level), `${ms(b.p50, 2)} / ${ms(m.p50, 2)}`, ratio(b.p50 / m.p50), String(timesBig.length)]);
    }
    if (sampler) clearInterval(sampler);
    if (database.pid) rssRows.push([int(level), mb(rssBefore), mb(peakRss), mb(await rssOf(database.pid))]);
    results.set(level, cells);
    if (plans.length === 0) {
      const explain = await versions.find(listFilter(big.id), { projection: { body: 0 } }).sort({ createdAt: -1, seq: -1 }).limit(100).explain();
      const explainId = await versions.find({ _id: big.versionId }).limit(1).explain();
      plans = [
        ["list: {orgId, promptId} sort {createdAt: -1, seq: -1} limit 100", planOf(explain)],
        ["findOne {_id}", planOf(explainId)],
      ];
    }
  }

  const measured = [...results.keys()];
  console.log(`\n### Bulk insert (insertMany, batches of ${BATCH}, unordered)\n`);
  console.log(table(["versions in the database", "inserted", "seconds", "versions/s"], insertRows));
  for (const line of skipped) console.log(`\n${line}`);

  console.log(`\n### Latency at concurrency 1 (ms, p50 / p99; growth = p50 / p50 at ${int(measured[0] ?? 0)}; each cell ≤ ${cellRequests} requests or ${cellSeconds} s)\n`);
  const first = results.get(measured[0]!)!;
  console.log(
    table(
      ["query", ...measured.map((l) => `${int(l)} versions`), ...measured.slice(1).map((l) => `growth at ${int(l)}`), "n (last level)"],
      queries.map((q) => {
        const last = results.get(measured[measured.length - 1]!)!.get(q.key)!;
        return [
          q.label,
          ...measured.map((l) => {
            const r = results.get(l)!.get(q.key)!;
            return skippedCells.get(`${l}:${q.key}`) ?? `${ms(r.p50, 2)} / ${ms(r.p99, 2)}`;
          }),
          ...measured.slice(1).map((l) => ratio(results.get(l)!.get(q.key)!.p50 / first.get(q.key)!.p50)),
          String(last.requests),
        ];
      }),
    ),
  );

  console.log(`\n### Paired, at each level: the big prompt vs a prompt of 1,000 versions, requests alternated (ms, p50 big / p50 1k; ratio)\n`);
  console.log(table(["query", "level (versions in the big prompt)", "big / 1k-version prompt", "ratio", "n"], pairedRows));

  if (rssRows.length > 0) {
    console.log("\n### FerretDB resident memory (MB) while each level was measured\n");
    console.log(table(["versions in the database", "before", "peak", "after"], rssRows));
  }

  console.log(`\n### Query plans (explain, at ${int(measured[0] ?? 0)} versions)\n`);
  console.log(table(["query", "plan"], plans));
  const lastLevel = measured[measured.length - 1]!;
  const growth = (prefix: string) => {
    const qs = queries.filter((q) => q.key.startsWith(prefix));
    const skippedAny = qs.some((q) => skippedCells.has(`${lastLevel}:${q.key}`));
    const failed = qs.filter((q) => /after/.test(skippedCells.get(`${lastLevel}:${q.key}`) ?? "")).length;
    const worst = Math.max(...qs.map((q) => results.get(lastLevel)!.get(q.key)!.p50 / first.get(q.key)!.p50).filter(Number.isFinite));
    return { worst, skippedAny, failed };
  };
  console.log("");
  for (const [prefix, what] of [["list-", "list versions"], ["count-", "count versions and prompts"], ["prompts-", "list prompts"], ["env-", "resolve an environment"]] as const) {
    const { worst, skippedAny, failed } = growth(prefix);
    const ok = !skippedAny && worst <= 2;
    console.log(
      `flat target, ${what}: p50 at ${int(lastLevel)} versions within 2x of ${int(measured[0]!)}: ${ok ? "met" : "MISSED"} (worst growth ${ratio(worst)}${skippedAny ? `, ${failed > 0 ? `${failed} failed, ` : ""}some cells not measured as too slow` : ""}) on ${database.kind}`,
    );
  }
  console.log(`load average after: ${load()}`);
  await pool.close();
} finally {
  await client.close();
  await server?.stop();
  await database.stop();
}
