import { describe, expect, it } from "vitest";
import { hrefFor, intParam, parseHash, promptsRoute, screenRoute, tabRoute, type Route } from "./routes";

describe("routes", () => {
  const routes: Route[] = [
    promptsRoute(),
    promptsRoute({ search: "support agent", tag: "a/b", page: 2, sort: "updated" }),
    screenRoute("new"),
    screenRoute("api-keys", { role: "admin" }),
    tabRoute("Ab3xYz"),
    tabRoute("Ab3xYz", "versions", { page: 3 }),
    tabRoute("Ab3xYz", "compare", { from: "v1", to: "v2" }),
    tabRoute("Ab3xYz", "deployments", { environment: "staging" }),
    tabRoute("Ab3xYz", "playground"),
    tabRoute("Ab3xYz", "playground", { version: "3f0c" }),
    tabRoute("Ab3xYz", "metrics", { range: "24h" }),
    { name: "version", promptId: "Ab3xYz", versionId: "3f0c-11" },
    { name: "edit-version", promptId: "Ab3xYz", versionId: "3f0c-11" },
  ];

  it("round-trips every screen, a tab or screen no list names yet included", () => {
    for (const route of routes) expect(parseHash(hrefFor(route))).toEqual(route);
  });

  it("keeps the URLs the dashboard has always had", () => {
    expect(hrefFor(promptsRoute())).toBe("#/");
    expect(hrefFor(promptsRoute({ search: "bill", page: 15 }))).toBe("#/?page=15&q=bill");
    expect(hrefFor(screenRoute("new"))).toBe("#/new");
    expect(hrefFor(tabRoute("Ab3xYz"))).toBe("#/prompts/Ab3xYz");
    expect(hrefFor(tabRoute("Ab3xYz", "playground", { version: "v1" }))).toBe("#/prompts/Ab3xYz/playground?version=v1");
    expect(parseHash("#/?q=x&tag=y&page=2")).toEqual(promptsRoute({ search: "x", tag: "y", page: 2 }));
  });

  it("treats an empty hash and #/prompts as the list, and #/prompts/<id>/versions as the versions tab", () => {
    expect(parseHash("")).toEqual(promptsRoute());
    expect(parseHash("#/prompts")).toEqual(promptsRoute());
    expect(parseHash("#/prompts/Ab3xYz/versions")).toEqual(tabRoute("Ab3xYz"));
  });

  it("answers not-found for paths no screen can have and for bad escapes", () => {
    expect(parseHash("#/nope/deeper")).toEqual({ name: "not-found", path: "/nope/deeper" });
    expect(parseHash("#/prompts/x/versions/y/z")).toMatchObject({ name: "not-found" });
    expect(parseHash("#/prompts/%E0%A4%A")).toMatchObject({ name: "not-found" });
  });

  it("reads whole-number parameters, falling back on anything else", () => {
    expect(intParam({ page: "4" }, "page")).toBe(4);
    expect(intParam({ page: "-1" }, "page")).toBe(0);
    expect(intParam({ page: "x" }, "page")).toBe(0);
    expect(intParam({}, "page", 7)).toBe(7);
  });
});
