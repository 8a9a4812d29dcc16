// The built CLI, run as a child process against a real server: what a person or a script sees.
import { readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "@promptreg/server/testing";
import { createOrgClient, createWorkspace, sampleBody, uniqueName, type Workspace } from "./harness.js";

let server: TestServer;
const workspaces: Workspace[] = [];

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await Promise.all(workspaces.map((workspace) => workspace.remove()));
  await server?.stop();
});

/** A fresh organization and a workspace whose PROMPTREG_URL/KEY point at it. */
async function setup() {
  const org = await createOrgClient(server);
  const workspace = await createWorkspace(server, org.key);
  workspaces.push(workspace);
  return { ...org, workspace };
}

const noCredentials = { PROMPTREG_URL: undefined, PROMPTREG_API_KEY: undefined };

describe("login", () => {
  it("verifies the key before saving it, writes the config 0600 in a 0700 directory, and later commands use it", async () => {
    const { key, workspace } = await setup();
    const refused = await workspace.run(["login", "--url", server.url, "--key", "not-a-valid-key-0000"], noCredentials);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/refused the API key \(given with --key\)/);
    // This is login: no advice to run `promptreg login`, but to check the key.
    expect(refused.stderr).toMatch(/Check the key; nothing was saved\./);
    expect(refused.stderr).not.toMatch(/promptreg login/);
    await expect(stat(workspace.configPath)).rejects.toThrow(/ENOENT/);

    const login = await workspace.run(["--json", "login", "--url", `${server.url}/`, "--key", key], noCredentials);
    expect(login.code).toBe(0);
    expect(login.json()).toEqual({ url: server.url, configPath: workspace.configPath, prompts: 0 });
    expect(login.stdout).not.toContain(key);
    expect((await stat(workspace.configPath)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(workspace.configPath))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(workspace.configPath, "utf8"))).toEqual({ url: server.url, apiKey: key });

    const ls = await workspace.run(["ls", "--json"], noCredentials);
    expect(ls.code).toBe(0);
    expect(ls.json()).toEqual([]);
    // The environment overrides the file.
    const overridden = await workspace.run(["ls"], { PROMPTREG_URL: undefined, PROMPTREG_API_KEY: "not-a-valid-key-0000" });
    expect(overridden.code).toBe(3);
  });

  it("answers 2 when it cannot ask (no terminal) and 3 when nothing is configured", async () => {
    const workspace = await createWorkspace(null);
    workspaces.push(workspace);
    const login = await workspace.run(["login"]);
    expect(login.code).toBe(2);
    expect(login.stderr).toMatch(/--url and --key/);
    const ls = await workspace.run(["ls"]);
    expect(ls.code).toBe(3);
    expect(ls.stderr).toMatch(/promptreg login/);
  });
});

