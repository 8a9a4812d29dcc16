// Stored document shapes. Dates are BSON dates; contract types (ISO strings, camelCase) are made from
// these in the repositories' mappers, so nothing above the repository layer sees a raw document.
import type { ObjectId } from "mongodb";
import type { TApiKeyRole, TDeploymentAction, TPromptChangeEvent, TPromptPartialRef, TRegistryChangeEvent, TTemplateVariable } from "@promptreg/contracts";

export type PromptChangeAction = TPromptChangeEvent["action"] | TRegistryChangeEvent["action"];

export interface OrganizationDoc {
  _id: string;
  name: string;
  createdAt: Date;
}

export interface ApiKeyDoc {
  _id: string;
  orgId: string;
  name: string;
  role: TApiKeyRole;
  prefix: string;
  /** SHA-256 of the secret, hex. Keys are 192-bit random, so a fast hash is enough (no dictionary to try). */
  hash: string;
  createdAt: Date;
  revokedAt: Date | null;
  /**
   * 2 on keys created since roles got finer (issue 14). A key without it was created when `member` could
   * move production and delete; it keeps those powers: `member` without this marker reads as `deployer`
   * (api-keys.repository effectiveRole). A read-time rule, not a rewrite: replicas of both versions can
   * serve during a rolling deploy.
   */
  roleScheme?: 2;
}

export interface PromptDoc {
  _id: string;
  orgId: string;
  name: string;
  tags: string[];
  createdAt: Date;
  /**
   * `pending` while creation (prompt, version 1.0, production pointer) is under way; only `active`
   * prompts are visible, so a creation that dies half-way leaves nothing anyone can see.
   */
  state: "pending" | "active";
  deletedAt: Date | null;
  /**
   * Its last change: a version created or hidden, a pointer moved, a rename, new tags (prompt lists sort
   * by it). Absent on prompts stored before it existed, until their next change.
   */
  updatedAt?: Date;
  /** Creation counter of versions: orders versions created in the same millisecond. */
  versionSeq: number;
  /** Versions hidden by DELETE; version documents themselves are never modified. */
  hiddenVersionIds: string[];
  /**
   * Every environment name that has a pointer document for this prompt, recorded before the pointer is
   * first written, so a prompt's pointers are read by `_id` (a scan on the embedded database otherwise).
   * Absent on prompts created before it existed: readers then query the pointers.
   */
  environments?: string[];
  /**
   * Versions whose creation has started but that may not be in the version index yet (write-ahead, see
   * version-index.repository.ts): recorded with the creation counter, removed once indexed. Absent when none.
   */
  pendingVersions?: PendingVersion[];
}

export interface PendingVersion {
  id: string;
  at: Date;
}

export interface VersionDoc {
  _id: string;
  orgId: string;
  promptId: string;
  major: number;
  minor: number;
  /** From PromptDoc.versionSeq at creation: breaks createdAt ties in creation order. */
  seq: number;
  commitMessage: string;
  model: string;
  /**
   * The prompt body as the JSON text it was received as (re-serialised once). Kept as text so JSON-schema
   * keys such as `$ref`, key order and number forms survive exactly, whatever the database allows in keys.
   */
  body: string;
  variables: TTemplateVariable[];
  partials: TPromptPartialRef[];
  /** Legacy subversion metadata, JSON text. */
  metadata: string | null;
  experimentId: string | null;
  createdAt: Date;
  createdByKeyId: string | null;
}

export interface EnvironmentDoc {
  /** `${promptId}:${environment}`: one pointer per (prompt, environment) by construction. */
  _id: string;
  orgId: string;
  promptId: string;
  environment: string;
  /** null once removed (kept as a tombstone so `revision` keeps counting). */
  versionId: string | null;
  revision: number;
  updatedAt: Date;
  updatedByKeyId: string | null;
  /** Set when the prompt is deleted, so its environments leave the distinct list. */
  promptDeleted?: boolean;
  /**
   * The environment's latest rollout, active or ended (absent when it never had one). Kept on the pointer
   * so the hot path finds the split in the read it already makes, and written only with the pointer's
   * compare-and-set on `revision`, from the history entry that changed it.
   */
  rollout?: RolloutStateDoc;
}

/** A rollout as stored on its environment's pointer and on the history entries that change it. */
export interface RolloutStateDoc {
  id: string;
  stableVersionId: string;
  candidateVersionId: string;
  weight: number;
  status: "active" | "promoted" | "aborted" | "rolled_back";
  reason: string | null;
  autoRollback: { maxErrorRate: number; minRequests: number; maxP95LatencyMs?: number | undefined } | null;
  startedAt: Date;
  updatedAt: Date;
  endedAt: Date | null;
  startedByKeyId: string | null;
  endedBy: string | null;
}

/**
 * One active rollout, under its id: the collection holds only active rollouts (inserted before a rollout
 * starts, deleted once it ends), so the evaluator reads exactly those instead of scanning every pointer.
 */
