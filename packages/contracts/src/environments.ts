import { z } from "zod";
import { ZEnvironmentName, ZIdRef, ZIsoDateTime } from "./common.js";

/** Points `environment` of a prompt at one of its versions (moving it if it pointed elsewhere). */
export const ZSetEnvironmentInput = z.object({
  promptId: ZIdRef,
  versionId: ZIdRef,
  environment: ZEnvironmentName,
});
export type TSetEnvironmentInput = z.infer<typeof ZSetEnvironmentInput>;

/** Removes `environment` from a version; refused for `production`, 404 when it points elsewhere. */
export const ZRemoveEnvironmentInput = ZSetEnvironmentInput;
export type TRemoveEnvironmentInput = z.infer<typeof ZRemoveEnvironmentInput>;

export const ZEnvironmentRef = z.object({ promptId: ZIdRef, environment: ZEnvironmentName });
export type TEnvironmentRef = z.infer<typeof ZEnvironmentRef>;

/**
 * What a history entry did: `set` / `remove` move the pointer; the `rollout-*` entries start a rollout,
 * change its weight, promote it (the pointer moves to the candidate), abort it, or roll it back (the
 * automatic rollback). A `set` or `remove` made while a rollout was active also ends it (`aborted`): its
 * entry then carries `rolloutId` and `reason`.
 */
export const ZDeploymentAction = z.enum(["set", "remove", "rollout-start", "rollout-weight", "rollout-promote", "rollout-abort", "rollout-rollback"]);
export type TDeploymentAction = z.infer<typeof ZDeploymentAction>;

/**
 * The rollout facts of a history entry or stream event (all optional: entries of plain moves, and entries
 * stored before rollouts existed, have none).
 */
const ZRolloutFacts = z.object({
  /** Why: a rollback's figures ("candidate error rate 0.62 over 50 calls exceeds 0.2"), a move's effect. */
  reason: z.string().optional(),
  /** The rollout the entry started, changed or ended. */
  rolloutId: z.string().optional(),
  candidateVersionId: z.string().optional(),
  /** The candidate's weight after the entry (percent). */
  weight: z.number().optional(),
  /** Who did it: an API key id, `"auto-rollback"`, or `"bootstrap"` for the server's bootstrap key. */
  actor: z.string().optional(),
});

/** One entry of the append-only deployment history. */
export const ZDeployment = z.object({
  id: z.string(),
  promptId: z.string(),
  environment: z.string(),
  action: ZDeploymentAction,
  /** The version the environment points at after this entry (null after a remove). */
  versionId: z.string().nullable(),
  /** The version it pointed at before (null when it pointed nowhere). */
  previousVersionId: z.string().nullable(),
  /** Counts the changes of this (prompt, environment) pointer: orders concurrent moves exactly. */
  revision: z.number().int(),
  at: ZIsoDateTime,
  /** The API key that made the change (null for the server's bootstrap key and for automatic rollbacks). */
  keyId: z.string().nullable(),
  ...ZRolloutFacts.shape,
});
export type TDeployment = z.infer<typeof ZDeployment>;

/**
 * A prompt's deployment history, newest first (one environment's, or all of them). `cursor` continues
 * after a page: pass the `nextCursor` of `historyPage` (or the `id` of the last entry you have) to get the
 * entries older than it, so a history of any length can be read whole, page by page.
 */
export const ZDeploymentHistoryInput = z.object({
  promptId: ZIdRef,
  environment: ZEnvironmentName.optional(),
  limit: z.number().int().min(1).max(500).default(100),
  cursor: z
    .string({ error: "cursor must be a string" })
    .regex(/^[0-9a-f]{24}$/, "cursor must be the nextCursor of a history page (a deployment id)")
    .optional(),
});
export type TDeploymentHistoryInput = z.infer<typeof ZDeploymentHistoryInput>;

/** One page of a deployment history; `nextCursor` is null on the last page. */
export const ZDeploymentHistoryPage = z.object({
  items: z.array(ZDeployment),
  nextCursor: z.string().nullable(),
});
export type TDeploymentHistoryPage = z.infer<typeof ZDeploymentHistoryPage>;

/** An environment of a prompt and the version it points at. */
export const ZEnvironmentPointer = z.object({
  environment: z.string(),
  versionId: z.string(),
  updatedAt: ZIsoDateTime,
  /** The `revision` of the history entry that set it: that entry is the environment's live one. */
  revision: z.number().int(),
});
export type TEnvironmentPointer = z.infer<typeof ZEnvironmentPointer>;

/**
 * A pointer change as the change stream (`GET /v1/deployments/stream`, `event: deployment`) pushes it.
 * The SSE `id:` is `deploymentId`; send it back as `Last-Event-ID` to resume without a gap.
 */
export const ZDeploymentEvent = z.object({
  deploymentId: z.string(),
  promptId: z.string(),
  environment: z.string(),
  /** null when the environment was removed. */
  versionId: z.string().nullable(),
  revision: z.number().int(),
  at: ZIsoDateTime,
  /** What happened (optional: servers before rollouts did not say; absent means a move). */
  action: ZDeploymentAction.optional(),
  ...ZRolloutFacts.shape,
});
export type TDeploymentEvent = z.infer<typeof ZDeploymentEvent>;

/**
 * A prompt deleted, or one of its versions hidden (`event: prompt`): drop what is cached for it.
 * Pushed by the replica that made the change; other replicas' clients learn it by their cache TTL.
 */
export const ZPromptChangeEvent = z.object({
  promptId: z.string(),
  action: z.enum(["prompt-deleted", "version-hidden"]),
  versionId: z.string().nullable(),
});
export type TPromptChangeEvent = z.infer<typeof ZPromptChangeEvent>;

/**
 * A prompt created, renamed or retagged, or a version created (`event: registry`): for screens that list
 * prompts and versions. Resolution is unaffected (deployments and deletions have their own events).
 */
export const ZRegistryChangeEvent = z.object({
  promptId: z.string(),
  action: z.enum(["prompt-created", "prompt-updated", "version-created"]),
  /** The version created; null otherwise. */
  versionId: z.string().nullable(),
});
export type TRegistryChangeEvent = z.infer<typeof ZRegistryChangeEvent>;

/** The stream's first event: the server's clock, for clients that poll `/v1/deployments?since=`. */
export const ZStreamReadyEvent = z.object({ now: ZIsoDateTime });

/**
 * The most environments an organization may mark protected: the set is stored in one settings document
 * and read on every move, so it is bounded whatever admins send.
 */
export const MAX_PROTECTED_ENVIRONMENTS = 100;

/** The environments an organization protects when it never changed them. */
export const DEFAULT_PROTECTED_ENVIRONMENTS: readonly string[] = ["production"];

/**
 * The organization's protected environments, sorted: moving or removing them (or deploying a new version
 * to them) needs the `deployer` role; `member` keys may move the others. Every role may read it.
 */
export const ZProtectedEnvironments = z.array(z.string());
export type TProtectedEnvironments = z.infer<typeof ZProtectedEnvironments>;

/** Marks an environment protected (`protected: true`) or not (admin keys). Answers the new set. */
export const ZSetEnvironmentProtectionInput = z.object({
  environment: ZEnvironmentName,
  protected: z.boolean({ error: "protected must be true or false" }),
});
export type TSetEnvironmentProtectionInput = z.infer<typeof ZSetEnvironmentProtectionInput>;
