// The CLI from a checkout of this repository, as its README says: `pnpm promptreg <command>` at the root,
// once `pnpm build` (or `pnpm start`) has built it. The root depends on this package, so pnpm runs the
// linked bin: stdout is the CLI's own (one JSON document under --json) and the exit code is the CLI's.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ADMIN_KEY, startTestServer, type TestServer } from "@promptreg/server/testing";
import { createWorkspace, uniqueName, type Workspace } from "./harness.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

let server: TestServer;
let workspace: Workspace;

beforeAll(async () => {
  server = await startTestServer();
  workspace = await createWorkspace(server);
});

afterAll(async () => {
  await workspace?.remove();
  await server?.stop();
});

function pnpmAtRoot(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  // Only what pnpm and the CLI need; not the test run's npm_*/pnpm_* variables.
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|pnpm_|promptreg_|vitest)/i.test(name)));
  return new Promise((resolve) => {
    execFile("pnpm", args, { cwd: REPO, env: { ...base, NO_COLOR: "1", ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

it("`pnpm promptreg` at the repository root runs the built CLI, with its own stdout and exit code", async () => {
  const env = { PROMPTREG_URL: server.url, PROMPTREG_API_KEY: ADMIN_KEY, PROMPTREG_CONFIG: workspace.configPath };
  const version = await pnpmAtRoot(["promptreg", "--version"], env);
  expect(version, version.stderr).toMatchObject({ code: 0 });
  const manifest = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  expect(version.stdout).toBe(`${manifest.version}\n`);

  const name = uniqueName("checkout");
  const created = await fetch(`${server.url}/v1/prompt-2025`, {
    method: "POST",
    headers: { authorization: `Bearer ${env.PROMPTREG_API_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ name, promptBody: { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi {{hc:name:string}}." }] } }),
  });
  expect(created.status).toBe(201);
  const listed = await pnpmAtRoot(["promptreg", "ls", "--json", "--search", name], env);
  expect(listed.code, listed.stderr).toBe(0);
  expect((JSON.parse(listed.stdout) as Array<{ name: string }>).map((p) => p.name)).toEqual([name]);

  // The CLI's exit codes come through: 4 for an unknown prompt.
  const missing = await pnpmAtRoot(["promptreg", "deploy", "no-such-prompt", "1.0", "--env", "production", "--json"], env);
  expect(missing.code).toBe(4);
  expect(missing.stdout).toBe("");
  expect(JSON.parse(missing.stderr)).toMatchObject({ error: { exitCode: 4 } });
}, 300_000);
