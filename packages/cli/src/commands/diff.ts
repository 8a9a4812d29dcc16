/**
 * `promptreg diff`: each prompt file's body against its base version (what `push` would send), or against
 * what an environment serves now (`--env`). Unified diffs of the YAML bodies. Exit 0 when nothing differs,
 * 1 when something does (as `git diff --exit-code`), other codes for errors.
 */
import type { TPromptBody } from "@promptreg/contracts";
import type { Command } from "commander";
import { createTwoFilesPatch } from "diff";
import type { App } from "../context.js";
import { CliError, ExitCode, isNotFound } from "../errors.js";
import { orderLike, readPromptFile, renderBody, sameBody, type PromptFile } from "../files.js";
import type { Output } from "../output.js";
import { environmentVersion, mapLimit, parseEnvironment, versionLabel, type PromptregClient } from "../registry.js";
import { promptFilePaths } from "./shared.js";

interface DiffOptions {
  env?: string;
  dir: string;
}

type DiffStatus = "unchanged" | "modified" | "new";

interface DiffEntry {
  file: string;
  promptId: string | null;
  name: string;
  status: DiffStatus;
  /** What the file was compared with. */
  remote: { version: string; versionId: string; environment: string | null } | null;
  patch: string;
}

export function registerDiff(program: Command, app: App): void {
  program
    .command("diff")
    .description("show how prompt files differ from the server (exit 1 when they do, like git diff --exit-code)")
    .argument("[files...]", "prompt files to compare (default: every *.prompt.yaml in --dir)")
    .option("--env <environment>", "compare with what this environment serves now, instead of each file's base version")
    .option("--dir <dir>", "folder of the prompt files", "prompts")
    .action(
      app.action<DiffOptions>(async (context, args, options) => {
        const { output } = context;
        const environment = options.env === undefined ? undefined : parseEnvironment(options.env);
        const files = await Promise.all((await promptFilePaths(args, options.dir)).map((path) => readPromptFile(path)));
        const client = await context.client();
        const progress = output.progress(`Comparing ${files.length} file${files.length === 1 ? "" : "s"}`);
        let entries: DiffEntry[];
        try {
          entries = await mapLimit(files, 8, (file) => diffOne(client, file, environment));
        } finally {
          progress.stop();
        }
        const differences = entries.some((entry) => entry.status !== "unchanged");
        output.result({ differences, files: entries });
        for (const entry of entries) if (entry.status !== "unchanged") printPatch(output, entry);
        const changed = entries.filter((entry) => entry.status !== "unchanged").length;
        const total = `${entries.length} file${entries.length === 1 ? "" : "s"}`;
        output.line(
          differences
            ? `Differences in ${changed} of ${total} (compared with ${environment ?? "each file's base version"}).`
            : `No differences (${total}).`,
        );
        return differences ? ExitCode.FAILURE : ExitCode.OK;
      }),
    );
}

async function diffOne(client: PromptregClient, file: PromptFile, environment: string | undefined): Promise<DiffEntry> {
  const { header } = file;
  if (header.id === undefined) {
    return { file: file.path, promptId: null, name: header.name, status: "new", remote: null, patch: patchOf(file.path, null, file.body) };
  }
  let remote: { version: string; versionId: string; environment: string | null; body: TPromptBody };
  if (environment === undefined) {
    try {
      const base = await client.versions.withBody.query({ versionId: header.versionId! });
      remote = { version: versionLabel(base), versionId: base.id, environment: null, body: base.body };
    } catch (error) {
      if (isNotFound(error)) throw new CliError(`${file.path}: base version ${header.versionId} not found (deleted?)`, ExitCode.NOT_FOUND);
      throw error;
    }
  } else {
    const version = await environmentVersion(client, header.id, environment);
    if (!version) throw new CliError(`${file.path}: prompt ${header.name} (${header.id}) has nothing deployed to ${environment}`, ExitCode.NOT_FOUND);
    remote = { version: versionLabel(version), versionId: version.id, environment, body: await client.versions.body.query({ versionId: version.id }) };
  }
  const { body, ...where } = remote;
  const same = sameBody(file.body, body);
  return {
    file: file.path,
    promptId: header.id,
    name: header.name,
    status: same ? "unchanged" : "modified",
    remote: where,
    patch: same ? "" : patchOf(file.path, { label: `${header.name} ${where.version}${environment ? ` (${environment})` : ""}`, body }, file.body),
  };
}

function patchOf(path: string, remote: { label: string; body: TPromptBody } | null, local: TPromptBody): string {
  // The remote body in the file's key order: the diff shows changed values, not reordered keys.
  const remoteText = remote ? renderBody(orderLike(remote.body, local)) : "";
  const patch = createTwoFilesPatch(remote ? `remote/${path}` : "/dev/null", `local/${path}`, remoteText, renderBody(local), remote?.label ?? "new prompt", "local", {
    context: 3,
  });
  // jsdiff starts with a line of "=" signs; git's format has none.
  return patch.replace(/^=+\n/, "");
}

function printPatch(output: Output, entry: DiffEntry): void {
  const { color } = output;
  for (const line of entry.patch.split("\n")) {
    if (line.startsWith("+++") || line.startsWith("---")) output.line(color.bold(line));
    else if (line.startsWith("@@")) output.line(color.cyan(line));
    else if (line.startsWith("+")) output.line(color.green(line));
    else if (line.startsWith("-")) output.line(color.red(line));
    else if (line !== "") output.line(line);
  }
}
