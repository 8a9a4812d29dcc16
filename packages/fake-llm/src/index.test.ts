import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeLlm, type FakeLlm } from "./index.js";

let fake: FakeLlm;
beforeAll(async () => {
  fake = await startFakeLlm();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

const post = (path: string, body: unknown) =>
  fetch(`${fake.url}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer sk" }, body: JSON.stringify(body) });

/** The data lines of an SSE body, parsed (and `[DONE]` as is). */
const dataOf = (text: string) =>
  text
    .split("\n")
    .filter((l) => l.startsWith("data: "))
    .map((l) => l.slice(6))
    .map((d) => (d === "[DONE]" ? d : (JSON.parse(d) as Record<string, any>)));
const eventsOf = (text: string) => text.split("\n").filter((l) => l.startsWith("event: ")).map((l) => l.slice(7));

describe("fake LLM, OpenAI shape", () => {
  it("records requests and echoes the last message", async () => {
    const res = await post("/v1/chat/completions", { model: "m", messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe("echo: hi");
    expect(fake.requests[0]).toMatchObject({ method: "POST", path: "/v1/chat/completions", body: { model: "m" } });
    expect(fake.requests[0]!.headers.authorization).toBe("Bearer sk");
  });

  it("streams server-sent events ending in [DONE]", async () => {
    fake.behave({ kind: "stream", chunks: ["a", "b"] });
    const res = await fetch(`${fake.baseUrl}/chat/completions`, { method: "POST", body: "{}" });
    const text = await res.text();
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(text.match(/^data: /gm)).toHaveLength(4);
    expect(text.trim().endsWith("data: [DONE]")).toBe(true);
  });

  it("streams a stream: true call by default (the echo, word by word), with a usage chunk when asked", async () => {
    const res = await post("/v1/chat/completions", { model: "m", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "two words" }] });
    const data = dataOf(await res.text());
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = data.slice(0, -1) as Array<Record<string, any>>;
    expect(chunks.map((c) => c["choices"][0]?.delta?.content ?? "").join("")).toBe("echo: two words");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 3 } });
    expect(chunks.slice(0, -1).every((c) => c["usage"] === null)).toBe(true);
  });

  it("answers Azure's deployment paths like OpenAI's", async () => {
    const res = await post("/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21", { messages: [{ role: "user", content: "az" }] });
    expect(res.status).toBe(200);
    expect(fake.requests[0]!.path).toBe("/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21");
  });

  it("answers a configured status, and behaveNext only for the next calls", async () => {
    fake.behave({ kind: "status", status: 429, body: { error: { message: "slow down" } }, headers: { "retry-after": "3" } });
    const res = await fetch(`${fake.baseUrl}/chat/completions`, { method: "POST", body: "{}" });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("3");
    fake.reset();
    fake.behaveNext({ kind: "status", status: 500, body: {} });
    expect((await post("/v1/chat/completions", {})).status).toBe(500);
    expect((await post("/v1/chat/completions", {})).status).toBe(200);
  });

  it("cuts a stream mid-way when told to", async () => {
    fake.behave({ kind: "stream", chunks: ["a", "b", "c"], cutAfter: 1 });
    const res = await post("/v1/chat/completions", { stream: true });
    await expect(res.text()).rejects.toThrow();
  });
});

describe("fake LLM, Anthropic Messages shape", () => {
  it("answers a message in Anthropic's shape", async () => {
    const res = await post("/v1/messages", { model: "claude-x", max_tokens: 10, messages: [{ role: "user", content: [{ type: "text", text: "hello" }] }] });
    expect(await res.json()).toMatchObject({ type: "message", role: "assistant", model: "claude-x", content: [{ type: "text", text: "echo: hello" }], stop_reason: "end_turn", usage: { input_tokens: 3 } });
    expect(res.headers.get("request-id")).toBe("req_fake");
  });

  it("streams Anthropic's events in order", async () => {
    fake.behave({ kind: "stream", chunks: ["Hel", "lo"] });
    const text = await (await post("/v1/messages", { model: "c", stream: true, messages: [] })).text();
    expect(eventsOf(text)).toEqual(["message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
    expect((dataOf(text) as Array<Record<string, any>>).filter((d) => d["type"] === "content_block_delta").map((d) => d["delta"].text)).toEqual(["Hel", "lo"]);
  });

  it("streams a tool call as input_json_delta pieces", async () => {
    fake.behave({ kind: "tool_call", name: "weather", arguments: { city: "Paris" }, pieces: 2 });
    const data = dataOf(await (await post("/v1/messages", { stream: true, messages: [] })).text()) as Array<Record<string, any>>;
    expect(data.find((d) => d["type"] === "content_block_start" && d["content_block"].type === "tool_use")).toMatchObject({ index: 1, content_block: { name: "weather" } });
    expect(data.filter((d) => d["delta"]?.type === "input_json_delta").map((d) => d["delta"].partial_json).join("")).toBe('{"city":"Paris"}');
    expect(data.find((d) => d["type"] === "message_delta")).toMatchObject({ delta: { stop_reason: "tool_use" } });
  });

  it("sends an error event mid-stream when told to", async () => {
    fake.behave({ kind: "stream", chunks: ["a", "b"], errorAfter: 1 });
    const text = await (await post("/v1/messages", { stream: true, messages: [] })).text();
    expect(eventsOf(text).at(-1)).toBe("error");
    expect(dataOf(text).at(-1)).toEqual({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
  });
});

describe("command line", () => {
  it("streams SSE for stream: true (20 chunks spread over the time asked)", async () => {
    const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
    const child = spawn(process.execPath, [cli, "0", "--stream-chunks", "20", "--stream-ms", "200"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const [line] = (await once(child.stdout, "data")) as [Buffer];
      const url = /listening on (http:\/\/\S+)/.exec(line.toString())![1]!;
      const res = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "m", stream: true, messages: [] }) });
      expect(res.headers.get("content-type")).toBe("text/event-stream");
      const data = dataOf(await res.text());
      expect(data.filter((d) => d !== "[DONE]" && d["choices"][0].delta.content)).toHaveLength(20);
      expect(data.at(-1)).toBe("[DONE]");
    } finally {
      child.kill();
    }
  });
});
