// A closed-loop load generator: `concurrency` workers each send a request, wait for the whole answer,
// and send the next, for a fixed time (and at most `maxRequests`). Latencies are taken with hrtime (µs
// precision), which the sub-millisecond overheads measured here need; autocannon (bench/autocannon.ts)
// records whole milliseconds, so it is used for throughput only. Connections are kept alive (undici Pool).
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
  mean: number;
}

export interface LoadTarget {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /** Default POST. */
  method?: "GET" | "POST" | undefined;
  /** Status every answer must have; others count as errors. */
  expectStatus?: number;
}

export interface LoadBounds {
  /** Measured time, after the warm-up. */
  durationMs: number;
  /** Default 500 ms (not recorded). */
  warmupMs?: number;
  /** Stop after this many recorded requests, whatever the time. Default unbounded (time only). */
  maxRequests?: number;
  /** Also push every recorded latency (ms) here, e.g. to merge several interleaved runs. */
  collect?: number[];
}

const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Percentiles (ms) of latencies (ms). */
export function summarize(latencies: number[], errors: number, seconds: number): LoadResult {
  const sorted = Float64Array.from(latencies).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    requests: sorted.length,
    errors,
    seconds,
    rps: sorted.length / seconds,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
    mean: sorted.length > 0 ? sum / sorted.length : NaN,
  };
}

/** One operation (one or more requests); resolves false when its answer is wrong (an error). */
export type Operation = (pool: Pool) => Promise<boolean>;

/** Runs `op` in a closed loop; its latency is the whole operation's. */
export async function runOperation(origin: string, op: Operation, concurrency: number, bounds: LoadBounds): Promise<LoadResult> {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const latencies: number[] = [];
  const maxRequests = bounds.maxRequests ?? Number.POSITIVE_INFINITY;
  let errors = 0;
  let issued = 0;
  const loop = async (until: number, record: boolean) => {
    while (Date.now() < until && (!record || issued < maxRequests)) {
      if (record) issued++;
      const start = process.hrtime.bigint();
      try {
        const ok = await op(pool);
        if (!ok) errors++;
        else if (record) latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => loop(Date.now() + (bounds.warmupMs ?? 500), false)));
  errors = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, () => loop(Date.now() + bounds.durationMs, true)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await pool.close();
  if (bounds.collect) for (const l of latencies) bounds.collect.push(l);
  return summarize(latencies, errors, seconds);
}

/** An operation of one request to `target`. */
export function requestOperation(target: LoadTarget): Operation {
  return async (pool) => {
    const res = await pool.request({ method: target.method ?? "POST", path: target.path, headers: target.headers, body: target.body ?? null });
    await res.body.arrayBuffer();
    return res.statusCode === (target.expectStatus ?? 200);
  };
}

/** The original signature: one request per operation, for `durationMs` after `warmupMs`. */
export async function runLoad(target: LoadTarget, concurrency: number, durationMs: number, warmupMs = 500, maxRequests?: number): Promise<LoadResult> {
  return runOperation(target.origin, requestOperation(target), concurrency, { durationMs, warmupMs, ...(maxRequests !== undefined ? { maxRequests } : {}) });
}