describe("ls", () => {
  it("lists prompts with their versions and environments; --json prints only JSON", async () => {
    const { client, workspace } = await setup();
    const name = uniqueName("listed");
    const created = await client.prompts.create.mutate({ name, tags: ["support"], body: sampleBody() });
    const v11 = await client.versions.create.mutate({
      promptId: created.prompt.id,
      baseVersionId: created.version.id,
      body: sampleBody("Hello {{hc:company:string}}."),
      commitMessage: "Shorter",
      environment: "staging",
    });

    const ls = await workspace.run(["ls", "--json"]);
    expect(ls.code).toBe(0);
    expect(ls.stderr).toBe("");
    const [listed] = ls.json<any[]>();
    expect(listed).toMatchObject({
      id: created.prompt.id,
      name,
      tags: ["support"],
      environments: { production: { version: "1.0", versionId: created.version.id }, staging: { version: "1.1", versionId: v11.id } },
    });
    expect(listed.versions.map((version: any) => [version.version, version.commitMessage])).toEqual([
      ["1.1", "Shorter"],
      ["1.0", "First version."],
    ]);

    const human = await workspace.run(["ls"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(name);
    expect(human.stdout).toMatch(/production=1\.0 staging=1\.1/);
    expect(human.stdout).not.toContain("\u001b["); // not a terminal: no colours
  });
});

describe("pull, push, diff", () => {
  it("pulls readable files, pushes edits as new minor/major versions, creates nothing for unchanged files, and diff exits 0/1", async () => {
    const { client, workspace } = await setup();
    const support = await client.prompts.create.mutate({ name: "Support Agent", tags: ["support"], body: sampleBody() });
    const other = await client.prompts.create.mutate({ name: "other", body: sampleBody("Other {{hc:company:string}}.") });
    const supportFile = join(workspace.dir, "prompts", "support-agent.prompt.yaml");
    const otherFile = join(workspace.dir, "prompts", "other.prompt.yaml");

    const pull = await workspace.run(["pull", "--json"]);
    expect(pull.code).toBe(0);
    expect(pull.json().files.map((file: any) => [file.file, file.status])).toEqual([
      ["prompts/other.prompt.yaml", "created"],
      ["prompts/support-agent.prompt.yaml", "created"],
    ]);
    const text = await readFile(supportFile, "utf8");
    expect(text).toContain(`id: ${support.prompt.id}\nname: Support Agent\ntags: [support]\nversion: "1.0"\nversionId: ${support.version.id}\nenvironment: production\nbody:\n`);
    // Multi-line content as a block scalar, readable as written.
    expect(text).toContain("      content: |-\n        You help customers of {{hc:company:string}}.\n        Be kind.\n");

    expect((await workspace.run(["diff"])).code).toBe(0);

    await writeFile(supportFile, text.replace("Be kind.", "Be very kind."));
    const diff = await workspace.run(["diff"]);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toMatch(/^- {6}Be kind\.$/m);
    expect(diff.stdout).toMatch(/^\+ {6}Be very kind\.$/m);
    const diffJson = await workspace.run(["diff", "--json"]);
    expect(diffJson.code).toBe(1);
    expect(diffJson.json()).toMatchObject({
      differences: true,
      files: [
        { file: "prompts/other.prompt.yaml", status: "unchanged" },
        { file: "prompts/support-agent.prompt.yaml", status: "modified", remote: { version: "1.0", versionId: support.version.id } },
      ],
    });

    const push = await workspace.run(["push", "-m", "Kinder", "--json"]);
    expect(push.code).toBe(0);
    const pushed = push.json();
    expect(pushed.created).toEqual([
      expect.objectContaining({ file: "prompts/support-agent.prompt.yaml", promptId: support.prompt.id, version: "1.1", baseVersion: "1.0", newPrompt: false }),
    ]);
    expect(pushed.unchanged.map((entry: any) => entry.file)).toEqual(["prompts/other.prompt.yaml"]);
    const versions = await client.versions.list.query({ promptId: support.prompt.id });
    expect(versions.map((version) => [`${version.majorVersion}.${version.minorVersion}`, version.commitMessage])).toEqual([
      ["1.1", "Kinder"],
      ["1.0", "First version."],
    ]);
    const stored = await client.versions.body.query({ versionId: versions[0]!.id });
    expect(stored.messages[0]!.content).toBe("You help customers of {{hc:company:string}}.\nBe very kind.");
    // The header now names the new version; production was not moved.
    const rewritten = await readFile(supportFile, "utf8");
    expect(rewritten).toContain(`version: "1.1"\nversionId: ${versions[0]!.id}\n`);
    expect(rewritten).toContain("# promptreg prompt file.");
    expect((await client.environments.version.query({ promptId: support.prompt.id, environment: "production" })).id).toBe(support.version.id);

    // Nothing changed: nothing created, and diff is clean.
    const again = await workspace.run(["push", "--json"]);
    expect(again.code).toBe(0);
    expect(again.json().created).toEqual([]);
    expect(await client.versions.list.query({ promptId: support.prompt.id })).toHaveLength(2);
    expect((await workspace.run(["diff"])).code).toBe(0);

    // --major, deployed.
    await writeFile(supportFile, rewritten.replace("temperature: 0.2", "temperature: 0.7"));
    const major = await workspace.run(["push", "--major", "--deploy", "production", "--json"]);
    expect(major.code).toBe(0);
    expect(major.json().created).toEqual([expect.objectContaining({ version: "2.0", baseVersion: "1.1", deployedTo: ["production"] })]);
    expect((await client.environments.version.query({ promptId: support.prompt.id, environment: "production" })).majorVersion).toBe(2);
    expect(await client.versions.list.query({ promptId: other.prompt.id })).toHaveLength(1);
    expect(await readFile(otherFile, "utf8")).toContain('version: "1.0"');

    // A file without an id creates a prompt.
    await writeFile(
      join(workspace.dir, "prompts", "fresh.prompt.yaml"),
      "name: Fresh\ntags: [new]\nbody:\n  model: gpt-4o\n  messages:\n    - role: user\n      content: Hi {{hc:who:string}}\n",
    );
    const fresh = await workspace.run(["push", "--json"]);
    expect(fresh.code).toBe(0);
    const [created] = fresh.json().created;
    expect(created).toMatchObject({ file: "prompts/fresh.prompt.yaml", name: "Fresh", version: "1.0", newPrompt: true });
    expect((await client.prompts.byId.query({ promptId: created.promptId })).tags).toEqual(["new"]);
    expect(await readFile(join(workspace.dir, "prompts", "fresh.prompt.yaml"), "utf8")).toMatch(
      new RegExp(`^id: ${created.promptId}\\nname: Fresh\\ntags: \\[new\\]\\nversion: "1.0"\\nversionId: ${created.versionId}\\nenvironment: production\\nbody:`),
    );
  });

  it("pull keeps unpushed edits unless --force, and writes every version with --all-versions", async () => {
    const { client, workspace } = await setup();
    const created = await client.prompts.create.mutate({ name: "keeper", body: sampleBody() });
    await client.versions.create.mutate({ promptId: created.prompt.id, baseVersionId: created.version.id, body: sampleBody("v1.1 {{hc:company:string}}"), environment: "staging" });
    const file = join(workspace.dir, "prompts", "keeper.prompt.yaml");
    expect((await workspace.run(["pull"])).code).toBe(0);
    const edited = (await readFile(file, "utf8")).replace("Be kind.", "Local edit.");
    await writeFile(file, edited);

    const refused = await workspace.run(["pull", "--env", "staging"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/edits not pushed yet/);
    expect(await readFile(file, "utf8")).toBe(edited);

    const forced = await workspace.run(["pull", "--env", "staging", "--force"]);
    expect(forced.code).toBe(0);
    const staged = await readFile(file, "utf8");
    expect(staged).toContain('version: "1.1"');
    expect(staged).toContain("environment: staging");

    const all = await workspace.run(["pull", "--all-versions", "--dir", "history", "--json"]);
    expect(all.code).toBe(0);
    expect(all.json().files.map((entry: any) => entry.file)).toEqual(["history/keeper@1.1.prompt.yaml", "history/keeper@1.0.prompt.yaml"]);
    expect(await readFile(join(workspace.dir, "history", "keeper@1.0.prompt.yaml"), "utf8")).not.toContain("environment:");

    expect((await workspace.run(["pull", "--env", "nowhere"])).code).toBe(4);
  });
});

describe("deploy and rollback", () => {
  it("deploys by name and version number or id, and rolls back to the version before the last change", async () => {
    const { client, workspace } = await setup();
    const name = uniqueName("deployed");
    const created = await client.prompts.create.mutate({ name, body: sampleBody() });
    const promptId = created.prompt.id;
    const v11 = await client.versions.create.mutate({ promptId, baseVersionId: created.version.id, body: sampleBody("1.1 {{hc:company:string}}") });
    const v12 = await client.versions.create.mutate({ promptId, baseVersionId: v11.id, body: sampleBody("1.2 {{hc:company:string}}") });
    const production = async () => (await client.environments.version.query({ promptId, environment: "production" })).id;

    const deploy = await workspace.run(["deploy", name, "1.1", "--env", "production"]);
    expect(deploy.code).toBe(0);
    expect(deploy.stdout).toContain("production: 1.0 → 1.1");
    expect(await production()).toBe(v11.id);

    const byId = await workspace.run(["--json", "deploy", promptId, v12.id, "--env", "staging"]);
    expect(byId.code).toBe(0);
    expect(byId.json()).toMatchObject({ promptId, environment: "staging", version: "1.2", previousVersion: null, changed: true });

    const rollback = await workspace.run(["rollback", name, "--env", "production", "--json"]);
    expect(rollback.code).toBe(0);
    expect(rollback.json()).toMatchObject({ environment: "production", version: "1.0", previousVersion: "1.1" });
    expect(await production()).toBe(created.version.id);
    // A rollback is a change too: rolling back again returns to 1.1.
    expect((await workspace.run(["rollback", promptId, "--env", "production"])).code).toBe(0);
    expect(await production()).toBe(v11.id);
    // staging pointed nowhere before its only change.
    const nothing = await workspace.run(["rollback", name, "--env", "staging"]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/nothing to roll back to/);
  });
});

describe("exit codes", () => {
  it("2 for usage errors, 3 for a refused key, 4 for unknown names, 1 for an unreachable server; --json errors on stderr", async () => {
    const { client, workspace } = await setup();
    const name = uniqueName("known");
    await client.prompts.create.mutate({ name, body: sampleBody() });
    const codes = await Promise.all([
      workspace.run(["deploy", "no-such-prompt", "1.0", "--env", "production"]),
      workspace.run(["deploy", name, "7.3", "--env", "production"]),
      workspace.run(["rollback", "Zz9Zz9", "--env", "production"]),
      workspace.run(["deploy", name, "1.0"]),
      workspace.run(["deploy", name]),
      workspace.run(["deploy", name, "1.0", "--env", "not valid!"]),
      workspace.run(["ls", "--no-such-option"]),
      workspace.run(["frobnicate"]),
      workspace.run(["ls"], { PROMPTREG_API_KEY: "not-a-valid-key-0000" }),
      workspace.run(["ls"], { PROMPTREG_URL: "http://127.0.0.1:9" }),
    ]);
    expect(codes.map((result) => result.code)).toEqual([4, 4, 4, 2, 2, 2, 2, 2, 3, 1]);
    expect(codes[0].stderr).toMatch(/prompt "no-such-prompt" not found/);
    expect(codes[3].stderr).toMatch(/required option '--env <environment>' not specified/);
    // Missing arguments are reported before the missing --env.
    expect(codes[4].stderr).toMatch(/missing required argument 'version'/);
    expect(codes[9].stderr).toMatch(/cannot reach a promptreg server at http:\/\/127\.0\.0\.1:9/);

    const json = await workspace.run(["--json", "deploy", "no-such-prompt", "1.0", "--env", "production"]);
    expect(json.code).toBe(4);
    expect(json.stdout).toBe("");
    expect(JSON.parse(json.stderr)).toEqual({ error: { message: expect.stringContaining("no-such-prompt"), exitCode: 4 } });

    expect((await workspace.run(["--help"])).code).toBe(0);
    expect((await workspace.run(["--version"])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("--json (before or after the command) reports commander's own usage errors as one JSON error on stderr, exit 2", async () => {
    const { client, workspace } = await setup();
    const name = uniqueName("usage");
    await client.prompts.create.mutate({ name, body: sampleBody() });
    const cases: Array<[string[], RegExp]> = [
      [["--json", "frobnicate"], /^unknown command 'frobnicate'$/],
      [["frobnicate", "--json"], /^unknown command 'frobnicate'$/],
      [["--json", "lss"], /^unknown command 'lss' \(Did you mean ls\?\)$/],
      [["ls", "--bogus", "--json"], /^unknown option '--bogus'$/],
      [["--json", "ls", "--bogus"], /^unknown option '--bogus'$/],
      [["--json", "deploy", name, "1.0"], /--env/],
      [["deploy", name, "1.0", "--json"], /--env/],
      [["--json", "ls", "extra"], /too many arguments for 'ls'/],
      [["--json", "deploy"], /^missing required argument 'prompt'$/],
      [["rollback", "--json"], /^missing required argument 'prompt'$/],
      [["--json", "pull", "--env"], /--env <environment>' argument missing/],
      [["--json"], /no command given/],
    ];
    const results = await Promise.all(cases.map(([args]) => workspace.run(args)));
    results.forEach((result, index) => {
      const [args, message] = cases[index]!;
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: "" });
      // Exactly one JSON document on stderr: commander's plain "error: …" text is not written as well.
      const parsed = JSON.parse(result.stderr) as { error: { message: string; exitCode: number } };
      expect(parsed).toEqual({ error: { message: expect.stringMatching(message), exitCode: 2 } });
    });

    // Without --json: commander's text, as before.
    const plain = await workspace.run(["frobnicate"]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toBe("error: unknown command 'frobnicate'\n");
  });
});
