import type { TRollout } from "@promptreg/contracts";
import { ZRestRollout, ZRestRolloutRefRequest, ZRestStartRolloutRequest } from "@promptreg/contracts/rest";
import { z } from "zod";
import { defineRoute } from "./route.js";

const P = "/v1/prompt-2025";

const toRestRollout = (r: TRollout): z.infer<typeof ZRestRollout> => ({
  id: r.id,
  stable_version_id: r.stableVersionId,
  candidate_version_id: r.candidateVersionId,
  weight: r.weight,
  status: r.status,
  reason: r.reason,
  auto_rollback:
    r.autoRollback === null
      ? null
      : { max_error_rate: r.autoRollback.maxErrorRate, min_requests: r.autoRollback.minRequests, max_p95_latency_ms: r.autoRollback.maxP95LatencyMs ?? null },
  started_at: r.startedAt,
  updated_at: r.updatedAt,
  ended_at: r.endedAt,
});

export const rolloutRoutes = [
  defineRoute({
    method: "post",
    path: `${P}/update/rollout`,
    summary: "Start a rollout of a candidate version behind an environment, or change its weight",
    body: ZRestStartRolloutRequest,
    response: z.null(),
    async handler({ scope, body, services }) {
      const { promptVersionId, ...rest } = body;
      await services.rollouts.start(scope, { ...rest, versionId: promptVersionId });
      return null;
    },
  }),
  defineRoute({
    method: "post",
    path: `${P}/query/rollout`,
    summary: "The environment's latest rollout (active or ended), or null",
    body: ZRestRolloutRefRequest,
    response: ZRestRollout.nullable(),
    async handler({ scope, body, services }) {
      const rollout = await services.rollouts.get(scope, body);
      return rollout === null ? null : toRestRollout(rollout);
    },
  }),
  defineRoute({
    method: "post",
    path: `${P}/rollout/promote`,
    summary: "Move the environment to the rollout's candidate and end the rollout promoted",
    body: ZRestRolloutRefRequest,
    response: z.null(),
    async handler({ scope, body, services }) {
      await services.rollouts.promote(scope, body);
      return null;
    },
  }),
  defineRoute({
    method: "post",
    path: `${P}/rollout/abort`,
    summary: "End the active rollout aborted: every call goes to the stable version",
    body: ZRestRolloutRefRequest,
    response: z.null(),
    async handler({ scope, body, services }) {
      await services.rollouts.abort(scope, body);
      return null;
    },
  }),
];
