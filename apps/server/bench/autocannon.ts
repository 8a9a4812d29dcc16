// Throughput with autocannon (npm), bounded in time and in requests, on loopback. Its latency histogram
// has whole-millisecond resolution, so sub-millisecond latencies come from bench/load.ts instead.
import autocannon from "autocannon";

export interface ThroughputResult {
  /** Completed requests per second (2xx and others). */
  rps: number;
  /** Completed sequences per second (a sequence is all of `requests`, e.g. the two tRPC calls). */
  opsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number;
  seconds: number;
}

export interface ThroughputTarget {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** A sequence of requests each connection sends in turn (overrides path/method/body). */
  requests?: Array<{ method: "GET" | "POST"; path: string; body?: string; headers?: Record<string, string> }>;
}

export async function runThroughput(target: ThroughputTarget, connections: number, seconds: number, maxRequests = 2_000_000): Promise<ThroughputResult> {
  const result = await autocannon({
    url: target.url,
    method: target.method ?? "POST",
    headers: target.headers ?? {},
    ...(target.body !== undefined ? { body: target.body } : {}),
    ...(target.requests ? { requests: target.requests } : {}),
    connections,
    pipelining: 1,
    duration: seconds,
    maxOverallRequests: maxRequests,
    timeout: 10,
  });
  const total = result.requests.total;
  const perOp = target.requests?.length ?? 1;
  return {
    rps: total / result.duration,
    opsPerSecond: total / perOp / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total,
    errors: result.errors + result.timeouts + result.non2xx,
    seconds: result.duration,
  };
}
