/** `promptreg ls`: every prompt with its versions and where its environments point. */
import type { Command } from "commander";
import type { App } from "../context.js";
import { listAllPrompts, listAllVersions, mapLimit, versionLabel } from "../registry.js";

interface LsOptions {
  search?: string;
}

export function registerLs(program: Command, app: App): void {
  program
    .command("ls")
    .alias("list")
    .description("list prompts with their versions and environments")
    .option("--search <text>", "only prompts whose name contains this text (case-insensitive)")
    .action(
      app.action<LsOptions>(async (context, _args, options) => {
        const { output } = context;
        const client = await context.client();
        const progress = output.progress("Listing prompts");
        try {
          const prompts = await listAllPrompts(client, options.search);
          const rows = await mapLimit(prompts, 8, async (prompt) => {
            const versions = await listAllVersions(client, prompt.id);
            const environments: Record<string, { version: string; versionId: string }> = {};
            for (const version of versions) {
              for (const environment of version.environments) environments[environment] = { version: versionLabel(version), versionId: version.id };
            }
            return { prompt, versions, environments };
          });
          progress.stop();
          output.result(
            rows.map(({ prompt, versions, environments }) => ({
              id: prompt.id,
              name: prompt.name,
              tags: prompt.tags,
              createdAt: prompt.createdAt,
              environments,
              versions: versions.map((version) => ({
                id: version.id,
                version: versionLabel(version),
                model: version.model,
                commitMessage: version.commitMessage,
                environments: version.environments,
                createdAt: version.createdAt,
              })),
            })),
          );
          if (rows.length === 0) {
            output.line(options.search === undefined ? "No prompts yet." : "No prompt matches.");
            return;
          }
          const { color } = output;
          output.table(
            ["NAME", "ID", "VERSIONS", "LATEST", "ENVIRONMENTS"],
            rows.map(({ prompt, versions, environments }) => [
              prompt.name,
              color.dim(prompt.id),
              String(versions.length),
              versions[0] ? versionLabel(versions[0]) : "-",
              Object.entries(environments)
                .sort(([a], [b]) => (a === "production" ? -1 : b === "production" ? 1 : a.localeCompare(b)))
                .map(([environment, { version }]) => `${color.cyan(environment)}=${version}`)
                .join(" "),
            ]),
          );
        } finally {
          progress.stop();
        }
      }),
    );
}
