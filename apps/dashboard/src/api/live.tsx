/**
 * Keeps every screen current from the server's change stream (`GET /v1/deployments/stream`, read with
 * fetch since EventSource cannot send the API key): a deployment, a deletion, a new version or a rename
 * made anywhere invalidates exactly the queries that show it, so screens refresh at once, and nothing
 * polls or refetches on focus. When the stream comes back after a gap, everything is refetched once.
 */
import { watchChanges, type ChangeWatcherStatus } from "@promptreg/client";
import type { TPromptChangeEvent, TRegistryChangeEvent } from "@promptreg/contracts";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from "react";
import { useSessionContext } from "../session";
import { API_BASE_URL } from "./client";
import { afterPointerChange, afterPromptChange, keys } from "./queries";

export type LiveStatus = ChangeWatcherStatus | "off";

const LiveContext = createContext<LiveStatus>("off");

/** Prompts the stream said were deleted while this page was open: their screens say so. */
const deleted = new Set<string>();
const deletedListeners = new Set<() => void>();

function markDeleted(promptId: string): void {
  deleted.add(promptId);
  for (const listener of deletedListeners) listener();
}

export function useDeletedElsewhere(promptId: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      deletedListeners.add(onChange);
      return () => deletedListeners.delete(onChange);
    },
    () => deleted.has(promptId),
    () => false,
  );
}

/** What each pushed change invalidates; exported for tests. */
export const liveHandlers = (queryClient: QueryClient) => ({
  onDeployment: (change: { promptId: string }) => void afterPointerChange(queryClient, change.promptId),
  onPromptChange: (change: TPromptChangeEvent) => {
    if (change.action === "prompt-deleted") {
      // Its screens say so from the mark; asking the server again would only answer 404.
      markDeleted(change.promptId);
      void queryClient.invalidateQueries({ queryKey: keys.prompts });
      return;
    }
    if (change.versionId !== null) void queryClient.invalidateQueries({ queryKey: keys.version(change.versionId) });
    void afterPromptChange(queryClient, change.promptId);
  },
  onRegistryChange: (change: TRegistryChangeEvent) => void afterPromptChange(queryClient, change.promptId),
  onResync: () => void queryClient.invalidateQueries(),
});

export function LiveUpdates({ children }: { children: ReactNode }) {
  const { session } = useSessionContext();
  const queryClient = useQueryClient();
  const apiKey = session?.apiKey;
  // The status the watcher of this key reported last (a new key starts connecting).
  const [reported, setReported] = useState<{ apiKey: string; status: ChangeWatcherStatus } | null>(null);
  const status: LiveStatus = !apiKey ? "off" : reported?.apiKey === apiKey ? reported.status : "connecting";

  useEffect(() => {
    if (!apiKey) return;
    const watcher = watchChanges({ url: API_BASE_URL, apiKey, ...liveHandlers(queryClient), onStatus: (next) => setReported({ apiKey, status: next }) });
    return () => watcher.stop();
  }, [apiKey, queryClient]);

  return <LiveContext.Provider value={status}>{children}</LiveContext.Provider>;
}

export function useLiveStatus(): LiveStatus {
  return useContext(LiveContext);
}
