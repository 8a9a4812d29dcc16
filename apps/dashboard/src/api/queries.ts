/**
 * Server data as react-query hooks: one query key per resource, invalidated by the mutations that change
 * it and by the live changes the server pushes (live.ts), so nothing here polls or refetches on focus.
 */
import type { TDeploymentHistoryPage, TPromptBody, TPromptSort, TPromptVersion } from "@promptreg/contracts";
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { expandPartials } from "@promptreg/template";
import { useSession } from "../session";
import type { PromptregClient } from "./client";
import { statusOf } from "./errors";

export const PROMPTS_PAGE_SIZE = 20;
export const VERSIONS_PAGE_SIZE = 25;
export const HISTORY_PAGE_SIZE = 50;

export const keys = {
  prompts: ["prompts"] as const,
  promptList: (search: string, tag: string, page: number, sort: TPromptSort = "created") => ["prompts", "list", { search, tag, page, sort }] as const,
  tags: ["prompts", "tags"] as const,
  prompt: (promptId: string) => ["prompt", promptId] as const,
  versions: (promptId: string) => ["prompt", promptId, "versions"] as const,
  versionsPage: (promptId: string, page: number) => ["prompt", promptId, "versions-page", page] as const,
  environments: (promptId: string) => ["prompt", promptId, "environments"] as const,
  history: (promptId: string, environment = "") => ["prompt", promptId, "history", environment] as const,
  version: (versionId: string) => ["version", versionId] as const,
  expanded: (versionId: string) => ["version", versionId, "expanded"] as const,
  keyNames: ["api-keys"] as const,
};

/** A page of prompts with what the list shows of each (newest version, counts, environments, last change). */
export function usePromptList(search: string, tag: string, page: number, sort: TPromptSort = "created") {
  const { client } = useSession();
  return useQuery({
    queryKey: keys.promptList(search, tag, page, sort),
    queryFn: ({ signal }) =>
      client.prompts.listSummaries.query(
        { search: search.trim() || undefined, tags: tag ? [tag] : undefined, page, pageSize: PROMPTS_PAGE_SIZE, sort },
        { signal },
      ),
    placeholderData: keepPreviousData,
  });
}

export function useTags() {
  const { client } = useSession();
  return useQuery({ queryKey: keys.tags, queryFn: ({ signal }) => client.prompts.tags.query(undefined, { signal }) });
}

export function usePrompt(promptId: string) {
  const { client } = useSession();
  return useQuery({ queryKey: keys.prompt(promptId), queryFn: ({ signal }) => client.prompts.byId.query({ promptId }, { signal }) });
}

/** Every version (up to the API's 1000 per page): for version pickers, numbering and labels. */
export function useVersions(promptId: string) {
  const { client } = useSession();
  return useQuery({ queryKey: keys.versions(promptId), queryFn: ({ signal }) => client.versions.list.query({ promptId }, { signal }) });
}

/** One page of versions, newest first, and how many there are: the Versions tab, however long the list. */
export function useVersionsPage(promptId: string, page: number) {
  const { client } = useSession();
  return useQuery({
    queryKey: keys.versionsPage(promptId, page),
    queryFn: async ({ signal }) => {
      const [items, totals] = await Promise.all([
        client.versions.list.query({ promptId, page, pageSize: VERSIONS_PAGE_SIZE }, { signal }),
        client.versions.totals.query({ promptId }, { signal }),
      ]);
      return { items, total: totals.totalVersions };
    },
    placeholderData: keepPreviousData,
  });
}

export function useVersionWithBody(versionId: string | undefined) {
  const { client } = useSession();
  return useQuery({
    queryKey: keys.version(versionId ?? ""),
    queryFn: ({ signal }) => client.versions.withBody.query({ versionId: versionId! }, { signal }),
    enabled: Boolean(versionId),
    // Versions are immutable; only their environments change, and every pointer change invalidates them
    // (afterPointerChange).
    staleTime: Infinity,
  });
}

export function useEnvironments(promptId: string) {
  const { client } = useSession();
  return useQuery({ queryKey: keys.environments(promptId), queryFn: ({ signal }) => client.environments.ofPrompt.query({ promptId }, { signal }) });
}

