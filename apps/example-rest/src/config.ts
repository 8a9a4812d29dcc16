// The sample's configuration: read from the environment once, here only, and checked.

export interface ExampleConfig {
  /** promptreg server base URL. */
  url: string;
  /** promptreg API key (the server's PROMPTREG_API_KEY, or a key made with POST /v1/api-keys). */
  apiKey: string;
}

/** Reads the configuration; throws one error naming every bad variable. */
// eslint-disable-next-line no-restricted-properties -- sample app configuration
export function loadConfig(env: Record<string, string | undefined> = process.env): ExampleConfig {
  const problems: string[] = [];
  const url = env["PROMPTREG_URL"]?.trim() || "http://127.0.0.1:8787";
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) problems.push("PROMPTREG_URL must be an http(s) URL");
  const apiKey = env["PROMPTREG_API_KEY"]?.trim() ?? "";
  if (apiKey === "") problems.push("PROMPTREG_API_KEY is required (e.g. dev-admin-key-change-me with `pnpm start`)");
  if (problems.length > 0) throw new Error(`invalid configuration: ${problems.join("; ")}`);
  return { url: url.replace(/\/+$/, ""), apiKey };
}
