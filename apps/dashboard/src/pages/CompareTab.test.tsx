import type { TPromptBody } from "@promptreg/contracts";
import { describe, expect, it } from "vitest";
import { keys } from "../api/queries";
import { renderScreen, testQueryClient, version } from "../testing/render";
import { CompareTab } from "./CompareTab";

const body = (content: string): TPromptBody => ({ model: "gpt-4o-mini", messages: [{ role: "system", content }] });

describe("CompareTab", () => {
  it("badges each side with the environments of the versions list, not those of its cached copy", () => {
    const queryClient = testQueryClient();
    // The cached copies predate a deploy of v2.0 to staging; the versions list was refreshed by it.
    queryClient.setQueryData(keys.version("v1"), { ...version({ id: "v1", environments: ["production"] }), body: body("one") });
    queryClient.setQueryData(keys.version("v2"), { ...version({ id: "v2", majorVersion: 2 }), body: body("two") });
    queryClient.setQueryData(keys.versions("p1"), [version({ id: "v1", environments: ["production"] }), version({ id: "v2", majorVersion: 2, environments: ["staging"] })]);

    const html = renderScreen(<CompareTab promptId="p1" from="v1" to="v2" />, queryClient);
    const head = /<div class="diff-head diff-head-after">.*?<\/div><div class="small">/.exec(html)?.[0] ?? "";
    expect(head).toContain("v2.0");
    expect(head).toContain(`<span class="badge badge-amber">staging</span>`);
  });
});
