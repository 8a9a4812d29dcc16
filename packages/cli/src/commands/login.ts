/** `promptreg login`: checks a server URL and API key against the server, then stores them (mode 0600). */
import type { Command } from "commander";
import { loadStoredConfig, normalizeUrl, saveConfig } from "../config.js";
import type { App } from "../context.js";
import { CliError, ExitCode, isUnauthorized, toCliError, usageError } from "../errors.js";
import { askHidden, askLine, readAll } from "../prompt.js";
import { connect } from "../registry.js";

interface LoginOptions {
  url?: string;
  key?: string;
  keyStdin?: boolean;
}

export function registerLogin(program: Command, app: App): void {
  program
    .command("login")
    .description("check a server URL and API key, then save them in the config file (mode 0600)")
    .option("--url <url>", "server base URL, e.g. http://127.0.0.1:8787")
    .option("--key <key>", "API key (prefer --key-stdin or the prompt: argv is visible to other users)")
    .option("--key-stdin", "read the API key from standard input")
    .addHelpText(
      "after",
      "\nValues not given come from PROMPTREG_URL and PROMPTREG_API_KEY, else are asked for on a terminal (the key\nis not echoed). The key is verified against the server before anything is saved.",
    )
    .action(
      app.action<LoginOptions>(async (context, _args, options) => {
        const { io, environment, output } = context;
        if (options.key !== undefined && options.keyStdin) throw usageError("give either --key or --key-stdin, not both");
        const interactive = io.stdin.isTTY === true && io.stderr.isTTY === true && !output.json;
        const stored = (await loadStoredConfig(environment.configPath).catch(() => null))?.config;

        let url = options.url ?? environment.url;
        if (url === undefined && interactive) {
          const fallback = stored?.url;
          url = (await askLine(io, `Server URL${fallback ? ` (${fallback})` : ""}: `)) || fallback;
        }
        let key = options.keyStdin ? (await readAll(io)).trim() : (options.key ?? environment.apiKey);
        if (key === undefined && interactive) key = await askHidden(io, "API key: ");

        if (!url || !key) {
          const missing = [!url && "--url", !key && "--key (or --key-stdin)"].filter(Boolean).join(" and ");
          throw usageError(`login needs ${missing} when it cannot ask on a terminal`);
        }
        const normalized = normalizeUrl(url);
        const progress = output.progress(`Checking the key with ${normalized}`);
        let prompts: number;
        try {
          prompts = await connect({ url: normalized, apiKey: key, source: { url: "config", apiKey: "config" } }).prompts.count.query();
        } catch (error) {
          // Nothing is saved when the key is refused (exit 3) or the server cannot be reached (exit 1).
          if (isUnauthorized(error)) {
            // Not the generic advice ("run promptreg login"): this is login. Say where the key came from.
            const source = options.keyStdin
              ? "read from stdin"
              : options.key !== undefined
                ? "given with --key"
                : environment.apiKey !== undefined
                  ? "from PROMPTREG_API_KEY"
                  : "typed at the prompt";
            throw new CliError(`${normalized} refused the API key (${source}): ${(error as Error).message}. Check the key; nothing was saved.`, ExitCode.AUTH, {
              cause: error,
            });
          }
          throw toCliError(error, normalized);
        } finally {
          progress.stop();
        }
        await saveConfig(environment, { url: normalized, apiKey: key });
        output.result({ url: normalized, configPath: environment.configPath, prompts });
        output.line(`${output.color.green("✓")} Logged in to ${output.color.bold(normalized)} (${prompts} prompt${prompts === 1 ? "" : "s"}).`);
        output.line(`  Saved to ${environment.configPath}`);
        return ExitCode.OK;
      }),
    );
}
