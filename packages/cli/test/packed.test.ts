// The published packages in a project outside this repository, installed the way a user installs them:
// `pnpm pack` of @promptreg/contracts, @promptreg/template, @promptreg/client and promptreg (this CLI),
// then `npm install` of those tarballs into a fresh project in a temporary directory (third-party
// dependencies come from the npm registry, or npm's cache). Nothing of the workspace is reachable from
// there: no workspace links, no @promptreg/server. In that project:
// - a program using the tRPC client, the REST client and the prompt manager type-checks (`strict`,
//   `skipLibCheck: false`, the project's own TypeScript) and runs against a real server;
// - `npx promptreg --help` / `--version` work, and `npx promptreg codegen` writes a module that makes a
//   typed program compile (and a wrong call fail), which then runs against the server.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "@promptreg/server/testing";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
/** What gets packed, by workspace package name, with its directory. */
const PACKAGES: Record<string, string> = {
  "@promptreg/contracts": "packages/contracts",
  "@promptreg/template": "packages/template",
  "@promptreg/client": "packages/client",
  promptreg: "packages/cli",
};
const versionIn = async (packageJson: string) => (JSON.parse(await readFile(packageJson, "utf8")) as { version: string }).version;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a command run in the outside project: this process's, without what pnpm and vitest
 * add (npm_config_*, npm_package_*, pnpm's own), which would steer npm, and without any PROMPTREG_*.
 */
function outsideEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_|promptreg_|vitest)/i.test(name) && name !== "NODE_OPTIONS") env[name] = value;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    // Asynchronous: the server these commands talk to runs in this very process.
    execFile(command, args, { cwd, env, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

const describeRun = (what: string, result: Run) => `${what} exited ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;

let server: TestServer;
let key: string;
let root: string;
let project: string;

beforeAll(async () => {
  for (const dir of Object.values(PACKAGES)) {
    if (!existsSync(join(REPO, dir, "dist"))) throw new Error(`${dir} is not built: run \`pnpm build\` first`);
  }
  server = await startTestServer();
  key = (await server.createOrg()).key;
  root = await mkdtemp(join(tmpdir(), "promptreg-packed-"));
  const packs = join(root, "packs");
  project = join(root, "project");
  await mkdir(join(project, "src"), { recursive: true });

  for (const name of Object.keys(PACKAGES)) {
    const packed = await run("pnpm", ["--filter", name, "pack", "--pack-destination", packs], REPO, outsideEnv(), 120_000);
    expect(packed.code, describeRun(`pnpm pack ${name}`, packed)).toBe(0);
  }
  const tarballs = (await readdir(packs)).filter((name) => name.endsWith(".tgz")).map((name) => join(packs, name));
  expect(tarballs).toHaveLength(4);

  await writeFile(join(project, "package.json"), JSON.stringify({ name: "outside-project", private: true, type: "module" }, null, 2));
  // The project's own compiler and Node types, at the versions this repository builds with.
  const typescript = await versionIn(join(REPO, "node_modules/typescript/package.json"));
  const typesNode = await versionIn(join(REPO, "packages/cli/node_modules/@types/node/package.json"));
  const installed = await run(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...tarballs, `typescript@${typescript}`, `@types/node@${typesNode}`],
    project,
    outsideEnv(),
    600_000,
  );
  expect(installed.code, describeRun("npm install", installed)).toBe(0);

  // What a Node project on TypeScript would have. The DOM lib: tRPC's client types name DOM's RequestInfo.
  await writeFile(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2023",
        lib: ["ES2023", "DOM"],
        types: ["node"],
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: false,
        rootDir: "src",
        outDir: "out",
        // The second compile (after codegen) reuses the first one's checked declarations.
        incremental: true,
        tsBuildInfoFile: "out/.tsbuildinfo",
      },
      include: ["src"],
    }),
  );
}, 900_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  await server?.stop();
});

/** `npx <args>` in the project; never downloads (a missing bin is a failure, not a fetch from the registry). */
const npx = (args: string[], timeoutMs = 60_000) =>
  run("npx", ["--no-install", ...args], project, outsideEnv({ PROMPTREG_URL: server.url, PROMPTREG_API_KEY: key, PROMPTREG_CONFIG: join(root, "config.json") }), timeoutMs);

