// Server configuration: the only module that reads process.env. Parsed once at start-up with Zod;
// a bad value stops the process with a message naming every offending variable.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ZProvidersFile, type TProviderConfig, type TProvidersFile } from "@promptreg/contracts";
import { repoRoot } from "@promptreg/embedded-db";
import { DEFAULT_MAX_COMPILED_BYTES } from "@promptreg/template";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);
const optionalString = (schema: z.ZodType<string>) => z.preprocess(emptyAsUndefined, schema.optional());
const booleanFlag = z
  .preprocess(emptyAsUndefined, z.enum(["true", "false", "1", "0"]).optional())
  .transform((v) => v === "true" || v === "1");

/** A flag that is on unless set to false/0. */
const onByDefault = z
  .preprocess(emptyAsUndefined, z.enum(["true", "false", "1", "0"]).optional())
  .transform((v) => v === undefined || v === "true" || v === "1");

/** `key=value,key2=value2` (the OTLP exporters' header syntax, values URL-encoded). */
const headerList = z
  .preprocess(emptyAsUndefined, z.string().optional())
  .transform((v, ctx) => {
    const headers: Record<string, string> = {};
    for (const pair of (v ?? "").split(",").map((p) => p.trim()).filter(Boolean)) {
      const at = pair.indexOf("=");
      if (at <= 0) {
        ctx.addIssue({ code: "custom", message: "must be a comma-separated list of key=value" });
        return z.NEVER;
      }
      headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
    }
    return headers;
  });

const ZEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().min(1).default("127.0.0.1"),
  MONGODB_URI: optionalString(z.string().regex(/^mongodb(\+srv)?:\/\//, "must start with mongodb:// or mongodb+srv://")),
  MONGODB_DB: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, "must be a plain database name").default("promptreg"),
  PROMPTREG_DATA_DIR: z.string().min(1).default(join(repoRoot, ".data")),
  PROMPTREG_API_KEY: optionalString(z.string().min(16, "must be at least 16 characters")),
  PROMPTREG_SIGNING_SECRET: z
    .preprocess(emptyAsUndefined, z.string().optional())
    .transform((v) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : undefined))
    .pipe(z.array(z.string().min(32, "each secret must be at least 32 characters")).min(1).max(10, "at most 10 secrets").optional()),
  PROMPTREG_PUBLIC_URL: optionalString(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" })),
  PROMPTREG_BODY_URL_TTL_SECONDS: z.coerce.number().int().min(10).max(7 * 24 * 3600).default(3600),
  PROMPTREG_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  PROMPTREG_COMPILED_LIMIT_BYTES: z.coerce.number().int().min(1024).max(256 * 1024 * 1024).default(DEFAULT_MAX_COMPILED_BYTES),
  PROMPTREG_DB_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  PROMPTREG_HEALTH_DB_DOWN_MS: z.coerce.number().int().min(1000).max(3_600_000).default(30_000),
  PROMPTREG_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  PROMPTREG_TRUST_PROXY: booleanFlag,
  PROMPTREG_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(10_000_000).default(60_000),
  PROMPTREG_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(30),
  PROMPTREG_CORS_ORIGINS: z
    .preprocess(emptyAsUndefined, z.string().optional())
    .transform((v) => (v ? v.split(",").map((o) => o.trim().replace(/\/+$/, "")).filter(Boolean) : []))
    .pipe(z.array(z.url({ protocol: /^https?$/, error: "each CORS origin must be an http(s) origin" }))),
  PROMPTREG_METRICS_TOKEN: optionalString(z.string().min(16, "must be at least 16 characters")),
  FERRETDB_BIN: optionalString(z.string()),
  PROMPTREG_DASHBOARD_DIR: z.string().min(1).default(join(repoRoot, "apps", "dashboard", "dist")),
  OPENAI_API_KEY: optionalString(z.string()),
  OPENAI_BASE_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).default("https://api.openai.com/v1")),
  PROMPTREG_UPSTREAM_FALLBACK_URLS: z
    .preprocess(emptyAsUndefined, z.string().optional())
    .transform((v) => (v ? v.split(",").map((u) => u.trim()).filter(Boolean) : []))
    .pipe(z.array(z.url({ protocol: /^https?$/, error: "each fallback must be an http(s) URL" }))),
  PROMPTREG_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(120_000),
  // 0: no cap. LLM calls last seconds to minutes, so a cap makes calls past it wait silently (the old default
  // of 256 made 1,000 concurrent 2-s streams take 9 s): a cap is the operator's explicit choice.
  PROMPTREG_UPSTREAM_CONNECTIONS: z.coerce.number().int().min(0).max(100_000).default(0),
  PROMPTREG_PROVIDERS_FILE: optionalString(z.string()),
  PROMPTREG_FORWARD_OPENAI_ORG_HEADERS: booleanFlag,
  PROMPTREG_POINTER_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  PROMPTREG_DEPLOYMENT_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  /** How often each replica checks active rollouts' automatic-rollback rules (a rollback lands within ~this + the analytics flush). */
  PROMPTREG_ROLLOUT_EVALUATION_MS: z.coerce.number().int().min(50).max(60_000).default(2000),
  // How long a key last confirmed by the database is still accepted while the database cannot be asked.
  PROMPTREG_AUTH_OUTAGE_GRACE_MS: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
  PROMPTREG_VERSION_CACHE_SIZE: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
  PROMPTREG_VERSION_CACHE_MB: z.coerce.number().int().min(0).max(64 * 1024).default(256),
  PROMPTREG_ANALYTICS: onByDefault,
  PROMPTREG_ANALYTICS_QUEUE_LIMIT: z.coerce.number().int().min(100).max(10_000_000).default(50_000),
  // At most 4 s, so that a call is counted within 5 s of its answer.
  PROMPTREG_ANALYTICS_FLUSH_MS: z.coerce.number().int().min(50).max(4000).default(1000),
  PROMPTREG_ANALYTICS_BATCH_SIZE: z.coerce.number().int().min(10).max(100_000).default(2000),
  PROMPTREG_ANALYTICS_SHUTDOWN_MS: z.coerce.number().int().min(0).max(120_000).default(5000),
  PROMPTREG_ANALYTICS_SWEEP_MS: z.coerce.number().int().min(1000).max(7 * 24 * 3600_000).default(3600_000),
  PROMPTREG_REQUEST_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  PROMPTREG_INPUT_RETENTION_DAYS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(3650).optional()),
  PROMPTREG_ROLLUP_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(400),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" })),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalString(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" })),
  OTEL_EXPORTER_OTLP_HEADERS: headerList,
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: headerList,
  OTEL_SERVICE_NAME: z.string().min(1).default("promptreg"),
}).superRefine((e, ctx) => {
  if (e.PROMPTREG_ROLLUP_RETENTION_DAYS < e.PROMPTREG_REQUEST_RETENTION_DAYS) {
    ctx.addIssue({ code: "custom", path: ["PROMPTREG_ROLLUP_RETENTION_DAYS"], message: "must be at least PROMPTREG_REQUEST_RETENTION_DAYS (metrics outlive the calls they count)" });
  }
});

