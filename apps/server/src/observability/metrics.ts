// Prometheus metrics (prom-client), one registry per server so that several servers in one process (the
// tests) never share series. HTTP latency is observed per request by ./http.ts, labelled by route pattern;
// database latency comes from the MongoDB driver's command monitoring; upstream latency from a wrapper
// around the gateway's upstream client; cache figures are read from the services when Prometheus scrapes.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { DatabaseCommandEvent } from "../db/index.js";
import { UpstreamTimeoutError, type UpstreamClient } from "../gateway/upstream.js";
import type { HttpDurationHistogram } from "./http.js";

/** Seconds. Dense below 10 ms: the gateway's own overhead and cached lookups live there. */
const FAST_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds. LLM calls take from a fraction of a second to minutes. */
const UPSTREAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];

interface CacheStats {
  hits: number;
  misses: number;
  size: number;
}
export type CacheStatsSource = () => Record<string, CacheStats>;

export interface Metrics {
  registry: Registry;
  /** HTTP request latency by method, route pattern and status (its _count is the request count). */
  httpDurations: HttpDurationHistogram;
  /** For connectDatabase's command hook. */
  observeDbCommand: (event: DatabaseCommandEvent) => void;
  /** The same client, timing every upstream call. */
  instrumentUpstream: (upstream: UpstreamClient) => UpstreamClient;
  /** Reports the resolution caches' hits, misses and sizes at each scrape. */
  trackResolutionCaches: (stats: CacheStatsSource) => void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const httpDurations = new Histogram({
    name: "promptreg_http_request_duration_seconds",
    help: "HTTP requests: time from arrival to the end of the answer, by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: FAST_BUCKETS,
    registers: [registry],
  });

  const dbCommands = new Histogram({
    name: "promptreg_db_command_duration_seconds",
    help: "Database command latency as the MongoDB driver measured it, by command and outcome",
    labelNames: ["command", "outcome"] as const,
    buckets: FAST_BUCKETS,
    registers: [registry],
  });

  const upstreamCalls = new Histogram({
    name: "promptreg_gateway_upstream_duration_seconds",
    help: "Gateway calls to the upstream provider: time to response headers (stage=headers) and to the end of the body (stage=complete), by status (or unreachable, timeout, aborted)",
    labelNames: ["stage", "status"] as const,
    buckets: UPSTREAM_BUCKETS,
    registers: [registry],
  });

  let cacheStats: CacheStatsSource | undefined;
  // Counters are monotonic; the caches count since start-up, so each scrape adds what was counted since the last.
  const reported = new Map<string, number>();
  const readCaches = (): Array<[string, CacheStats]> => Object.entries(cacheStats?.() ?? {});
  const advance = (which: "hits" | "misses", counter: Counter<"cache">) => {
    for (const [cache, stats] of readCaches()) {
      const key = `${which}\u0000${cache}`;
      const seen = reported.get(key);
      // Every cache's series exists from the first scrape on, at 0 until something is counted.
      if (seen === undefined || stats[which] > seen) counter.inc({ cache }, stats[which] - (seen ?? 0));
      reported.set(key, stats[which]);
    }
  };
  new Counter({
    name: "promptreg_resolution_cache_hits_total",
    help: "Gateway prompt resolution: lookups answered from the cache, by cache (versions, prompts)",
    labelNames: ["cache"] as const,
    registers: [registry],
    collect() {
      advance("hits", this);
    },
  });
  new Counter({
    name: "promptreg_resolution_cache_misses_total",
    help: "Gateway prompt resolution: lookups that went to the database, by cache",
    labelNames: ["cache"] as const,
    registers: [registry],
    collect() {
      advance("misses", this);
    },
  });
  new Gauge({
    name: "promptreg_resolution_cache_entries",
    help: "Entries held by each resolution cache",
    labelNames: ["cache"] as const,
    registers: [registry],
    collect() {
      for (const [cache, stats] of readCaches()) this.set({ cache }, stats.size);
    },
  });
  new Gauge({
    name: "promptreg_resolution_cache_hit_ratio",
    help: "Hits / (hits + misses) of each resolution cache since start-up (rate() over the counters gives a windowed ratio)",
    labelNames: ["cache"] as const,
    registers: [registry],
    collect() {
      for (const [cache, { hits, misses }] of readCaches()) {
        if (hits + misses > 0) this.set({ cache }, hits / (hits + misses));
      }
    },
  });

  return {
    registry,
    httpDurations,

    observeDbCommand: (event) => {
      dbCommands.observe({ command: event.commandName, outcome: event.ok ? "ok" : "error" }, event.durationMs / 1000);
    },

    instrumentUpstream: (upstream) => {
      return {
        ...upstream,
        async send(...args: Parameters<UpstreamClient["send"]>) {
          const start = performance.now();
          const signal = args[3];
          try {
            const answer = await upstream.send(...args);
            const status = String(answer.statusCode);
            upstreamCalls.observe({ stage: "headers", status }, (performance.now() - start) / 1000);
            answer.body.once("close", () => {
              upstreamCalls.observe({ stage: "complete", status }, (performance.now() - start) / 1000);
            });
            return answer;
          } catch (error) {
            const status = signal.aborted ? "aborted" : error instanceof UpstreamTimeoutError ? "timeout" : "unreachable";
            upstreamCalls.observe({ stage: "headers", status }, (performance.now() - start) / 1000);
            throw error;
          }
        },
      };
    },

    trackResolutionCaches: (stats) => {
      cacheStats = stats;
    },
  };
}
