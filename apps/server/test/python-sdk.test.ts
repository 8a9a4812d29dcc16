// The gateway through the official OpenAI Python SDK (pip package `openai`), as a Python user calls it:
// a prompt call with `extra_body`, a routed, streamed fallback chain through Anthropic, an input error.
// The SDK lives in a virtualenv under .cache/ (`.ci/run` makes it; this test makes it too when missing).
// Without Python on the machine the test is skipped, loudly.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "@promptreg/embedded-db";
import { startFakeLlm, type FakeLlm } from "@promptreg/fake-llm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tmpdir } from "node:os";
import { ADMIN_KEY, startTestServer, type TestServer } from "../src/testing/index.js";

/** The pinned SDK version (one file, which .ci/run installs too). */
const requirements = join(import.meta.dirname, "python", "requirements.txt");
const venv = join(repoRoot, ".cache", "python-openai");
const python = join(venv, "bin", "python");

function systemPython(): string | undefined {
  for (const candidate of ["python3", "python"]) {
    try {
      if (/^Python 3\./.test(execFileSync(candidate, ["--version"], { encoding: "utf8" }).trim())) return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}

// The virtualenv's own python needs nothing from the environment (turbo passes few variables through); the
// system's is only needed to make the virtualenv.
const found = existsSync(python) ? python : systemPython();
if (!found) {
  console.warn("\n!!! python-sdk.test.ts SKIPPED: no python3 on this machine, so the OpenAI Python SDK was not tried against the gateway !!!\n");
}

function ensureVenv(): void {
  const installed = () => {
    try {
      const wanted = /openai==(\S+)/.exec(readFileSync(requirements, "utf8"))?.[1];
      return execFileSync(python, ["-c", "import openai; print(openai.__version__)"], { encoding: "utf8" }).trim() === wanted;
    } catch {
      return false;
    }
  };
  if (installed()) return;
  execFileSync(found === python ? (systemPython() ?? python) : found!, ["-m", "venv", venv], { stdio: "inherit" });
  execFileSync(join(venv, "bin", "pip"), ["install", "--quiet", "--disable-pip-version-check", "-r", requirements], { stdio: "inherit", timeout: 300_000 });
}

describe.skipIf(!found)("the OpenAI Python SDK against the gateway", () => {
  let openai: FakeLlm;
  let anthropic: FakeLlm;
  let server: TestServer;
  let promptId: string;

  beforeAll(async () => {
    ensureVenv();
    [openai, anthropic] = await Promise.all([startFakeLlm(), startFakeLlm()]);
    const path = join(mkdtempSync(join(tmpdir(), "promptreg-py-")), "providers.json");
    writeFileSync(path, JSON.stringify({ providers: { anthropic: { type: "anthropic", baseUrl: anthropic.url } } }));
    server = await startTestServer({ OPENAI_BASE_URL: openai.baseUrl, PROMPTREG_PROVIDERS_FILE: path });
    const body = { model: "gpt-4o-mini", messages: [{ role: "system", content: "Be helpful." }, { role: "user", content: "{{hc:question:string}}" }] };
    promptId = (await server.rest("POST", "/v1/prompt-2025", { name: "python", promptBody: body })).body.data.id;
  }, 400_000);
  afterAll(async () => {
    await server?.stop();
    await Promise.all([openai?.close(), anthropic?.close()]);
  });

  it("calls a prompt with extra_body, streams a routed chain through Anthropic, and raises input errors", async () => {
    anthropic.behave({ kind: "stream", chunks: ["Right ", "away."] });
    const { stdout } = await promisify(execFile)(python, [join(import.meta.dirname, "python", "openai_sdk_check.py")], {
      env: { ...process.env, GATEWAY_URL: `${server.url}/v1`, PROMPTREG_KEY: ADMIN_KEY, PROMPT_ID: promptId },
      timeout: 60_000,
    });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out).toMatchObject({
      content: "echo: Where is my order?",
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      provider: "openai",
      model: "gpt-4o-mini",
      stream_text: "Right away.",
      stream_usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
      error: { status: 400, code: "invalid_inputs" },
    });
    expect(openai.requests[0]!.body).toMatchObject({ model: "gpt-4o-mini", messages: [{ role: "system", content: "Be helpful." }, { role: "user", content: "Where is my order?" }] });
    expect(anthropic.requests[0]!.body).toMatchObject({ model: "claude-sonnet-4", stream: true, system: "Be helpful." });
  });
});
