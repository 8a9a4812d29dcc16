import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it, vi } from "vitest";
import { liveHandlers } from "./live";
import { keys } from "./queries";

/** Handlers that invalidate at once (the app gathers changes for a moment first). */
const immediate = (queryClient: QueryClient) => liveHandlers(queryClient, (flush) => flush());

function cached() {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  queryClient.setQueryData(keys.promptList("", "", 0), { items: [] });
  queryClient.setQueryData(keys.prompt("p1"), { id: "p1" });
  queryClient.setQueryData(keys.history("p1"), { pages: [] });
  queryClient.setQueryData(keys.version("v1"), { id: "v1", promptId: "p1" });
  queryClient.setQueryData(keys.prompt("p2"), { id: "p2" });
  queryClient.setQueryData(keys.version("v9"), { id: "v9", promptId: "p2" });
  const stale = (key: readonly unknown[]) => queryClient.getQueryState(key)?.isInvalidated === true;
  return { queryClient, stale };
}

describe("live changes", () => {
  it("a deployment refreshes the prompt's screens, its versions' badges and the list, nothing of other prompts", () => {
    const { queryClient, stale } = cached();
    immediate(queryClient).onDeployment({ promptId: "p1" });
    expect([stale(keys.prompt("p1")), stale(keys.history("p1")), stale(keys.version("v1")), stale(keys.promptList("", "", 0))]).toEqual([true, true, true, true]);
    expect([stale(keys.prompt("p2")), stale(keys.version("v9"))]).toEqual([false, false]);
  });

  it("a new version or a rename refreshes the prompt and the list; a deleted version its own page", () => {
    const { queryClient, stale } = cached();
    immediate(queryClient).onRegistryChange({ promptId: "p1", action: "version-created", versionId: "v2" });
    expect([stale(keys.prompt("p1")), stale(keys.promptList("", "", 0)), stale(keys.prompt("p2"))]).toEqual([true, true, false]);
    const other = cached();
    immediate(other.queryClient).onPromptChange({ promptId: "p1", action: "version-hidden", versionId: "v1" });
    expect([other.stale(keys.version("v1")), other.stale(keys.prompt("p1")), other.stale(keys.version("v9"))]).toEqual([true, true, false]);
  });

  it("a deleted prompt refreshes the list but not its own screens, which say it was deleted instead of asking again", () => {
    const { queryClient, stale } = cached();
    immediate(queryClient).onPromptChange({ promptId: "p1", action: "prompt-deleted", versionId: null });
    expect([stale(keys.promptList("", "", 0)), stale(keys.prompt("p1"))]).toEqual([true, false]);
  });

  it("a resync refreshes everything", () => {
    const { queryClient, stale } = cached();
    immediate(queryClient).onResync();
    expect([keys.prompt("p1"), keys.prompt("p2"), keys.version("v9"), keys.promptList("", "", 0)].every(stale)).toBe(true);
  });

  it("gathers a burst of changes and invalidates each query they concern once", () => {
    const { queryClient, stale } = cached();
    const invalidate = vi.spyOn(queryClient, "invalidateQueries");
    let flushLater: (() => void) | undefined;
    const handlers = liveHandlers(queryClient, (flush) => (flushLater = flush));
    // A catch-up poll replaying forty deployments of one prompt, and a version created meanwhile.
    for (let i = 0; i < 40; i++) handlers.onDeployment({ promptId: "p1" });
    handlers.onRegistryChange({ promptId: "p1", action: "version-created", versionId: "v2" });
    expect(invalidate).not.toHaveBeenCalled();
    flushLater!();
    // The list, the prompt, its versions' badges: three invalidations, not forty-one of each.
    expect(invalidate).toHaveBeenCalledTimes(3);
    expect([stale(keys.prompt("p1")), stale(keys.version("v1")), stale(keys.promptList("", "", 0)), stale(keys.prompt("p2"))]).toEqual([true, true, true, false]);
  });
});
