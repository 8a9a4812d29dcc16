/**
 * `promptreg codegen`: TypeScript types for every prompt's inputs, from the variables the server stored
 * with the version an environment (production) points at, plus the variables of the prompt partials it
 * inserts. `--check` writes nothing and exits 1 when the file is out of date (for CI).
 */
import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { TPromptVersion } from "@promptreg/contracts";
import type { Command } from "commander";
import { generateTypes, type CodegenPrompt, type CodegenVariable } from "../codegen.js";
import type { App } from "../context.js";
import { ExitCode, notFoundError } from "../errors.js";
import { writeFileAtomic } from "../files.js";
import { environmentVersion, listAllPrompts, mapLimit, parseEnvironment, versionLabel, type PromptregClient } from "../registry.js";

interface CodegenOptions {
  out: string;
  env: string;
  importFrom: string;
  check?: boolean;
}

export const DEFAULT_CODEGEN_OUT = "src/promptreg.generated.ts";

export function registerCodegen(program: Command, app: App): void {
  program
    .command("codegen")
    .description("write TypeScript types for every prompt's inputs, checked at compile time")
    .option("--out <file>", "file to write", DEFAULT_CODEGEN_OUT)
    .option("--env <environment>", "type the versions this environment points at", "production")
    .option("--import-from <module>", "module to import PromptManager's types from", "@promptreg/client")
    .option("--check", "write nothing; exit 1 when the file is missing or out of date")
    .action(
      app.action<CodegenOptions>(async (context, _args, options) => {
        const { output } = context;
        const environment = parseEnvironment(options.env);
        const client = await context.client();
        const progress = output.progress("Reading prompt variables");
        let prompts: CodegenPrompt[];
        const skipped: Array<{ promptId: string; name: string; reason: string }> = [];
        const warnings: string[] = [];
        try {
          const all = await listAllPrompts(client);
          const resolved = await mapLimit(all, 8, async (prompt) => {
            const version = await environmentVersion(client, prompt.id, environment);
            if (!version) {
              skipped.push({ promptId: prompt.id, name: prompt.name, reason: `nothing deployed to ${environment}` });
              return null;
            }
            const variables = await variablesWithPartials(client, version, (message) => warnings.push(`${prompt.name} (${prompt.id}): ${message}`));
            return { id: prompt.id, name: prompt.name, version: versionLabel(version), versionId: version.id, variables };
          });
          prompts = resolved.filter((prompt): prompt is CodegenPrompt => prompt !== null);
          // As for `pull`, a mistyped environment is not a silent success: it would replace a typed module
          // with an empty one. Nothing is written (or checked).
          if (all.length > 0 && prompts.length === 0) {
            throw notFoundError(`no prompt has anything deployed to ${environment} (${all.length} prompt${all.length === 1 ? "" : "s"} checked); ${options.out} left as it was`);
          }
        } finally {
          progress.stop();
        }

        const { source, ambiguousNames } = generateTypes(prompts, { environment, importFrom: options.importFrom });
        const current = await readFile(options.out, "utf8").catch(() => null);
        const upToDate = current === source;
        if (!options.check && !upToDate) {
          await mkdir(dirname(options.out), { recursive: true });
          await writeFileAtomic(options.out, source);
        }
        for (const warning of warnings) output.warn(`warning: ${warning}`);
        for (const name of ambiguousNames) output.warn(`warning: several prompts are named ${JSON.stringify(name)} (or it is an id): typed by id only`);
        for (const prompt of skipped) output.warn(`skipped ${prompt.name} (${prompt.promptId}): ${prompt.reason}`);
        output.result({
          out: options.out,
          environment,
          written: !options.check && !upToDate,
          upToDate,
          prompts: prompts.map((prompt) => ({ id: prompt.id, name: prompt.name, version: prompt.version, versionId: prompt.versionId, variables: prompt.variables.map(({ name, type }) => ({ name, type })) })),
          skipped,
          ambiguousNames,
        });
        const { color } = output;
        if (options.check) {
          output.line(upToDate ? `${options.out} is up to date.` : `${color.red("✗")} ${options.out} is out of date: run promptreg codegen`);
          return upToDate ? ExitCode.OK : ExitCode.FAILURE;
        }
        output.line(`${color.green("✓")} ${upToDate ? "Unchanged" : "Wrote"} ${options.out}: types for ${prompts.length} prompt${prompts.length === 1 ? "" : "s"} (${environment}).`);
        return ExitCode.OK;
      }),
    );
}

/**
 * A version's variables, plus those of the prompt partials it inserts (`{{hcp:id:index:env}}` brings in the
 * text of message `index` of another prompt, whose variables the caller's inputs must then fill), followed
 * recursively. The first type seen for a name wins (the server refuses one name with two types in a body).
 */
async function variablesWithPartials(client: PromptregClient, version: TPromptVersion, warn: (message: string) => void): Promise<CodegenVariable[]> {
  const byName = new Map<string, CodegenVariable>();
  const add = (variable: CodegenVariable) => {
    const known = byName.get(variable.name);
    if (!known) byName.set(variable.name, { ...variable, locations: [...variable.locations] });
    else known.locations.push(...variable.locations.filter((location) => !known.locations.includes(location)));
  };
  for (const variable of version.variables) add({ name: variable.name, type: variable.type, locations: variable.locations });

  const seen = new Set<string>();
  const queue = version.partials.map(({ promptId, messageIndex, environment }) => ({ promptId, messageIndex, environment }));
  while (queue.length > 0) {
    const partial = queue.shift()!;
    const key = `${partial.promptId}:${partial.messageIndex}:${partial.environment}`;
    if (seen.has(key) || seen.size >= 100) continue;
    seen.add(key);
    const source = await environmentVersion(client, partial.promptId, partial.environment).catch(() => null);
    if (!source) {
      warn(`partial {{hcp:${key}}}: prompt ${partial.promptId} has nothing deployed to ${partial.environment}`);
      continue;
    }
    const message = `/messages/${partial.messageIndex}`;
    const inMessage = (location: string) => location === message || location.startsWith(`${message}/`);
    for (const variable of source.variables) {
      if (variable.locations.some(inMessage)) add({ name: variable.name, type: variable.type, locations: [`partial ${key}`] });
    }
    for (const inner of source.partials) {
      if (inner.locations.some(inMessage)) queue.push({ promptId: inner.promptId, messageIndex: inner.messageIndex, environment: inner.environment });
    }
  }
  return [...byName.values()];
}
