import type { TPromptBody } from "@promptreg/contracts";
import { describe, expect, it } from "vitest";
import { keys } from "../api/queries";
import { draftFromBody } from "../lib/body";
import { cacheThenFail, prompt, renderScreen, testQueryClient, unreachable, version } from "../testing/render";
import { checkVersion, EditVersion } from "./EditVersion";

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
    // Nothing is flagged before a first attempt to save.
    expect(html).not.toContain("field-error");
  });
});

describe("checkVersion", () => {
  const draft = draftFromBody(body);

  it("calls the base's own body unchanged, and anything else changed", () => {
    expect(checkVersion(draft, body, "x", null)).toMatchObject({ unchanged: true, errors: {} });
    const edited = { ...draft, temperature: "0.5" };
    expect(checkVersion(edited, body, "x", null)).toMatchObject({ unchanged: false, errors: {}, body: { ...body, temperature: 0.5 } });
  });

  it("names every problem: commit message, environment, empty message", () => {
    const emptied = { ...draft, messages: [{ ...draft.messages[0]!, mode: "text" as const, role: "system" as const, content: "" }] };
    expect(Object.keys(checkVersion(emptied, body, " ", "bad name!").errors).sort()).toEqual(["commitMessage", "environment", "messages.0"]);
    expect(checkVersion(draft, body, "why", "staging").errors).toEqual({});
  });
});
