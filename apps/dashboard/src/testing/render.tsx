/**
 * Component tests without a browser: a screen rendered to static HTML (react-dom/server) over a query cache
 * the test fills in, with a signed-in session whose client is never called (server rendering runs no effects
 * and starts no fetches), so what is asserted is exactly what the cache's state makes the screen show.
 */
import type { TPrompt, TPromptVersion } from "@promptreg/contracts";
import { QueryClient, QueryClientProvider, type QueryKey } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { createApiClient } from "../api/client";
import { SessionContext } from "../session";

/**
 * As the app's client; `retryOnMount: false` so that a query left in error is rendered as the mounted screen
 * sees it when the error arrives (server rendering would otherwise show it as loading again).
 */
export function testQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 10_000, retryOnMount: false } } });
}

export function renderScreen(ui: ReactNode, queryClient: QueryClient = testQueryClient()): string {
  const session = { apiKey: "test-key", client: createApiClient("test-key") };
  const value = { session, notice: null, signIn: () => Promise.resolve(), signOut: () => undefined };
  return renderToStaticMarkup(
    <QueryClientProvider client={queryClient}>
      <SessionContext.Provider value={value}>{ui}</SessionContext.Provider>
    </QueryClientProvider>,
  );
}

/** Puts `data` in the cache, then a refetch that fails with `error`: the state a failed background refresh leaves. */
export async function cacheThenFail(queryClient: QueryClient, queryKey: QueryKey, data: unknown, error: Error): Promise<void> {
  queryClient.setQueryData(queryKey, data);
  await queryClient.fetchQuery({ queryKey, queryFn: () => Promise.reject(error), staleTime: 0 }).catch(() => undefined);
}

/** Only an error in the cache: the first load failed. */
export async function cacheError(queryClient: QueryClient, queryKey: QueryKey, error: Error): Promise<void> {
  await queryClient.fetchQuery({ queryKey, queryFn: () => Promise.reject(error) }).catch(() => undefined);
}

export const NOW = "2025-11-23T10:53:00.000Z";

export function prompt(overrides: Partial<TPrompt> = {}): TPrompt {
  return { id: "p1", name: "support-agent", tags: [], createdAt: NOW, ...overrides };
}

export function version(overrides: Partial<TPromptVersion> & Pick<TPromptVersion, "id">): TPromptVersion {
  return {
    promptId: "p1",
    model: "gpt-4o-mini",
    majorVersion: 1,
    minorVersion: 0,
    commitMessage: "",
    environments: [],
    createdAt: NOW,
    variables: [],
    partials: [],
    ...overrides,
  };
}

/** What fetch throws when the server is unreachable. */
export const unreachable = (): TypeError => new TypeError("Failed to fetch");
