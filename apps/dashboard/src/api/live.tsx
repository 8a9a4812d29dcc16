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
import { keys } from "./queries";

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

/** How long pushed changes are gathered before what they show is refetched, once. */
const GATHER_MS = 50;

/**
 * What pushed changes invalidate; exported for tests. Changes come in bursts (a reconnecting stream's
 * catch-up poll replays a minute of deployments at once; a script creates thirty versions), so they are
 * gathered for a moment and each query they concern is invalidated once: one refetch per screen, not one
 * per change (and never a batch of duplicate calls).
 */
export function liveHandlers(queryClient: QueryClient, schedule: (flush: () => void) => void = (flush) => void setTimeout(flush, GATHER_MS)) {
  interface Pending {
    all: boolean;
    list: boolean;
    /** Prompts whose own data changed. */
    prompts: Set<string>;
    /** Prompts whose pointers moved: their cached versions' environments changed too. */
    pointers: Set<string>;
    versions: Set<string>;
  }
  let pending: Pending | null = null;
  /** Records a change; the first of a burst schedules the flush. */
  const gather = (record: (p: Pending) => void): void => {
    const first = pending === null;
    pending ??= { all: false, list: false, prompts: new Set(), pointers: new Set(), versions: new Set() };
    record(pending);
    if (first) schedule(flush);
  };
  function flush(): void {
    const p = pending;
    pending = null;
    if (!p) return;
    if (p.all) {
      void queryClient.invalidateQueries();
      return;
    }
    if (p.list || p.prompts.size > 0 || p.pointers.size > 0) void queryClient.invalidateQueries({ queryKey: keys.prompts });
    for (const promptId of new Set([...p.prompts, ...p.pointers])) void queryClient.invalidateQueries({ queryKey: keys.prompt(promptId) });
    if (p.pointers.size > 0 || p.versions.size > 0) {
      void queryClient.invalidateQueries({
        queryKey: ["version"],
        predicate: (query) => {
          if (query.queryKey.length !== 2) return false;
          const data = query.state.data as { promptId?: string } | undefined;
          return p.versions.has(String(query.queryKey[1])) || (data?.promptId !== undefined && p.pointers.has(data.promptId));
        },
      });
    }
  }
  return {
    onDeployment: (change: { promptId: string }) => gather((p) => p.pointers.add(change.promptId)),
    onPromptChange: (change: TPromptChangeEvent) => {
      if (change.action === "prompt-deleted") {
        // Its screens say so from the mark; asking the server again would only answer 404.
        markDeleted(change.promptId);
        gather((p) => (p.list = true));
        return;
      }
      gather((p) => {
        p.prompts.add(change.promptId);
        if (change.versionId !== null) p.versions.add(change.versionId);
      });
    },
    onRegistryChange: (change: TRegistryChangeEvent) => gather((p) => p.prompts.add(change.promptId)),
    onResync: () => gather((p) => (p.all = true)),
    /** Invalidates what was gathered now (tests). */
    flush,
  };
}

export function LiveUpdates({ children }: { children: ReactNode }) {
  const { session } = useSessionContext();
  const queryClient = useQueryClient();
  const apiKey = session?.apiKey;
  // The status the watcher of this key reported last (a new key starts connecting).
  const [reported, setReported] = useState<{ apiKey: string; status: ChangeWatcherStatus } | null>(null);
  const status: LiveStatus = !apiKey ? "off" : reported?.apiKey === apiKey ? reported.status : "connecting";

  useEffect(() => {
    if (!apiKey) return;
    const { onDeployment, onPromptChange, onRegistryChange, onResync } = liveHandlers(queryClient);
    const watcher = watchChanges({ url: API_BASE_URL, apiKey, onDeployment, onPromptChange, onRegistryChange, onResync, onStatus: (next) => setReported({ apiKey, status: next }) });
    return () => watcher.stop();
  }, [apiKey, queryClient]);

  return <LiveContext.Provider value={status}>{children}</LiveContext.Provider>;
}

export function useLiveStatus(): LiveStatus {
  return useContext(LiveContext);
}