/** Creates a prompt in the test's organization over REST (version 1.0, deployed to production). */
async function createPrompt(name: string, content: string): Promise<void> {
  const response = await fetch(`${server.url}/v1/prompt-2025`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ name, promptBody: { model: "gpt-4o-mini", messages: [{ role: "user", content }] } }),
  });
  expect(response.status, await response.text()).toBe(201);
}

/** Compiles the project with its own TypeScript; the output is tsc's diagnostics. */
async function compile(): Promise<void> {
  const result = await npx(["tsc", "-p", "."], 600_000);
  expect(result.stdout + result.stderr, describeRun("tsc", result)).toBe("");
  expect(result.code).toBe(0);
}

/** Runs a compiled module of the project against the server and parses the JSON line it prints. */
async function runProgram(file: string): Promise<any> {
  const result = await run(process.execPath, [join("out", file)], project, outsideEnv({ PROMPTREG_URL: server.url, PROMPTREG_API_KEY: key }), 120_000);
  expect(result.code, describeRun(file, result)).toBe(0);
  return JSON.parse(result.stdout);
}

describe("the packed packages in a project outside the repository", () => {
  it("install from the tarballs alone: versions instead of workspace: and catalog:, and no server", async () => {
    const modules = join(project, "node_modules");
    for (const name of Object.keys(PACKAGES)) {
      const manifest = JSON.parse(await readFile(join(modules, name, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
      for (const [dependency, range] of Object.entries(manifest.dependencies ?? {})) {
        expect(range, `${name} -> ${dependency}`).toMatch(/^[\^~]?\d+\.\d+\.\d+/);
      }
    }
    expect(existsSync(join(modules, "@promptreg", "server"))).toBe(false);
    const lock = JSON.parse(await readFile(join(project, "package-lock.json"), "utf8")) as { packages: Record<string, { resolved?: string }> };
    for (const name of Object.keys(PACKAGES)) expect(lock.packages[`node_modules/${name}`]?.resolved, name).toMatch(/^file:.*\.tgz$/);
  });

  it("the client type-checks strictly, every API typed, and runs against a real server", async () => {
    await writeFile(
      join(project, "src", "registry.ts"),
      `import { createPromptregClient, createRestClient, isPromptregError, PromptManager, type PromptBodyResult, type RouterOutputs } from "@promptreg/client";
import type { TPromptBody } from "@promptreg/contracts";

const url = process.env["PROMPTREG_URL"] ?? "";
const apiKey = process.env["PROMPTREG_API_KEY"] ?? "";
const body = (greeting: string): TPromptBody => ({
  model: "gpt-4o-mini",
  messages: [
    { role: "system", content: \`\${greeting} You support {{hc:company:string}}.\` },
    { role: "user", content: "{{hc:question:string}}" },
  ],
});

const client = createPromptregClient({ url, apiKey });
const rest = createRestClient({ url, apiKey });
const manager = new PromptManager({ url, apiKey, subscribe: false });

const { prompt, version } = await client.prompts.create.mutate({ name: "packed-support", body: body("Hello.") });
const created = await rest.createVersion({
  promptId: prompt.id,
  promptVersionId: version.id,
  newMajorVersion: false,
  commitMessage: "warmer",
  promptBody: body("Warm hello."),
  environment: "staging",
});
const versions: RouterOutputs["versions"]["list"] = await client.versions.list.query({ promptId: prompt.id });
const staging = await rest.environmentVersion({ promptId: prompt.id, environment: "staging" });
const result: PromptBodyResult = await manager.getPromptBody({
  prompt_id: prompt.id,
  environment: "staging",
  inputs: { company: "Acme", question: "Where is my order?" },
});
let missing: string | null = null;
try {
  await client.prompts.byId.query({ promptId: "nope00" });
} catch (error) {
  missing = isPromptregError(error) ? (error.data?.appError?.code ?? null) : "not a tRPC error";
}
manager.close();

// Each of these must stay an error: were the client untyped (any), the directive would be unused and fail.
export async function wrongCalls(): Promise<void> {
  // @ts-expect-error no such procedure
  await client.prompts.noSuchProcedure.query();
  // @ts-expect-error an input of the wrong type
  await client.versions.list.query({ promptId: 42 });
  // @ts-expect-error the output is typed
  const count: number = versions;
  // @ts-expect-error the REST request is typed
  await rest.createVersion({ promptId: prompt.id });
  // @ts-expect-error getPromptBody needs prompt_id
  await manager.getPromptBody({ inputs: {} });
  void count;
}

console.log(JSON.stringify({
  created: created.id,
  versions: versions.map((v) => \`\${v.majorVersion}.\${v.minorVersion}\`).sort(),
  staging: staging.id,
  source: result.source,
  version: result.version,
  errors: result.errors,
  messages: result.body.messages,
  missing,
}));
`,
    );
    await compile();
    const output = await runProgram("registry.js");
    expect(output).toEqual({
      created: output.staging,
      versions: ["1.0", "1.1"],
      staging: expect.any(String),
      source: "network",
      version: "1.1",
      errors: [],
      messages: [
        { role: "system", content: "Warm hello. You support Acme." },
        { role: "user", content: "Where is my order?" },
      ],
      missing: "NOT_FOUND",
    });
  }, 900_000);

  it("npx promptreg runs the installed CLI", async () => {
    await createPrompt("packed-listed", "Hello {{hc:name:string}}.");
    const help = await npx(["promptreg", "--help"]);
    expect(help.code, describeRun("promptreg --help", help)).toBe(0);
    expect(help.stdout).toMatch(/^Usage: promptreg /);
    for (const command of ["login", "ls", "pull", "push", "diff", "deploy", "rollback", "codegen"]) expect(help.stdout).toContain(`  ${command}`);
    const version = await npx(["promptreg", "--version"]);
    expect(version.stdout.trim()).toBe(await versionIn(join(REPO, PACKAGES["promptreg"]!, "package.json")));
    const listed = await npx(["promptreg", "ls", "--json"]);
    expect(listed.code, describeRun("promptreg ls", listed)).toBe(0);
    expect((JSON.parse(listed.stdout) as Array<{ name: string }>).map((p) => p.name)).toContain("packed-listed");
  }, 300_000);

  it("npx promptreg codegen types a program that uses the installed client", async () => {
    await createPrompt("packed-codegen", "Describe {{hc:product:string}} in {{hc:words:number}} words.");

    const generated = await npx(["promptreg", "codegen", "--out", "src/promptreg.generated.ts"]);
    expect(generated.code, describeRun("promptreg codegen", generated)).toBe(0);
    expect(await readFile(join(project, "src", "promptreg.generated.ts"), "utf8")).toContain('from "@promptreg/client"');
    await writeFile(
      join(project, "src", "typed.ts"),
      `import { PromptManager } from "@promptreg/client";
import { typedPrompts } from "./promptreg.generated.js";

const manager = new PromptManager({ url: process.env["PROMPTREG_URL"] ?? "", apiKey: process.env["PROMPTREG_API_KEY"] ?? "", subscribe: false });
const prompts = typedPrompts(manager);
const { body, errors } = await prompts.getPromptBody({ prompt_id: "packed-codegen", inputs: { product: "widgets", words: 5 } });
manager.close();

export async function wrongCalls(): Promise<void> {
  // @ts-expect-error an input is missing
  await prompts.getPromptBody({ prompt_id: "packed-codegen", inputs: { product: "widgets" } });
  // @ts-expect-error an input of the wrong type
  await prompts.getPromptBody({ prompt_id: "packed-codegen", inputs: { product: "widgets", words: true } });
  // @ts-expect-error no such prompt
  await prompts.getPromptBody({ prompt_id: "no-such-prompt", inputs: {} });
}

console.log(JSON.stringify({ messages: body.messages, errors }));
`,
    );
    await compile();
    expect(await runProgram("typed.js")).toEqual({ messages: [{ role: "user", content: "Describe widgets in 5 words." }], errors: [] });
    const check = await npx(["promptreg", "codegen", "--out", "src/promptreg.generated.ts", "--check"]);
    expect(check.code, describeRun("promptreg codegen --check", check)).toBe(0);
  }, 900_000);
});
