import type { TPrompt } from "@promptreg/contracts";
import { describe, expect, it } from "vitest";
import { keys } from "../api/queries";
import { renderScreen, testQueryClient } from "../testing/render";
import { PromptList } from "./PromptList";

function render(page: number, total: number, search = "", items: TPrompt[] = []) {
  const queryClient = testQueryClient();
  queryClient.setQueryData(keys.promptList(search, "", page), { items, page, pageSize: 20, total });
  return renderScreen(<PromptList search={search} tag="" page={page} />, queryClient);
}

describe("PromptList", () => {
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
