// A closed-loop load generator: `concurrency` workers each send a request, wait for the whole answer,
// and send the next, for a fixed time. Latencies are taken with hrtime (µs precision), which the
// sub-millisecond overheads measured here need. Connections are kept alive (undici Pool).
import { Pool } from "undici";

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LoadTarget {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Status every answer must have; others count as errors. */
  expectStatus?: number;
}

const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

export async function runLoad(target: LoadTarget, concurrency: number, durationMs: number, warmupMs = 500): Promise<LoadResult> {
  const pool = new Pool(target.origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const latencies: number[] = [];
  let errors = 0;
  const send = async (): Promise<number> => {
    const start = process.hrtime.bigint();
    const res = await pool.request({ method: "POST", path: target.path, headers: target.headers, body: target.body });
    await res.body.arrayBuffer();
    if (res.statusCode !== (target.expectStatus ?? 200)) errors++;
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const loop = async (until: number, record: boolean) => {
    while (Date.now() < until) {
      try {
        const ms = await send();
        if (record) latencies.push(ms);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => loop(Date.now() + warmupMs, false)));
  errors = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, () => loop(Date.now() + durationMs, true)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await pool.close();
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: sorted.length,
    errors,
    seconds,
    rps: sorted.length / seconds,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}
