import { z } from "zod";
import { ZEnvironmentName, ZIdRef, ZIsoDateTime, ZPage } from "./common.js";

// Request log and per-version metrics (API.md, "Request log and per-version metrics"): what the gateway
// records of each prompt call, and the shapes of the queries over those records. The REST (snake_case)
// forms live in ./rest/analytics.ts.

/**
 * Error codes that mean the provider gave no (complete) answer. Together with any status >= 500 they make
 * a call count as an error in the metrics; everything else (400 invalid inputs, 404, a provider's 429) is
 * recorded with its status but is not a provider error.
 */
export const NO_ANSWER_ERROR_CODES = ["upstream_unreachable", "upstream_timeout", "upstream_stream_interrupted"] as const;

/** The one rule of what `errors` counts: status >= 500, or no (complete) answer from the provider. */
export function isProviderFailure(status: number, errorCode: string | null | undefined): boolean {
  return status >= 500 || (errorCode != null && (NO_ANSWER_ERROR_CODES as readonly string[]).includes(errorCode));
}

/**
 * Status recorded for a call whose caller hung up before the answer was over (nginx's convention): it is
 * neither a success nor a provider error.
 */
export const CLIENT_CLOSED_STATUS = 499;

/**
 * One gateway call with `prompt_id`, as the gateway hands it to the recorder (internal: never an API
 * answer as such; {@link ZRequestRecord} is what queries answer). Times are epoch milliseconds and
 * durations milliseconds, so the hot path allocates no Date or string for them.
 */
export const ZCallRecord = z.object({
  /** The request id the answer carried in `x-request-id`. */
  requestId: z.string(),
  /** When the gateway received the call (epoch ms). Calls are bucketed and sorted by it. */
  startedAt: z.number(),
  orgId: z.string(),
  promptId: z.string(),
  /** null when the call failed before a version was chosen (unknown environment or version of a known prompt). */
  versionId: z.string().nullable(),
  majorVersion: z.number().int().nullable(),
  minorVersion: z.number().int().nullable(),
  /** The environment the call selected (null when it selected by `version_id`). */
  environment: z.string().nullable(),
  /** The HTTP status of the answer; 499 when the caller hung up first. */
  status: z.number().int(),
  /** From receiving the call to the end of the answer. */
  latencyMs: z.number(),
  /** From sending upstream to the end of the provider's answer; null when nothing was sent upstream. */
  upstreamLatencyMs: z.number().nullable(),
  /** Streams: from receiving the call to the first byte of the answer's body relayed. */
  ttftMs: z.number().nullable(),
  stream: z.boolean(),
  /** The model the call asked for (the caller's, else the version's). */
  requestModel: z.string().nullable(),
  /** The model that served the call as the provider reported it (else the one requested). */
  model: z.string().nullable(),
  /** The configured provider that served the call (its name), or the last one tried when none did. */
  provider: z.string().nullable(),
  /** Its type (`openai`, `anthropic`, `azure`), for pricing and tracing; filled in from the configuration. */
  providerType: z.string().nullable(),
  /** Its base URL, to price models of OpenAI-compatible hosts (Groq, Together…) correctly. */
  providerUrl: z.string().nullable(),
  /** Token counts as the provider reported them (null when it reported none). */
  inputTokens: z.number().int().nullable(),
  outputTokens: z.number().int().nullable(),
  /** Of the input tokens, those read from the provider's prompt cache (priced lower). */
  cachedInputTokens: z.number().int().nullable(),
  /** Our error code (`invalid_inputs`, `upstream_timeout`…) or the provider's, when the call failed. */
  errorCode: z.string().nullable(),
  /** The finish reasons of the answer's choices (`stop`, `length`, `tool_calls`…), for tracing. */
  finishReasons: z.array(z.string()).nullable(),
  /** The provider's response id (`chatcmpl-…`), for tracing. */
  responseId: z.string().nullable(),
  /** The caller's inputs, kept only until the recorder applies the capture settings. */
  inputs: z.record(z.string(), z.unknown()).nullable(),
  /** Size of the request body, an upper bound of the inputs' size (memory accounting of the queue). */
  bodyBytes: z.number().int(),
  /** The caller's W3C `traceparent`, so an OpenTelemetry span joins the caller's trace. */
  traceparent: z.string().nullable(),
});
export type TCallRecord = z.infer<typeof ZCallRecord>;

/** Latency percentiles in milliseconds, from the merged histogram of the window (about ±5 %). */
export const ZLatencyPercentiles = z.object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() });
export type TLatencyPercentiles = z.infer<typeof ZLatencyPercentiles>;

/** Longest window a metrics query may ask for: the default retention of hour and day rollups. */
export const MAX_METRICS_WINDOW_DAYS = 400;

const windowFields = {
  /** Start of the window (ISO 8601); default `to` minus 24 h. Rounded down to the minute. */
  from: ZIsoDateTime.optional(),
  /** End of the window (ISO 8601); default now. */
  to: ZIsoDateTime.optional(),
};