export type Config = Readonly<{
  port: number;
  host: string;
  /** Unset: start the embedded FerretDB under `dataDir`. */
  mongodbUri: string | undefined;
  mongodbDb: string;
  dataDir: string;
  bootstrapApiKey: string | undefined;
  /** Body-URL signing secrets: the first signs, all verify. Unset: one generated and kept in the database. */
  signingSecrets: readonly string[] | undefined;
  publicUrl: string | undefined;
  bodyUrlTtlSeconds: number;
  bodyLimitBytes: number;
  /** Largest request the gateway sends upstream once a prompt is compiled (413 above, before building it). */
  compiledLimitBytes: number;
  /** A request's database work (all of it) must finish within this; past it the request answers 503. */
  dbTimeoutMs: number;
  /** The embedded database unreachable this long makes /healthz answer 503. */
  healthDbDownMs: number;
  logLevel: z.infer<typeof ZEnv>["PROMPTREG_LOG_LEVEL"];
  trustProxy: boolean;
  /** Requests per minute per API key (per client address without one); 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** Failed authentications per minute per client address before its requests are refused unheard (429). */
  authFailuresPerMinute: number;
  /** Browser origins allowed to call the API (CORS); none by default: same origin only. */
  corsOrigins: readonly string[];
  /** When set, GET /metrics wants `Authorization: Bearer <token>`; open otherwise (scrape it internally). */
  metricsToken: string | undefined;
  ferretdbBin: string | undefined;
  /** The dashboard's production build, served at `/` when the directory exists. */
  dashboardDir: string;
  providers: ProvidersConfig;
  analytics: Readonly<{
    /** Record gateway calls (request log, metrics); off only to measure what recording costs. */
    enabled: boolean;
    /** Call records waiting to be written at most (the rest is dropped and counted). */
    queueLimit: number;
    flushIntervalMs: number;
    /** A flush starts as soon as this many records wait. */
    batchSize: number;
    /** How long shutdown waits for the last records to be written. */
    shutdownMs: number;
    sweepIntervalMs: number;
    recordRetentionDays: number;
    inputRetentionDays: number;
    rollupRetentionDays: number;
  }>;
  /** OpenTelemetry trace export (OTLP/HTTP); undefined when no endpoint is configured. */
  otel:
    | Readonly<{
        /** Where spans are POSTed (`…/v1/traces`). */
        tracesUrl: string;
        headers: Readonly<Record<string, string>>;
        serviceName: string;
      }>
    | undefined;
  /** How often this replica evaluates the automatic-rollback rules of active rollouts. */
  rolloutEvaluationMs: number;
  cache: Readonly<{
    /** Safety net: a cached environment pointer is re-read at least this often. */
    pointerTtlMs: number;
    /** How often this replica looks for other replicas' deployments (and key revocations). */
    deploymentPollMs: number;
    /** How long after the database last confirmed a key it is accepted while the database is unavailable. */
    authOutageGraceMs: number;
    versionCacheSize: number;
    /** The bytes of version bodies the resolution cache holds at most. */
    versionCacheBytes: number;
  }>;
}>;

/** One provider the gateway can route to, resolved from the providers file and the environment. */
export type ProviderSettings = Readonly<{
  name: string;
  type: TProviderConfig["type"];
  /** Tried in order on connection errors and 5xx (only `openai` providers have more than one). */
  baseUrls: readonly string[];
  /** Sent when the caller brings no key of its own (`x-upstream-authorization`). */
  apiKey: string | undefined;
  timeoutMs: number;
  /** Extra headers sent with every call. */
  headers: Readonly<Record<string, string>>;
  /** Connection cap; undefined: none. */
  maxConnections: number | undefined;
  /** anthropic */
  anthropicVersion: string;
  defaultMaxTokens: number;
  /** azure: a dated version or `v1`. */
  apiVersion: string;
  deployments: Readonly<Record<string, string>>;
}>;

export type ProvidersConfig = Readonly<{
  providers: readonly ProviderSettings[];
  /** Where a model without a `/provider` suffix goes. */
  defaultProvider: string;
  retryAfterBudgetMs: number;
  maxChainLength: number;
  breaker: Readonly<{ failureThreshold: number; cooldownMs: number }>;
  /** Forward callers' `openai-organization` / `openai-project` headers (off: they would bill the operator's account). */
  forwardOpenAiOrgHeaders: boolean;
}>;

/** Reads and validates PROMPTREG_PROVIDERS_FILE; every problem is listed, prefixed with the file's path. */
function readProvidersFile(path: string): { file?: TProvidersFile; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return { problems: [`PROMPTREG_PROVIDERS_FILE: cannot read ${path}: ${(error as Error).message}`] };
  }
  let raw: unknown;
  try {
    // YAML is a superset of JSON: one parser takes both (and reports the line of a syntax error).
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    return { problems: [`PROMPTREG_PROVIDERS_FILE (${path}): not valid JSON or YAML: ${(error as Error).message.split("\n")[0]}`] };
  }
  const parsed = ZProvidersFile.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      // A bad provider name is reported by Zod as "Invalid key in record", its reason one level down.
      const message = issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
      return `PROMPTREG_PROVIDERS_FILE (${path}) ${issue.path.join(".") || "(top level)"}: ${message}`;
    });
    return { problems };
  }
  return { file: parsed.data, problems: [] };
}

