// Server configuration: the only module that reads process.env. Parsed once at start-up with Zod;
// a bad value stops the process with a message naming every offending variable.
import { join } from "node:path";
import { repoRoot } from "@promptreg/embedded-db";
import { z } from "zod";

const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);
const optionalString = (schema: z.ZodType<string>) => z.preprocess(emptyAsUndefined, schema.optional());
const booleanFlag = z
  .preprocess(emptyAsUndefined, z.enum(["true", "false", "1", "0"]).optional())
  .transform((v) => v === "true" || v === "1");

const ZEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().min(1).default("127.0.0.1"),
  MONGODB_URI: optionalString(z.string().regex(/^mongodb(\+srv)?:\/\//, "must start with mongodb:// or mongodb+srv://")),
  MONGODB_DB: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, "must be a plain database name").default("promptreg"),
  PROMPTREG_DATA_DIR: z.string().min(1).default(join(repoRoot, ".data")),
  PROMPTREG_API_KEY: optionalString(z.string().min(16, "must be at least 16 characters")),
  PROMPTREG_SIGNING_SECRET: optionalString(z.string().min(32, "must be at least 32 characters")),
  PROMPTREG_PUBLIC_URL: optionalString(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" })),
  PROMPTREG_BODY_URL_TTL_SECONDS: z.coerce.number().int().min(10).max(7 * 24 * 3600).default(3600),
  PROMPTREG_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  PROMPTREG_DB_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
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
  PROMPTREG_UPSTREAM_CONNECTIONS: z.coerce.number().int().min(1).max(10_000).default(256),
  PROMPTREG_POINTER_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  PROMPTREG_DEPLOYMENT_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  PROMPTREG_VERSION_CACHE_SIZE: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
  PROMPTREG_VERSION_CACHE_MB: z.coerce.number().int().min(0).max(64 * 1024).default(256),
});

export type Config = Readonly<{
  port: number;
  host: string;
  /** Unset: start the embedded FerretDB under `dataDir`. */
  mongodbUri: string | undefined;
  mongodbDb: string;
  dataDir: string;
  bootstrapApiKey: string | undefined;
  signingSecret: string | undefined;
  publicUrl: string | undefined;
  bodyUrlTtlSeconds: number;
  bodyLimitBytes: number;
  dbTimeoutMs: number;
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
  upstream: Readonly<{
    /** Provider key used when the request brings none in `x-upstream-authorization`. */
    apiKey: string | undefined;
    /** Base URLs tried in order: OPENAI_BASE_URL, then the fallbacks on 5xx or connection errors. */
    baseUrls: readonly string[];
    timeoutMs: number;
    connections: number;
  }>;
  cache: Readonly<{
    /** Safety net: a cached environment pointer is re-read at least this often. */
    pointerTtlMs: number;
    /** How often this replica looks for other replicas' deployments. */
    deploymentPollMs: number;
    versionCacheSize: number;
    /** The bytes of version bodies the resolution cache holds at most. */
    versionCacheBytes: number;
  }>;
}>;

/** Parses an environment; throws one error that lists every bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = ZEnv.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    mongodbUri: e.MONGODB_URI,
    mongodbDb: e.MONGODB_DB,
    dataDir: e.PROMPTREG_DATA_DIR,
    bootstrapApiKey: e.PROMPTREG_API_KEY,
    signingSecret: e.PROMPTREG_SIGNING_SECRET,
    publicUrl: e.PROMPTREG_PUBLIC_URL?.replace(/\/+$/, ""),
    bodyUrlTtlSeconds: e.PROMPTREG_BODY_URL_TTL_SECONDS,
    bodyLimitBytes: e.PROMPTREG_BODY_LIMIT_BYTES,
    dbTimeoutMs: e.PROMPTREG_DB_TIMEOUT_MS,
    logLevel: e.PROMPTREG_LOG_LEVEL,
    trustProxy: e.PROMPTREG_TRUST_PROXY,
    rateLimitPerMinute: e.PROMPTREG_RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: e.PROMPTREG_AUTH_FAILURES_PER_MINUTE,
    corsOrigins: Object.freeze(e.PROMPTREG_CORS_ORIGINS),
    metricsToken: e.PROMPTREG_METRICS_TOKEN,
    ferretdbBin: e.FERRETDB_BIN,
    dashboardDir: e.PROMPTREG_DASHBOARD_DIR,
    upstream: Object.freeze({
      apiKey: e.OPENAI_API_KEY,
      baseUrls: Object.freeze([e.OPENAI_BASE_URL, ...e.PROMPTREG_UPSTREAM_FALLBACK_URLS].map((u) => u.replace(/\/+$/, ""))),
      timeoutMs: e.PROMPTREG_UPSTREAM_TIMEOUT_MS,
      connections: e.PROMPTREG_UPSTREAM_CONNECTIONS,
    }),
    cache: Object.freeze({
      pointerTtlMs: e.PROMPTREG_POINTER_CACHE_TTL_MS,
      deploymentPollMs: e.PROMPTREG_DEPLOYMENT_POLL_MS,
      versionCacheSize: e.PROMPTREG_VERSION_CACHE_SIZE,
      versionCacheBytes: e.PROMPTREG_VERSION_CACHE_MB * 1024 * 1024,
    }),
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
