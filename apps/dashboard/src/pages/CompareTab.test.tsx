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

describe("CompareTab's version selects", () => {
  it("end a cut commit message with an ellipsis and keep the whole message in the title", () => {
    const long = `fix partials <b>bold</b> ${"and more ".repeat(5)}🚀`;
    const queryClient = testQueryClient();
    queryClient.setQueryData(keys.versions("p1"), [version({ id: "v1" }), version({ id: "v2", minorVersion: 1, commitMessage: long })]);
    const html = renderScreen(<CompareTab promptId="p1" from="v1" to="v2" />, queryClient);
    const option = /<option value="v2"[^>]*>[^<]*<\/option>/.exec(html)?.[0] ?? "";
    expect(option).toContain(`title="fix partials &lt;b&gt;bold&lt;/b&gt; ${"and more ".repeat(5)}🚀"`);
    // 60 characters of the message: 59 and the ellipsis.
    expect(option).toContain(`>v1.1 — fix partials &lt;b&gt;bold&lt;/b&gt; and more and more and more and mor…</option>`);
  });
});