const trimSlashes = (url: string) => url.replace(/\/+$/, "");

function providersConfig(e: z.infer<typeof ZEnv>, env: Record<string, string | undefined>, problems: string[]): ProvidersConfig {
  const file = e.PROMPTREG_PROVIDERS_FILE ? readProvidersFile(e.PROMPTREG_PROVIDERS_FILE) : { file: undefined, problems: [] };
  problems.push(...file.problems);
  const declared = file.file?.providers ?? {};
  const providers: ProviderSettings[] = [];
  const base = (name: string, config: Pick<TProviderConfig, "baseUrl" | "apiKeyEnv" | "timeoutMs" | "headers" | "maxConnections">) => {
    let apiKey: string | undefined;
    if (config.apiKeyEnv) {
      apiKey = env[config.apiKeyEnv] || undefined;
      if (apiKey === undefined) problems.push(`${config.apiKeyEnv}: not set, but provider ${name} reads its key from it`);
    }
    return { name, apiKey, timeoutMs: config.timeoutMs ?? e.PROMPTREG_UPSTREAM_TIMEOUT_MS, headers: Object.freeze({ ...config.headers }), maxConnections: config.maxConnections };
  };
  const defaults = { anthropicVersion: "2023-06-01", defaultMaxTokens: 4096, apiVersion: "2024-10-21", deployments: Object.freeze({}) };
  // The provider today's users configure with OPENAI_BASE_URL / OPENAI_API_KEY, unless the file defines its own.
  if (!("openai" in declared)) {
    providers.push(Object.freeze({
      ...defaults,
      name: "openai",
      type: "openai",
      baseUrls: Object.freeze([e.OPENAI_BASE_URL, ...e.PROMPTREG_UPSTREAM_FALLBACK_URLS].map(trimSlashes)),
      apiKey: e.OPENAI_API_KEY,
      timeoutMs: e.PROMPTREG_UPSTREAM_TIMEOUT_MS,
      headers: Object.freeze({}),
      maxConnections: e.PROMPTREG_UPSTREAM_CONNECTIONS || undefined,
    }));
  }
  for (const [name, config] of Object.entries(declared)) {
    const common = base(name, config);
    switch (config.type) {
      case "openai":
        providers.push(Object.freeze({ ...defaults, ...common, type: "openai", baseUrls: Object.freeze([config.baseUrl, ...(config.fallbackUrls ?? [])].map(trimSlashes)) }));
        break;
      case "anthropic":
        // `https://api.anthropic.com/v1` and `https://api.anthropic.com` both work: the path is ours to add.
        providers.push(Object.freeze({ ...defaults, ...common, type: "anthropic", baseUrls: Object.freeze([trimSlashes(config.baseUrl).replace(/\/v1$/, "")]), anthropicVersion: config.anthropicVersion, defaultMaxTokens: config.defaultMaxTokens }));
        break;
      case "azure":
        providers.push(Object.freeze({ ...defaults, ...common, type: "azure", baseUrls: Object.freeze([trimSlashes(config.baseUrl).replace(/\/openai(\/v1)?$/, "")]), apiVersion: config.apiVersion, deployments: Object.freeze({ ...config.deployments }) }));
        break;
    }
  }
  const defaultProvider = file.file?.defaultProvider ?? "openai";
  if (!providers.some((p) => p.name === defaultProvider)) problems.push(`PROMPTREG_PROVIDERS_FILE defaultProvider: ${defaultProvider} is not a declared provider`);
  return Object.freeze({
    providers: Object.freeze(providers),
    defaultProvider,
    retryAfterBudgetMs: file.file?.fallback?.retryAfterBudgetMs ?? 3000,
    maxChainLength: file.file?.fallback?.maxChainLength ?? 5,
    breaker: Object.freeze({ failureThreshold: file.file?.breaker?.failureThreshold ?? 5, cooldownMs: file.file?.breaker?.cooldownMs ?? 30_000 }),
    forwardOpenAiOrgHeaders: e.PROMPTREG_FORWARD_OPENAI_ORG_HEADERS,
  });
}

