import type { TPromptBody } from "@promptreg/contracts";
import { describe, expect, it } from "vitest";
import { keys } from "../api/queries";
import { cacheThenFail, prompt, renderScreen, testQueryClient, unreachable, version } from "../testing/render";
import { EditVersion } from "./EditVersion";

const body: TPromptBody = { model: "gpt-4o-mini", messages: [{ role: "system", content: "You are terse." }] };
const base = { ...version({ id: "v1", commitMessage: "First version." }), body };

describe("EditVersion", () => {
  it("keeps the editor when refreshes of the prompt and of its base version fail", async () => {
    const queryClient = testQueryClient();
    await cacheThenFail(queryClient, keys.prompt("p1"), prompt(), unreachable());
    await cacheThenFail(queryClient, keys.version("v1"), base, unreachable());
    queryClient.setQueryData(keys.versions("p1"), [base]);

    const html = renderScreen(<EditVersion promptId="p1" versionId="v1" />, queryClient);
    expect(html).toContain("New version</h1>");
    expect(html).toContain("You are terse.");
    expect(html).toContain("Could not refresh this prompt");
    expect(html).not.toContain("Could not load");
  });
});
