import { LRUCache } from "lru-cache";
import type { TDeploymentAction } from "@promptreg/contracts";
import type { PromptChangeAction } from "../db/documents.js";

/** A change of an environment pointer, published after it is stored (local cache invalidation). */
export interface DeploymentChange {
  /** The deployment history entry's id: lets a replica tell changes it already published. */
  deploymentId: string;
  orgId: string;
  promptId: string;
  environment: string;
  versionId: string | null;
  revision: number;
  at: Date;
  /** What the entry did (a move when left out) and, for rollout changes, its facts (ZDeployment). */
  action?: TDeploymentAction;
  reason?: string;
  rolloutId?: string;
  candidateVersionId?: string;
  weight?: number;
  actor?: string;
}

export type DeploymentListener = (change: DeploymentChange) => void;

/**
 * A prompt was deleted or one of its versions hidden (what it resolves to may have changed), or, for
 * screens that list them, a prompt was created, renamed or retagged, or a version created.
 */
export interface PromptChange {
  /** The prompt change record's id: lets a replica tell changes it already published. */
  changeId: string;
  orgId: string;
  promptId: string;
  action: PromptChangeAction;
  versionId: string | null;
}

/**
 * An API key was revoked: this replica stops accepting it and ends the streams it opened. Other replicas
 * learn of it through the deployment feed (the key's `revokedAt`, read after the deployment clock moved).
 */
export interface KeyRevocation {
  keyId: string;
  orgId: string;
  /** The key's hash: what the authentication cache is keyed by. */
  hash: string;
}

/** An organization's protected environments changed: caches of them drop its entry. */
export interface ProtectionChange {
  orgId: string;
}

/**
 * In-process fan-out of changes that invalidate cached resolutions. Other replicas learn of them from the
 * database (DeploymentFeed): pointer changes from the deployment history, prompt changes from the
 * prompt_changes log, both within about one poll; caches' TTL bounds staleness when that fails.
 */
export class DeploymentEvents {
  readonly #listeners = new Set<DeploymentListener>();
  /**
   * Ids already delivered: a change reaches this bus twice when the deployment feed reads its history
   * entry before the replica that made it has published it locally. First one wins.
   */
  readonly #delivered = new LRUCache<string, true>({ max: 50_000 });
  readonly #promptListeners = new Set<(change: PromptChange) => void>();
  readonly #registryListeners = new Set<(change: PromptChange) => void>();
  /** Prompt change ids already delivered, for the same reason as #delivered. */
  readonly #deliveredPromptChanges = new LRUCache<string, true>({ max: 50_000 });

  subscribe(listener: DeploymentListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(change: DeploymentChange): void {
    if (this.#delivered.has(change.deploymentId)) return;
    this.#delivered.set(change.deploymentId, true);
    for (const listener of this.#listeners) listener(change);
  }

  /** Whether this change was delivered already (the feed skips those without a second look). */
  delivered(deploymentId: string): boolean {
    return this.#delivered.has(deploymentId);
  }

  /** Deletions and version hides: what caches of resolved prompts act on. */
  subscribePromptChanges(listener: (change: PromptChange) => void): () => void {
    this.#promptListeners.add(listener);
    return () => this.#promptListeners.delete(listener);
  }

  /**
   * Creations and edits (prompt created, renamed or retagged, version created): for change streams only.
   * Kept from the caches' listeners, which would otherwise drop a prompt's cached resolutions on every
   * replica whenever a version of it is created.
   */
  subscribeRegistryChanges(listener: (change: PromptChange) => void): () => void {
    this.#registryListeners.add(listener);
    return () => this.#registryListeners.delete(listener);
  }

  publishPromptChange(change: PromptChange): void {
    if (this.#deliveredPromptChanges.has(change.changeId)) return;
    this.#deliveredPromptChanges.set(change.changeId, true);
    const invalidating = change.action === "prompt-deleted" || change.action === "version-hidden";
    for (const listener of invalidating ? this.#promptListeners : this.#registryListeners) listener(change);
  }

  /** Whether this prompt change was delivered already (the feed skips those without a second look). */
  promptChangeDelivered(changeId: string): boolean {
    return this.#deliveredPromptChanges.has(changeId);
  }

  readonly #revocationListeners = new Set<(revocation: KeyRevocation) => void>();
  /** Keys whose revocation was delivered: a key is revoked once, whichever way this replica hears of it. */
  readonly #deliveredRevocations = new LRUCache<string, true>({ max: 50_000 });

  subscribeKeyRevocations(listener: (revocation: KeyRevocation) => void): () => void {
    this.#revocationListeners.add(listener);
    return () => this.#revocationListeners.delete(listener);
  }

  publishKeyRevocation(revocation: KeyRevocation): void {
    if (this.#deliveredRevocations.has(revocation.keyId)) return;
    this.#deliveredRevocations.set(revocation.keyId, true);
    for (const listener of this.#revocationListeners) listener(revocation);
  }

  readonly #protectionListeners = new Set<(change: ProtectionChange) => void>();

  /** An organization's protected environments changed (here, or on another replica: the deployment feed). */
  subscribeProtectionChanges(listener: (change: ProtectionChange) => void): () => void {
    this.#protectionListeners.add(listener);
    return () => this.#protectionListeners.delete(listener);
  }

  /** Not deduplicated: hearing it twice only drops a cache entry twice. */
  publishProtectionChange(change: ProtectionChange): void {
    for (const listener of this.#protectionListeners) listener(change);
  }

  readonly #closeListeners = new Set<() => void>();

  /**
   * Called when the process shuts down. Long-lived subscribers (event streams) end their answers then:
   * an open stream would otherwise count as a request in flight and hold the shutdown for its whole grace
   * period, on every restart of a replica that has prompt managers subscribed.
   */
  onClose(listener: () => void): () => void {
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  close(): void {
    for (const listener of [...this.#closeListeners]) listener();
    this.#closeListeners.clear();
  }
}
