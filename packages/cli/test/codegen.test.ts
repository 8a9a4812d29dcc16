// `promptreg codegen` against a real server, proven by the TypeScript compiler: a program using the
// generated module compiles with the right inputs and fails, naming the variable, with wrong ones.
import { mkdir, readFile, realpath, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "@promptreg/server/testing";
import { createOrgClient, createWorkspace, type Workspace } from "./harness.js";

let server: TestServer;
const workspaces: Workspace[] = [];

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await Promise.all(workspaces.map((workspace) => workspace.remove()));
  await server?.stop();
});

const PROGRAM_HEADER = `import type { PromptManager } from "@promptreg/client";
import { typedPrompts } from "./promptreg.generated.js";
declare const manager: PromptManager;
const prompts = typedPrompts(manager);
`;

/** Type-checks `files` (name -> source) in `dir`; returns each file's diagnostics as readable text. */
function typecheck(dir: string, files: Record<string, string>): Record<string, string[]> {
  const roots = Object.keys(files).map((name) => join(dir, name));
  const program = ts.createProgram(roots, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es2023.d.ts", "lib.dom.d.ts"],
    types: [],
    skipLibCheck: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
  });
  const result: Record<string, string[]> = {};
  for (const [name] of Object.entries(files)) {
    const source = program.getSourceFile(join(dir, name))!;
    result[name] = ts.getPreEmitDiagnostics(program, source).map((diagnostic) => {
      // The message, what it relates to, and the code it points at: where TypeScript names the variable.
      const parts = [ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")];
      for (const related of diagnostic.relatedInformation ?? []) parts.push(ts.flattenDiagnosticMessageText(related.messageText, "\n"));
      if (diagnostic.file && diagnostic.start !== undefined) parts.push(`at: ${diagnostic.file.text.slice(diagnostic.start, diagnostic.start + (diagnostic.length ?? 0))}`);
      return parts.join(" | ");
    });
  }
  return result;
}

it("generates input types that make getPromptBody checked at compile time (by id and by name, partials included)", async () => {
  const org = await createOrgClient(server);
  const workspace = await createWorkspace(server, org.key);
  workspaces.push(workspace);
  const { client } = org;
  const footer = await client.prompts.create.mutate({
    name: "footer",
    body: { model: "gpt-4o-mini", messages: [{ role: "assistant", content: "Regards, {{hc:signature:string}}" }] },
  });
  const support = await client.prompts.create.mutate({
    name: "support",
    body: {
      model: "gpt-4o-mini",
      seed: "{{hc:limit:number}}",
      messages: [
        { role: "system", content: "You help customers of {{hc:company:string}}. {{hcp:" + footer.prompt.id + ":0}}" },
        { role: "user", content: "{{hc:question:string}} urgent={{hc:urgent:boolean}} {{legacy_note}}" },
      ],
    },
  });
  await client.prompts.create.mutate({ name: "static text", body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello." }] } });

  const generate = await workspace.run(["codegen", "--out", "app/promptreg.generated.ts", "--json"]);
  expect(generate.code, generate.stderr).toBe(0);
  const report = generate.json();
  expect(report).toMatchObject({ out: "app/promptreg.generated.ts", environment: "production", written: true, skipped: [] });
  expect(report.prompts.find((prompt: any) => prompt.name === "support").variables).toEqual(
    expect.arrayContaining([
      { name: "company", type: "string" },
      { name: "limit", type: "number" },
      { name: "urgent", type: "boolean" },
      { name: "legacy_note", type: "string" },
      { name: "signature", type: "string" },
    ]),
  );

  // A small project using the generated module, resolving @promptreg/client as an application would.
  const app = join(workspace.dir, "app");
  await writeFile(join(app, "package.json"), JSON.stringify({ type: "module" }));
  await mkdir(join(app, "node_modules", "@promptreg"), { recursive: true });
  const clientPackage = await realpath(fileURLToPath(new URL("../node_modules/@promptreg/client", import.meta.url)));
  await symlink(clientPackage, join(app, "node_modules", "@promptreg", "client"), "dir");

  const inputs = `{ company: "Acme", question: "Where is my order?", urgent: false, limit: 200, legacy_note: "vip", signature: "Ann" }`;
  const files: Record<string, string> = {
    "good.ts": `${PROGRAM_HEADER}
export const byName = prompts.getPromptBody({ prompt_id: "support", inputs: ${inputs} });
export const byId = prompts.getPromptBody({ prompt_id: ${JSON.stringify(support.prompt.id)}, inputs: { ...${inputs}, limit: "150" }, environment: "staging", temperature: 0.1 });
export const noInputs = prompts.getPromptBody({ prompt_id: "static text" });
export async function use() { const result = await byName; return result.errors.length === 0 ? result.body.messages : []; }
`,
    "missing.ts": `${PROGRAM_HEADER}
export const missing = prompts.getPromptBody({ prompt_id: "support", inputs: { company: "Acme", urgent: true, limit: 1, legacy_note: "", signature: "" } });
`,
    "wrong-type.ts": `${PROGRAM_HEADER}
export const wrong = prompts.getPromptBody({ prompt_id: "support", inputs: { company: "Acme", question: "q", urgent: "very", limit: 1, legacy_note: "", signature: "" } });
`,
    "partial-missing.ts": `${PROGRAM_HEADER}
export const partial = prompts.getPromptBody({ prompt_id: "support", inputs: { company: "Acme", question: "q", urgent: true, limit: 1, legacy_note: "" } });
`,
    "unknown-prompt.ts": `${PROGRAM_HEADER}
export const unknown = prompts.getPromptBody({ prompt_id: "suport", inputs: {} });
`,
  };
  for (const [name, source] of Object.entries(files)) await writeFile(join(app, name), source);
  const diagnostics = typecheck(app, files);

  expect(diagnostics["good.ts"]).toEqual([]);
  expect(diagnostics["missing.ts"]!.join("\n")).toMatch(/Property 'question' is missing/);
  expect(diagnostics["wrong-type.ts"]).toHaveLength(1);
  expect(diagnostics["wrong-type.ts"]![0]).toMatch(/'string' is not assignable to type 'boolean'/);
  expect(diagnostics["wrong-type.ts"]![0]).toMatch(/urgent/);
  expect(diagnostics["partial-missing.ts"]!.join("\n")).toMatch(/Property 'signature' is missing/);
  expect(diagnostics["unknown-prompt.ts"]!.join("\n")).toMatch(/"suport"/);

  // --check: up to date now; out of date once production's variables change.
  expect((await workspace.run(["codegen", "--out", "app/promptreg.generated.ts", "--check"])).code).toBe(0);
  await client.versions.create.mutate({
    promptId: support.prompt.id,
    baseVersionId: support.version.id,
    body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "{{hc:question:string}} {{hc:tone:string}}" }] },
    environment: "production",
  });
  const stale = await workspace.run(["codegen", "--out", "app/promptreg.generated.ts", "--check"]);
  expect(stale.code).toBe(1);
  expect(stale.stdout).toMatch(/out of date/);
});

