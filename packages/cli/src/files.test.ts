import type { TPromptBody } from "@promptreg/contracts";
import { describe, expect, it } from "vitest";
import { generateTypes } from "./codegen.js";
import { parsePromptFile, renderPromptFile, sameBody, slugify, withHeader, type PromptFileHeader } from "./files.js";

const body: TPromptBody = {
  model: "gpt-4o-mini",
  temperature: 0.2,
  messages: [
    { role: "system", content: "Line one of {{hc:company:string}}.\n\nLine three, trailing space \nyes" },
    { role: "user", content: "{{hc:question:string}}" },
  ],
  tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: { id: { type: "number" } } } } }],
};
const header: PromptFileHeader = { id: "Ab3xYz", name: "support", tags: ["a", "b c"], version: "1.10", versionId: "v-1", environment: "production" };

describe("prompt files", () => {
  it("round-trip: what is rendered parses back to the same header and body", () => {
    const text = renderPromptFile(header, body);
    expect(text).toContain('version: "1.10"'); // quoted: 1.10 would read as the number 1.1
    expect(text).toContain("content: |-\n        Line one of {{hc:company:string}}.\n\n");
    const parsed = parsePromptFile(text, "x.prompt.yaml");
    expect(parsed.header).toEqual(header);
    expect(parsed.body).toEqual(body);
  });

  it("rewrites the header in place, keeping comments, and puts header keys first", () => {
    const text = "# my notes\nbody:\n  # why this model\n  model: gpt-4o\n  messages: []\nname: fresh\n";
    const file = parsePromptFile(text, "fresh.prompt.yaml");
    const rewritten = withHeader(file, { ...file.header, id: "Zz9Zz9", version: "1.0", versionId: "v-9", environment: "production" });
    expect(rewritten).toBe(
      '# my notes\nid: Zz9Zz9\nname: fresh\ntags: []\nversion: "1.0"\nversionId: v-9\nenvironment: production\nbody:\n  # why this model\n  model: gpt-4o\n  messages: []\n',
    );
  });

  it("lists every problem of an invalid file", () => {
    expect(() => parsePromptFile("id: Ab3xYz\ntags: nope\nbody:\n  messages: {}\n", "bad.prompt.yaml")).toThrow(
      /bad\.prompt\.yaml: `name` is required; `tags` must be a list of strings; `versionId` is required when `id` is set.*; body\.model: .*body\.messages: /,
    );
    expect(() => parsePromptFile("a: [", "broken.prompt.yaml")).toThrow(/invalid YAML/);
  });

  it("compares bodies whatever their key order; slugs are file-safe", () => {
    expect(sameBody({ a: 1, b: { c: [1, { d: 2, e: 3 }] } }, { b: { c: [1, { e: 3, d: 2 }] }, a: 1 })).toBe(true);
    expect(sameBody({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(slugify("Support Agent (v2) / Café")).toBe("support-agent-v2-cafe");
  });
});

describe("codegen", () => {
  it("types names only when they are unambiguous, and quotes keys that are not identifiers", () => {
    const { source, ambiguousNames } = generateTypes(
      [
        { id: "Aaaaa1", name: "twin", version: "1.0", versionId: "v1", variables: [{ name: "first-name", type: "string", locations: ["/messages/0/content"] }] },
        { id: "Bbbbb2", name: "twin", version: "1.0", versionId: "v2", variables: [{ name: "n", type: "number", locations: [] }] },
        { id: "Ccccc3", name: "solo */", version: "2.1", versionId: "v3", variables: [] },
      ],
      { environment: "production", importFrom: "@promptreg/client" },
    );
    expect(ambiguousNames).toEqual(["twin"]);
    expect(source).toContain('    "first-name": string;');
    expect(source).toContain("    n: number | `${number}`;");
    expect(source).toContain("  Ccccc3: Record<never, never>;");
    expect(source).toContain('  "solo */": PromptInputs["Ccccc3"];');
    expect(source).toContain("/** solo *\\/ (Ccccc3), version 2.1 in production. */");
    expect(source).not.toContain('  twin: PromptInputs');
  });
});
