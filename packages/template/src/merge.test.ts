import type { TPromptBody } from "@promptreg/contracts";
import { describe, expect, it } from "vitest";
import { mergeRequest } from "./index.js";

const tool = (name: string) => ({ type: "function", function: { name } });

const template: TPromptBody = {
  model: "gpt-4o",
  temperature: 0.2,
  messages: [{ role: "system", content: "be brief" }],
  tools: [tool("a")],
  response_format: { type: "json_object" },
};

describe("mergeRequest", () => {
  it("appends the caller's messages and tools after the template's", () => {
    const merged = mergeRequest(template, {
      messages: [{ role: "user", content: "hi" }],
      tools: [tool("b")],
    });
    expect(merged.messages).toEqual([
      { role: "system", content: "be brief" },
      { role: "user", content: "hi" },
    ]);
    expect(merged.tools).toEqual([tool("a"), tool("b")]);
  });

  it("keeps the version's model when the caller's is null or empty (left to the prompt), not when it names one", () => {
    expect(mergeRequest(template, { model: null }).model).toBe("gpt-4o");
    expect(mergeRequest(template, { model: "" }).model).toBe("gpt-4o");
    expect(mergeRequest(template, { model: undefined }).model).toBe("gpt-4o");
    expect(mergeRequest(template, { model: "gpt-4.1" }).model).toBe("gpt-4.1");
    // Other fields are the caller's to override, null included (as Helicone's spread).
    expect(mergeRequest(template, { temperature: null }).temperature).toBeNull();
  });

  it("leaves out an empty merged tools list (OpenAI rejects tools: [])", () => {
    const { tools: _, ...withoutTools } = template;
    expect("tools" in mergeRequest(withoutTools, {})).toBe(false);
    expect("tools" in mergeRequest({ ...withoutTools, tools: [] }, { tools: [] })).toBe(false);
    expect(mergeRequest(withoutTools, { tools: [tool("b")] }).tools).toEqual([tool("b")]);
  });

  it("takes the caller's response_format when given, else the template's", () => {
    expect(mergeRequest(template, { response_format: { type: "text" } }).response_format).toEqual({ type: "text" });
    expect(mergeRequest(template, {}).response_format).toEqual({ type: "json_object" });
    // Helicone's `??`: null counts as not given.
    expect(mergeRequest(template, { response_format: null }).response_format).toEqual({ type: "json_object" });
    const { response_format: _, ...withoutFormat } = template;
    expect("response_format" in mergeRequest(withoutFormat, {})).toBe(false);
  });

  it("lets the caller's other fields override the template's", () => {
    const merged = mergeRequest(template, { model: "gpt-5", temperature: 1, stream: true, user: "u1" });
    expect(merged).toMatchObject({ model: "gpt-5", temperature: 1, stream: true, user: "u1" });
  });

  it("keeps the template's model when the caller leaves it out (or sends undefined)", () => {
    expect(mergeRequest(template, {}).model).toBe("gpt-4o");
    expect(mergeRequest(template, { model: undefined }).model).toBe("gpt-4o");
  });

  it("strips prompt_id, version_id, inputs and environment from both sides", () => {
    const merged = mergeRequest(
      { ...template, prompt_id: "stored", inputs: { a: 1 } },
      { prompt_id: "abc123", version_id: "v", inputs: { x: 1 }, environment: "staging", model: "m" },
    );
    for (const key of ["prompt_id", "version_id", "inputs", "environment"]) expect(key in merged).toBe(false);
  });

  it("orders keys as Helicone's object spread does", () => {
    const merged = mergeRequest(template, { stream: true, prompt_id: "abc123", model: "m", tools: [tool("b")] });
    expect(Object.keys(merged)).toEqual(["model", "temperature", "messages", "tools", "response_format", "stream"]);
  });

  it("does not mutate its arguments", () => {
    const request = { messages: [{ role: "user", content: "x" }], tools: [tool("b")] };
    const before = JSON.stringify([template, request]);
    mergeRequest(template, request);
    expect(JSON.stringify([template, request])).toBe(before);
  });
});
