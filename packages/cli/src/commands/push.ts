/**
 * `promptreg push`: for every prompt file whose body differs from its base version (`versionId`), creates a
 * new version from that base (minor, or major with --major); a file without `id` creates a new prompt.
 * Versions are never overwritten. Each file's header is rewritten with the version created.
 */
import type { Command } from "commander";
import type { App } from "../context.js";
import { CliError, ExitCode, isNotFound, toCliError } from "../errors.js";
import { readPromptFile, sameBody, withHeader, writeFileAtomic, type PromptFile, type PromptFileHeader } from "../files.js";
import { parseEnvironment, versionLabel, type PromptregClient } from "../registry.js";
import { promptFilePaths } from "./shared.js";

interface PushOptions {
  message?: string;
  major?: boolean;
  deploy?: string;
  dir: string;
}

interface PushEntry {
  file: string;
  promptId: string;
  name: string;
  status: "created" | "unchanged" | "failed";
  newPrompt: boolean;
  version?: string;
  versionId?: string;
  baseVersion?: string | null;
  baseVersionId?: string | null;
  deployedTo?: string[];
  error?: string;
  exitCode?: number;
}

export const DEFAULT_COMMIT_MESSAGE = "Pushed with promptreg CLI";

export function registerPush(program: Command, app: App): void {
  program
    .command("push")
    .description("create new versions from edited prompt files (never overwrites a version)")
    .argument("[files...]", "prompt files to push (default: every *.prompt.yaml in --dir)")
    .option("-m, --message <message>", "commit message of the new versions", DEFAULT_COMMIT_MESSAGE)
    .option("--major", "bump the major version (2.0) instead of the minor one (1.3)")
    .option("--deploy <environment>", "point this environment at every version created")
    .option("--dir <dir>", "folder of the prompt files", "prompts")
    .action(
      app.action<PushOptions>(async (context, args, options) => {
        const { output } = context;
        const deploy = options.deploy === undefined ? undefined : parseEnvironment(options.deploy);
        const paths = await promptFilePaths(args, options.dir);
        // Every file is checked before anything is created: one bad file stops the push as a whole.
        const files: PromptFile[] = [];
        const problems: string[] = [];
        for (const path of paths) {
          try {
            files.push(await readPromptFile(path));
          } catch (error) {
            problems.push((error as Error).message);
          }
        }
        if (problems.length > 0) throw new CliError(`nothing pushed; fix these files first:\n  ${problems.join("\n  ")}`, ExitCode.FAILURE);

        const client = await context.client();
        const progress = output.progress(`Pushing ${files.length} file${files.length === 1 ? "" : "s"}`);
        const entries: PushEntry[] = [];
        try {
          for (const [index, file] of files.entries()) {
            progress.update(`Pushing ${index + 1}/${files.length}: ${file.path}`);
            try {
              entries.push(await pushOne(client, file, { message: options.message ?? DEFAULT_COMMIT_MESSAGE, major: options.major === true, deploy }));
            } catch (error) {
              const failure = toCliError(error);
              entries.push({ file: file.path, promptId: file.header.id ?? "", name: file.header.name, status: "failed", newPrompt: file.header.id === undefined, error: failure.message, exitCode: failure.exitCode });
            }
          }
        } finally {
          progress.stop();
        }

        const created = entries.filter((entry) => entry.status === "created");
        const failed = entries.filter((entry) => entry.status === "failed");
        output.result({ created, unchanged: entries.filter((entry) => entry.status === "unchanged"), failed });
        const { color } = output;
        for (const entry of entries) {
          if (entry.status === "created") {
            const from = entry.newPrompt ? "new prompt" : `from ${entry.baseVersion}`;
            const deployed = entry.deployedTo?.length ? `, deployed to ${entry.deployedTo.join(", ")}` : "";
            output.line(`${color.green("+")} ${entry.file}  ${color.bold(`${entry.name} ${entry.version}`)} ${color.dim(`(${from}${deployed})`)}`);
          } else if (entry.status === "unchanged") output.line(`${color.dim("=")} ${entry.file}  ${color.dim("unchanged")}`);
        }
        for (const entry of failed) output.warn(`failed: ${entry.file}: ${entry.error}`);
        output.line(
          created.length === 0 && failed.length === 0
            ? "Nothing to push: every file matches its version."
            : `Created ${created.length} version${created.length === 1 ? "" : "s"}${failed.length ? `, ${failed.length} failed` : ""}.`,
        );
        if (failed.length === 0) return ExitCode.OK;
        // One kind of failure everywhere (e.g. the key was refused): its own exit code; a mix: 1.
        const codes = new Set(failed.map((entry) => entry.exitCode));
        return codes.size === 1 ? (failed[0]!.exitCode ?? ExitCode.FAILURE) : ExitCode.FAILURE;
      }),
    );
}

async function pushOne(
  client: PromptregClient,
  file: PromptFile,
  options: { message: string; major: boolean; deploy: string | undefined },
): Promise<PushEntry> {
  const { header } = file;
  if (header.id === undefined) {
    const created = await client.prompts.create.mutate({ name: header.name, tags: header.tags, body: file.body });
    const deployedTo = [...created.version.environments];
    if (options.deploy !== undefined && !deployedTo.includes(options.deploy)) {
      await client.environments.set.mutate({ promptId: created.prompt.id, versionId: created.version.id, environment: options.deploy });
      deployedTo.push(options.deploy);
    }
    const next: PromptFileHeader = {
      id: created.prompt.id,
      name: created.prompt.name,
      tags: created.prompt.tags,
      version: versionLabel(created.version),
      versionId: created.version.id,
      environment: options.deploy ?? deployedTo[0] ?? "production",
    };
    await writeFileAtomic(file.path, withHeader(file, next));
    return {
      file: file.path,
      promptId: created.prompt.id,
      name: created.prompt.name,
      status: "created",
      newPrompt: true,
      version: versionLabel(created.version),
      versionId: created.version.id,
      baseVersion: null,
      baseVersionId: null,
      deployedTo,
    };
  }

  const baseId = header.versionId!;
  let base;
  try {
    base = await client.versions.withBody.query({ versionId: baseId });
  } catch (error) {
    if (isNotFound(error)) throw new CliError(`base version ${baseId} not found (deleted?); pull the prompt again`, ExitCode.NOT_FOUND);
    throw error;
  }
  if (base.promptId !== header.id) throw new CliError(`versionId ${baseId} is not a version of prompt ${header.id}`, ExitCode.FAILURE);
  const common = { file: file.path, promptId: header.id, name: header.name, newPrompt: false, baseVersion: versionLabel(base), baseVersionId: base.id };
  if (sameBody(file.body, base.body)) return { ...common, status: "unchanged", version: versionLabel(base), versionId: base.id };

  const version = await client.versions.create.mutate({
    promptId: header.id,
    baseVersionId: base.id,
    bump: options.major ? "major" : "minor",
    commitMessage: options.message,
    body: file.body,
    ...(options.deploy === undefined ? {} : { environment: options.deploy }),
  });
  await writeFileAtomic(
    file.path,
    withHeader(file, { ...header, version: versionLabel(version), versionId: version.id, environment: options.deploy ?? header.environment }),
  );
  return { ...common, status: "created", version: versionLabel(version), versionId: version.id, deployedTo: version.environments };
}