/** The deployment history, newest first, a page at a time (`fetchNextPage` for older entries). */
export function useHistory(promptId: string, environment = "") {
  const { client } = useSession();
  return useInfiniteQuery({
    queryKey: keys.history(promptId, environment),
    queryFn: ({ signal, pageParam }): Promise<TDeploymentHistoryPage> =>
      client.environments.historyPage.query(
        { promptId, limit: HISTORY_PAGE_SIZE, environment: environment || undefined, cursor: pageParam ?? undefined },
        { signal },
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

/** API key id -> name; empty for member keys, which may not list keys. */
export function useKeyNames() {
  const { client } = useSession();
  return useQuery({
    queryKey: keys.keyNames,
    queryFn: async ({ signal }) => {
      try {
        const list = await client.apiKeys.list.query(undefined, { signal });
        return new Map(list.map((key) => [key.id, key.name]));
      } catch (error) {
        if (statusOf(error) === 403) return new Map<string, string>();
        throw error;
      }
    },
    staleTime: 5 * 60_000,
  });
}

/**
 * The body with its prompt partials (`{{hcp:…}}`) replaced by the texts they name, as the gateway expands
 * them, so the playground's preview shows what will be sent.
 */
export function useExpandedBody(version: (TPromptVersion & { body: TPromptBody }) | undefined) {
  const { client } = useSession();
  return useQuery({
    queryKey: keys.expanded(version?.id ?? ""),
    enabled: Boolean(version),
    staleTime: 30_000,
    queryFn: async () => {
      if (!version || version.partials.length === 0) return version!.body;
      return expandPartials(version.body, async ({ promptId, environment }) => {
        try {
          const target = await client.environments.version.query({ promptId, environment });
          return { versionId: target.id, body: await client.versions.body.query({ versionId: target.id }) };
        } catch (error) {
          if (statusOf(error) === 404) return null;
          throw error;
        }
      });
    },
  });
}

/**
 * After anything that moves an environment pointer (deploy, rollback, remove, a version created with a
 * deploy): the prompt's own data (header, versions list, pointers, history), the cached versions of the
 * prompt, whose `environments` changed, so no screen keeps showing the old badges, and the prompt list
 * (its environments column and last change).
 */
export async function afterPointerChange(queryClient: QueryClient, promptId: string): Promise<void> {
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: keys.prompt(promptId) }),
    queryClient.invalidateQueries({ queryKey: keys.prompts }),
    queryClient.invalidateQueries({
      queryKey: ["version"],
      predicate: (query) => query.queryKey.length === 2 && (query.state.data as { promptId?: unknown } | undefined)?.promptId === promptId,
    }),
  ]);
}

/** After a rename, new tags, a version created or deleted: the prompt's data and the prompt list. */
export async function afterPromptChange(queryClient: QueryClient, promptId: string): Promise<void> {
  await Promise.all([queryClient.invalidateQueries({ queryKey: keys.prompt(promptId) }), queryClient.invalidateQueries({ queryKey: keys.prompts })]);
}

type CreateVersionInput = { baseVersionId: string; bump: "minor" | "major"; commitMessage: string; body: TPromptBody; environment?: string };
type PointerInput = { versionId: string; environment: string };

/** The mutations as plain options, so tests can run them against a stand-in client. */
export const mutations = {
  createVersion: (client: PromptregClient, queryClient: QueryClient, promptId: string) => ({
    mutationFn: (input: CreateVersionInput) => client.versions.create.mutate({ promptId, ...input }),
    onSuccess: () => afterPointerChange(queryClient, promptId),
  }),
  setEnvironment: (client: PromptregClient, queryClient: QueryClient, promptId: string) => ({
    mutationFn: (input: PointerInput) => client.environments.set.mutate({ promptId, ...input }),
    onSuccess: () => afterPointerChange(queryClient, promptId),
  }),
  removeEnvironment: (client: PromptregClient, queryClient: QueryClient, promptId: string) => ({
    mutationFn: (input: PointerInput) => client.environments.remove.mutate({ promptId, ...input }),
    onSuccess: () => afterPointerChange(queryClient, promptId),
  }),
  rename: (client: PromptregClient, queryClient: QueryClient, promptId: string) => ({
    mutationFn: (name: string) => client.prompts.rename.mutate({ promptId, name }),
    onSuccess: () => afterPromptChange(queryClient, promptId),
  }),
  setTags: (client: PromptregClient, queryClient: QueryClient, promptId: string) => ({
    mutationFn: (tags: string[]) => client.prompts.setTags.mutate({ promptId, tags }),
    onSuccess: () => Promise.all([afterPromptChange(queryClient, promptId), queryClient.invalidateQueries({ queryKey: keys.tags })]),
  }),
  deleteVersion: (client: PromptregClient, queryClient: QueryClient, promptId: string) => ({
    mutationFn: (versionId: string) => client.versions.delete.mutate({ promptId, versionId }),
    onSuccess: (_: unknown, versionId: string) => {
      queryClient.removeQueries({ queryKey: keys.version(versionId) });
      return afterPromptChange(queryClient, promptId);
    },
  }),
  deletePrompt: (client: PromptregClient, queryClient: QueryClient, promptId: string) => ({
    mutationFn: () => client.prompts.delete.mutate({ promptId }),
    onSuccess: () => {
      // Nothing of it is shown again: the screen that deleted it navigates away.
      queryClient.removeQueries({ queryKey: keys.prompt(promptId) });
      return Promise.all([queryClient.invalidateQueries({ queryKey: keys.prompts })]);
    },
  }),
};

export function useCreatePrompt() {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { name: string; tags: string[]; body: TPromptBody }) => client.prompts.create.mutate(input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.prompts }),
  });
}

export function useCreateVersion(promptId: string) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation(mutations.createVersion(client, queryClient, promptId));
}

export function useSetEnvironment(promptId: string) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation(mutations.setEnvironment(client, queryClient, promptId));
}

export function useRemoveEnvironment(promptId: string) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation(mutations.removeEnvironment(client, queryClient, promptId));
}

export function useRenamePrompt(promptId: string) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation(mutations.rename(client, queryClient, promptId));
}

export function useSetTags(promptId: string) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation(mutations.setTags(client, queryClient, promptId));
}

export function useDeleteVersion(promptId: string) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation(mutations.deleteVersion(client, queryClient, promptId));
}

export function useDeletePrompt(promptId: string) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation(mutations.deletePrompt(client, queryClient, promptId));
}
