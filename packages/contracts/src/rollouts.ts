import { z } from "zod";
import { ZEnvironmentName, ZIdRef, ZIsoDateTime } from "./common.js";

// Rollouts (API.md, "Rollouts"): a candidate version serves a weight of one environment's gateway calls
// while the environment keeps pointing at its stable version. The REST (snake_case) forms live in
// ./rest/rollouts.ts; the split itself in ./rollout-hash.ts.

/** `active` until it ends: `promoted` (the environment moved to the candidate), `aborted` or `rolled_back`. */
export const ZRolloutStatus = z.enum(["active", "promoted", "aborted", "rolled_back"]);
export type TRolloutStatus = z.infer<typeof ZRolloutStatus>;

/** Percent of the environment's calls the candidate serves: 0-100, honoured to 0.01. */
export const ZRolloutWeight = z
  .number({ error: "weight must be a number from 0 to 100" })
  .min(0, "weight must be from 0 to 100")
  .max(100, "weight must be from 0 to 100");

/**
 * When the candidate has served at least `minRequests` calls in the rollout and its error rate (as the
 * metrics count errors) exceeds `maxErrorRate`, or its p95 latency exceeds `maxP95LatencyMs` when given,
 * the rollout ends `rolled_back` within 10 s.
 */
export const ZAutoRollbackRule = z.object({
  /** A fraction: 0.05 means more than 5 % of the candidate's calls failed. */
  maxErrorRate: z.number().min(0, "maxErrorRate is a fraction from 0 to 1").max(1, "maxErrorRate is a fraction from 0 to 1"),
  minRequests: z.number().int().min(1, "minRequests must be at least 1").max(1_000_000_000),
  maxP95LatencyMs: z.number().positive().max(3_600_000).optional(),
});
export type TAutoRollbackRule = z.infer<typeof ZAutoRollbackRule>;

/** Starts a rollout of `versionId` behind `environment`, or changes the weight of the active one. */
export const ZStartRolloutInput = z.object({
  promptId: ZIdRef,
  environment: ZEnvironmentName,
  /** The candidate: a version of the same prompt, not the one the environment points at. */
  versionId: ZIdRef,
  weight: ZRolloutWeight,
  /** Kept from the active rollout when left out on a weight change. */
  autoRollback: ZAutoRollbackRule.optional(),
});
export type TStartRolloutInput = z.infer<typeof ZStartRolloutInput>;

/** Names the rollout of an environment (promote, abort, query). */
export const ZRolloutRef = z.object({ promptId: ZIdRef, environment: ZEnvironmentName });
export type TRolloutRef = z.infer<typeof ZRolloutRef>;

/** A rollout as queried: the environment's latest one, active or ended. */
export const ZRollout = z.object({
  /** The split's seed: subjects are assigned by a hash of this id and the subject. */
  id: z.string(),
  promptId: z.string(),
  environment: z.string(),
  stableVersionId: z.string(),
  candidateVersionId: z.string(),
  weight: z.number(),
  status: ZRolloutStatus,
  /** Why it ended (for a rollback: the figures that tripped the rule); null while active. */
  reason: z.string().nullable(),
  autoRollback: ZAutoRollbackRule.nullable(),
  startedAt: ZIsoDateTime,
  updatedAt: ZIsoDateTime,
  endedAt: ZIsoDateTime.nullable(),
  /** The API key that started it (null for the bootstrap key). */
  startedByKeyId: z.string().nullable(),
  /** Who ended it: a key id, `"auto-rollback"`, or null while active or for the bootstrap key. */
  endedBy: z.string().nullable(),
});
export type TRollout = z.infer<typeof ZRollout>;
