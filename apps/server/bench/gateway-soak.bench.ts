// Gateway soak: BENCH_SOAK_SECONDS (60) of closed-loop load at BENCH_SOAK_CONCURRENCY (16) through the gateway
// (`prompt_id` + inputs: cached resolution, compile, forward to the fake upstream; every call recorded in the
// request log, as by default), sampling the server
// process every second: RSS from /proc/<pid>/status, V8 heap from the server's existing /metrics
// (nodejs_heap_size_used_bytes), CPU time from /proc/<pid>/stat. Baseline in the same run: the fake upstream
// called directly at the same concurrency for BENCH_SOAK_BASELINE_SECONDS (10).
//
// Run: pnpm --filter @promptreg/server exec tsx bench/gateway-soak.bench.ts
// Pass: no errors, and memory flat after the first 10 s (warm-up: JIT, pools, V8 growing its heap):
// - live heap does not grow: the lowest heap-used sample (a GC trough) of the last third is within 5 MB of
//   the lowest of the middle third (a leak of 100 bytes a request would add ~15 MB a minute at these rates);
// - RSS makes no new highs: the highest RSS of the last third is within 10% of the highest before it.
// The RSS least-squares slope is printed too, but V8's heap sizing (grow, then shrink after major GCs)
// makes it swing either way over a minute, so it is not the criterion.
import { requestOperation, runOperation, type LoadResult } from "./load.js";
import { startStack } from "./processes.js";
import { cpuSecondsOf, int, load, machineLine, mb, metricValue, ms, ratio, rssOf, slope, table, waitForQuietMachine } from "./report.js";
import { compiledBody, inputs, template } from "./fixture.js";

const soakSeconds = Number(process.env["BENCH_SOAK_SECONDS"] ?? 60);
const concurrency = Number(process.env["BENCH_SOAK_CONCURRENCY"] ?? 16);
const baselineSeconds = Number(process.env["BENCH_SOAK_BASELINE_SECONDS"] ?? 10);
const WARMUP_EXCLUDED_S = Math.min(10, soakSeconds / 3);
const HEAP_TROUGH_TOLERANCE_MB = 5;
const RSS_HIGH_TOLERANCE = 1.1;


interface Sample {
  t: number;
  rss: number;
  heap: number;
  cpu: number;
  completed: number;
}

await waitForQuietMachine();
console.log(`\n## Gateway soak: ${soakSeconds} s at concurrency ${concurrency}\n\n${machineLine()}`);