it("skips prompts with nothing deployed to --env, and exits 4 without touching --out when no prompt has anything there", async () => {
  const org = await createOrgClient(server);
  const workspace = await createWorkspace(server, org.key);
  workspaces.push(workspace);
  const { client } = org;
  const staged = await client.prompts.create.mutate({ name: "staged", body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "{{hc:topic:string}}" }] } });
  await client.environments.set.mutate({ promptId: staged.prompt.id, versionId: staged.version.id, environment: "staging" });
  const other = await client.prompts.create.mutate({ name: "production only", body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi." }] } });

  // Some prompts have it: the others are skipped with a warning.
  const some = await workspace.run(["codegen", "--out", "gen/staging.ts", "--env", "staging", "--json"]);
  expect(some.code, some.stderr).toBe(0);
  expect(some.json()).toMatchObject({ environment: "staging", written: true, prompts: [{ name: "staged" }], skipped: [{ promptId: other.prompt.id }] });
  expect(some.stderr).toMatch(/skipped production only .*nothing deployed to staging/);

  // None has it (a typo): exit 4 naming the environment; an existing module is not replaced by an empty one.
  const out = join(workspace.dir, "gen", "staging.ts");
  const typed = await readFile(out, "utf8");
  const typo = await workspace.run(["codegen", "--out", "gen/staging.ts", "--env", "stagign"]);
  expect(typo.code).toBe(4);
  expect(typo.stdout).toBe("");
  expect(typo.stderr).toMatch(/no prompt has anything deployed to stagign/);
  expect(await readFile(out, "utf8")).toBe(typed);

  const missing = await workspace.run(["codegen", "--out", "gen/new.ts", "--env", "stagign", "--json"]);
  expect(missing.code).toBe(4);
  expect(missing.stdout).toBe("");
  expect(JSON.parse(missing.stderr)).toEqual({ error: { message: expect.stringContaining("stagign"), exitCode: 4 } });
  await expect(readFile(join(workspace.dir, "gen", "new.ts"), "utf8")).rejects.toThrow(/ENOENT/);
  expect((await workspace.run(["codegen", "--out", "gen/staging.ts", "--env", "stagign", "--check"])).code).toBe(4);
});
