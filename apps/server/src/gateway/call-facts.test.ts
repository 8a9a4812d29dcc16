import { describe, expect, it } from "vitest";
import { factsOfJson, StreamWatcher } from "./call-facts.js";

const event = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
const chunk = (content: string | null, finish: string | null = null, usage: unknown = null) => ({
  id: "chatcmpl-9",
  object: "chat.completion.chunk",
  model: "gpt-4o-mini-2024-07-18",
  choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }],
  usage,
});
const usageEvent = event({ id: "chatcmpl-9", object: "chat.completion.chunk", model: "gpt-4o-mini-2024-07-18", choices: [], usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15, prompt_tokens_details: { cached_tokens: 4 } } });
const stream = [event(chunk("Hel")), event(chunk("lo")), event(chunk(null, "stop")), usageEvent, "data: [DONE]\n\n"].join("");

/** Relays `text` cut into pieces of `size` bytes through a watcher; what the caller gets. */
function relay(text: string, size: number, strip: boolean) {
  const watcher = new StreamWatcher(strip);
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(watcher.push(bytes.subarray(i, i + size)));
  out.push(watcher.end());
  return { text: Buffer.concat(out).toString(), facts: watcher.facts };
}

describe("stream watcher", () => {
  it("relays every byte when the caller asked for usage, and reads the usage", () => {
    for (const size of [1, 7, 64, 10_000]) {
      const { text, facts } = relay(stream, size, false);
      expect(text).toBe(stream);
      expect(facts).toMatchObject({ model: "gpt-4o-mini-2024-07-18", responseId: "chatcmpl-9", inputTokens: 12, outputTokens: 3, cachedInputTokens: 4, finishReasons: ["stop"] });
    }
  });

  it("cuts exactly the usage-only event when the gateway asked for it", () => {
    for (const size of [1, 5, 33, 10_000]) {
      const { text, facts } = relay(stream, size, true);
      expect(text).toBe(stream.replace(usageEvent, ""));
      expect(facts.inputTokens).toBe(12);
    }
  });

  it("keeps usage that rides on a content chunk, CRLF events, and a stream cut mid-event", () => {
    const inline = [event(chunk("a")), event(chunk(null, "length", { prompt_tokens: 1, completion_tokens: 2 }))].join("").replaceAll("\n\n", "\r\n\r\n");
    const { text, facts } = relay(inline, 3, true);
    expect(text).toBe(inline);
    expect(facts).toMatchObject({ inputTokens: 1, outputTokens: 2, finishReasons: ["length"] });
    const cut = relay(event(chunk("a")) + 'data: {"id":"x","cho', 4, true);
    expect(cut.text).toBe(event(chunk("a")) + 'data: {"id":"x","cho');
  });

  it("reads a provider's error event", () => {
    const { facts } = relay(event(chunk("a")) + event({ error: { message: "boom", type: "server_error", code: null } }), 8, false);
    expect(facts.errorCode).toBe("server_error");
  });
});

describe("JSON answer", () => {
  it("reads model, id, usage, finish reasons and error codes", () => {
    const answer = { id: "chatcmpl-1", model: "gpt-4o", choices: [{ finish_reason: "stop" }, { finish_reason: "tool_calls" }], usage: { prompt_tokens: 5, completion_tokens: 7 } };
    expect(factsOfJson(Buffer.from(JSON.stringify(answer)))).toMatchObject({ model: "gpt-4o", responseId: "chatcmpl-1", inputTokens: 5, outputTokens: 7, cachedInputTokens: null, finishReasons: ["stop", "tool_calls"] });
    expect(factsOfJson(Buffer.from(JSON.stringify({ error: { message: "x", type: "invalid_request_error", code: "context_length_exceeded" } }))).errorCode).toBe("context_length_exceeded");
    expect(factsOfJson(Buffer.from("not json")).inputTokens).toBeNull();
  });

  it("reads the usage of a very large answer from its end", () => {
    const big = { id: "c", model: "m", choices: [{ message: { content: "x".repeat(600_000) + '"usage":{' }, finish_reason: "stop" }], usage: { prompt_tokens: 9, completion_tokens: 8, prompt_tokens_details: { cached_tokens: 1 } } };
    expect(factsOfJson(Buffer.from(JSON.stringify(big)))).toMatchObject({ inputTokens: 9, outputTokens: 8, cachedInputTokens: 1 });
  });
});
