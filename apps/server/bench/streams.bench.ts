// Long-lived calls: N concurrent slow streams (the fake streams 20 chunks over 2 s, as a model does), straight
// to the fake vs through the gateway (prompt_id + inputs: resolve, compile, route, relay), same run. Every
// stream must complete (all 20 chunks and [DONE]); the time for all N to finish through the gateway must be
// within 1.3x of straight to the fake; the gateway's memory per open stream is reported (its RSS with all N
// open, less its RSS before, over N), and the calls it kept waiting for a connection (must be 0: no cap).
//
// Before this work the upstream pool was capped at 256 connections: 1,000 concurrent 2-s streams took 9.1 s
// through the gateway against 3.0 s straight to the provider.
//
// Processes: the fake and the server in their own processes; this process is the load generator. With 5,000
// streams that is about 5,000 sockets here, 10,000 in the server and 5,000 in the fake: raise the open-files
// limit first if it is lower than ~3 x N + 1,000 (`ulimit -n 20000`; the benchmark says so and stops).
// BENCH_STREAMS=1000,5000 (default), BENCH_STREAM_MS=2000.
//
// Run: pnpm --filter @promptreg/server exec tsx bench/streams.bench.ts
import { readFile } from "node:fs/promises";
import { Pool } from "undici";
import { fixtureInputs, slowTemplate } from "./streams.fixture.js";
import { BENCH_API_KEY, startDatabase, startServerProcess, startUpstream, type Process } from "./processes.js";
import { cpuSecondsOf, int, machineLine, mb, metricValue, ratio, rssOf, table, waitForQuietMachine } from "./report.js";

const counts = (process.env["BENCH_STREAMS"] ?? "1000,5000").split(",").map(Number);
const streamMs = Number(process.env["BENCH_STREAM_MS"] ?? 2000);
const CHUNKS = 20;

async function openFilesLimit(): Promise<number> {
  const limits = await readFile("/proc/self/limits", "utf8").catch(() => "");
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
  return !m ? Number.POSITIVE_INFINITY : m[1] === "unlimited" ? Number.POSITIVE_INFINITY : Number(m[1]);
}

interface RunResult {
  seconds: number;
  completed: number;
  failed: number;
  /** Server RSS with all streams open, sampled while they run (max). */
  peakRss: number;
  /** Max calls waiting for a provider connection, sampled from /metrics. */
  maxWaiting: number;
  serverCpu: number;
  fakeCpu: number;
  clientCpu: number;
}

/** N streams at once on N connections; resolves when every one ended. */
async function runStreams(origin: string, path: string, headers: Record<string, string>, body: string, n: number, sample: () => Promise<void>): Promise<{ seconds: number; completed: number; failed: number }> {
  const pool = new Pool(origin, { connections: n, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 120_000, bodyTimeout: 120_000 });
  let completed = 0;
  let failed = 0;
  const one = async () => {
    try {
      const res = await pool.request({ method: "POST", path, headers, body });
      let tail = "";
      let chunks = 0;
      for await (const part of res.body) {
        const text = (part as Buffer).toString("latin1");
        chunks += text.split('"content":"t').length - 1;
        tail = (tail + text).slice(-64);
      }
      if (res.statusCode === 200 && chunks === CHUNKS && tail.includes("[DONE]")) completed++;
      else failed++;
    } catch {
      failed++;
    }
  };
  const sampler = setInterval(() => void sample(), 250);
  const start = performance.now();
  try {
    await Promise.all(Array.from({ length: n }, one));
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - start) / 1000;
  await pool.close();
  return { seconds, completed, failed };
}

await waitForQuietMachine();
console.log(`\n## Concurrent slow streams: ${CHUNKS} chunks over ${streamMs} ms each\n\n${machineLine()}\n`);
const limit = await openFilesLimit();
const largest = Math.max(...counts);
if (limit < 3 * largest + 1000) {
  console.log(`open-files limit ${limit} is too low for ${largest} streams (need ~${3 * largest + 1000}): run \`ulimit -n ${3 * largest + 1000}\` first`);
  process.exit(2);
}

