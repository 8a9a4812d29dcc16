/**
 * Where the CLI finds its server and key, and the only module that reads the environment.
 *
 * Config file: `$PROMPTREG_CONFIG`, else `$XDG_CONFIG_HOME/promptreg/config.json`, else
 * `~/.config/promptreg/config.json`; JSON `{ "url", "apiKey" }`, written with mode 0600 in a directory
 * created 0700. `PROMPTREG_URL` and `PROMPTREG_API_KEY` override the file's values one by one.
 */
import { chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { CliError, ExitCode, usageError } from "./errors.js";

/** What the CLI takes from its environment, read once at start-up. */
export interface CliEnvironment {
  configPath: string;
  /** The config path is the default one (so its directory is ours to make private). */
  defaultConfigLocation: boolean;
  url: string | undefined;
  apiKey: string | undefined;
  /** NO_COLOR is set (https://no-color.org): no colours whatever the terminal. */
  noColor: boolean;
}

export interface StoredConfig {
  url: string;
  apiKey: string;
}

export interface Credentials extends StoredConfig {
  /** Where each value came from, for messages. */
  source: { url: "env" | "config"; apiKey: "env" | "config" };
}

const nonEmpty = (value: string | undefined) => (value !== undefined && value.trim() !== "" ? value.trim() : undefined);

export function readEnvironment(
  // The one place that reads process.env (the root ESLint config exempts only the server's config.ts).
  // eslint-disable-next-line no-restricted-properties
  env: NodeJS.ProcessEnv = process.env,
): CliEnvironment {
  const explicit = nonEmpty(env["PROMPTREG_CONFIG"]);
  const xdg = nonEmpty(env["XDG_CONFIG_HOME"]);
  return {
    configPath: explicit ?? join(xdg ?? join(homedir(), ".config"), "promptreg", "config.json"),
    defaultConfigLocation: explicit === undefined,
    url: nonEmpty(env["PROMPTREG_URL"]),
    apiKey: nonEmpty(env["PROMPTREG_API_KEY"]),
    noColor: env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "",
  };
}

/** A server base URL, checked and without trailing slashes. */
export function normalizeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw usageError(`not a URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw usageError(`the server URL must be http(s): ${raw}`);
  return url.toString().replace(/\/+$/, "");
}

/** The config file's contents, or null when there is none. A file that exists but cannot be used is exit 3. */
export async function loadStoredConfig(path: string): Promise<{ config: Partial<StoredConfig>; insecure: boolean } | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new CliError(`cannot read config file ${path}: ${(error as Error).message}`, ExitCode.AUTH);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`config file ${path} is not valid JSON; run \`promptreg login\` again`, ExitCode.AUTH);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`config file ${path} must hold a JSON object; run \`promptreg login\` again`, ExitCode.AUTH);
  }
  const record = parsed as Record<string, unknown>;
  const config: Partial<StoredConfig> = {};
  if (typeof record["url"] === "string") config.url = record["url"];
  if (typeof record["apiKey"] === "string") config.apiKey = record["apiKey"];
  const mode = (await stat(path)).mode;
  return { config, insecure: process.platform !== "win32" && (mode & 0o077) !== 0 };
}

/**
 * Writes the config with mode 0600: to a temporary file created 0600 beside it, then renamed over it, so
 * the key is never readable by others, not even for a moment, and a crash never leaves half a file.
 */
export async function saveConfig(environment: CliEnvironment, config: StoredConfig): Promise<void> {
  const path = environment.configPath;
  const directory = dirname(path);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  // The default directory is ours alone; a directory named by PROMPTREG_CONFIG may be shared, so leave it be.
  if (environment.defaultConfigLocation) await chmod(directory, 0o700);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ url: config.url, apiKey: config.apiKey }, null, 2)}\n`, { mode: 0o600, flag: "w" });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

/** URL and key for a command: environment variables over the config file. Missing ones are exit 3. */
export async function resolveCredentials(environment: CliEnvironment, warn: (message: string) => void): Promise<Credentials> {
  const stored = environment.url && environment.apiKey ? null : await loadStoredConfig(environment.configPath);
  if (stored?.insecure) warn(`warning: ${environment.configPath} is readable by other users; run: chmod 600 ${environment.configPath}`);
  const url = environment.url ?? stored?.config.url;
  const apiKey = environment.apiKey ?? stored?.config.apiKey;
  if (!url || !apiKey) {
    const missing = [!url && "server URL", !apiKey && "API key"].filter(Boolean).join(" and ");
    throw new CliError(
      `no ${missing}: run \`promptreg login\` or set PROMPTREG_URL and PROMPTREG_API_KEY (config file: ${environment.configPath})`,
      ExitCode.AUTH,
    );
  }
  let normalized: string;
  try {
    normalized = normalizeUrl(url);
  } catch {
    throw new CliError(`the configured server URL is not a valid http(s) URL: ${url}`, ExitCode.AUTH);
  }
  return {
    url: normalized,
    apiKey,
    source: { url: environment.url ? "env" : "config", apiKey: environment.apiKey ? "env" : "config" },
  };
}
