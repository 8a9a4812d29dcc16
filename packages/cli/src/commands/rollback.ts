/**
 * `promptreg rollback <prompt> --env <environment>`: points the environment back at the version it pointed at
 * before its last change, from the deployment history. A rollback is itself a change, so a second rollback
 * undoes the first (like `cd -`).
 */
import type { Command } from "commander";
import type { App } from "../context.js";
import { CliError, ExitCode, isNotFound, notFoundError } from "../errors.js";
import { environmentVersion, parseEnvironment, resolvePrompt, versionLabel } from "../registry.js";
import { requiredEnv } from "./shared.js";

interface RollbackOptions {
  env?: string;
}

export function registerRollback(program: Command, app: App): void {
  program
    .command("rollback")
    .description("point an environment back at the version it pointed at before its last change")
    .argument("<prompt>", "prompt id or name")
    .option("--env <environment>", "environment to roll back, e.g. production (required)")
    .action(
      app.action<RollbackOptions>(async (context, [promptRef], options) => {
        const { output } = context;
        const environment = parseEnvironment(requiredEnv(options.env));
        const client = await context.client();
        const prompt = await resolvePrompt(client, promptRef!);
        const [last] = await client.environments.history.query({ promptId: prompt.id, environment, limit: 1 });
        if (!last) throw notFoundError(`${prompt.name} (${prompt.id}) has no deployment history in ${environment}`);
        if (last.previousVersionId === null) {
          throw new CliError(`${environment} of ${prompt.name} pointed nowhere before its last change; nothing to roll back to`, ExitCode.FAILURE);
        }
        let target;
        try {
          target = await client.versions.byId.query({ versionId: last.previousVersionId });
        } catch (error) {
          if (isNotFound(error)) throw notFoundError(`the previous version ${last.previousVersionId} of ${prompt.name} no longer exists`);
          throw error;
        }
        const current = await environmentVersion(client, prompt.id, environment);
        await client.environments.set.mutate({ promptId: prompt.id, versionId: target.id, environment });
        const result = {
          promptId: prompt.id,
          name: prompt.name,
          environment,
          version: versionLabel(target),
          versionId: target.id,
          previousVersion: current ? versionLabel(current) : null,
          previousVersionId: current?.id ?? null,
          undid: { revision: last.revision, at: last.at, action: last.action },
        };
        output.result(result);
        const { color } = output;
        output.line(
          `${color.green("✓")} ${prompt.name} ${color.cyan(environment)}: ${result.previousVersion ?? "(none)"} → ${color.bold(result.version)} ${color.dim(`(undid the change of ${last.at})`)}`,
        );
        return ExitCode.OK;
      }),
    );
}
