/**
 * `promptreg pull`: writes prompts as files. By default one file per prompt, holding the version an
 * environment (production) points at; `--all-versions` writes one file per version instead. A file that
 * holds edits not pushed yet is left alone (exit 1) unless `--force`.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { TPrompt, TPromptBody, TPromptVersion } from "@promptreg/contracts";
import type { Command } from "commander";
import type { App } from "../context.js";
import { ExitCode, notFoundError, usageError } from "../errors.js";
import {
  listPromptFiles,
  readPromptFile,
  renderPromptFile,
  sameBody,
  slugify,
  writeFileAtomic,
  type PromptFile,
  type PromptFileHeader,
} from "../files.js";
import { environmentVersion, listAllPrompts, listAllVersions, mapLimit, parseEnvironment, versionLabel, type PromptregClient } from "../registry.js";

interface PullOptions {
  env?: string;
  allVersions?: boolean;
  dir: string;
  force?: boolean;
}

type PullStatus = "created" | "updated" | "unchanged" | "skipped";

interface PullTarget {
  prompt: TPrompt;
  version: TPromptVersion;
  environment: string | undefined;
}

interface PullEntry {
  file: string;
  promptId: string;
  name: string;
  version: string;
  versionId: string;
  environment: string | null;
  status: PullStatus;
  reason?: string;
}

export function registerPull(program: Command, app: App): void {
  program
    .command("pull")
    .description("write every prompt's version (production by default) as a YAML file")
    .option("--env <environment>", "pull the versions this environment points at (default: production)")
    .option("--all-versions", "write every version, as <slug>@<major.minor>.prompt.yaml")
    .option("--dir <dir>", "folder of the prompt files", "prompts")
    .option("-f, --force", "overwrite files that hold edits not pushed yet")
    .action(
      app.action<PullOptions>(async (context, _args, options) => {
        const { output } = context;
        if (options.allVersions && options.env !== undefined) throw usageError("give either --env or --all-versions, not both");
        const environment = options.allVersions ? undefined : parseEnvironment(options.env ?? "production");
        const client = await context.client();
        const progress = output.progress("Listing prompts");
        try {
          const prompts = await listAllPrompts(client);
          const skippedPrompts: Array<{ promptId: string; name: string; reason: string }> = [];
          const targets: PullTarget[] = [];
          await mapLimit(prompts, 8, async (prompt) => {
            if (environment === undefined) {
              for (const version of await listAllVersions(client, prompt.id)) targets.push({ prompt, version, environment: undefined });
            } else {
              const version = await environmentVersion(client, prompt.id, environment);
              if (version) targets.push({ prompt, version, environment });
              else skippedPrompts.push({ promptId: prompt.id, name: prompt.name, reason: `nothing deployed to ${environment}` });
            }
          });
          if (environment !== undefined && prompts.length > 0 && targets.length === 0) {
            throw notFoundError(`no prompt has anything deployed to ${environment}`);
          }
          targets.sort((a, b) => a.prompt.name.localeCompare(b.prompt.name) || b.version.majorVersion - a.version.majorVersion || b.version.minorVersion - a.version.minorVersion);

          await mkdir(options.dir, { recursive: true });
          const existing = await indexExisting(options.dir, (message) => output.warn(message));
          const paths = assignPaths(targets, existing, options.dir);

          let done = 0;
          progress.update(`Pulling ${targets.length} version${targets.length === 1 ? "" : "s"}`);
          const entries = await mapLimit(targets, 8, async (target, index) => {
            const entry = await pullOne(client, target, paths[index]!, existing, options.force === true);
            progress.update(`Pulling ${++done}/${targets.length}`);
            return entry;
          });
          progress.stop();

          const skipped = entries.filter((entry) => entry.status === "skipped");
          output.result({ dir: options.dir, environment: environment ?? null, files: entries, skippedPrompts });
          const { color } = output;
          const mark: Record<PullStatus, string> = {
            created: color.green("+"),
            updated: color.yellow("~"),
            unchanged: color.dim("="),
            skipped: color.red("!"),
          };
          for (const entry of entries) {
            output.line(`${mark[entry.status]} ${entry.file}  ${color.dim(`${entry.name} ${entry.version}`)}${entry.reason ? `  ${color.red(entry.reason)}` : ""}`);
          }
          for (const prompt of skippedPrompts) output.warn(`skipped ${prompt.name} (${prompt.promptId}): ${prompt.reason}`);
          const count = (status: PullStatus) => entries.filter((entry) => entry.status === status).length;
          output.line(
            `Pulled ${entries.length - skipped.length} file${entries.length - skipped.length === 1 ? "" : "s"} into ${options.dir}: ${count("created")} created, ${count("updated")} updated, ${count("unchanged")} unchanged${skipped.length ? `, ${skipped.length} skipped` : ""}.`,
          );
          if (skipped.length > 0) {
            output.warn(`${skipped.length} file${skipped.length === 1 ? " has" : "s have"} edits not pushed yet: push them first, or pull --force to discard them`);
            return ExitCode.FAILURE;
          }
          return ExitCode.OK;
        } finally {
          progress.stop();
        }
      }),
    );
}

interface ExistingFiles {
  /** Files of one prompt pulled from an environment (or written by hand after a push), by prompt id. */
  byPrompt: Map<string, PromptFile>;
  /** Files of `pull --all-versions`, by version id. */
  byVersion: Map<string, PromptFile>;
  taken: Set<string>;
}

