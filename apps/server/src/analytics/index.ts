// The analytics pieces of one server, wired from the configuration: the call recorder (queue → batch
// writer → database), its Prometheus series, OpenTelemetry spans when an OTLP endpoint is configured, and
// the retention sweeper. The gateway sees only `sink.record(call)`; `sink` is undefined when neither
// recording nor tracing is on, so the gateway does not even build call records then.
import type { TCallRecord } from "@promptreg/contracts";
import type { Registry } from "prom-client";
import type { Config } from "../config.js";
import type { Repositories } from "../db/index.js";
import type { Logger } from "../logger.js";
import { registerAnalyticsMetrics } from "../observability/analytics-metrics.js";
import type { CallTracer } from "../observability/otel.js";
import type { Services } from "../services/index.js";
import { createRecorder, type Recorder } from "./recorder.js";
import { createBatchWriter } from "./writer.js";

export { createRecorder, type Recorder, type RecorderStats } from "./recorder.js";
export { createBatchWriter, type BatchWriter, type PreparedCall, type PromptBatch } from "./writer.js";

/** What the gateway hands each prompt call's record to. Never throws, never blocks. */
export interface CallSink {
  record(call: TCallRecord): void;
}

export interface AnalyticsRuntime {
  sink: CallSink | undefined;
  recorder: Recorder | undefined;
  /** Writes what waits, within the configured shutdown bound, and stops the timers. */
  close(): Promise<void>;
}

export async function startAnalytics(config: Config, services: Services, repositories: Repositories, registry: Registry, logger: Logger): Promise<AnalyticsRuntime> {
  const { analytics } = config;
  let recorder: Recorder | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  if (analytics.enabled) {
    const writer = createBatchWriter(repositories.analytics, {
      recordRetentionMs: analytics.recordRetentionDays * 86_400_000,
      rollupRetentionMs: analytics.rollupRetentionDays * 86_400_000,
    });
    recorder = createRecorder(
      writer,
      (orgId, promptId, calls) => services.analytics.prepare(orgId, promptId, calls),
      logger,
      {
        queueLimit: analytics.queueLimit,
        flushIntervalMs: analytics.flushIntervalMs,
        batchSize: analytics.batchSize,
        shutdownMs: analytics.shutdownMs,
      },
      (orgId, promptId) => services.analytics.captureKnown(orgId, promptId),
    );
    const queue = recorder;
    const totals = registerAnalyticsMetrics(registry, () => queue.stats());
    recorder.onRecord((call) => totals.count(call));

    const sweep = () => {
      services.analytics.sweep().then(
        (removed) => {
          if (removed.chunks + removed.inputs + removed.rollups > 0) logger.info(removed, "analytics: removed calls, inputs and rollups past their retention");
        },
        (error: unknown) => logger.warn({ err: error }, "analytics: retention sweep failed; it runs again later"),
      );
    };
    // The first sweep a minute after start (not during start-up's rush), then every interval.
    sweeper = setTimeout(function again() {
      sweep();
      sweeper = setTimeout(again, analytics.sweepIntervalMs).unref();
    }, Math.min(60_000, analytics.sweepIntervalMs)).unref();
  }

  // Loaded only when configured: without an endpoint the SDK is never imported.
  let tracer: CallTracer | undefined;
  if (config.otel) {
    const { startCallTracing } = await import("../observability/otel.js");
    tracer = await startCallTracing(config.otel, logger);
  }

  // The gateway names the provider that served a call; its type and base URL (for pricing and tracing)
  // come from the configuration. Names are configured ones only (never caller input).
  const providers = new Map(config.providers.providers.map((p) => [p.name, { type: p.type, url: p.baseUrls[0] ?? null }]));
  const describe = (call: TCallRecord) => {
    const provider = call.provider === null ? undefined : providers.get(call.provider);
    if (provider) {
      call.providerType = provider.type;
      call.providerUrl = provider.url;
    }
  };
  let sink: CallSink | undefined;
  if (recorder && tracer) {
    const [queue, spans] = [recorder, tracer];
    sink = { record: (call) => (describe(call), spans.record(call, services.analytics.costOf(call)), queue.record(call)) };
  } else if (recorder) {
    const queue = recorder;
    sink = { record: (call) => (describe(call), queue.record(call)) };
  } else if (tracer) {
    const spans = tracer;
    sink = { record: (call) => (describe(call), spans.record(call, services.analytics.costOf(call))) };
  }

  return {
    sink,
    recorder,
    async close() {
      clearTimeout(sweeper);
      await recorder?.close();
      await tracer?.shutdown();
    },
  };
}
