/**
 * Rollouts as react-query hooks: each environment's latest rollout (`rollouts.get`), refreshed by the
 * deployment stream (every start, re-weight, promotion, abort and rollback is pushed there: its key sits
 * under the prompt's, which a pushed deployment invalidates), the per-arm metrics of a rollout (the
 * analytics metrics from its start, the environment's calls only, refreshed like the Metrics tab while it
 * is active), and start / promote / abort.
 */
import type { TRollout, TStartRolloutInput } from "@promptreg/contracts";
import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSession } from "../session";
import { LIVE_REFRESH_MS } from "./analytics";
import { afterPointerChange } from "./queries";

export const rolloutKeys = {
  rollout: (promptId: string, environment: string) => ["prompt", promptId, "rollout", environment] as const,
  metrics: (promptId: string, rolloutId: string, to: string) => ["prompt", promptId, "rollout-metrics", rolloutId, to] as const,
};

/** The latest rollout of each of `environments` (null where there was none), in the same order. */
export function useRollouts(promptId: string, environments: readonly string[]) {
  const { client } = useSession();
  return useQueries({
    queries: environments.map((environment) => ({
      queryKey: rolloutKeys.rollout(promptId, environment),
      queryFn: ({ signal }: { signal: AbortSignal }) => client.rollouts.get.query({ promptId, environment }, { signal }),
    })),
  });
}

/** The arms' calls since the rollout started (until it ended), in its environment only. */
export function useRolloutMetrics(rollout: TRollout) {
  const { client } = useSession();
  const active = rollout.status === "active";
  const to = rollout.endedAt ?? "";
  return useQuery({
    queryKey: rolloutKeys.metrics(rollout.promptId, rollout.id, to),
    queryFn: ({ signal }) =>
      client.metrics.byVersion.query({ promptId: rollout.promptId, environment: rollout.environment, from: rollout.startedAt, to: to || undefined }, { signal }),
    refetchInterval: active ? LIVE_REFRESH_MS : false,
    // An ended rollout's figures no longer change.
    staleTime: active ? 0 : Infinity,
    placeholderData: keepPreviousData,
  });
}

type StartInput = Omit<TStartRolloutInput, "promptId">;

export function useStartRollout(promptId: string) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: StartInput) => client.rollouts.start.mutate({ promptId, ...input }),
    onSuccess: () => afterPointerChange(queryClient, promptId),
  });
}

export function useEndRollout(promptId: string, how: "promote" | "abort") {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (environment: string) => (how === "promote" ? client.rollouts.promote : client.rollouts.abort).mutate({ promptId, environment }),
    // A promotion moves the environment: the pointers, the versions' badges and the list change too.
    onSuccess: () => afterPointerChange(queryClient, promptId),
  });
}
