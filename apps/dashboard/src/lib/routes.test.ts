import { describe, expect, it } from "vitest";
import { documentTitle, hrefFor, parseHash, type Route } from "./routes";

describe("routes", () => {
  const routes: Route[] = [
    { name: "prompts", search: "", tag: "", page: 0 },
    { name: "prompts", search: "support agent", tag: "a/b", page: 2 },
    { name: "new-prompt" },
    { name: "prompt", promptId: "Ab3xYz", tab: "versions" },
    { name: "prompt", promptId: "Ab3xYz", tab: "compare", from: "v1", to: "v2" },
    { name: "prompt", promptId: "Ab3xYz", tab: "deployments" },
    { name: "prompt", promptId: "Ab3xYz", tab: "playground", versionId: "" },
    { name: "prompt", promptId: "Ab3xYz", tab: "playground", versionId: "3f0c" },
    { name: "version", promptId: "Ab3xYz", versionId: "3f0c-11" },
    { name: "edit-version", promptId: "Ab3xYz", versionId: "3f0c-11" },
  ];

  it("round-trips every screen", () => {
    for (const route of routes) expect(parseHash(hrefFor(route))).toEqual(route);
  });

  it("treats an empty hash and #/prompts as the list", () => {
    expect(parseHash("")).toMatchObject({ name: "prompts" });
    expect(parseHash("#/prompts")).toMatchObject({ name: "prompts" });
  });

  it("answers not-found for unknown paths and bad escapes", () => {
    expect(parseHash("#/nope")).toEqual({ name: "not-found", path: "/nope" });
    expect(parseHash("#/prompts/x/versions/y/z")).toMatchObject({ name: "not-found" });
    expect(parseHash("#/prompts/%E0%A4%A")).toMatchObject({ name: "not-found" });
  });
});

describe("documentTitle", () => {
  it("names a prompt's screens by the prompt's name, by its id until the name is known", () => {
    expect(documentTitle({ name: "prompt", promptId: "bHLPhq", tab: "versions" }, "support-agent")).toBe("Versions · support-agent");
    expect(documentTitle({ name: "version", promptId: "bHLPhq", versionId: "v1" }, "support-agent")).toBe("Version · support-agent");
    expect(documentTitle({ name: "edit-version", promptId: "bHLPhq", versionId: "v1" }, "support-agent")).toBe("New version · support-agent");
    expect(documentTitle({ name: "prompt", promptId: "bHLPhq", tab: "deployments" })).toBe("Deployments · bHLPhq");
    expect(documentTitle({ name: "prompts", search: "", tag: "", page: 0 })).toBe("Prompts");
  });
});
