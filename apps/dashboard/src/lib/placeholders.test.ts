import { describe, expect, it } from "vitest";
import { segmentTemplate } from "./placeholders";

describe("segmentTemplate", () => {
  it("finds typed, legacy and partial placeholders and keeps the text around them", () => {
    const text = "Hi {{hc:name:string}}, you have {{ count }} items. {{hcp:Ab3xYz:1:staging}}";
    const segments = segmentTemplate(text);
    expect(segments.map((s) => s.kind)).toEqual(["text", "variable", "text", "variable", "text", "partial"]);
    expect(segments.map((s) => s.text).join("")).toBe(text);
    expect(segments[1]).toMatchObject({ name: "name", type: "string", syntax: "typed" });
    expect(segments[3]).toMatchObject({ name: "count", syntax: "legacy" });
    expect(segments[5]).toMatchObject({ promptId: "Ab3xYz", messageIndex: 1, environment: "staging" });
  });

  it("defaults a partial's environment to production", () => {
    expect(segmentTemplate("{{hcp:abc123:0}}")[0]).toMatchObject({ kind: "partial", environment: "production" });
  });

  it("flags unknown types and malformed hc groups, and leaves other braces as text", () => {
    const segments = segmentTemplate("{{hc:n:date}} {{hc:broken}} {{#if x}} {{}}");
    expect(segments[0]).toMatchObject({ kind: "invalid" });
    expect(segments[2]).toMatchObject({ kind: "invalid" });
    expect(segments.slice(3)).toEqual([{ kind: "text", text: " {{#if x}} {{}}" }]);
  });

  it("reads the legacy helicone-prompt-input tag", () => {
    expect(segmentTemplate('<helicone-prompt-input key="topic" />')).toEqual([
      { kind: "variable", text: '<helicone-prompt-input key="topic" />', name: "topic", type: "string", syntax: "legacy" },
    ]);
  });

  it("returns one text segment without placeholders, none for the empty string", () => {
    expect(segmentTemplate("plain")).toEqual([{ kind: "text", text: "plain" }]);
    expect(segmentTemplate("")).toEqual([]);
  });
});
