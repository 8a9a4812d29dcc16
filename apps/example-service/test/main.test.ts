// The sample against a real server (embedded FerretDB) whose gateway forwards to the fake LLM, which is
// also the upstream of the sample's direct calls: the assertions are on what the upstream really received.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createPromptregClient } from "@promptreg/client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_INPUTS, DEMO_PROMPT_NAME, run, type RunOptions } from "../src/main.js";
import { ADMIN_KEY, startTestServerWithFakeLlm, UPSTREAM_KEY, type TestServerWithLlm } from "@promptreg/server/testing";

const APP_DIR = fileURLToPath(new URL("..", import.meta.url));
const DIRECT_KEY = "sk-direct-call-key";

/** The staging template compiled with DEFAULT_INPUTS, as the upstream must receive it. */
const EXPECTED_MESSAGES = [
  {
    role: "system",
    content: "You are the friendly support assistant of Acme. Answer in at most 3 sentences. VIP customer: true.",
  },
  { role: "user", content: `Customer Sarah Johnson asks: ${DEFAULT_INPUTS.question}` },
];

let env: TestServerWithLlm;
const options = (): RunOptions & { lines: string[] } => {
  const lines: string[] = [];
  return { url: env.url, apiKey: ADMIN_KEY, openaiBaseURL: env.llm.baseUrl, openaiApiKey: DIRECT_KEY, log: (line) => lines.push(line), lines };
};

beforeAll(async () => {
  env = await startTestServerWithFakeLlm();
});
afterAll(async () => {
  await env?.stop();
});
beforeEach(() => env.llm.reset());

describe("run()", () => {
  it("creates the demo prompt, deploys staging and serves it both ways with the inputs compiled in", async () => {
    const opts = options();
    const result = await run(opts);

    expect(result.createdPrompt).toBe(true);
    expect(result.environment).toBe("staging");
    expect(result.deployed).toMatchObject({ version: "1.1", createdVersion: true });

    // Two upstream calls: the SDK path (with the service's own provider key) and the gateway (with the server's).
    expect(env.llm.requests).toHaveLength(2);
    const [direct, viaGateway] = env.llm.requests;
    expect(direct!.headers.authorization).toBe(`Bearer ${DIRECT_KEY}`);
    expect(viaGateway!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    for (const request of [direct!, viaGateway!]) {
      expect(request.path).toBe("/v1/chat/completions");
      expect(request.body).toMatchObject({ model: "gpt-4o-mini", temperature: 0.5, messages: EXPECTED_MESSAGES });
      expect(request.rawBody).not.toContain("{{");
      for (const field of ["prompt_id", "inputs", "environment", "version_id"]) expect(request.body).not.toHaveProperty(field);
    }
    // The client's compile and the gateway's are the same engine: identical bodies.
    expect(direct!.body).toEqual(viaGateway!.body);

    // Both answers came from the staging version.
    const echo = `echo: Customer Sarah Johnson asks: ${DEFAULT_INPUTS.question}`;
    expect(result.direct).toEqual({ answer: echo, version: "1.1", versionId: result.deployed.versionId, source: "network" });
    expect(result.gateway).toEqual({ answer: echo, version: "1.1", versionId: result.deployed.versionId });
    expect(opts.lines).toEqual([
      `created prompt ${DEMO_PROMPT_NAME} (${result.promptId})`,
      `staging -> version 1.1 (${result.deployed.versionId}), just deployed`,
      `[sdk]     version 1.1 (network): ${echo}`,
      `[gateway] version 1.1: ${echo}`,
    ]);

    // The registry holds the prompt: 1.0 in production, 1.1 in staging.
    const client = createPromptregClient({ url: env.url, apiKey: ADMIN_KEY });
    const prompt = await client.prompts.byId.query({ promptId: result.promptId });
    expect(prompt).toMatchObject({ name: DEMO_PROMPT_NAME, tags: ["example", "support"] });
    const versions = await client.versions.list.query({ promptId: result.promptId });
    expect(versions.map((v) => [`${v.majorVersion}.${v.minorVersion}`, v.environments])).toEqual([
      ["1.1", ["staging"]],
      ["1.0", ["production"]],
    ]);
    expect(versions[0]!.variables.map((v) => `${v.name}:${v.type}`).sort()).toEqual([
      "company:string",
      "customer_name:string",
      "max_sentences:number",
      "question:string",
      "vip:boolean",
    ]);
  });

  it("reuses the prompt and the staging version on a second run", async () => {
    const first = await run(options());
    env.llm.reset();
    const second = await run(options());
    expect(second.createdPrompt).toBe(false);
    expect(second.promptId).toBe(first.promptId);
    expect(second.deployed).toEqual({ ...first.deployed, createdVersion: false });
    expect(second.gateway.version).toBe("1.1");
    expect(env.llm.requests).toHaveLength(2);

    const client = createPromptregClient({ url: env.url, apiKey: ADMIN_KEY });
    expect(await client.versions.list.query({ promptId: first.promptId })).toHaveLength(2);
    const { items } = await client.prompts.list.query({ search: DEMO_PROMPT_NAME });
    expect(items).toHaveLength(1);
  });

  it("serves another environment when asked; wrongly typed inputs stop the run before any upstream call", async () => {
    const result = await run({ ...options(), environment: "qa" });
    expect(result.environment).toBe("qa");
    expect(result.gateway.versionId).toBe(result.deployed.versionId);
    env.llm.reset();
    await expect(run({ ...options(), environment: "qa", inputs: { ...DEFAULT_INPUTS, max_sentences: "three" as unknown as number } })).rejects.toThrow(
      /inputs rejected: .*max_sentences/,
    );
    expect(env.llm.requests).toHaveLength(0);
  });
});

describe("pnpm start (tsx src/main.ts)", () => {
  it("runs against the server with the configuration from the environment and prints both answers", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: APP_DIR,
      env: { PATH: process.env.PATH, PROMPTREG_URL: env.url, PROMPTREG_API_KEY: ADMIN_KEY, OPENAI_BASE_URL: env.llm.baseUrl },
      timeout: 30_000,
    });
    expect(stdout).toMatch(/^(created|found) prompt example-support-agent \([A-Za-z0-9]{6}\)$/m);
    expect(stdout).toMatch(/^\[sdk\] +version 1\.1 \(network\): echo: Customer Sarah Johnson asks: /m);
    expect(stdout).toMatch(/^\[gateway\] version 1\.1: echo: Customer Sarah Johnson asks: /m);
    expect(env.llm.requests).toHaveLength(2);
    // Without a key of its own, the direct call carries the offline placeholder.
    expect(env.llm.requests[0]!.headers.authorization).toBe("Bearer sk-not-needed-offline");
  });
});
