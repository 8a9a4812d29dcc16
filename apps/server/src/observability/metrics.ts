// Prometheus metrics (prom-client), one registry per server so that several servers in one process (the
// tests) never share series. HTTP latency is observed per request by ./http.ts, labelled by route pattern;
// database latency comes from the MongoDB driver's command monitoring; upstream latency and attempts from the
// provider router's observer; cache figures, breaker states and connection pools are read when Prometheus
// scrapes. Provider labels are names from the operator's configuration, never caller input.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { DatabaseCommandEvent } from "../db/index.js";
import type { AttemptOutcome } from "../gateway/providers/call-report.js";
import type { ProviderObserver, ProviderStats } from "../gateway/providers/router.js";
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
  /** Hand to the provider router: times every attempt and answer, counts attempts by outcome. */
  providerObserver: ProviderObserver;
  /** Reports breaker states and connection pools of the providers at each scrape. */
  trackProviders: (stats: () => ProviderStats[]) => void;
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
    help: "Gateway calls to upstream providers: time to response headers (stage=headers) and to the end of the body (stage=complete), by provider and status (or unreachable, timeout, aborted)",
    labelNames: ["provider", "stage", "status"] as const,
    buckets: UPSTREAM_BUCKETS,
    registers: [registry],
  });
  const attempts = new Counter({
    name: "promptreg_provider_attempts_total",
    help: "Attempts of fallback chains by provider and outcome (2xx, 4xx, 429, 5xx, timeout, unreachable, aborted, circuit_open: skipped by the breaker, unsupported: not translatable)",
    labelNames: ["provider", "outcome"] as const,
    registers: [registry],
  });
  let providerStats: (() => ProviderStats[]) | undefined;
  const BREAKER_VALUE = { closed: 0, half_open: 1, open: 2 } as const;
  new Gauge({
    name: "promptreg_provider_circuit_state",
    help: "Each provider's circuit breaker: 0 closed (calls go), 1 half-open (one probe goes), 2 open (skipped until its cool-down ends)",
    labelNames: ["provider"] as const,
    registers: [registry],
    collect() {
      for (const s of providerStats?.() ?? []) this.set({ provider: s.provider }, BREAKER_VALUE[s.breaker]);
    },
  });
  new Gauge({
    name: "promptreg_provider_connections",
    help: "Connections open to each provider",
    labelNames: ["provider"] as const,
    registers: [registry],
    collect() {
      for (const s of providerStats?.() ?? []) this.set({ provider: s.provider }, s.connected);
    },
  });
  new Gauge({
    name: "promptreg_provider_requests_in_flight",
    help: "Calls being answered by each provider",
    labelNames: ["provider"] as const,
    registers: [registry],
    collect() {
      for (const s of providerStats?.() ?? []) this.set({ provider: s.provider }, s.running);
    },
  });
  new Gauge({
    name: "promptreg_provider_requests_waiting",
    help: "Calls waiting for a connection to each provider: non-zero only under a maxConnections cap the operator set",
    labelNames: ["provider"] as const,
    registers: [registry],
    collect() {
      for (const s of providerStats?.() ?? []) this.set({ provider: s.provider }, s.waiting);
    },
  });
  const outcomeLabel = (outcome: AttemptOutcome): string =>
    typeof outcome === "number" ? (outcome === 429 ? "429" : outcome >= 500 ? "5xx" : outcome >= 400 ? "4xx" : "2xx") : outcome;

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

    providerObserver: {
      attempt(provider, outcome, seconds) {
        attempts.inc({ provider, outcome: outcomeLabel(outcome) });
        if (outcome !== "circuit_open" && outcome !== "unsupported") upstreamCalls.observe({ provider, stage: "headers", status: String(outcome) }, seconds);
      },
      complete(provider, status, seconds) {
        upstreamCalls.observe({ provider, stage: "complete", status: status === 0 ? "broken" : String(status) }, seconds);
      },
    },

    trackProviders: (stats) => {
      providerStats = stats;
    },

    trackResolutionCaches: (stats) => {
      cacheStats = stats;
    },
  };
}
