import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { ZEnvironmentName, ZIdRef, ZPage, ZPageSize, ZPromptBody, ZPromptId, ZTagList, jsonDepth } from "./index.js";
import { ZRestCreateVersionRequest, ZRestSubversionRequest } from "./rest/index.js";

describe("ZPromptBody", () => {
  const body = { model: "gpt-4o", messages: [{ role: "user", content: "hi {{hc:x:string}}" }] };

  it("accepts an OpenAI request template and keeps fields it does not name", () => {
    const parsed = ZPromptBody.parse({ ...body, seed: 1, reasoning_effort: "low", messages: [{ role: "assistant", content: null, tool_calls: [{ id: "t" }] }] });
    expect(parsed).toMatchObject({ seed: 1, reasoning_effort: "low", messages: [{ tool_calls: [{ id: "t" }] }] });
  });

  it("accepts content parts and refuses a text part without text", () => {
    expect(ZPromptBody.safeParse({ ...body, messages: [{ role: "user", content: [{ type: "text", text: "a" }, { type: "image_url", image_url: { url: "x" } }] }] }).success).toBe(true);
    expect(ZPromptBody.safeParse({ ...body, messages: [{ role: "user", content: [{ type: "text" }] }] }).success).toBe(false);
  });

  it("refuses a blank model, unknown roles, bad temperature, and absurd nesting", () => {
    expect(ZPromptBody.safeParse({ ...body, model: "  " }).success).toBe(false);
    expect(ZPromptBody.safeParse({ ...body, messages: [{ role: "wizard", content: "x" }] }).success).toBe(false);
    expect(ZPromptBody.safeParse({ ...body, temperature: 3 }).success).toBe(false);
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(ZPromptBody.safeParse({ ...body, extra: deep }).success).toBe(false);
  });

  it("keeps the model exactly as given", () => {
    expect(ZPromptBody.parse({ ...body, model: " gpt-4o " }).model).toBe(" gpt-4o ");
  });
});

describe("ids and names", () => {
  it("prompt ids are 6 alphanumerics; lookups take any string but never an object", () => {
    expect(ZPromptId.safeParse("Ab3xYz").success).toBe(true);
    expect(ZPromptId.safeParse("Ab3xY!").success).toBe(false);
    expect(ZIdRef.safeParse("anything at all").success).toBe(true);
    expect(ZIdRef.safeParse({ $gt: "" }).success).toBe(false);
    expect(ZIdRef.safeParse("").success).toBe(false);
  });

  it("environment names fit inside a prompt partial", () => {
    for (const ok of ["production", "staging", "dev-2", "v1.2", "eu_west"]) expect(ZEnvironmentName.safeParse(ok).success).toBe(true);
    for (const bad of ["", "a:b", "{x}", "-lead", "a b", "x".repeat(65)]) expect(ZEnvironmentName.safeParse(bad).success).toBe(false);
  });

  it("tag lists are bounded", () => {
    expect(ZTagList.safeParse(Array.from({ length: 51 }, (_, i) => `t${i}`)).success).toBe(false);
    expect(ZTagList.safeParse(["x".repeat(65)]).success).toBe(false);
  });
});

describe("REST shapes", () => {
  it("the legacy endpoint takes the template as an object or a string", () => {
    expect(ZRestSubversionRequest.safeParse({ newHeliconeTemplate: "{}" }).success).toBe(true);
    expect(ZRestSubversionRequest.safeParse({ newHeliconeTemplate: {} }).success).toBe(true);
    expect(ZRestSubversionRequest.safeParse({ newHeliconeTemplate: 3 }).success).toBe(false);
  });

  it("update requires promptId, promptVersionId and promptBody", () => {
    const issues = ZRestCreateVersionRequest.safeParse({}).error!.issues.map((i) => i.path.join("."));
    expect(issues).toEqual(expect.arrayContaining(["promptId", "promptVersionId", "promptBody"]));
  });
});

describe("jsonDepth", () => {
  it("counts nesting without recursion", () => {
    expect(jsonDepth("x")).toBe(0);
    expect(jsonDepth({ a: [1, { b: 2 }] })).toBe(3);
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonDepth(deep)).toBeGreaterThan(64);
  });
});

describe("paging", () => {
  const messages = (schema: z.ZodType, value: unknown) => schema.safeParse(value).error?.issues.map((i) => i.message);
  it("names the rule a page or page size breaks, not only its type", () => {
    expect(messages(ZPageSize, "10")).toEqual(["pageSize must be a number"]);
    expect(messages(ZPageSize, 0)).toEqual(["pageSize must be 1 or more"]);
    expect(messages(ZPageSize, 5000)).toEqual(["pageSize must be at most 1000"]);
    expect(messages(ZPageSize, 2.5)).toEqual(["pageSize must be a whole number"]);
    expect(messages(ZPage, -1)).toEqual(["page must be 0 or more"]);
    expect(ZPage.parse(3)).toBe(3);
  });
});
