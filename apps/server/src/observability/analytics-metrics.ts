// Prometheus series of the gateway's prompt calls and of the call recorder. Per environment, not per
// prompt or version: a label per prompt would grow the series without bound (per-version figures are
// the metrics API's job). Environment names come from the registry, but a call may name one that does
// not exist, so only environments that resolved a version get their own label, and at most
// MAX_ENVIRONMENT_LABELS of them ("other" after that).
//
// Everything is counted in plain numbers as calls are recorded (a few additions per call) and handed to
// prom-client when Prometheus scrapes, so a call pays no label lookups.
import { isProviderFailure, type TCallRecord } from "@promptreg/contracts";
import { Counter, Gauge, type Registry } from "prom-client";
import type { RecorderStats } from "../analytics/recorder.js";

const MAX_ENVIRONMENT_LABELS = 100;
const NO_ENVIRONMENT = "none";
const UNRESOLVED = "unresolved";
const OTHER = "other";

interface EnvironmentTotals {
  ok: number;
  clientError: number;
  providerError: number;
  inputTokens: number;
  outputTokens: number;
}

export interface CallTotals {
  /** Counts one call (called for every recorded call, dropped ones included). */
  count(record: TCallRecord): void;
}

export function registerAnalyticsMetrics(registry: Registry, recorderStats: () => RecorderStats): CallTotals {
  const totals = new Map<string, EnvironmentTotals>();
  const reported = new Map<string, EnvironmentTotals>();
  const zero = (): EnvironmentTotals => ({ ok: 0, clientError: 0, providerError: 0, inputTokens: 0, outputTokens: 0 });

  const labelOf = (record: TCallRecord): string => {
    if (record.versionId === null) return UNRESOLVED;
    const name = record.environment ?? NO_ENVIRONMENT;
    return totals.has(name) || totals.size < MAX_ENVIRONMENT_LABELS ? name : OTHER;
  };

  /** Adds what was counted since the last scrape (counters only go up). */
  function advance(field: keyof EnvironmentTotals, add: (environment: string, delta: number) => void): void {
    for (const [environment, now] of totals) {
      let seen = reported.get(environment);
      if (!seen) reported.set(environment, (seen = zero()));
      const delta = now[field] - seen[field];
      if (delta > 0) add(environment, delta);
      seen[field] = now[field];
    }
  }

  new Counter({
    name: "promptreg_gateway_prompt_calls_total",
    help: "Gateway calls with prompt_id, by environment (none: selected by version_id; unresolved: no version found) and outcome (ok, client_error: 4xx such as invalid inputs, provider_error: status >= 500 or no complete answer from the provider)",
    labelNames: ["environment", "outcome"] as const,
    registers: [registry],
    collect() {
      advance("ok", (environment, delta) => this.inc({ environment, outcome: "ok" }, delta));
      advance("clientError", (environment, delta) => this.inc({ environment, outcome: "client_error" }, delta));
      advance("providerError", (environment, delta) => this.inc({ environment, outcome: "provider_error" }, delta));
    },
  });
  new Counter({
    name: "promptreg_gateway_prompt_tokens_total",
    help: "Tokens of gateway calls with prompt_id as the provider reported them, by environment and type (input, output)",
    labelNames: ["environment", "type"] as const,
    registers: [registry],
    collect() {
      advance("inputTokens", (environment, delta) => this.inc({ environment, type: "input" }, delta));
      advance("outputTokens", (environment, delta) => this.inc({ environment, type: "output" }, delta));
    },
  });

  // The recorder counts since start-up; each scrape adds what was counted since the last one.
  type StatField = Exclude<keyof RecorderStats, "depth">;
  const seen: Partial<Record<StatField, number>> = {};
  const since = (field: StatField): number => {
    const now = recorderStats()[field];
    const delta = now - (seen[field] ?? 0);
    seen[field] = now;
    return delta;
  };
  const recorderCounter = (name: string, help: string, field: StatField) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const delta = since(field);
        if (delta > 0) this.inc(delta);
      },
    });

  new Gauge({
    name: "promptreg_analytics_queue_depth",
    help: "Call records waiting to be written (queued, or in a batch being retried)",
    registers: [registry],
    collect() {
      this.set(recorderStats().depth);
    },
  });
  recorderCounter("promptreg_analytics_records_written_total", "Call records written to the database", "written");
  recorderCounter("promptreg_analytics_flushes_total", "Flushes of the call record queue", "flushes");
  recorderCounter("promptreg_analytics_flush_failures_total", "Flushes that failed to write some records (they wait and are retried)", "failedFlushes");
  recorderCounter("promptreg_analytics_inputs_not_kept_total", "Captured inputs not kept because too many bytes of inputs were waiting", "inputsNotKept");
  new Counter({
    name: "promptreg_analytics_records_dropped_total",
    help: "Call records dropped: the queue was full (reason=queue_full: the database slow or down) or not written before shutdown (reason=shutdown)",
    labelNames: ["reason"] as const,
    registers: [registry],
    collect() {
      const full = since("dropped");
      const shutdown = since("droppedAtShutdown");
      if (full > 0) this.inc({ reason: "queue_full" }, full);
      if (shutdown > 0) this.inc({ reason: "shutdown" }, shutdown);
    },
  });

  return {
    count(record) {
      const label = labelOf(record);
      let entry = totals.get(label);
      if (!entry) totals.set(label, (entry = zero()));
      if (isProviderFailure(record.status, record.errorCode)) entry.providerError += 1;
      else if (record.status >= 400) entry.clientError += 1;
      else entry.ok += 1;
      entry.inputTokens += record.inputTokens ?? 0;
      entry.outputTokens += record.outputTokens ?? 0;
    },
  };
}
