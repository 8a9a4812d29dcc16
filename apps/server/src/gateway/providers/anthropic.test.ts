import { describe, expect, it } from "vitest";
import { SseParser } from "./sse.js";
import { fromAnthropicMessage, sseEvents, StreamCutError, translateAnthropicBody, toAnthropicRequest, toOpenAiError, toOpenAiStatus, translateAnthropicStream, TranslationError, type AnthropicCallContext } from "./anthropic.js";

const options = { model: "claude-sonnet-4", defaultMaxTokens: 4096 };
const translate = (request: Record<string, unknown>) => toAnthropicRequest(request, options);

describe("OpenAI request -> Anthropic request", () => {
  it("lifts system and developer messages to the top-level system and always sends max_tokens", () => {
    const { body } = translate({
      model: "ignored",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
      ],
    });
    expect(body).toEqual({
      model: "claude-sonnet-4",
      max_tokens: 4096,
      system: [
        { type: "text", text: "Be brief." },
        { type: "text", text: "Answer in French." },
      ],
      messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
    });
    expect(translate({ messages: [{ role: "system", content: "One." }, { role: "user", content: "x" }] }).body["system"]).toBe("One.");
  });

  it("takes max_completion_tokens, else max_tokens, else the provider's default", () => {
    const m = [{ role: "user", content: "x" }];
    expect(translate({ messages: m, max_completion_tokens: 10, max_tokens: 20 }).body["max_tokens"]).toBe(10);
    expect(translate({ messages: m, max_tokens: 20 }).body["max_tokens"]).toBe(20);
    expect(toAnthropicRequest({ messages: m }, { ...options, defaultMaxTokens: 77 }).body["max_tokens"]).toBe(77);
  });

  it("maps sampling, stop, user and stream, and drops what has no equivalent", () => {
    const { body, context } = translate({
      messages: [{ role: "user", content: "x" }],
      temperature: 0.5,
      top_p: 0.9,
      stop: "END",
      user: "user-42",
      stream: true,
      stream_options: { include_usage: true },
      presence_penalty: 1,
      seed: 3,
      store: true,
    });
    expect(body).toEqual({
      model: "claude-sonnet-4",
      max_tokens: 4096,
      messages: [{ role: "user", content: [{ type: "text", text: "x" }] }],
      temperature: 0.5,
      top_p: 0.9,
      stop_sequences: ["END"],
      metadata: { user_id: "user-42" },
      stream: true,
    });
    expect(context).toEqual({ jsonTool: undefined, stream: true, includeUsage: true });
    expect(translate({ messages: [{ role: "user", content: "x" }], stop: ["a", "b"] }).body["stop_sequences"]).toEqual(["a", "b"]);
  });

  it("translates tools and every tool_choice", () => {
    const tools = [
      { type: "function", function: { name: "lookup", description: "Find an order", parameters: { type: "object", properties: { id: { type: "string" } }, required: ["id"] } } },
      { type: "function", function: { name: "ping" } },
    ];
    const base = { messages: [{ role: "user", content: "x" }], tools };
    expect(translate(base).body["tools"]).toEqual([
      { name: "lookup", description: "Find an order", input_schema: { type: "object", properties: { id: { type: "string" } }, required: ["id"] } },
      { name: "ping", input_schema: { type: "object", properties: {} } },
    ]);
    expect(translate({ ...base, tool_choice: "auto" }).body["tool_choice"]).toEqual({ type: "auto" });
    expect(translate({ ...base, tool_choice: "none" }).body["tool_choice"]).toEqual({ type: "none" });
    expect(translate({ ...base, tool_choice: "required" }).body["tool_choice"]).toEqual({ type: "any" });
    expect(translate({ ...base, tool_choice: { type: "function", function: { name: "ping" } } }).body["tool_choice"]).toEqual({ type: "tool", name: "ping" });
    expect(translate({ ...base, parallel_tool_calls: false }).body["tool_choice"]).toEqual({ type: "auto", disable_parallel_tool_use: true });
    expect(() => translate({ ...base, tools: [{ type: "web_search" }] })).toThrow(TranslationError);
  });

  it("turns assistant tool_calls into tool_use blocks and merges consecutive tool results into one user turn", () => {
    const { body } = translate({
      messages: [
        { role: "user", content: "Weather in Paris and Rome?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } },
            { id: "call_2", type: "function", function: { name: "weather", arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "18C" },
        { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "24C" }] },
        { role: "user", content: "Thanks" },
      ],
    });
    expect(body["messages"]).toEqual([
      { role: "user", content: [{ type: "text", text: "Weather in Paris and Rome?" }] },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "call_1", name: "weather", input: { city: "Paris" } },
          { type: "tool_use", id: "call_2", name: "weather", input: { city: "Rome" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "call_1", content: "18C" },
          { type: "tool_result", tool_use_id: "call_2", content: [{ type: "text", text: "24C" }] },
          { type: "text", text: "Thanks" },
        ],
      },
    ]);
  });

  it("refuses tool_call arguments that are not JSON", () => {
    expect(() =>
      translate({ messages: [{ role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{nope" } }] }] }),
    ).toThrow(/arguments is not valid JSON/);
  });

  it("sends data: URLs as base64 image sources and http URLs as url sources", () => {
    const { body } = translate({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Compare" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.jpg", detail: "high" } },
          ],
        },
      ],
    });
    expect((body["messages"] as Array<{ content: unknown[] }>)[0]!.content).toEqual([
      { type: "text", text: "Compare" },
      { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
      { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
    ]);
    expect(() => translate({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "ftp://x/y.png" } }] }] })).toThrow(TranslationError);
    expect(() => translate({ messages: [{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }] })).toThrow(/input_audio/);
  });

  it("asks for one forced tool for response_format, and refuses what cannot map", () => {
    const schema = { type: "object", properties: { answer: { type: "string" } } };
    const { body, context } = translate({ messages: [{ role: "user", content: "x" }], response_format: { type: "json_schema", json_schema: { name: "a", schema } } });
    expect(body["tools"]).toEqual([{ name: "json_response", description: "Answer with this JSON object.", input_schema: schema }]);
    expect(body["tool_choice"]).toEqual({ type: "tool", name: "json_response" });
    expect(context.jsonTool).toBe("json_response");
    expect(translate({ messages: [{ role: "user", content: "x" }], response_format: { type: "text" } }).body["tools"]).toBeUndefined();
    expect(() => translate({ messages: [{ role: "user", content: "x" }], n: 2 })).toThrow(/n greater than 1/);
    expect(() => translate({ messages: [{ role: "user", content: "x" }], logprobs: true })).toThrow(/logprobs/);
    expect(() => translate({ messages: [{ role: "function", content: "x" }] })).toThrow(/role "function"/);
  });
});

