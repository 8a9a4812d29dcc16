// OpenTelemetry: each gateway prompt call as a span following the GenAI semantic conventions (an
// inference span: `chat {model}`, kind CLIENT, `gen_ai.*` attributes), plus promptreg's prompt, version
// and environment, exported over OTLP/HTTP (JSON) so Langfuse, Phoenix, Grafana Tempo or any collector
// can ingest it. A caller's `traceparent` makes the span a child of the caller's trace.
//
// Only configured deployments pay for it: this module imports the SDK dynamically, and the server
// imports this module only when OTEL_EXPORTER_OTLP_ENDPOINT (or …_TRACES_ENDPOINT) is set. Spans are
// built from the call's record after the answer is over (explicit start and end times) and exported in
// batches by the SDK's BatchSpanProcessor, off the request path.
import { isProviderFailure, type TCallRecord } from "@promptreg/contracts";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";

export interface CallTracer {
  /** One span for one call; `costUsd` as the request log stores it. */
  record(call: TCallRecord, costUsd: number | null): void;
  /** Exports what is buffered (bounded) and stops. */
  shutdown(): Promise<void>;
}

/** Provider names as the conventions spell the well-known ones (`gen_ai.provider.name`). */
const PROVIDER_NAMES: Readonly<Record<string, string>> = { azure: "azure.ai.openai", anthropic: "anthropic", openai: "openai" };

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export async function startCallTracing(config: NonNullable<Config["otel"]>, logger: Logger): Promise<CallTracer> {
  const [api, { BasicTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
  ]);
  const exporter = new OTLPTraceExporter({ url: config.tracesUrl, headers: { ...config.headers } });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": config.serviceName }),
    // A bounded buffer: if the collector is down, spans past it are dropped by the SDK, never the calls.
    spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 8192, maxExportBatchSize: 512, scheduledDelayMillis: 1000 })],
  });
  const tracer = provider.getTracer("promptreg-gateway");
  logger.info({ endpoint: config.tracesUrl }, "OpenTelemetry: exporting a span per gateway prompt call");

  const parentOf = (traceparent: string | null) => {
    const match = traceparent ? TRACEPARENT.exec(traceparent.trim().toLowerCase()) : null;
    if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return api.ROOT_CONTEXT;
    return api.trace.setSpanContext(api.ROOT_CONTEXT, {
      traceId: match[1]!,
      spanId: match[2]!,
      traceFlags: Number.parseInt(match[3]!, 16) & 1,
      isRemote: true,
    });
  };

  return {
    record(call, costUsd) {
      // The conventions' well-known names go by what the provider is (its type), not what it is called here.
      const kind = call.providerType ?? call.provider;
      const providerName = kind === null ? undefined : (PROVIDER_NAMES[kind] ?? kind);
      const attributes: Record<string, string | number | boolean | string[]> = {
        "gen_ai.operation.name": "chat",
        "http.response.status_code": call.status,
        "promptreg.request_id": call.requestId,
        "promptreg.prompt.id": call.promptId,
        "promptreg.stream": call.stream,
        "promptreg.latency_ms": call.latencyMs,
      };
      if (call.provider !== null) attributes["promptreg.provider"] = call.provider;
      const set = (key: string, value: string | number | string[] | null | undefined) => {
        if (value !== null && value !== undefined) attributes[key] = value;
      };
      // gen_ai.system is the older name of gen_ai.provider.name; some backends still read only it.
      set("gen_ai.provider.name", providerName);
      set("gen_ai.system", providerName);
      set("gen_ai.request.model", call.requestModel);
      set("gen_ai.response.model", call.model);
      set("gen_ai.response.id", call.responseId);
      set("gen_ai.response.finish_reasons", call.finishReasons);
      set("gen_ai.usage.input_tokens", call.inputTokens);
      set("gen_ai.usage.output_tokens", call.outputTokens);
      if (call.providerUrl) {
        try {
          const url = new URL(call.providerUrl);
          attributes["server.address"] = url.hostname;
          attributes["server.port"] = Number(url.port || (url.protocol === "https:" ? 443 : 80));
        } catch {
          // Not a URL: left out.
        }
      }
      set("promptreg.prompt.version_id", call.versionId);
      set("promptreg.prompt.version", call.majorVersion === null ? null : `${call.majorVersion}.${call.minorVersion}`);
      set("promptreg.prompt.environment", call.environment);
      set("promptreg.cost_usd", costUsd);
      set("promptreg.time_to_first_token_ms", call.ttftMs);
      set("promptreg.upstream_latency_ms", call.upstreamLatencyMs);

      const failed = isProviderFailure(call.status, call.errorCode) || call.status >= 400;
      if (failed) set("error.type", call.errorCode ?? String(call.status));
      const span = tracer.startSpan(
        `chat ${call.requestModel ?? call.model ?? ""}`.trim(),
        { kind: api.SpanKind.CLIENT, startTime: call.startedAt, attributes },
        parentOf(call.traceparent),
      );
      if (failed) span.setStatus({ code: api.SpanStatusCode.ERROR, message: call.errorCode ?? `HTTP ${call.status}` });
      span.end(call.startedAt + call.latencyMs);
    },

    async shutdown() {
      await Promise.race([provider.shutdown(), new Promise((r) => setTimeout(r, 5000).unref())]).catch((error: unknown) => {
        logger.warn({ err: error }, "OpenTelemetry: export at shutdown failed");
      });
    },
  };
}
