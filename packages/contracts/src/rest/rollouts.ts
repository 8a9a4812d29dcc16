import { z } from "zod";
import { ZEnvironmentName, ZIdRef } from "../common.js";
import { ZAutoRollbackRule, ZRolloutStatus, ZRolloutWeight } from "../rollouts.js";

// Rollouts over REST (API.md, "Rollouts"): camelCase in, snake_case out.

/** `POST /v1/prompt-2025/update/rollout`: starts a rollout or changes its weight. */
export const ZRestStartRolloutRequest = z.object({
  promptId: ZIdRef,
  environment: ZEnvironmentName,
  promptVersionId: ZIdRef,
  weight: ZRolloutWeight,
  autoRollback: ZAutoRollbackRule.optional(),
});

/** `query/rollout`, `rollout/promote`, `rollout/abort`. */
export const ZRestRolloutRefRequest = z.object({ promptId: ZIdRef, environment: ZEnvironmentName });

/** The environment's latest rollout (the data of `query/rollout`, or null when it never had one). */
export const ZRestRollout = z.object({
  id: z.string(),
  stable_version_id: z.string(),
  candidate_version_id: z.string(),
  weight: z.number(),
  status: ZRolloutStatus,
  reason: z.string().nullable(),
  auto_rollback: z
    .object({ max_error_rate: z.number(), min_requests: z.number(), max_p95_latency_ms: z.number().nullable() })
    .nullable(),
  started_at: z.string(),
  updated_at: z.string(),
  ended_at: z.string().nullable(),
});
