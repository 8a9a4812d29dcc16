import { describe, expect, it } from "vitest";
import { runThroughGateway } from "./gateway";

function fakeFetch(status: number, body: unknown, headers: Record<string, string> = {}) {
  const calls: { url: string; init: RequestInit }[] = [];
  const impl = ((url: string, init: RequestInit) => {
    calls.push({ url, init });
    return Promise.resolve(new Response(JSON.stringify(body), { status, headers }));
  }) as unknown as typeof fetch;
  return { impl, calls };
}

describe("runThroughGateway", () => {
  it("sends prompt_id, version_id and inputs with the key, and reads the answer and version header", async () => {
    const { impl, calls } = fakeFetch(200, { choices: [{ message: { role: "assistant", content: "hi" } }] }, { "x-prompt-version": "1.2" });
    const result = await runThroughGateway({ apiKey: "k", promptId: "Ab3xYz", versionId: "v", inputs: { a: 1 } }, impl);
    expect(calls[0]!.url).toBe("/v1/chat/completions");
    expect(JSON.parse(calls[0]!.init.body as string)).toEqual({ prompt_id: "Ab3xYz", inputs: { a: 1 }, version_id: "v" });
    expect((calls[0]!.init.headers as Record<string, string>)["authorization"]).toBe("Bearer k");
    expect(result).toMatchObject({ ok: true, content: "hi", promptVersion: "1.2" });
  });

  it("sends a model override (routing, fallback chain) and reads which provider and model served", async () => {
    const { impl, calls } = fakeFetch(200, { choices: [{ message: { content: "hi" } }] }, { "x-prompt-provider": "anthropic", "x-prompt-model": "claude-sonnet-4" });
    const result = await runThroughGateway({ apiKey: "k", promptId: "p", inputs: {}, model: " gpt-4o/openai,claude-sonnet-4/anthropic " }, impl);
    expect(JSON.parse(calls[0]!.init.body as string)).toEqual({ prompt_id: "p", inputs: {}, model: "gpt-4o/openai,claude-sonnet-4/anthropic" });
    expect(result).toMatchObject({ ok: true, provider: "anthropic", model: "claude-sonnet-4" });
    await runThroughGateway({ apiKey: "k", promptId: "p", inputs: {}, model: "  " }, impl);
    expect(JSON.parse(calls[1]!.init.body as string)).not.toHaveProperty("model");
  });

  it("prefers the environment over a version id", async () => {
    const { impl, calls } = fakeFetch(200, { choices: [] });
    await runThroughGateway({ apiKey: "k", promptId: "p", versionId: "v", environment: "staging", inputs: {} }, impl);
    expect(JSON.parse(calls[0]!.init.body as string)).toEqual({ prompt_id: "p", inputs: {}, environment: "staging" });
  });

  it("reads OpenAI-shaped errors with their per-variable details", async () => {
    const details = [{ variable: "limit", expected: "number", value: "x", message: "limit must be a number" }];
    const { impl } = fakeFetch(400, { error: { message: "invalid inputs", type: "invalid_prompt", code: "invalid_inputs", details } });
    const result = await runThroughGateway({ apiKey: "k", promptId: "p", inputs: {} }, impl);
    expect(result).toMatchObject({ ok: false, status: 400, message: "invalid inputs", code: "invalid_inputs", details });
  });

  it("says so when the server cannot be reached", async () => {
    const impl = (() => Promise.reject(new TypeError("fetch failed"))) as unknown as typeof fetch;
    const result = await runThroughGateway({ apiKey: "k", promptId: "p", inputs: {} }, impl);
    expect(result).toMatchObject({ ok: false, status: null, message: expect.stringContaining("Could not reach") as unknown });
  });
});
