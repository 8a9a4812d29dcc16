// scripts/helicone-curl.sh against a real server (embedded FerretDB) whose gateway forwards to the fake LLM.
// The script runs in a child process (async: the server answers from this process's event loop).
import { execFile, spawnSync } from "node:child_process";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ADMIN_KEY, startTestServerWithFakeLlm, type TestServerWithLlm } from "@promptreg/server/testing";

const SCRIPT = fileURLToPath(new URL("../scripts/helicone-curl.sh", import.meta.url));
const HAS_CURL = spawnSync("curl", ["--version"]).status === 0;
const PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ""}`;

let env: TestServerWithLlm;

function script(vars: Record<string, string>) {
  return promisify(execFile)("bash", [SCRIPT], { env: { PATH, ...vars }, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

/** `data` of a REST call with the admin key. */
async function rest(path: string, body: unknown): Promise<any> {
  const response = await fetch(`${env.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return ((await response.json()) as { data: unknown }).data;
}

describe.skipIf(!HAS_CURL)(`scripts/helicone-curl.sh${HAS_CURL ? "" : " (skipped: curl is not installed)"}`, () => {
  beforeAll(async () => {
    env = await startTestServerWithFakeLlm();
  });
  afterAll(async () => {
    await env?.stop();
  });
  beforeEach(() => env.llm.reset());

  it("runs every documented call against the server and exits 0", async () => {
    const { code, stdout, stderr } = await script({ PROMPTREG_URL: env.url, PROMPTREG_API_KEY: ADMIN_KEY });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("POST /v1/prompt/version/");
    expect(stdout).toMatch(/^== 14\. Staging now serves nothing: 404/m);
    expect(stdout).toContain("gateway production served 1.0: echo: Customer Sarah Johnson is asking about billing");
    expect(stdout).toContain("gateway staging served 1.1: echo: I was charged twice this month");
    expect(stdout.trimEnd().endsWith("OK")).toBe(true);

    // The upstream got both templates compiled: typed variables, then the legacy {{user_question}}.
    expect(env.llm.requests.map((r) => r.body.messages)).toEqual([
      [
        { role: "system", content: "You are a helpful customer support agent for TechCorp. Be friendly and solution-oriented." },
        { role: "user", content: "Customer Sarah Johnson is asking about billing" },
      ],
      [
        { role: "system", content: "You are an expert customer support assistant with detailed product knowledge." },
        { role: "user", content: "I was charged twice this month" },
      ],
    ]);

    // What it left in the registry: 1.1 (staging removed) and 1.0 in production.
    const promptId = /^prompt: ([A-Za-z0-9]{6}) /m.exec(stdout)?.[1];
    expect(promptId).toBeDefined();
    const versions = await rest("/v1/prompt-2025/query/versions", { promptId });
    expect(versions.map((v: any) => [`${v.major_version}.${v.minor_version}`, v.environments])).toEqual([
      ["1.1", []],
      ["1.0", ["production"]],
    ]);
  });

  it("reads JSON with node when jq is absent", async () => {
    const { code, stdout } = await script({ PROMPTREG_URL: env.url, PROMPTREG_API_KEY: ADMIN_KEY, PROMPTREG_JSON_TOOL: "node" });
    expect(code).toBe(0);
    expect(stdout).toContain("(JSON via node)");
    expect(stdout).toContain("gateway staging served 1.1: echo: I was charged twice this month");
  });

  it("stops with a clear message without a key, and on an error answer", async () => {
    const missing = await script({ PROMPTREG_URL: env.url });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("set PROMPTREG_API_KEY");

    const refused = await script({ PROMPTREG_URL: env.url, PROMPTREG_API_KEY: "not-a-valid-key-at-all" });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("-> 401");
    expect(refused.stderr).toContain("unexpected status 401 for POST /v1/prompt-2025");
  });
});
