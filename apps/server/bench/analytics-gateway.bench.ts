// What recording costs the gateway, and what it does when the database goes away.
//
// 1. Overhead: two servers on one database, recording on (the default) and off (PROMPTREG_ANALYTICS=false),
//    and the fake upstream called directly, at concurrency 1, measured in interleaved slices (a burst of
//    outside load then lands on all three). Target: recording adds at most 50 µs to the gateway's p50.
// 2. Outage: load at concurrency 16 through a recording server; the embedded database is stopped a few
//    seconds in and started again later. Targets: no answer lost (every call 200: prompts are cached); the
//    queue holds up to its bound and only records past it are dropped, every drop counted in /metrics; every
//    other call recorded once the database is back (calls in the metrics = answered − dropped).
//
// Run: pnpm --filter @promptreg/server exec tsx bench/analytics-gateway.bench.ts
// Knobs: BENCH_ANALYTICS_PARTS ("overhead,outage"), BENCH_OVERHEAD_ROUNDS (8) x BENCH_OVERHEAD_SLICE_S (2),
// BENCH_OUTAGE_SECONDS (20; the database is down from 25 % to 60 % of it), BENCH_OUTAGE_QUEUE_LIMIT (10000).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedDb, type EmbeddedDb } from "@promptreg/embedded-db";
import { requestOperation, runOperation, summarize, type LoadResult } from "./load.js";
import { BENCH_API_KEY, startDatabase, startServerProcess, startUpstream, type Process } from "./processes.js";
import { compiledBody, inputs, template } from "./fixture.js";
import { cpuSecondsOf, int, load, machineLine, metricValue, ms, table, waitForQuietMachine } from "./report.js";

const parts = (process.env["BENCH_ANALYTICS_PARTS"] ?? "overhead,outage").split(",");
const rounds = Number(process.env["BENCH_OVERHEAD_ROUNDS"] ?? 8);
const sliceSeconds = Number(process.env["BENCH_OVERHEAD_SLICE_S"] ?? 2);
const outageSeconds = Number(process.env["BENCH_OUTAGE_SECONDS"] ?? 20);
const outageQueueLimit = Number(process.env["BENCH_OUTAGE_QUEUE_LIMIT"] ?? 10_000);
const auth = { authorization: `Bearer ${BENCH_API_KEY}`, "content-type": "application/json" };

async function createPrompt(serverUrl: string): Promise<string> {
  const res = await fetch(`${serverUrl}/v1/prompt-2025`, { method: "POST", headers: auth, body: JSON.stringify({ name: "bench-analytics", promptBody: template }) });
  return ((await res.json()) as { data: { id: string } }).data.id;
}

await waitForQuietMachine();
console.log(`\n## Recording gateway calls: overhead and database outage\n\n${machineLine()}`);