describe("Anthropic answer -> chat.completion", () => {
  const message = {
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-20250514",
    content: [
      { type: "text", text: "Let me check." },
      { type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Paris" } },
    ],
    stop_reason: "tool_use",
    usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 4, cache_creation_input_tokens: 1 },
  };

  it("maps text, tool calls, finish reason and usage", () => {
    const completion = fromAnthropicMessage(message, { jsonTool: undefined });
    expect(completion).toMatchObject({
      id: "msg_1",
      object: "chat.completion",
      model: "claude-sonnet-4-20250514",
      choices: [
        {
          index: 0,
          finish_reason: "tool_calls",
          message: { role: "assistant", content: "Let me check.", tool_calls: [{ id: "toolu_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }] },
        },
      ],
      usage: { prompt_tokens: 15, completion_tokens: 5, total_tokens: 20, prompt_tokens_details: { cached_tokens: 4 } },
    });
  });

  it.each([
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["max_tokens", "length"],
    ["tool_use", "tool_calls"],
    ["refusal", "content_filter"],
  ])("stop_reason %s -> finish_reason %s", (stop, finish) => {
    expect((fromAnthropicMessage({ ...message, stop_reason: stop }, { jsonTool: undefined })["choices"] as Array<{ finish_reason: string }>)[0]!.finish_reason).toBe(finish);
  });

  it("hands a forced JSON tool's input back as the text", () => {
    const completion = fromAnthropicMessage({ ...message, content: [{ type: "tool_use", id: "t", name: "json_response", input: { answer: "42" } }] }, { jsonTool: "json_response" });
    expect((completion["choices"] as Array<Record<string, unknown>>)[0]).toMatchObject({ finish_reason: "stop", message: { content: '{"answer":"42"}' } });
  });

  it("maps Anthropic errors to OpenAI's shape, 529 to 503", () => {
    expect(toOpenAiError({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }, 529)).toEqual({ error: { message: "Overloaded", type: "server_error", code: "overloaded_error", param: null } });
    expect(toOpenAiError({ type: "error", error: { type: "invalid_request_error", message: "bad" } }, 400).error.type).toBe("invalid_request_error");
    expect(toOpenAiError("<html>bad gateway</html>", 502).error).toMatchObject({ type: "server_error", code: "http_502" });
    expect(toOpenAiStatus(529)).toBe(503);
  });
});

/** An Anthropic SSE body, as bytes cut at awkward places. */
function sse(events: Array<[string, unknown]>, cutEvery = 7): string[] {
  const text = events.map(([event, data]) => `event: ${event}\r\ndata: ${JSON.stringify(data)}\r\n\r\n`).join("");
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += cutEvery) parts.push(text.slice(i, i + cutEvery));
  return parts;
}

async function run(chunks: string[], context: Partial<AnthropicCallContext> = {}) {
  const out: string[] = [];
  let usage: unknown;
  const ctx = { jsonTool: undefined, stream: true, includeUsage: false, ...context };
  const error = await (async () => {
    for await (const chunk of translateAnthropicStream(sseEvents(chunks), ctx, { usage: (u) => (usage = u) })) out.push(chunk);
  })().catch((e: unknown) => e);
  const events = out
    .join("")
    .split("\n\n")
    .filter((e) => e !== "")
    .map((e) => e.replace(/^data: /, ""));
  const parsed = events.filter((e) => e !== "[DONE]").map((e) => JSON.parse(e) as Record<string, any>);
  return { raw: out, events, parsed, usage, error };
}

const start = ["message_start", { type: "message_start", message: { id: "msg_s", type: "message", role: "assistant", model: "claude-x", content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 1 } } }] as [string, unknown];
const stop = (reason: string, output = 7): Array<[string, unknown]> => [
  ["message_delta", { type: "message_delta", delta: { stop_reason: reason, stop_sequence: null }, usage: { output_tokens: output } }],
  ["message_stop", { type: "message_stop" }],
];

describe("Anthropic event stream -> chat.completion.chunk stream", () => {
  it("streams text deltas, the finish reason, and ends with [DONE]", async () => {
    const { events, parsed, usage, error } = await run(
      sse([
        start,
        ["content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }],
        ["ping", { type: "ping" }],
        ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hel" } }],
        ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "lo" } }],
        ["content_block_stop", { type: "content_block_stop", index: 0 }],
        ...stop("end_turn"),
      ]),
    );
    expect(error).toBeUndefined();
    expect(events.at(-1)).toBe("[DONE]");
    expect(parsed.map((c) => c["choices"][0].delta)).toEqual([{ role: "assistant", content: "" }, { content: "Hel" }, { content: "lo" }, {}]);
    expect(parsed.at(-1)!["choices"][0].finish_reason).toBe("stop");
    expect(parsed.every((c) => c["object"] === "chat.completion.chunk" && c["id"] === "msg_s" && c["model"] === "claude-x" && !("usage" in c))).toBe(true);
    expect(usage).toEqual({ prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 });
  });

  it("sends a final usage chunk (and usage: null before it) when include_usage is set, as OpenAI does", async () => {
    const { parsed } = await run(sse([start, ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "x" } }], ...stop("max_tokens", 3)]), { includeUsage: true });
    expect(parsed.slice(0, -1).every((c) => c["usage"] === null)).toBe(true);
    expect(parsed.at(-2)!["choices"][0].finish_reason).toBe("length");
    expect(parsed.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 } });
  });

  it("streams tool calls: id and name first, then the arguments in pieces, indexed from 0", async () => {
    const { parsed } = await run(
      sse([
        start,
        ["content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }],
        ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Checking" } }],
        ["content_block_stop", { type: "content_block_stop", index: 0 }],
        ["content_block_start", { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_9", name: "weather", input: {} } }],
        ["content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "" } }],
        ["content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"city":' } }],
        ["content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '"Paris"}' } }],
        ["content_block_stop", { type: "content_block_stop", index: 1 }],
        ...stop("tool_use"),
      ]),
    );
    const deltas = parsed.map((c) => c["choices"][0].delta);
    expect(deltas).toEqual([
      { role: "assistant", content: "" },
      { content: "Checking" },
      { tool_calls: [{ index: 0, id: "toolu_9", type: "function", function: { name: "weather", arguments: "" } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
      {},
    ]);
    expect(parsed.at(-1)!["choices"][0].finish_reason).toBe("tool_calls");
  });

  it("turns an error event mid-stream into an OpenAI-shaped error event and stops (no [DONE])", async () => {
    const { events, parsed, error } = await run(
      sse([start, ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "par" } }], ["error", { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }]]),
    );
    expect(error).toBeUndefined();
    expect(events).not.toContain("[DONE]");
    expect(parsed.at(-1)).toEqual({ error: { message: "Overloaded", type: "server_error", code: "overloaded_error", param: null } });
  });

  it("translates a body a network read at a time into one write per read (what the router uses)", async () => {
    const reads = sse(
      [
        start,
        ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "a" } }],
        ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "b" } }],
        ...stop("end_turn"),
      ],
      40,
    );
    const parser = new SseParser();
    const first = parser.push(reads[0]!);
    const writes: string[] = [];
    for await (const w of translateAnthropicBody(first, parser, reads.slice(1), { jsonTool: undefined, stream: true, includeUsage: false })) writes.push(w);
    expect(writes.length).toBeLessThan(reads.length);
    const text = writes.join("");
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    expect([...text.matchAll(/"content":"(\w)"/g)].map((m) => m[1])).toEqual(["a", "b"]);
    const cut = translateAnthropicBody([], new SseParser(), reads.slice(0, 3), { jsonTool: undefined, stream: true, includeUsage: false });
    await expect((async () => { for await (const _ of cut) void _; })()).rejects.toBeInstanceOf(StreamCutError);
  });

  it("throws StreamCutError after what it had when the stream ends without message_stop", async () => {
    const { parsed, error, usage } = await run(sse([start, ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "half" } }]]));
    expect(parsed.map((c) => c["choices"][0].delta.content)).toEqual(["", "half"]);
    expect(error).toBeInstanceOf(StreamCutError);
    expect(usage).toBeUndefined();
  });
});
