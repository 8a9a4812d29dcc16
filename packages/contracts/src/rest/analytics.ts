import { z } from "zod";
import {
  ZCaptureSettingsInput,
  ZMetricsInput,
  ZMetricsSeriesInput,
  ZRequestsInput,
  ZSeriesGranularity,
  ZSetCaptureSettingsInput,
} from "../analytics.js";
import { ZIsoDateTime } from "../common.js";

// The request log and metrics over REST (API.md, "Request log and per-version metrics"): camelCase
// request bodies as the tRPC inputs, snake_case answers.

/** `POST /v1/prompt-2025/query/metrics` */
export const ZRestMetricsRequest = ZMetricsInput;

const ZRestPercentiles = z.object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() });

/** One row per version with calls in the window. */
export const ZRestVersionMetrics = z.object({
  version_id: z.string(),
  major_version: z.number().int(),
  minor_version: z.number().int(),
  requests: z.number().int(),
  /** Answers with status >= 500 or no (complete) answer from the provider. */
  errors: z.number().int(),
  /** Extension: errors / requests. */
  error_rate: z.number(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  /** null when no call of the window had a model with a known price. */
  cost_usd: z.number().nullable(),
  /** Extension: calls whose cost is known. */
  priced_requests: z.number().int(),
  latency_ms: ZRestPercentiles,
  /** Extension: streamed calls and their time to first token. */
  streamed_requests: z.number().int(),
  ttft_ms: ZRestPercentiles.nullable(),
});
export type TRestVersionMetrics = z.infer<typeof ZRestVersionMetrics>;

/** `POST /v1/prompt-2025/query/metrics-series` (extension): per-version time buckets. */
export const ZRestMetricsSeriesRequest = ZMetricsSeriesInput;

export const ZRestMetricsSeriesData = z.object({
  from: ZIsoDateTime,
  to: ZIsoDateTime,
  granularity: ZSeriesGranularity,
  versions: z.array(
    z.object({
      version_id: z.string(),
      major_version: z.number().int(),
      minor_version: z.number().int(),
      points: z.array(
        z.object({
          t: ZIsoDateTime,
          requests: z.number().int(),
          errors: z.number().int(),
          input_tokens: z.number().int(),
          output_tokens: z.number().int(),
          cost_usd: z.number().nullable(),
          latency_ms: ZRestPercentiles,
        }),
      ),
    }),
  ),
});
export type TRestMetricsSeriesData = z.infer<typeof ZRestMetricsSeriesData>;

/** `POST /v1/prompt-2025/query/requests`: newest first, paged (pages start at 0). */
export const ZRestRequestsRequest = ZRequestsInput;

/** One recorded gateway call. */
export const ZRestRequestRecord = z.object({
  request_id: z.string(),
  created_at: ZIsoDateTime,
  version_id: z.string().nullable(),
  /** Extension: the version's number, when a version was chosen. */
  major_version: z.number().int().nullable(),
  minor_version: z.number().int().nullable(),
  environment: z.string().nullable(),
  status: z.number().int(),
  latency_ms: z.number(),
  /** Extension: time spent waiting for the provider. */
  upstream_latency_ms: z.number().nullable(),
  /** Extension: streams only. */
  time_to_first_token_ms: z.number().nullable(),
  /** Extension. */
  stream: z.boolean(),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  input_tokens: z.number().int().nullable(),
  output_tokens: z.number().int().nullable(),
  cost_usd: z.number().nullable(),
  error_code: z.string().nullable(),
  inputs: z.record(z.string(), z.unknown()).nullable(),
});
export type TRestRequestRecord = z.infer<typeof ZRestRequestRecord>;

/** `POST /v1/prompt-2025/query/capture-settings` (extension): the organization's, or a prompt's with `promptId`. */
export const ZRestCaptureSettingsRequest = ZCaptureSettingsInput;

/** `POST /v1/prompt-2025/update/capture-settings` (extension, admin keys). */
export const ZRestSetCaptureSettingsRequest = ZSetCaptureSettingsInput;

const ZRestCaptureSettings = z.object({
  enabled: z.boolean(),
  redact_variables: z.array(z.string()),
  retention_days: z.number().int(),
});

export const ZRestCaptureSettingsData = z.object({
  organization: ZRestCaptureSettings,
  prompt: z
    .object({ enabled: z.boolean().nullable(), redact_variables: z.array(z.string()), retention_days: z.number().int().nullable() })
    .nullable(),
  effective: ZRestCaptureSettings,
});
export type TRestCaptureSettingsData = z.infer<typeof ZRestCaptureSettingsData>;