export interface ActiveRolloutDoc {
  _id: string;
  orgId: string;
  promptId: string;
  environment: string;
  /** Entries of starts that lost their race (or whose starter died) are cleaned up once this old. */
  createdAt: Date;
}

/** The version an environment pointer points at, copied under the pointer's `_id` (see pointer-copies). */
export interface PointerCopyDoc {
  _id: string;
  orgId: string;
  promptId: string;
  environment: string;
  version: VersionDoc;
}

export interface DeploymentDoc {
  _id: ObjectId;
  orgId: string;
  promptId: string;
  environment: string;
  action: TDeploymentAction;
  versionId: string | null;
  previousVersionId: string | null;
  revision: number;
  at: Date;
  keyId: string | null;
  reason?: string;
  rolloutId?: string;
  candidateVersionId?: string;
  weight?: number;
  actor?: string;
  /**
   * The environment's rollout after this entry, when the entry changed it: whoever advances the pointer
   * to this entry (its writer, or a mover rolling it forward) writes exactly this.
   */
  rollout?: RolloutStateDoc;
}

/**
 * One prompt deletion or version hide, for other replicas' caches, or a creation or edit, for other
 * replicas' change streams (`event: registry`); inserted, never changed.
 */
export interface PromptChangeDoc {
  _id: ObjectId;
  orgId: string;
  promptId: string;
  action: PromptChangeAction;
  /** The hidden or created version; null otherwise. */
  versionId: string | null;
  at: Date;
}

/** An organization's settings (`_id`: the organization id): one document, updated under its lock. */
export interface OrganizationSettingsDoc {
  _id: string;
  orgId: string;
  /** Sorted, distinct. Absent until an admin changes it: the default (production) applies. */
  protectedEnvironments: string[];
  updatedAt: Date;
}

export interface SettingDoc {
  _id: string;
  value: string;
}

/** A version as listings show it: everything but the body. Versions never change, so neither does this. */
export interface VersionIndexEntry {
  id: string;
  major: number;
  minor: number;
  seq: number;
  commitMessage: string;
  model: string;
  createdAt: Date;
  variables: TTemplateVariable[];
  partials: TPromptPartialRef[];
}

/** Per chunk of a prompt's version index: how many entries it holds and the range of their majors. */
export interface VersionChunkStats {
  n: number;
  lo: number;
  hi: number;
}

/**
 * A prompt's version index (`_id`: the prompt id): which chunks exist and their sizes. Listing, counting
 * and the highest major read this and a few chunks by `_id`, whatever the size of the registry.
 */
export interface VersionIndexDoc {
  _id: string;
  orgId: string;
  /** Names this index's chunks: a backfill writes a fresh build and only the one recorded here is read. */
  build: string;
  /**
   * Per chunk `[chunk, n, lo, hi]` (VersionChunkStats), as JSON text: 2,000 chunks at 100k versions, which
   * FerretDB took ~0.4 s to read and rewrite as sub-documents, and reads as one string at once.
   */
  chunks: string;
}

/** Versions `seq` in [chunk × size, (chunk + 1) × size) of one prompt; `_id` `${promptId}:${build}:${chunk}`. */
export interface VersionChunkDoc {
  _id: string;
  orgId: string;
  promptId: string;
  chunk: number;
  /**
   * Keyed by `v` + the version id (escaped): written with `$set` of one field, idempotently. Each entry is
   * its JSON text: FerretDB converts every nested field of a document on each read and update, and a chunk
   * of 100 entries as documents cost ~60 ms per update under load, ~9 ms as text.
   */
  entries: Record<string, string>;
}

/** A prompt as the prompt list shows it. */
export interface PromptIndexEntry {
  id: string;
  name: string;
  tags: string[];
  createdAt: Date;
}

/** Marks a prompt whose list entry may not match its document (a change in flight, or one that died). */
export interface DirtyPrompt {
  id: string;
  at: Date;
}

/**
 * An organization's prompt index (`_id`: the organization id): the prompt list, count and tags read it and
 * its `k` chunks by `_id`. `build` null: created by a writer before the organization's prompts were indexed
 * (a backfill builds it).
 */
export interface PromptIndexDoc {
  _id: string;
  orgId: string;
  build: string | null;
  /** Number of chunks; a prompt's entry lives in chunk hash(prompt id) mod k. */
  k: number;
  dirty: DirtyPrompt[];
  /**
   * Marks whose writers finished before the index was built (`build` null then): their changes are stored,
   * so the build may drop them once it has read those prompts.
   */
  settled?: DirtyPrompt[];
}

/** `_id` `${orgId}:${build}:${i}`. Entries as JSON text, as in VersionChunkDoc. */
export interface PromptIndexChunkDoc {
  _id: string;
  orgId: string;
  entries: Record<string, string>;
}
