import { z } from "zod";

/**
 * A provider's name, as callers write it after the model (`claude-sonnet-4/anthropic`). Lowercase letters,
 * digits, `-` and `_`: a name is also a Prometheus label value and part of a model string, so it stays plain.
 */
export const ZProviderName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "a provider name is 1-63 lowercase letters, digits, - or _, starting with a letter or digit");

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");

/** Settings every provider type takes. */
const ZProviderCommon = z.object({
  /**
   * Where the provider listens: `https://api.openai.com/v1` (openai: `/chat/completions` is appended),
   * `https://api.anthropic.com` (anthropic: `/v1/messages`), `https://<resource>.openai.azure.com` (azure).
   */
  baseUrl: httpUrl,
  /** The environment variable holding the provider's key (read once at start-up). Unset: no key is sent. */
  apiKeyEnv: envName.optional(),
  /** Time to response headers and the longest silence mid-answer, ms. Default: PROMPTREG_UPSTREAM_TIMEOUT_MS. */
  timeoutMs: z.number().int().min(100).max(3_600_000).optional(),
  /** Extra headers sent with every call (e.g. `HTTP-Referer` for OpenRouter). Never caller-controlled. */
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "must be an HTTP header name"), z.string().regex(/^[^\r\n]*$/, "must be one line"))
    .optional(),
  /**
   * Most connections open to this provider at once. Unset (the default): no cap, so a call never waits for
   * a connection. With a cap, calls past it wait, and the waiting ones show in /metrics.
   */
  maxConnections: z.number().int().min(1).max(100_000).optional(),
});

/** An OpenAI-compatible API: OpenAI, Ollama, vLLM, Groq, Together, OpenRouter, Gemini's OpenAI endpoint... */
export const ZOpenAiProvider = ZProviderCommon.extend({
  type: z.literal("openai"),
  /** Base URLs tried after `baseUrl` on a connection error or a 5xx (mirrors of the same account). */
  fallbackUrls: z.array(httpUrl).max(16).optional(),
}).strict();

/** Anthropic's Messages API, spoken natively (the gateway translates OpenAI's shape both ways). */
export const ZAnthropicProvider = ZProviderCommon.extend({
  type: z.literal("anthropic"),
  /** The `anthropic-version` header. */
  anthropicVersion: z.string().min(1).max(64).default("2023-06-01"),
  /** `max_tokens` sent when the caller sets neither `max_tokens` nor `max_completion_tokens` (Anthropic requires it). */
  defaultMaxTokens: z.number().int().min(1).max(1_000_000).default(4096),
}).strict();

/** Azure OpenAI: deployment URLs, the `api-key` header and `api-version`. */
export const ZAzureProvider = ZProviderCommon.extend({
  type: z.literal("azure"),
  /**
   * A dated API version (`2024-10-21`): calls go to `{baseUrl}/openai/deployments/{deployment}/chat/completions
   * ?api-version=...`. `v1`: calls go to `{baseUrl}/openai/v1/chat/completions` with the deployment as `model`.
   */
  apiVersion: z
    .string()
    .regex(/^(v1|\d{4}-\d{2}-\d{2}(-preview)?)$/, "must be v1 or a dated version like 2024-10-21")
    .default("2024-10-21"),
  /** Model name -> deployment name; a model not listed is used as the deployment name. */
  deployments: z.record(z.string().min(1), z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "must be a deployment name")).optional(),
}).strict();

export const ZProviderConfig = z.discriminatedUnion("type", [ZOpenAiProvider, ZAnthropicProvider, ZAzureProvider], {
  error: 'type must be "openai", "anthropic" or "azure"',
});
export type TProviderConfig = z.infer<typeof ZProviderConfig>;

/**
 * The file named by `PROMPTREG_PROVIDERS_FILE` (JSON or YAML). The provider configured by `OPENAI_BASE_URL` /
 * `OPENAI_API_KEY` is added as `openai` unless the file defines `openai` itself.
 */
export const ZProvidersFile = z
  .object({
    providers: z.record(ZProviderName, ZProviderConfig).default({}),
    /** Where a model without a `/provider` suffix goes. Default `openai`. */
    defaultProvider: ZProviderName.optional(),
    /** Fallback chains (`model: "a/x,b/y"`). */
    fallback: z
      .object({
        /**
         * The longest a call waits in total for a `Retry-After` (429/503) before retrying the last member of
         * its chain, ms; a longer `Retry-After` is passed back to the caller at once. 0: never wait.
         */
        retryAfterBudgetMs: z.number().int().min(0).max(120_000).optional(),
        /** Members a chain may list (a longer chain is a 400). */
        maxChainLength: z.number().int().min(1).max(16).optional(),
      })
      .strict()
      .optional(),
    /** The per-provider circuit breaker. */
    breaker: z
      .object({
        /** Consecutive failures (5xx, timeouts, connection errors) that open it. 0 turns it off. */
        failureThreshold: z.number().int().min(0).max(1000).optional(),
        /** How long an open provider is skipped before one probe call is let through, ms. */
        cooldownMs: z.number().int().min(100).max(3_600_000).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type TProvidersFile = z.infer<typeof ZProvidersFile>;
export type TProvidersFileInput = z.input<typeof ZProvidersFile>;
