import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeLlm, type FakeLlm } from "./index.js";

let fake: FakeLlm;
beforeAll(async () => {
  fake = await startFakeLlm();
});
afterAll(async () => fake.close());

describe("fake LLM", () => {
  it("records requests and echoes the last message", async () => {
    const res = await fetch(`${fake.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk" },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
    });
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

  it("answers a configured status", async () => {
    fake.behave({ kind: "status", status: 429, body: { error: { message: "slow down" } }, headers: { "retry-after": "3" } });
    const res = await fetch(`${fake.baseUrl}/chat/completions`, { method: "POST", body: "{}" });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("3");
    fake.reset();
  });
});