const database = await startDatabase();
const started: Process[] = [];
try {
  const fake = await startUpstream(["--stream-chunks", String(CHUNKS), "--stream-ms", String(streamMs)]);
  started.push(fake);
  const server = await startServerProcess({ database, upstreamUrl: fake.url });
  started.push(server);
  const auth = { authorization: `Bearer ${BENCH_API_KEY}`, "content-type": "application/json" };
  const created = await fetch(`${server.url}/v1/prompt-2025`, { method: "POST", headers: auth, body: JSON.stringify({ name: "bench-streams", promptBody: slowTemplate }) });
  const { data } = (await created.json()) as { data: { id: string } };
  const gatewayBody = JSON.stringify({ prompt_id: data.id, inputs: fixtureInputs, stream: true });
  const directBody = JSON.stringify({ ...slowTemplate, messages: [{ role: "user", content: `Tell me about ${fixtureInputs.topic}` }], stream: true });

  const rows: string[][] = [];
  const verdicts: string[] = [];
  for (const n of counts) {
    const measure = async (kind: "direct" | "gateway", n: number): Promise<RunResult> => {
      let peakRss = 0;
      let maxWaiting = 0;
      const sample = async () => {
        const [rss, waiting] = await Promise.all([rssOf(server.pid), metricValue(server.url, "promptreg_provider_requests_waiting")]);
        if (rss > peakRss) peakRss = rss;
        if (waiting > maxWaiting) maxWaiting = waiting;
      };
      const cpu0 = await Promise.all([cpuSecondsOf(server.pid), cpuSecondsOf(fake.pid), Promise.resolve(process.cpuUsage())]);
      const r =
        kind === "direct"
          ? await runStreams(fake.url, "/v1/chat/completions", { "content-type": "application/json", authorization: "Bearer sk-bench" }, directBody, n, async () => undefined)
          : await runStreams(server.url, "/v1/chat/completions", auth, gatewayBody, n, sample);
      const cpu1 = await Promise.all([cpuSecondsOf(server.pid), cpuSecondsOf(fake.pid)]);
      const client = process.cpuUsage(cpu0[2]);
      return { ...r, peakRss, maxWaiting, serverCpu: cpu1[0] - cpu0[0], fakeCpu: cpu1[1] - cpu0[1], clientCpu: (client.user + client.system) / 1e6 };
    };
    // Warm both paths (JIT, the prompt cache, connections), then measure each once.
    await measure("direct", Math.min(n, 200));
    await measure("gateway", Math.min(n, 200));
    const idleRss = await rssOf(server.pid);
    const direct = await measure("direct", n);
    const gateway = await measure("gateway", n);
    const perStream = (gateway.peakRss - idleRss) / n;
    rows.push([
      int(n),
      `${direct.seconds.toFixed(2)} s`,
      `${gateway.seconds.toFixed(2)} s`,
      ratio(gateway.seconds / direct.seconds),
      `${direct.completed}/${n}`,
      `${gateway.completed}/${n}`,
      `${mb(idleRss)} -> ${mb(gateway.peakRss)}`,
      `${(perStream / 1024).toFixed(1)} KB`,
      String(gateway.maxWaiting),
      `${gateway.serverCpu.toFixed(1)} / ${gateway.fakeCpu.toFixed(1)} / ${gateway.clientCpu.toFixed(1)}`,
    ]);
    const ok = direct.completed === n && gateway.completed === n && gateway.seconds / direct.seconds <= 1.3;
    verdicts.push(`${int(n)} streams: all complete ${direct.completed === n && gateway.completed === n ? "yes" : "NO"}, gateway/direct ${ratio(gateway.seconds / direct.seconds)} (target ≤ 1.30x): ${ok ? "met" : "MISSED"}`);
  }
  console.log(
    table(
      ["streams", "direct (all done)", "gateway (all done)", "ratio", "direct complete", "gateway complete", "server RSS MB idle -> peak", "per open stream", "max waiting", "CPU s server / fake / client"],
      rows,
    ),
  );
  console.log(`\n${verdicts.join("\n")}`);
  console.log("(CPU seconds are the gateway run's; on a 2-core machine, server + fake + client CPU over the run's seconds near 2 means the machine, not the gateway, is the limit)");
} finally {
  await Promise.all(started.map((p) => p.stop()));
  await database.stop();
}