/** Parses an environment; throws one error that lists every bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = ZEnv.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const problems: string[] = [];
  const providers = providersConfig(e, env, problems);
  if (problems.length > 0) throw new Error(`invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    mongodbUri: e.MONGODB_URI,
    mongodbDb: e.MONGODB_DB,
    dataDir: e.PROMPTREG_DATA_DIR,
    bootstrapApiKey: e.PROMPTREG_API_KEY,
    signingSecrets: e.PROMPTREG_SIGNING_SECRET && Object.freeze(e.PROMPTREG_SIGNING_SECRET),
    publicUrl: e.PROMPTREG_PUBLIC_URL?.replace(/\/+$/, ""),
    bodyUrlTtlSeconds: e.PROMPTREG_BODY_URL_TTL_SECONDS,
    bodyLimitBytes: e.PROMPTREG_BODY_LIMIT_BYTES,
    compiledLimitBytes: e.PROMPTREG_COMPILED_LIMIT_BYTES,
    dbTimeoutMs: e.PROMPTREG_DB_TIMEOUT_MS,
    healthDbDownMs: e.PROMPTREG_HEALTH_DB_DOWN_MS,
    logLevel: e.PROMPTREG_LOG_LEVEL,
    trustProxy: e.PROMPTREG_TRUST_PROXY,
    rateLimitPerMinute: e.PROMPTREG_RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: e.PROMPTREG_AUTH_FAILURES_PER_MINUTE,
    corsOrigins: Object.freeze(e.PROMPTREG_CORS_ORIGINS),
    metricsToken: e.PROMPTREG_METRICS_TOKEN,
    ferretdbBin: e.FERRETDB_BIN,
    dashboardDir: e.PROMPTREG_DASHBOARD_DIR,
    providers,
    analytics: Object.freeze({
      enabled: e.PROMPTREG_ANALYTICS,
      queueLimit: e.PROMPTREG_ANALYTICS_QUEUE_LIMIT,
      flushIntervalMs: e.PROMPTREG_ANALYTICS_FLUSH_MS,
      batchSize: e.PROMPTREG_ANALYTICS_BATCH_SIZE,
      shutdownMs: e.PROMPTREG_ANALYTICS_SHUTDOWN_MS,
      sweepIntervalMs: e.PROMPTREG_ANALYTICS_SWEEP_MS,
      recordRetentionDays: e.PROMPTREG_REQUEST_RETENTION_DAYS,
      inputRetentionDays: Math.min(e.PROMPTREG_INPUT_RETENTION_DAYS ?? e.PROMPTREG_REQUEST_RETENTION_DAYS, e.PROMPTREG_REQUEST_RETENTION_DAYS),
      rollupRetentionDays: e.PROMPTREG_ROLLUP_RETENTION_DAYS,
    }),
    otel: otelConfig(e),
    rolloutEvaluationMs: e.PROMPTREG_ROLLOUT_EVALUATION_MS,
    cache: Object.freeze({
      pointerTtlMs: e.PROMPTREG_POINTER_CACHE_TTL_MS,
      deploymentPollMs: e.PROMPTREG_DEPLOYMENT_POLL_MS,
      authOutageGraceMs: e.PROMPTREG_AUTH_OUTAGE_GRACE_MS,
      versionCacheSize: e.PROMPTREG_VERSION_CACHE_SIZE,
      versionCacheBytes: e.PROMPTREG_VERSION_CACHE_MB * 1024 * 1024,
    }),
  });
}

/** OTLP/HTTP traces: the signal-specific endpoint as is, else `<endpoint>/v1/traces` (the OTLP spec's rule). */
function otelConfig(e: z.infer<typeof ZEnv>): Config["otel"] {
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesUrl = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base.replace(/\/+$/, "")}/v1/traces` : undefined);
  if (!tracesUrl) return undefined;
  return Object.freeze({
    tracesUrl,
    headers: Object.freeze({ ...e.OTEL_EXPORTER_OTLP_HEADERS, ...e.OTEL_EXPORTER_OTLP_TRACES_HEADERS }),
    serviceName: e.OTEL_SERVICE_NAME,
  });
}

/** The process's configuration; exits with the list of problems when it is invalid. */
export function loadConfig(): Config {
  try {
    return parseConfig(process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}