async function indexExisting(dir: string, warn: (message: string) => void): Promise<ExistingFiles> {
  const index: ExistingFiles = { byPrompt: new Map(), byVersion: new Map(), taken: new Set() };
  for (const path of await listPromptFiles(dir)) {
    index.taken.add(path);
    let file: PromptFile;
    try {
      file = await readPromptFile(path);
    } catch (error) {
      warn(`ignoring ${path}: ${(error as Error).message}`);
      continue;
    }
    const { id, versionId, environment } = file.header;
    if (id === undefined || versionId === undefined) continue;
    if (environment === undefined) index.byVersion.set(versionId, file);
    else if (!index.byPrompt.has(id)) index.byPrompt.set(id, file);
  }
  return index;
}

/** Where each target goes: the file that already holds it, else a new name from the prompt's name. */
function assignPaths(targets: PullTarget[], existing: ExistingFiles, dir: string): string[] {
  const taken = new Set(existing.taken);
  const slugOwners = new Map<string, Set<string>>();
  for (const { prompt } of targets) {
    const slug = slugify(prompt.name) || prompt.id.toLowerCase();
    slugOwners.set(slug, (slugOwners.get(slug) ?? new Set()).add(prompt.id));
  }
  return targets.map(({ prompt, version, environment }) => {
    const current = environment === undefined ? existing.byVersion.get(version.id) : existing.byPrompt.get(prompt.id);
    if (current) return current.path;
    let slug = slugify(prompt.name) || prompt.id.toLowerCase();
    // Two prompts whose names give the same file name: both get their id appended.
    if ((slugOwners.get(slug)?.size ?? 0) > 1) slug = `${slug}-${prompt.id}`;
    const suffix = environment === undefined ? `@${versionLabel(version)}` : "";
    let path = join(dir, `${slug}${suffix}.prompt.yaml`);
    if (taken.has(path)) path = join(dir, `${slug}-${prompt.id}${suffix}.prompt.yaml`);
    taken.add(path);
    return path;
  });
}

async function pullOne(client: PromptregClient, target: PullTarget, path: string, existing: ExistingFiles, force: boolean): Promise<PullEntry> {
  const { prompt, version, environment } = target;
  const body = await client.versions.body.query({ versionId: version.id });
  const header: PromptFileHeader = {
    id: prompt.id,
    name: prompt.name,
    tags: prompt.tags,
    version: versionLabel(version),
    versionId: version.id,
    environment,
  };
  const entry: Omit<PullEntry, "status"> = {
    file: path,
    promptId: prompt.id,
    name: prompt.name,
    version: versionLabel(version),
    versionId: version.id,
    environment: environment ?? null,
  };
  const current = environment === undefined ? existing.byVersion.get(version.id) : existing.byPrompt.get(prompt.id);
  const text = renderPromptFile(header, body);
  if (current) {
    if (!force && (await hasLocalEdits(client, current, version.id, body))) {
      return { ...entry, status: "skipped", reason: "has edits not pushed yet" };
    }
    if (sameBody(current.body, body) && sameHeader(current.header, header)) return { ...entry, status: "unchanged" };
  }
  await writeFileAtomic(path, text);
  return { ...entry, status: current ? "updated" : "created" };
}

/** Whether a file's body differs from the version it was based on. */
async function hasLocalEdits(client: PromptregClient, file: PromptFile, pulledVersionId: string, pulledBody: TPromptBody): Promise<boolean> {
  const baseId = file.header.versionId!;
  const base = baseId === pulledVersionId ? pulledBody : await client.versions.body.query({ versionId: baseId }).catch(() => null);
  // A base that no longer exists (deleted version) cannot be compared: treat the file as edited, to be safe.
  return base === null || !sameBody(file.body, base);
}

const sameHeader = (a: PromptFileHeader, b: PromptFileHeader) =>
  a.id === b.id &&
  a.name === b.name &&
  a.version === b.version &&
  a.versionId === b.versionId &&
  a.environment === b.environment &&
  JSON.stringify(a.tags) === JSON.stringify(b.tags);