if (parts.includes("overhead")) {
  const database = await startDatabase();
  const started: Process[] = [];
  try {
    const upstream = await startUpstream();
    started.push(upstream);
    const on = await startServerProcess({ database, upstreamUrl: upstream.url });
    started.push(on);
    const off = await startServerProcess({ database, upstreamUrl: upstream.url, env: { PROMPTREG_ANALYTICS: "false" } });
    started.push(off);
    const promptId = await createPrompt(on.url);
    const body = JSON.stringify({ prompt_id: promptId, inputs });
    const targets = {
      direct: requestOperation({ origin: upstream.url, path: "/v1/chat/completions", headers: { "content-type": "application/json", authorization: "Bearer sk-bench" }, body: compiledBody }),
      off: requestOperation({ origin: off.url, path: "/v1/chat/completions", headers: auth, body }),
      on: requestOperation({ origin: on.url, path: "/v1/chat/completions", headers: auth, body }),
    };
    const origins = { direct: upstream.url, off: off.url, on: on.url };
    const latencies: Record<keyof typeof targets, number[]> = { direct: [], off: [], on: [] };
    const errors: Record<keyof typeof targets, number> = { direct: 0, off: 0, on: 0 };
    // CPU time of each server per request: less at the mercy of other load on the machine than latency.
    const pids = { direct: upstream.pid, off: off.pid, on: on.pid };
    const cpu: Record<keyof typeof targets, number> = { direct: 0, off: 0, on: 0 };
    let seconds = 0;
    console.log(`\nOverhead: ${rounds} rounds of ${sliceSeconds} s slices (direct, recording off, recording on), concurrency 1; load ${load()}`);
    for (let round = 0; round < rounds; round++) {
      // Alternate the order so neither server always runs right after the other.
      const order: Array<keyof typeof targets> = round % 2 === 0 ? ["direct", "off", "on"] : ["direct", "on", "off"];
      for (const name of order) {
        const cpuBefore = await cpuSecondsOf(pids[name]);
        const result = await runOperation(origins[name], targets[name], 1, { durationMs: sliceSeconds * 1000, warmupMs: round === 0 ? 1000 : 200, collect: latencies[name] });
        cpu[name] += (await cpuSecondsOf(pids[name])) - cpuBefore;
        errors[name] += result.errors;
        if (name === "on") seconds += result.seconds;
      }
    }
    const stats = Object.fromEntries(Object.entries(latencies).map(([k, v]) => [k, summarize(v, errors[k as keyof typeof targets], seconds)])) as Record<keyof typeof targets, LoadResult>;
    const addedByRecording = stats.on.p50 - stats.off.p50;
    // Warm-ups count in the CPU time but not in `requests`: about 5 % more calls than counted; the same for both servers.
    const cpuPerRequest = (name: keyof typeof targets) => (cpu[name] / Math.max(1, stats[name].requests)) * 1e6;
    // Every call of the recording server is written (the warm-ups included): the API says how many.
    await new Promise((r) => setTimeout(r, 2500));
    const written = await metricValue(on.url, "promptreg_analytics_records_written_total");
    const dropped = await metricValue(on.url, "promptreg_analytics_records_dropped_total");
    console.log(`\nms; added = p50 minus the direct call's p50 of the same run\n`);
    console.log(
      table(
        ["what", "requests", "p50", "p90", "p99", "added p50", "process CPU µs / request", "errors"],
        [
          ["fake upstream directly", int(stats.direct.requests), ms(stats.direct.p50), ms(stats.direct.p90), ms(stats.direct.p99), "", ms(cpuPerRequest("direct"), 0), String(errors.direct)],
          ["gateway, recording off", int(stats.off.requests), ms(stats.off.p50), ms(stats.off.p90), ms(stats.off.p99), ms(stats.off.p50 - stats.direct.p50), ms(cpuPerRequest("off"), 0), String(errors.off)],
          ["**gateway, recording on**", int(stats.on.requests), ms(stats.on.p50), ms(stats.on.p90), ms(stats.on.p99), ms(stats.on.p50 - stats.direct.p50), ms(cpuPerRequest("on"), 0), String(errors.on)],
        ],
      ),
    );
    console.log(
      `\nTarget: recording adds at most 50 µs to the p50 at concurrency 1: ${(addedByRecording * 1000).toFixed(1)} µs (p90 ${((stats.on.p90 - stats.off.p90) * 1000).toFixed(1)} µs): ${addedByRecording <= 0.05 ? "**met**" : "**missed**"}. Server CPU per request: ${ms(cpuPerRequest("on") - cpuPerRequest("off"), 0)} µs more with recording (its flushes included). Records written ${int(written)}, dropped ${int(Number.isFinite(dropped) ? dropped : 0)}. Load at the end: ${load()}.`,
    );
  } finally {
    await Promise.all(started.map((p) => p.stop()));
    await database.stop();
  }
}

