// The sample's configuration: read from the environment once, here only, and validated.
import { z } from "zod";

export interface ExampleConfig {
  /** promptreg server base URL. */
  url: string;
  /** promptreg API key (the server's PROMPTREG_API_KEY, or a key made with POST /v1/api-keys). */
  apiKey: string;
  /** Where the service calls the model itself with the compiled body (OpenAI, or the fake LLM offline). */
  openaiBaseURL: string;
  openaiApiKey: string;
}

const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";
/** The openai SDK refuses to start without a key; an offline upstream (the fake LLM) ignores it. */
const PLACEHOLDER_OPENAI_KEY = "sk-not-needed-offline";

const blankAsUnset = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

const ZEnv = z.object({
  PROMPTREG_URL: z.preprocess(blankAsUnset, httpUrl.default("http://127.0.0.1:8787")),
  PROMPTREG_API_KEY: z.preprocess(blankAsUnset, z.string({ error: "is required (e.g. dev-admin-key-change-me with `pnpm start`)" })),
  OPENAI_BASE_URL: z.preprocess(blankAsUnset, httpUrl.default(OPENAI_DEFAULT_BASE_URL)),
  OPENAI_API_KEY: z.preprocess(blankAsUnset, z.string().optional()),
});

/** Reads the configuration; throws one error naming every bad variable. */
// eslint-disable-next-line no-restricted-properties -- sample app configuration
export function loadConfig(env: Record<string, string | undefined> = process.env): ExampleConfig {
  const parsed = ZEnv.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
    throw new Error(`invalid configuration: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  const talksToOpenAI = new URL(e.OPENAI_BASE_URL).hostname === "api.openai.com";
  if (talksToOpenAI && e.OPENAI_API_KEY === undefined) {
    throw new Error(
      "invalid configuration: OPENAI_API_KEY is required to call OpenAI; or run the fake LLM and set OPENAI_BASE_URL=http://127.0.0.1:8788/v1",
    );
  }
  return {
    url: e.PROMPTREG_URL.replace(/\/+$/, ""),
    apiKey: e.PROMPTREG_API_KEY,
    openaiBaseURL: e.OPENAI_BASE_URL.replace(/\/+$/, ""),
    openaiApiKey: e.OPENAI_API_KEY ?? PLACEHOLDER_OPENAI_KEY,
  };
}
