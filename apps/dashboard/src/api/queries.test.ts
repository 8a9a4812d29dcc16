import { MutationObserver } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { prompt, testQueryClient, version } from "../testing/render";
import type { PromptregClient } from "./client";
import { keys, mutations } from "./queries";

/** A client whose pointer and version mutations succeed at once. */
const client = {
  environments: { set: { mutate: () => Promise.resolve({}) }, remove: { mutate: () => Promise.resolve({}) } },
  versions: { create: { mutate: () => Promise.resolve(version({ id: "v3" })) } },
} as unknown as PromptregClient;

function cached() {
  const queryClient = testQueryClient();
  queryClient.setQueryData(keys.prompt("p1"), prompt());
  queryClient.setQueryData(keys.versions("p1"), [version({ id: "v1" }), version({ id: "v2" })]);
  // The Compare tab and the version page read these; they are cached with staleTime Infinity.
  queryClient.setQueryData(keys.version("v1"), { ...version({ id: "v1" }), body: { model: "m", messages: [] } });
  queryClient.setQueryData(keys.version("v2"), { ...version({ id: "v2" }), body: { model: "m", messages: [] } });
  queryClient.setQueryData(keys.version("other"), { ...version({ id: "other", promptId: "p2" }), body: { model: "m", messages: [] } });
  return queryClient;
}

describe("pointer changes", () => {
  const cases = [
    ["a deploy", "setEnvironment", { versionId: "v2", environment: "staging" }],
    ["a rollback or a remove", "removeEnvironment", { versionId: "v2", environment: "staging" }],
    ["a version created with a deploy", "createVersion", { baseVersionId: "v1", bump: "minor", commitMessage: "x", body: { model: "m", messages: [] }, environment: "staging" }],
  ] as const;

  it.each(cases)("%s invalidates the prompt's cached versions (their environments) as well as the prompt", async (_label, name, input) => {
    const queryClient = cached();
    const options = mutations[name](client, queryClient, "p1") as ReturnType<typeof mutations.setEnvironment>;
    await new MutationObserver(queryClient, options).mutate(input as never);

    const invalidated = (key: readonly unknown[]) => queryClient.getQueryState(key)?.isInvalidated;
    expect(invalidated(keys.prompt("p1"))).toBe(true);
    expect(invalidated(keys.versions("p1"))).toBe(true);
    expect(invalidated(keys.version("v1"))).toBe(true);
    expect(invalidated(keys.version("v2"))).toBe(true);
    // Another prompt's versions are left alone.
    expect(invalidated(keys.version("other"))).toBe(false);
  });
});