if (parts.includes("outage")) {
  if (process.env["MONGODB_URI"]) {
    console.log("\nOutage: skipped with MONGODB_URI (it stops and restarts the embedded database).");
  } else {
    const dataDir = await mkdtemp(join(tmpdir(), "promptreg-bench-outage-"));
    let db: EmbeddedDb = await startEmbeddedDb({ dataDir, binary: process.env["FERRETDB_BIN"] || undefined });
    const started: Process[] = [];
    try {
      const upstream = await startUpstream();
      started.push(upstream);
      const server = await startServerProcess({
        database: { kind: "ferretdb", uri: db.uri, dbName: "promptreg", pid: db.pid, stop: async () => undefined },
        upstreamUrl: upstream.url,
        env: { PROMPTREG_ANALYTICS_QUEUE_LIMIT: String(outageQueueLimit), PROMPTREG_DB_TIMEOUT_MS: "1000" },
      });
      started.push(server);
      const promptId = await createPrompt(server.url);
      const op = requestOperation({ origin: server.url, path: "/v1/chat/completions", headers: auth, body: JSON.stringify({ prompt_id: promptId, inputs }) });
      let answered = 0;
      let failed = 0;
      const downAt = outageSeconds * 250;
      const upAt = outageSeconds * 600;
      const events: string[] = [];
      const outage = (async () => {
        await new Promise((r) => setTimeout(r, downAt));
        await db.stop();
        events.push(`database stopped at ${(downAt / 1000).toFixed(1)} s (${int(answered)} calls answered)`);
        await new Promise((r) => setTimeout(r, upAt - downAt));
        db = await startEmbeddedDb({ dataDir, port: db.port, binary: process.env["FERRETDB_BIN"] || undefined });
        events.push(`database started again at ${(upAt / 1000).toFixed(1)} s (${int(answered)} calls answered)`);
      })();
      const result = await runOperation(
        server.url,
        async (pool) => {
          const ok = await op(pool);
          if (ok) answered++;
          else failed++;
          return ok;
        },
        16,
        { durationMs: outageSeconds * 1000, warmupMs: 0 },
      );
      await outage;
      // The backlog drains once the database answers.
      const deadline = Date.now() + 120_000;
      while ((await metricValue(server.url, "promptreg_analytics_queue_depth")) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
      const depth = await metricValue(server.url, "promptreg_analytics_queue_depth");
      const written = await metricValue(server.url, "promptreg_analytics_records_written_total");
      const droppedText = await (await fetch(`${server.url}/metrics`)).text();
      const dropped = Number(/promptreg_analytics_records_dropped_total\{reason="queue_full"\} (\S+)/.exec(droppedText)?.[1] ?? 0);
      const metrics = (await (await fetch(`${server.url}/v1/prompt-2025/query/metrics`, { method: "POST", headers: auth, body: JSON.stringify({ promptId }) })).json()) as { data: Array<{ requests: number }> };
      const recorded = metrics.data.reduce((n, r) => n + r.requests, 0);
      console.log(`\nOutage: ${outageSeconds} s at concurrency 16, queue bound ${int(outageQueueLimit)}; ${events.join("; ")}\n`);
      console.log(
        table(
          ["calls answered 200", "other answers or errors", "p50 / p99 ms", "records dropped (queue full)", "records written", "calls in the metrics", "answered − dropped", "queue after"],
          [[int(answered), int(failed), `${ms(result.p50)} / ${ms(result.p99)}`, int(dropped), int(written), int(recorded), int(answered - dropped), int(depth)]],
        ),
      );
      const lostNone = failed === 0;
      const exact = recorded === answered - dropped;
      console.log(
        `\nTargets: no answer lost: ${lostNone ? "**met**" : "**missed**"} (${int(failed)} failed); records past the bound of ${int(outageQueueLimit)} dropped and counted: ${int(dropped)}; every other call recorded: ${exact ? "**met**" : "**missed**"} (${int(recorded)} in the metrics, ${int(answered - dropped)} expected). Load at the end: ${load()}.`,
      );
    } finally {
      await Promise.all(started.map((p) => p.stop()));
      await db.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }
}
