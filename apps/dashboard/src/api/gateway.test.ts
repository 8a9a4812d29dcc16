import { describe, expect, it } from "vitest";
import { gatewayPayload, runThroughGateway } from "./gateway";

function fakeFetch(status: number, body: unknown, headers: Record<string, string> = {}) {
  const calls: { url: string; init: RequestInit }[] = [];
  const impl = ((url: string, init: RequestInit) => {
    calls.push({ url, init });
    return Promise.resolve(new Response(JSON.stringify(body), { status, headers }));
  }) as unknown as typeof fetch;
  return { impl, calls };
}

/** A gateway answering Server-Sent Events in `pieces` (cut anywhere), one piece per read. */
function streamingFetch(pieces: string[], options: { hangAfter?: boolean } = {}) {
  const impl = ((_url: string, init: RequestInit) => {
    const encoder = new TextEncoder();
    let index = 0;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        // As fetch does: aborting the request errors the body being read.
        init.signal?.addEventListener("abort", () => controller.error(new DOMException("The operation was aborted.", "AbortError")));
      },
      pull(controller) {
        if (index < pieces.length) controller.enqueue(encoder.encode(pieces[index++]));
        else if (!options.hangAfter) controller.close();
      },
    });
    return Promise.resolve(new Response(body, { status: 200, headers: { "content-type": "text/event-stream", "x-prompt-version": "1.1" } }));
  }) as unknown as typeof fetch;
  return impl;
}

const chunk = (content: string | null, finish: string | null = null) =>
  `data: ${JSON.stringify({ choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }] })}\n\n`;

describe("gatewayPayload", () => {
  it("sends the version, the inputs, the overrides that are set, and stream when asked", () => {
    expect(gatewayPayload({ promptId: "p", versionId: "v", inputs: { a: 1 }, overrides: { model: "gpt-4o", temperature: 0, max_tokens: undefined }, stream: true })).toEqual({
      prompt_id: "p",
      version_id: "v",
      inputs: { a: 1 },
      model: "gpt-4o",
      temperature: 0,
      stream: true,
    });
  });
});

describe("runThroughGateway", () => {
  it("sends prompt_id, version_id and inputs with the key, and reads the answer and version header", async () => {
    const { impl, calls } = fakeFetch(200, { choices: [{ message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] }, { "x-prompt-version": "1.2" });
    const texts: string[] = [];
    const result = await runThroughGateway({ apiKey: "k", promptId: "Ab3xYz", versionId: "v", inputs: { a: 1 } }, (t) => texts.push(t), impl);
    expect(calls[0]!.url).toBe("/v1/chat/completions");
    expect(JSON.parse(calls[0]!.init.body as string)).toEqual({ prompt_id: "Ab3xYz", version_id: "v", inputs: { a: 1 } });
    expect((calls[0]!.init.headers as Record<string, string>)["authorization"]).toBe("Bearer k");
    expect(result).toMatchObject({ ok: true, content: "hi", promptVersion: "1.2", streamed: false, finishReason: "stop" });
    expect(texts).toEqual(["hi"]);
  });

  it("sends a model override (routing, fallback chain) and reads which provider and model served", async () => {
    const { impl, calls } = fakeFetch(200, { choices: [{ message: { content: "hi" } }] }, { "x-prompt-provider": "anthropic", "x-prompt-model": "claude-sonnet-4" });
    const result = await runThroughGateway({ apiKey: "k", promptId: "p", inputs: {}, overrides: { model: "gpt-4o/openai,claude-sonnet-4/anthropic" } }, undefined, impl);
    expect(JSON.parse(calls[0]!.init.body as string)).toEqual({ prompt_id: "p", inputs: {}, model: "gpt-4o/openai,claude-sonnet-4/anthropic" });
    expect(result).toMatchObject({ ok: true, provider: "anthropic", model: "claude-sonnet-4" });
    await runThroughGateway({ apiKey: "k", promptId: "p", inputs: {}, overrides: { model: "" } }, undefined, impl);
    expect(JSON.parse(calls[1]!.init.body as string)).not.toHaveProperty("model");
    // An error names the provider that answered it.
    const failing = fakeFetch(502, { error: { message: "upstream down", code: "upstream_unreachable" } }, { "x-prompt-provider": "openai" });
    expect(await runThroughGateway({ apiKey: "k", promptId: "p", inputs: {} }, undefined, failing.impl)).toMatchObject({ ok: false, provider: "openai" });
  });

  it("prefers the environment over a version id", async () => {
    const { impl, calls } = fakeFetch(200, { choices: [] });
    await runThroughGateway({ apiKey: "k", promptId: "p", versionId: "v", environment: "staging", inputs: {} }, undefined, impl);
    expect(JSON.parse(calls[0]!.init.body as string)).toEqual({ prompt_id: "p", inputs: {}, environment: "staging" });
  });

  it("reads a streamed answer piece by piece, however the events are cut", async () => {
    const events = chunk("Hel") + chunk("lo, ") + chunk("world") + chunk(null, "stop") + "data: [DONE]\n\n";
    for (const size of [1, 7, 64, events.length]) {
      const pieces: string[] = [];
      for (let at = 0; at < events.length; at += size) pieces.push(events.slice(at, at + size));
      const texts: string[] = [];
      const result = await runThroughGateway({ apiKey: "k", promptId: "p", inputs: {}, stream: true }, (t) => texts.push(t), streamingFetch(pieces));
      expect(result).toMatchObject({ ok: true, streamed: true, stopped: false, content: "Hello, world", finishReason: "stop", promptVersion: "1.1" });
      expect(texts).toEqual(["Hel", "Hello, ", "Hello, world"]);
    }
  });

  it("keeps what streamed when stopped, and reports an error event that ends a stream", async () => {
    const stop = new AbortController();
    const texts: string[] = [];
    const running = runThroughGateway({ apiKey: "k", promptId: "p", inputs: {}, stream: true, signal: stop.signal }, (t) => {
      texts.push(t);
      stop.abort();
    }, streamingFetch([chunk("partial ")], { hangAfter: true }));
    expect(await running).toMatchObject({ ok: true, streamed: true, stopped: true, content: "partial " });

    const broken = chunk("half") + `data: ${JSON.stringify({ error: { message: "the upstream stream broke off before it finished", code: "upstream_stream_interrupted" } })}\n\n`;
    const result = await runThroughGateway({ apiKey: "k", promptId: "p", inputs: {}, stream: true }, undefined, streamingFetch([broken]));
    expect(result).toMatchObject({ ok: false, code: "upstream_stream_interrupted", partial: "half", message: expect.stringContaining("broke off") as unknown });
  });

  it("reads OpenAI-shaped errors with their per-variable details", async () => {
    const details = [{ variable: "limit", expected: "number", value: "x", message: "limit must be a number" }];
    const { impl } = fakeFetch(400, { error: { message: "invalid inputs", type: "invalid_prompt", code: "invalid_inputs", details } });
    const result = await runThroughGateway({ apiKey: "k", promptId: "p", inputs: {} }, undefined, impl);
    expect(result).toMatchObject({ ok: false, status: 400, message: "invalid inputs", code: "invalid_inputs", details });
  });

  it("says so when the server cannot be reached", async () => {
    const impl = (() => Promise.reject(new TypeError("fetch failed"))) as unknown as typeof fetch;
    const result = await runThroughGateway({ apiKey: "k", promptId: "p", inputs: {} }, undefined, impl);
    expect(result).toMatchObject({ ok: false, status: null, message: expect.stringContaining("Could not reach") as unknown });
  });
});
