/** `promptreg deploy <prompt> <version> --env <environment>`: points an environment at a version. */
import type { Command } from "commander";
import type { App } from "../context.js";
import { ExitCode } from "../errors.js";
import { environmentVersion, parseEnvironment, resolvePrompt, resolveVersion, versionLabel } from "../registry.js";
import { requiredEnv } from "./shared.js";

interface DeployOptions {
  env?: string;
}

export function registerDeploy(program: Command, app: App): void {
  program
    .command("deploy")
    .description("point an environment at a version")
    .argument("<prompt>", "prompt id or name")
    .argument("<version>", 'version number ("1.2") or version id')
    .option("--env <environment>", "environment to move, e.g. production (required)")
    .action(
      app.action<DeployOptions>(async (context, [promptRef, versionRef], options) => {
        const { output } = context;
        const environment = parseEnvironment(requiredEnv(options.env));
        const client = await context.client();
        const prompt = await resolvePrompt(client, promptRef!);
        const version = await resolveVersion(client, prompt, versionRef!);
        const previous = await environmentVersion(client, prompt.id, environment);
        if (previous?.id !== version.id) {
          await client.environments.set.mutate({ promptId: prompt.id, versionId: version.id, environment });
        }
        const result = {
          promptId: prompt.id,
          name: prompt.name,
          environment,
          version: versionLabel(version),
          versionId: version.id,
          previousVersion: previous ? versionLabel(previous) : null,
          previousVersionId: previous?.id ?? null,
          changed: previous?.id !== version.id,
        };
        output.result(result);
        const { color } = output;
        output.line(
          result.changed
            ? `${color.green("✓")} ${prompt.name} ${color.cyan(environment)}: ${result.previousVersion ?? "(none)"} → ${color.bold(result.version)}`
            : `${prompt.name} ${color.cyan(environment)} already points at ${color.bold(result.version)}; nothing changed.`,
        );
        return ExitCode.OK;
      }),
    );
}
