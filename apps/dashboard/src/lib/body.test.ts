import type { TPromptBody } from "@promptreg/contracts";
import { describe, expect, it } from "vitest";
import { bodyAsText, bodyFromDraft, draftFromBody, emptyDraft, sameBody, sameDraft } from "./body";

const body: TPromptBody = {
  model: "gpt-4o-mini",
  temperature: 0.2,
  max_tokens: 50,
  messages: [
    { role: "system", content: "You help {{hc:company:string}}." },
    { role: "user", content: [{ type: "text", text: "{{hc:question:string}}" }] },
  ],
  tools: [{ type: "function", function: { name: "lookup" } }],
  top_p: 0.9,
};

describe("draftFromBody / bodyFromDraft", () => {
  it("round-trips a body, keeping structured messages and extra fields", () => {
    const draft = draftFromBody(body);
    expect(draft.messages[0]).toMatchObject({ mode: "text", role: "system" });
    expect(draft.messages[1]).toMatchObject({ mode: "json" });
    expect(JSON.parse(draft.advanced)).toEqual({ tools: body.tools, top_p: 0.9 });
    expect(bodyFromDraft(draft)).toEqual({ body, errors: null });
  });

  it("leaves out empty optional numbers", () => {
    const draft = { ...draftFromBody(body), temperature: " ", maxTokens: "", advanced: "" };
    const result = bodyFromDraft(draft);
    expect(result.body).not.toHaveProperty("temperature");
    expect(result.body).not.toHaveProperty("max_tokens");
  });

  it("reports every problem by field", () => {
    const draft = draftFromBody(body);
    const result = bodyFromDraft({
      ...draft,
      model: "  ",
      temperature: "3",
      maxTokens: "1.5",
      advanced: '{"model": "x"}',
      messages: [draft.messages[0]!, { key: "k", mode: "json", json: "{oops" }],
    });
    expect(result.body).toBeNull();
    expect(Object.keys(result.errors ?? {}).sort()).toEqual(["advanced", "maxTokens", "messages.1", "model", "temperature"]);
    expect(result.errors?.["advanced"]).toContain("model");
  });

  it("refuses advanced settings that are not an object", () => {
    expect(bodyFromDraft({ ...draftFromBody(body), advanced: "[1]" }).errors?.["advanced"]).toMatch(/JSON object/);
  });
});

describe("bodyAsText", () => {
  it("writes parameters, then messages with their roles, then structured fields", () => {
    const text = bodyAsText(body);
    expect(text.split("\n").slice(0, 4)).toEqual(["model: gpt-4o-mini", "temperature: 0.2", "max_tokens: 50", "top_p: 0.9"]);
    expect(text).toContain("── message 1 · system ──\nYou help {{hc:company:string}}.");
    expect(text).toContain("── message 2 · user ──\n[");
    expect(text).toContain('── tools ──\n[\n  {\n    "type": "function"');
  });
});

describe("sameDraft", () => {
  it("tells an untouched form from an edited one, whatever the rows' keys", () => {
    const base = draftFromBody(body);
    expect(sameDraft(base, draftFromBody(body))).toBe(true);
    expect(sameDraft(emptyDraft(), emptyDraft())).toBe(true);
    expect(sameDraft(base, { ...base, temperature: "0.3" })).toBe(false);
    expect(sameDraft(base, { ...base, messages: base.messages.slice(1) })).toBe(false);
    const [first, ...rest] = base.messages;
    expect(sameDraft(base, { ...base, messages: [{ ...first!, mode: "text", role: "system", content: "Changed." }, ...rest] })).toBe(false);
  });
});

describe("sameBody", () => {
  it("compares bodies as values, whatever their key order", () => {
    // The same fields, written in reverse order.
    const reordered = Object.fromEntries(Object.entries(body).reverse()) as typeof body;
    expect(Object.keys(reordered)).not.toEqual(Object.keys(body));
    expect(sameBody(body, reordered)).toBe(true);
    // A body round-tripped through the editor form is the same body.
    expect(sameBody(body, bodyFromDraft(draftFromBody(body)).body!)).toBe(true);
    expect(sameBody(body, { ...body, temperature: 0.3 })).toBe(false);
    expect(sameBody(body, { ...body, messages: [...body.messages].reverse() })).toBe(false);
  });
});

describe("empty messages", () => {
  it("are refused, each naming its number, blank ones too", () => {
    const draft = emptyDraft();
    const result = bodyFromDraft({ ...draft, messages: [{ ...draft.messages[0]!, mode: "text", role: "system", content: "  \n" }, draft.messages[1]!] });
    expect(result.errors).toEqual({
      "messages.0": "Message 1 is empty: write its text or remove it.",
      "messages.1": "Message 2 is empty: write its text or remove it.",
    });
  });
});
