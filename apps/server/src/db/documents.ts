// Stored document shapes. Dates are BSON dates; contract types (ISO strings, camelCase) are made from
// these in the repositories' mappers, so nothing above the repository layer sees a raw document.
import type { ObjectId } from "mongodb";
import type { TApiKeyRole, TPromptChangeEvent, TPromptPartialRef, TRegistryChangeEvent, TTemplateVariable } from "@promptreg/contracts";

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
  action: "set" | "remove";
  versionId: string | null;
  previousVersionId: string | null;
  revision: number;
  at: Date;
  keyId: string | null;
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

export interface SettingDoc {
  _id: string;
  value: string;
}
