import type { TPromptSummary } from "@promptreg/contracts";
import { describe, expect, it } from "vitest";
import { keys } from "../api/queries";
import { NOW, renderScreen, testQueryClient } from "../testing/render";
import { PromptList } from "./PromptList";

function render(page: number, total: number, search = "", items: TPromptSummary[] = [], sort: "created" | "updated" | "name" = "created") {
  const queryClient = testQueryClient();
  queryClient.setQueryData(keys.promptList(search, "", page, sort), { items, page, pageSize: 20, total });
  return renderScreen(<PromptList search={search} tag="" page={page} sort={sort} />, queryClient);
}

const summary = (overrides: Partial<TPromptSummary> = {}): TPromptSummary => ({
  id: "Ab3xYz",
  name: "support-agent",
  tags: ["support"],
  createdAt: NOW,
  updatedAt: NOW,
  versionCount: 7,
  latestVersion: { id: "v7", majorVersion: 2, minorVersion: 3, commitMessage: "Shorter answers", model: "gpt-4o", createdAt: NOW },
  environments: [
    { environment: "production", version: { id: "v5", majorVersion: 2, minorVersion: 1 } },
    { environment: "staging", version: { id: "v7", majorVersion: 2, minorVersion: 3 } },
  ],
  ...overrides,
});

describe("PromptList", () => {
  it("shows each prompt's latest version, version count, environments with their versions and last change", () => {
    const html = render(0, 1, "", [summary()]);
    expect(html).toContain(`href="#/prompts/Ab3xYz"`);
    expect(html).toMatch(/v2\.3<\/span><span[^>]*title="Shorter answers">Shorter answers/);
    expect(html).toContain("7 versions");
    expect(html).toMatch(/production<\/span><span class="mono small">v2\.1<\/span>/);
    expect(html).toMatch(/staging<\/span><span class="mono small">v2\.3<\/span>/);
    expect(html).toContain(`<time dateTime="${NOW}"`);
    expect(html).toContain("Search prompts by name or id");
  });

  it("says when a prompt is deployed nowhere, and keeps the sort in its links", () => {
    const html = render(0, 41, "", [summary({ environments: [], versionCount: 1 })], "updated");
    expect(html).toContain("not deployed");
    expect(html).toContain("1 version<");
    expect(html).toMatch(/<option value="updated" selected="">Recently changed/);
    expect(html).toContain(`href="#/?page=1&amp;sort=updated"`);
  });

  it("past the last page (an old link), says the page is empty and links to the last and first pages", () => {
    // #/?page=99 is page index 98; 308 prompts make 16 pages.
    const html = render(98, 308);
    expect(html).toContain("308 prompts");
    expect(html).toContain("No prompts on this page");
    expect(html).not.toContain("No prompts yet");
    expect(html).not.toContain("Create your first prompt");
    expect(html).toContain(`href="#/?page=15"`);
    expect(html).toContain("Go to the last page (16)");
    expect(html).toContain(`href="#/"`);
  });

  it("past the last page of a search, keeps the search in the links", () => {
    const html = render(5, 3, "bill");
    expect(html).toContain("No prompts on this page");
    expect(html).toContain(`href="#/?q=bill"`);
  });

  it("shows the first-run state only when the organization has no prompts", () => {
    const html = render(0, 0);
    expect(html).toContain("No prompts yet");
    expect(html).toContain("Create your first prompt");
  });
});
