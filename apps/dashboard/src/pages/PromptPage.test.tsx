import { describe, expect, it } from "vitest";
import { keys } from "../api/queries";
import { cacheError, cacheThenFail, prompt, renderScreen, testQueryClient, unreachable, version } from "../testing/render";
import { PromptFrame, PromptPage } from "./PromptPage";

const page = (promptId = "p1") => <PromptFrame promptId={promptId}>{() => <p id="draft">the page's content</p>}</PromptFrame>;

describe("PromptFrame", () => {
  it("keeps the page (and so an editor's draft) when a background refresh fails, with a notice", async () => {
    const queryClient = testQueryClient();
    await cacheThenFail(queryClient, keys.prompt("p1"), prompt(), unreachable());
    expect(queryClient.getQueryState(keys.prompt("p1"))?.status).toBe("error");

    const html = renderScreen(page(), queryClient);
    expect(html).toContain(`<p id="draft">the page&#x27;s content</p>`);
    expect(html).toContain("support-agent");
    expect(html).not.toContain("Could not load this prompt");
    expect(html).toContain("Could not refresh this prompt");
    expect(html).toContain("Could not reach the promptreg server");
  });

  it("shows the error screen when the first load fails", async () => {
    const queryClient = testQueryClient();
    await cacheError(queryClient, keys.prompt("p1"), unreachable());
    const html = renderScreen(page(), queryClient);
    expect(html).toContain("Could not load this prompt");
    expect(html).not.toContain("the page");
  });

  it("shows the page with no notice when the prompt is loaded", () => {
    const queryClient = testQueryClient();
    queryClient.setQueryData(keys.prompt("p1"), prompt());
    const html = renderScreen(page(), queryClient);
    expect(html).toContain("the page");
    expect(html).not.toContain("Could not refresh");
  });
});

describe("the prompt's tabs", () => {
  it("keep showing the versions they have when a refresh of the list fails", async () => {
    const queryClient = testQueryClient();
    await cacheThenFail(queryClient, keys.prompt("p1"), prompt(), unreachable());
    await cacheThenFail(queryClient, keys.versionsPage("p1", 0), { items: [version({ id: "v1", commitMessage: "First version." })], total: 1 }, unreachable());
    const html = renderScreen(<PromptPage route={{ name: "prompt", promptId: "p1", tab: "versions", params: {} }} />, queryClient);
    expect(html).toContain("First version.");
    expect(html).not.toContain("Could not load versions");
  });
});