/** Checks that `from` is before `to` and the window is not longer than the rollups are kept. */
function refineWindow(value: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx): void {
  const to = value.to === undefined ? Date.now() : Date.parse(value.to);
  const from = value.from === undefined ? to - 24 * 3600_000 : Date.parse(value.from);
  if (from >= to) ctx.addIssue({ code: "custom", message: "from must be before to", path: ["from"] });
  else if (to - from > MAX_METRICS_WINDOW_DAYS * 24 * 3600_000) {
    ctx.addIssue({ code: "custom", message: `the window may span at most ${MAX_METRICS_WINDOW_DAYS} days`, path: ["from"] });
  }
}

/** Per-version metrics of a prompt over a window (default: the last 24 h), optionally of one environment. */
export const ZMetricsInput = z
  .object({ promptId: ZIdRef, ...windowFields, environment: ZEnvironmentName.optional() })
  .superRefine(refineWindow);
export type TMetricsInput = z.infer<typeof ZMetricsInput>;

/** One version's calls in the window. */
export const ZVersionMetrics = z.object({
  versionId: z.string(),
  majorVersion: z.number().int(),
  minorVersion: z.number().int(),
  requests: z.number().int(),
  /** Answers with status >= 500 or no (complete) answer from the provider. */
  errors: z.number().int(),
  /** errors / requests. */
  errorRate: z.number(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  /** Sum over the calls whose model has a known price; null when none had one. */
  costUsd: z.number().nullable(),
  /** Calls whose cost is known (the others' models have no known price). */
  pricedRequests: z.number().int(),
  latencyMs: ZLatencyPercentiles,
  /** Streamed calls and their time to first token; null when none streamed. */
  streamedRequests: z.number().int(),
  ttftMs: ZLatencyPercentiles.nullable(),
});
export type TVersionMetrics = z.infer<typeof ZVersionMetrics>;

export const ZMetricsOutput = z.object({
  /** The window actually measured (from rounded down to the minute). */
  from: ZIsoDateTime,
  to: ZIsoDateTime,
  versions: z.array(ZVersionMetrics),
});
export type TMetricsOutput = z.infer<typeof ZMetricsOutput>;

/** Time buckets of a series. */
export const ZSeriesGranularity = z.enum(["minute", "hour", "day"]);
export type TSeriesGranularity = z.infer<typeof ZSeriesGranularity>;

/** At most this many buckets per series (a finer granularity over a long window is refused). */
export const MAX_SERIES_BUCKETS = 1500;

/**
 * Per-version metrics in time buckets, for charts. Without `granularity`: minutes up to 3 h, hours up to
 * 14 days, days beyond.
 */
export const ZMetricsSeriesInput = z
  .object({
    promptId: ZIdRef,
    ...windowFields,
    environment: ZEnvironmentName.optional(),
    versionId: ZIdRef.optional(),
    granularity: ZSeriesGranularity.optional(),
  })
  .superRefine(refineWindow);
export type TMetricsSeriesInput = z.infer<typeof ZMetricsSeriesInput>;

/** One bucket of one version (buckets without calls are left out). */
export const ZSeriesPoint = z.object({
  /** Start of the bucket. */
  t: ZIsoDateTime,
  requests: z.number().int(),
  errors: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  costUsd: z.number().nullable(),
  latencyMs: ZLatencyPercentiles,
});
export type TSeriesPoint = z.infer<typeof ZSeriesPoint>;

export const ZVersionSeries = z.object({
  versionId: z.string(),
  majorVersion: z.number().int(),
  minorVersion: z.number().int(),
  points: z.array(ZSeriesPoint),
});
export type TVersionSeries = z.infer<typeof ZVersionSeries>;

export const ZMetricsSeriesOutput = z.object({
  from: ZIsoDateTime,
  to: ZIsoDateTime,
  granularity: ZSeriesGranularity,
  versions: z.array(ZVersionSeries),
});
export type TMetricsSeriesOutput = z.infer<typeof ZMetricsSeriesOutput>;

/**
 * A status filter of the request log: one status, a class (`4xx`), or `error` (the calls `errors` counts
 * in the metrics).
 */
export const ZStatusFilter = z.union(
  [
    z.number().int().min(100, "status must be an HTTP status").max(599, "status must be an HTTP status"),
    z.enum(["2xx", "3xx", "4xx", "5xx", "error"]),
  ],
  { error: "status must be an HTTP status, 2xx, 3xx, 4xx, 5xx or error" },
);
export type TStatusFilter = z.infer<typeof ZStatusFilter>;

export const DEFAULT_REQUEST_PAGE_SIZE = 50;
export const MAX_REQUEST_PAGE_SIZE = 200;

export const ZRequestPageSize = z
  .number({ error: "pageSize must be a number" })
  .int("pageSize must be a whole number")
  .min(1, "pageSize must be 1 or more")
  .max(MAX_REQUEST_PAGE_SIZE, `pageSize must be at most ${MAX_REQUEST_PAGE_SIZE}`);

/** The request log of a prompt, newest first; `to` pins the pages while new calls arrive. */
export const ZRequestsInput = z.object({
  promptId: ZIdRef,
  versionId: ZIdRef.optional(),
  environment: ZEnvironmentName.optional(),
  status: ZStatusFilter.optional(),
  /** Only calls received at or before this time (ISO 8601); default now. */
  to: ZIsoDateTime.optional(),
  page: ZPage.default(0),
  pageSize: ZRequestPageSize.default(DEFAULT_REQUEST_PAGE_SIZE),
});
export type TRequestsInput = z.infer<typeof ZRequestsInput>;

/** One recorded call as the request log answers it. */
export const ZRequestRecord = z.object({
  requestId: z.string(),
  createdAt: ZIsoDateTime,
  /** null when no version was chosen (an unknown environment or version of this prompt). */
  versionId: z.string().nullable(),
  majorVersion: z.number().int().nullable(),
  minorVersion: z.number().int().nullable(),
  environment: z.string().nullable(),
  status: z.number().int(),
  latencyMs: z.number(),
  upstreamLatencyMs: z.number().nullable(),
  timeToFirstTokenMs: z.number().nullable(),
  stream: z.boolean(),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  inputTokens: z.number().int().nullable(),
  outputTokens: z.number().int().nullable(),
  costUsd: z.number().nullable(),
  errorCode: z.string().nullable(),
  /** The caller's inputs where input capture was on (named variables redacted); null otherwise. */
  inputs: z.record(z.string(), z.unknown()).nullable(),
});
export type TRequestRecord = z.infer<typeof ZRequestRecord>;

export const ZRequestsPage = z.object({
  requests: z.array(ZRequestRecord),
  /** Calls matching the filters (up to `to`), over every page. */
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});
export type TRequestsPage = z.infer<typeof ZRequestsPage>;

/** A variable name as templates write it (`{{hc:name:type}}`, `{{name}}`). */
export const ZVariableName = z
  .string({ error: "a variable name must be a string" })
  .trim()
  .min(1, "a variable name must not be empty")
  .max(128, "a variable name must be at most 128 characters");

/** Days captured inputs are kept; at most the request log's retention (the record goes with its inputs). */
export const ZRetentionDays = z
  .number({ error: "retentionDays must be a number" })
  .int("retentionDays must be a whole number")
  .min(1, "retentionDays must be 1 or more")
  .max(3650, "retentionDays must be at most 3650");

/**
 * Input capture: whether the gateway stores the caller's `inputs` with each recorded call. Off unless
 * turned on for the organization or the prompt; variables named in `redactVariables` are stored as
 * `"[redacted]"`.
 */
export const ZCaptureSettings = z.object({
  enabled: z.boolean(),
  redactVariables: z.array(z.string()),
  /** Days captured inputs are kept (the call's record itself follows the server's request retention). */
  retentionDays: z.number().int(),
});
export type TCaptureSettings = z.infer<typeof ZCaptureSettings>;

/** A prompt's own settings: null fields inherit the organization's; its redactions add to the organization's. */
export const ZPromptCaptureSettings = z.object({
  enabled: z.boolean().nullable(),
  redactVariables: z.array(z.string()),
  retentionDays: z.number().int().nullable(),
});
export type TPromptCaptureSettings = z.infer<typeof ZPromptCaptureSettings>;

export const ZCaptureSettingsInput = z.object({ promptId: ZIdRef.optional() });
export type TCaptureSettingsInput = z.infer<typeof ZCaptureSettingsInput>;

/** The organization's settings, the prompt's own (when asked for a prompt) and what applies. */
export const ZCaptureSettingsView = z.object({
  organization: ZCaptureSettings,
  prompt: ZPromptCaptureSettings.nullable(),
  effective: ZCaptureSettings,
});
export type TCaptureSettingsView = z.infer<typeof ZCaptureSettingsView>;

/**
 * Changes the organization's settings, or a prompt's with `promptId`; fields left out keep their value.
 * For a prompt, `enabled: null` and `retentionDays: null` go back to inheriting the organization's.
 */
export const ZSetCaptureSettingsInput = z.object({
  promptId: ZIdRef.optional(),
  enabled: z.boolean({ error: "enabled must be a boolean (or null for a prompt: inherit)" }).nullable().optional(),
  redactVariables: z
    .array(ZVariableName, { error: "redactVariables must be an array of variable names" })
    .max(200, "at most 200 redacted variables")
    .optional(),
  retentionDays: ZRetentionDays.nullable().optional(),
});
export type TSetCaptureSettingsInput = z.infer<typeof ZSetCaptureSettingsInput>;

/** What a redacted variable's value is stored as. */
export const REDACTED_VALUE = "[redacted]";