const stack = await startStack();
try {
  const auth = { authorization: `Bearer ${stack.apiKey}`, "content-type": "application/json" };
  const created = await fetch(`${stack.serverUrl}/v1/prompt-2025`, { method: "POST", headers: auth, body: JSON.stringify({ name: "bench-soak", promptBody: template }) });
  const { data } = (await created.json()) as { data: { id: string } };

  const direct = await runOperation(
    stack.upstreamUrl,
    requestOperation({ origin: stack.upstreamUrl, path: "/v1/chat/completions", headers: { "content-type": "application/json", authorization: "Bearer sk-bench" }, body: compiledBody }),
    concurrency,
    { durationMs: baselineSeconds * 1000, warmupMs: 1000 },
  );

  const gatewayOp = requestOperation({ origin: stack.serverUrl, path: "/v1/chat/completions", headers: auth, body: JSON.stringify({ prompt_id: data.id, inputs }) });
  let completed = 0;
  const samples: Sample[] = [];
  const sample = async (t0: number) => {
    const [rss, heap, cpu] = await Promise.all([rssOf(stack.serverPid), metricValue(stack.serverUrl, "nodejs_heap_size_used_bytes"), cpuSecondsOf(stack.serverPid)]);
    samples.push({ t: (performance.now() - t0) / 1000, rss, heap, cpu, completed });
  };
  console.log(`load average before the soak: ${load()}`);
  const t0 = performance.now();
  await sample(t0);
  const timer = setInterval(() => void sample(t0), 1000);
  let soak: LoadResult;
  try {
    soak = await runOperation(
      stack.serverUrl,
      async (pool) => {
        const ok = await gatewayOp(pool);
        completed++;
        return ok;
      },
      concurrency,
      { durationMs: soakSeconds * 1000, warmupMs: 0, maxRequests: 50_000_000 },
    );
  } finally {
    clearInterval(timer);
  }
  await sample(t0);
  samples.sort((a, b) => a.t - b.t);

  // Every answered call is in the request log once the recorder has flushed (a few seconds at most).
  const answered = completed;
  const drainDeadline = Date.now() + 60_000;
  while ((await metricValue(stack.serverUrl, "promptreg_analytics_queue_depth")) > 0 && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 250));
  const written = await metricValue(stack.serverUrl, "promptreg_analytics_records_written_total");
  const droppedMatch = /^promptreg_analytics_records_dropped_total\{reason="queue_full"\} (\S+)$/m.exec(await (await fetch(`${stack.serverUrl}/metrics`)).text());
  const dropped = droppedMatch ? Number(droppedMatch[1]) : 0;
  const metricsAnswer = (await (await fetch(`${stack.serverUrl}/v1/prompt-2025/query/metrics`, { method: "POST", headers: auth, body: JSON.stringify({ promptId: data.id }) })).json()) as { data: Array<{ requests: number }> };
  const inMetrics = metricsAnswer.data.reduce((n, row) => n + row.requests, 0);

  // Per-10 s windows: throughput and memory, to see drift.
  const windows: string[][] = [];
  for (let from = 0; from < soakSeconds; from += 10) {
    const inWindow = samples.filter((s) => s.t >= from && s.t < from + 10.5);
    if (inWindow.length < 2) continue;
    const first = inWindow[0]!;
    const last = inWindow[inWindow.length - 1]!;
    const dt = last.t - first.t;
    windows.push([
      `${from}–${Math.min(from + 10, soakSeconds)} s`,
      int((last.completed - first.completed) / dt),
      mb(Math.max(...inWindow.map((s) => s.rss))),
      mb(Math.max(...inWindow.map((s) => s.heap))),
      ms(((last.cpu - first.cpu) / Math.max(1, last.completed - first.completed)) * 1e6, 0),
    ]);
  }
  const steady = samples.filter((s) => s.t >= WARMUP_EXCLUDED_S && Number.isFinite(s.rss));
  const rssSlope = slope(steady.map((s) => s.t), steady.map((s) => s.rss)) * 60;
  const heapSteady = steady.filter((s) => Number.isFinite(s.heap));
  const heapSlope = slope(heapSteady.map((s) => s.t), heapSteady.map((s) => s.heap)) * 60;
  const rss = samples.map((s) => s.rss).filter(Number.isFinite);
  const heap = samples.map((s) => s.heap).filter(Number.isFinite);

  console.log(`\n### Latency (ms): direct baseline (${baselineSeconds} s) vs gateway soak (${soakSeconds} s), concurrency ${concurrency}\n`);
  console.log(
    table(
      ["what", "requests", "req/s", "p50", "p90", "p99", "max", "errors"],
      [
        ["fake upstream directly", int(direct.requests), int(direct.rps), ms(direct.p50), ms(direct.p90), ms(direct.p99), ms(direct.max), String(direct.errors)],
        ["through the gateway", int(soak.requests), int(soak.rps), ms(soak.p50), ms(soak.p90), ms(soak.p99), ms(soak.max), String(soak.errors)],
        ["added by the gateway", "", "", ms(soak.p50 - direct.p50), ms(soak.p90 - direct.p90), ms(soak.p99 - direct.p99), "", ""],
      ],
    ),
  );
  console.log(`\n### Server memory (MB) and CPU, sampled every second\n`);
  console.log(table(["window", "req/s", "max RSS", "max heap used", "server CPU µs / request"], windows));
  console.log("");
  console.log(
    table(
      ["memory", "start", "min", "max", "end", `slope after ${WARMUP_EXCLUDED_S} s (MB/min)`],
      [
        ["RSS (/proc VmRSS)", mb(rss[0]!), mb(Math.min(...rss)), mb(Math.max(...rss)), mb(rss[rss.length - 1]!), (rssSlope / 1024 / 1024).toFixed(2)],
        heap.length > 0
          ? ["V8 heap used (/metrics)", mb(heap[0]!), mb(Math.min(...heap)), mb(Math.max(...heap)), mb(heap[heap.length - 1]!), (heapSlope / 1024 / 1024).toFixed(2)]
          : ["V8 heap used (/metrics)", "n/a", "n/a", "n/a", "n/a", "n/a"],
      ],
    ),
  );
  // Thirds of the steady part.
  const span = soakSeconds - WARMUP_EXCLUDED_S;
  const middle = steady.filter((x) => x.t >= WARMUP_EXCLUDED_S + span / 3 && x.t < WARMUP_EXCLUDED_S + (2 * span) / 3);
  const last = steady.filter((x) => x.t >= WARMUP_EXCLUDED_S + (2 * span) / 3);
  const before = steady.filter((x) => x.t < WARMUP_EXCLUDED_S + (2 * span) / 3);
  const minOf = (xs: number[]) => Math.min(...xs.filter(Number.isFinite));
  const maxOf = (xs: number[]) => Math.max(...xs.filter(Number.isFinite));
  const troughGrowth = minOf(last.map((x) => x.heap)) - minOf(middle.map((x) => x.heap));
  const rssHighRatio = maxOf(last.map((x) => x.rss)) / maxOf(before.map((x) => x.rss));
  const heapKnown = Number.isFinite(troughGrowth);
  const heapFlat = !heapKnown || troughGrowth < HEAP_TROUGH_TOLERANCE_MB * 1024 * 1024;
  const rssFlat = rssHighRatio <= RSS_HIGH_TOLERANCE;
  const flat = heapFlat && rssFlat;
  const addedP50 = soak.p50 - direct.p50;
  const addedP99 = soak.p99 - direct.p99;
  console.log(`\n### Targets\n`);
  console.log(
    table(
      ["target", "measured", "verdict"],
      [
        ["no errors", `${soak.errors} errors in ${int(soak.requests + soak.errors)} requests`, soak.errors === 0 ? "met" : "MISSED"],
        [
          `flat memory after ${WARMUP_EXCLUDED_S} s: heap-used troughs grow < ${HEAP_TROUGH_TOLERANCE_MB} MB (last third vs middle third), RSS of the last third within ${Math.round((RSS_HIGH_TOLERANCE - 1) * 100)}% of the highest before`,
          `heap trough ${heapKnown ? `${troughGrowth >= 0 ? "+" : ""}${mb(troughGrowth)} MB` : "n/a (no /metrics)"}, RSS high ${ratio(rssHighRatio)}, RSS slope ${(rssSlope / 1024 / 1024).toFixed(1)} MB/min`,
          flat ? "met" : "MISSED",
        ],
        [
          "every answered call recorded, none dropped",
          `${int(answered)} answered; ${int(written)} records written, ${int(dropped)} dropped; per-version metrics count ${int(inMetrics)}`,
          written === answered && inMetrics === answered && dropped === 0 ? "met" : "MISSED",
        ],
        [`added p50 < 1 ms at concurrency ${concurrency}`, `${ms(addedP50)} ms`, addedP50 < 1 ? "met" : "MISSED"],
        [`added p99 < 3 ms at concurrency ${concurrency}`, `${ms(addedP99)} ms`, addedP99 < 3 ? "met" : "MISSED"],
      ],
    ),
  );
  console.log(`\nload average after: ${load()}`);
} finally {
  await stack.stop();
}
