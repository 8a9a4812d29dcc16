// The plain-fetch sample against a real server (embedded FerretDB) whose gateway forwards to the fake LLM.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_INPUTS, DEMO_PROMPT_NAME, run, STAGING_BODY, type RunOptions } from "../src/main.js";
import { ADMIN_KEY, startTestServerWithFakeLlm, UPSTREAM_KEY, type TestServerWithLlm } from "@promptreg/server/testing";

const APP_DIR = fileURLToPath(new URL("..", import.meta.url));
const QUESTION = String(DEFAULT_INPUTS["question"]);
const ECHO = `echo: Customer Sarah Johnson asks: ${QUESTION}`;

let env: TestServerWithLlm;
const options = (): RunOptions & { lines: string[] } => {
  const lines: string[] = [];
  return { url: env.url, apiKey: ADMIN_KEY, log: (line) => lines.push(line), lines };
};

/** `data` of a REST call with the admin key. */
async function rest(path: string, body: unknown): Promise<any> {
  const response = await fetch(`${env.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: unknown }).data;
}

beforeAll(async () => {
  env = await startTestServerWithFakeLlm();
});
afterAll(async () => {
  await env?.stop();
});
beforeEach(() => env.llm.reset());

describe("run()", () => {
  it("creates the prompt, deploys staging over REST and the gateway serves it with the inputs compiled in", async () => {
    const opts = options();
    const result = await run(opts);

    expect(result.createdPrompt).toBe(true);
    expect(result.deployed).toMatchObject({ version: "1.1", createdVersion: true });
    // The signed s3_url answered the raw body without a key.
    expect(result.signedBody).toEqual(STAGING_BODY);

    // The gateway call reached the upstream compiled; the wrongly typed one did not reach it at all.
    expect(env.llm.requests).toHaveLength(1);
    const upstream = env.llm.requests[0]!;
    expect(upstream.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(upstream.body).toEqual({
      model: "gpt-4o-mini",
      temperature: 0.5,
      messages: [
        { role: "system", content: "You are the friendly support assistant of Acme. Answer in at most 3 sentences. VIP customer: true." },
        { role: "user", content: `Customer Sarah Johnson asks: ${QUESTION}` },
      ],
    });
    expect(result.gateway).toEqual({ answer: ECHO, version: "1.1", versionId: result.deployed.versionId });
    expect(result.rejected).toMatchObject({ status: 400, code: "invalid_inputs", details: [{ variable: "max_sentences", expected: "number", value: "three" }] });

    expect(opts.lines).toEqual([
      `created prompt ${DEMO_PROMPT_NAME} (${result.promptId})`,
      `staging -> version 1.1 (${result.deployed.versionId}), just deployed`,
      "s3_url (no key) serves the body of 1.1: same body",
      `[gateway] version 1.1: ${ECHO}`,
      expect.stringMatching(/^\[gateway\] max_sentences "three" -> 400 invalid_inputs: .*max_sentences/),
    ]);

    // The registry holds it: 1.1 in staging, 1.0 in production.
    const versions = await rest("/v1/prompt-2025/query/versions", { promptId: result.promptId });
    expect(versions.map((v: any) => [`${v.major_version}.${v.minor_version}`, v.environments])).toEqual([
      ["1.1", ["staging"]],
      ["1.0", ["production"]],
    ]);
    expect((await rest("/v1/prompt-2025/query", { search: DEMO_PROMPT_NAME })).map((p: any) => p.id)).toEqual([result.promptId]);
  });

  it("reuses the prompt and the staging version on a second run", async () => {
    const first = await run(options());
    const second = await run(options());
    expect(second).toMatchObject({ createdPrompt: false, promptId: first.promptId, deployed: { ...first.deployed, createdVersion: false } });
    expect(second.gateway.version).toBe("1.1");
    expect(await rest("/v1/prompt-2025/query/versions", { promptId: first.promptId })).toHaveLength(2);
  });

  it("pnpm start (tsx src/main.ts) runs it with the configuration from the environment", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: APP_DIR,
      env: { PATH: process.env.PATH, PROMPTREG_URL: env.url, PROMPTREG_API_KEY: ADMIN_KEY },
      timeout: 30_000,
    });
    expect(stdout).toMatch(/^(created|found) prompt example-rest-support-agent \([A-Za-z0-9]{6}\)$/m);
    expect(stdout).toContain(`[gateway] version 1.1: ${ECHO}`);
    expect(env.llm.requests).toHaveLength(1);
  });
});
