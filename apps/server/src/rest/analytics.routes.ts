// The request log, per-version metrics and input capture settings over REST (API.md, "Request log and
// per-version metrics", our extension): camelCase bodies as the tRPC inputs, snake_case answers.
import type { TCaptureSettingsView, TRequestRecord, TVersionMetrics } from "@promptreg/contracts";
import {
  ZRestCaptureSettingsData,
  ZRestCaptureSettingsRequest,
  ZRestMetricsRequest,
  ZRestMetricsSeriesData,
  ZRestMetricsSeriesRequest,
  ZRestRequestRecord,
  ZRestRequestsRequest,
  ZRestSetCaptureSettingsRequest,
  ZRestVersionMetrics,
  type TRestCaptureSettingsData,
  type TRestMetricsSeriesData,
  type TRestRequestRecord,
  type TRestVersionMetrics,
} from "@promptreg/contracts/rest";
import { z } from "zod";
import { defineRoute } from "./route.js";

const P = "/v1/prompt-2025";

export const toRestVersionMetrics = (m: TVersionMetrics): TRestVersionMetrics => ({
  version_id: m.versionId,
  major_version: m.majorVersion,
  minor_version: m.minorVersion,
  requests: m.requests,
  errors: m.errors,
  error_rate: m.errorRate,
  input_tokens: m.inputTokens,
  output_tokens: m.outputTokens,
  cost_usd: m.costUsd,
  priced_requests: m.pricedRequests,
  latency_ms: m.latencyMs,
  streamed_requests: m.streamedRequests,
  ttft_ms: m.ttftMs,
});

export const toRestRequestRecord = (r: TRequestRecord): TRestRequestRecord => ({
  request_id: r.requestId,
  created_at: r.createdAt,
  version_id: r.versionId,
  major_version: r.majorVersion,
  minor_version: r.minorVersion,
  environment: r.environment,
  status: r.status,
  latency_ms: r.latencyMs,
  upstream_latency_ms: r.upstreamLatencyMs,
  time_to_first_token_ms: r.timeToFirstTokenMs,
  stream: r.stream,
  model: r.model,
  provider: r.provider,
  input_tokens: r.inputTokens,
  output_tokens: r.outputTokens,
  cost_usd: r.costUsd,
  error_code: r.errorCode,
  inputs: r.inputs,
});

const toRestCaptureSettings = (v: TCaptureSettingsView): TRestCaptureSettingsData => {
  const settings = (s: TCaptureSettingsView["organization"]) => ({ enabled: s.enabled, redact_variables: s.redactVariables, retention_days: s.retentionDays });
  return {
    organization: settings(v.organization),
    prompt: v.prompt && { enabled: v.prompt.enabled, redact_variables: v.prompt.redactVariables, retention_days: v.prompt.retentionDays },
    effective: settings(v.effective),
  };
};

export const analyticsRoutes = [
  defineRoute({
    method: "post",
    path: `${P}/query/metrics`,
    summary: "Per-version metrics of a prompt over a window (default the last 24 h): requests, errors, tokens, cost, latency percentiles",
    body: ZRestMetricsRequest,
    response: z.array(ZRestVersionMetrics),
    handler: async ({ scope, body, services }) => (await services.analytics.metrics(scope, body)).versions.map(toRestVersionMetrics),
  }),
  defineRoute({
    method: "post",
    path: `${P}/query/metrics-series`,
    summary: "Per-version metrics of a prompt in time buckets (minutes, hours or days), for charts",
    body: ZRestMetricsSeriesRequest,
    response: ZRestMetricsSeriesData,
    async handler({ scope, body, services }): Promise<TRestMetricsSeriesData> {
      const series = await services.analytics.series(scope, body);
      return {
        from: series.from,
        to: series.to,
        granularity: series.granularity,
        versions: series.versions.map((v) => ({
          version_id: v.versionId,
          major_version: v.majorVersion,
          minor_version: v.minorVersion,
          points: v.points.map((p) => ({
            t: p.t,
            requests: p.requests,
            errors: p.errors,
            input_tokens: p.inputTokens,
            output_tokens: p.outputTokens,
            cost_usd: p.costUsd,
            latency_ms: p.latencyMs,
          })),
        })),
      };
    },
  }),
  defineRoute({
    method: "post",
    path: `${P}/query/requests`,
    summary: "The prompt's recorded gateway calls, newest first, paged; filters by version, environment and status",
    body: ZRestRequestsRequest,
    response: z.array(ZRestRequestRecord),
    handler: async ({ scope, body, services }) => (await services.analytics.requests(scope, body)).requests.map(toRestRequestRecord),
  }),
  defineRoute({
    method: "post",
    path: `${P}/query/capture-settings`,
    summary: "Input capture settings: the organization's, or a prompt's (with promptId) and what applies to it",
    body: ZRestCaptureSettingsRequest,
    response: ZRestCaptureSettingsData,
    handler: async ({ scope, body, services }) => toRestCaptureSettings(await services.analytics.captureSettings(scope, body)),
  }),
  defineRoute({
    method: "post",
    path: `${P}/update/capture-settings`,
    summary: "Change input capture (on/off, redacted variables, retention) for the organization or a prompt (admin keys)",
    body: ZRestSetCaptureSettingsRequest,
    response: ZRestCaptureSettingsData,
    handler: async ({ scope, body, services }) => toRestCaptureSettings(await services.analytics.setCaptureSettings(scope, body)),
  }),
];
