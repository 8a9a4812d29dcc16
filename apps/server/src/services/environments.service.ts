import {
  PRODUCTION_ENVIRONMENT,
  roleAtLeast,
  type TDeployment,
  type TDeploymentAction,
  type TDeploymentHistoryInput,
  type TDeploymentHistoryPage,
  type TEnvironmentPointer,
  type TPromptRef,
  type TRemoveEnvironmentInput,
  type TSetEnvironmentInput,
} from "@promptreg/contracts";
import type { DeploymentDoc, RolloutStateDoc, VersionDoc } from "../db/documents.js";
import type { PointerState } from "../db/environments.repository.js";
import { isDuplicateKeyError, type Repositories, type TenantScope } from "../db/index.js";
import { AppError } from "../errors.js";
import type { DeploymentEvents } from "./events.js";
import { KeyedMutex } from "./numbering.js";
import { requireRole } from "./permissions.js";
import type { ProtectionService } from "./protection.service.js";
import type { RequestScope } from "./scope.js";
import type { VersionLookup } from "./version-lookup.js";

/** How far back a runtime key's poll of the pointer changes may reach (changesSince). */
export const RUNTIME_CHANGES_WINDOW_MS = 15 * 60_000;

/**
 * One change of a pointer, decided from its current state (EnvironmentsService.transition): the entry it
 * appends and what the pointer holds after it.
 */
export interface PointerTransition {
  action: TDeploymentAction;
  /** The version the pointer names after the change (the same as before when only its rollout changes). */
  versionId: string | null;
  /** That version's document, when the pointer moves to it (copied beside the pointer). */
  copy?: VersionDoc;
  /** The environment's rollout after the change; left out when the change does not touch it. */
  rollout?: RolloutStateDoc;
  /** Why, for the entry (rollouts); the rollout's own reason when left out. */
  reason?: string;
  /** Who, for the entry: the calling key when left out (`"auto-rollback"` for the evaluator). */
  actor?: string;
  /** Run once the change is decided, before it is written (may run again when the change is retried). */
  before?: () => Promise<void>;
}

/** Who writes a pointer change: the organization, and the key named in the history (null: bootstrap or the server). */
export type WriterScope = TenantScope & { readonly keyId: string | null };

/** Who made a change, as entries of rollout changes say it. */
export const actorOf = (keyId: string | null): string => keyId ?? "bootstrap";

/** The rollout facts of an entry: the rollout it changed, if any (entries of plain moves have none). */
function rolloutFacts(change: PointerTransition, keyId: string | null): Pick<TDeployment, "reason" | "rolloutId" | "candidateVersionId" | "weight" | "actor"> {
  const rollout = change.rollout;
  if (rollout === undefined) return {};
  const reason = change.reason ?? rollout.reason;
  return {
    ...(reason !== null && { reason }),
    rolloutId: rollout.id,
    candidateVersionId: rollout.candidateVersionId,
    weight: rollout.weight,
    actor: change.actor ?? actorOf(keyId),
  };
}

/** The rollout ended with `status` at `at` by `endedBy` (a key id, "auto-rollback", null for the bootstrap key). */
export function endRollout(rollout: RolloutStateDoc, status: "promoted" | "aborted" | "rolled_back", reason: string, endedBy: string | null, at: Date): RolloutStateDoc {
  return { ...rollout, status, reason, endedAt: at, updatedAt: at, endedBy };
}

/** Bounds the retries of one move when many replicas move the same pointer at once. */
const MAX_MOVE_ATTEMPTS = 200;

export function createEnvironmentsService(repos: Repositories, lookup: VersionLookup, events: DeploymentEvents, protection: ProtectionService) {
  const movers = new KeyedMutex();

  /**
   * Changes a pointer (its version, its rollout, or both) without transactions and without trusting
   * read-modify-write updates (FerretDB loses concurrent ones):
   * 1. read the pointer (version, rollout, revision r) and decide the change from it (`plan`);
   * 2. append history entry r+1: its unique index lets exactly one concurrent writer win revision r+1;
   * 3. the winner advances the pointer by compare-and-set from r; a loser rolls the pointer forward to the
   *    winner's entry (same values) and decides again on top of it. A crash between 2 and 3 heals the same way.
   * Then the deployment clock ticks (other replicas' caches) and local listeners hear of it.
   *
   * Why concurrent moves, promotions, aborts and rollbacks of one environment stay consistent, on one
   * replica or many: every one of them is such a transition, so they are totally ordered by revision, and
   * each is decided from the state left by the one before it. A promote that loses revision r+1 to an
   * abort re-reads, finds no active rollout and answers 409 without writing; a rollback finds the rollout
   * ended (or another one) and does nothing; a move that loses simply moves on top. A rollout therefore
   * has exactly one terminal entry. `plan` answering null means there is nothing to write.
   * A pointer's first move records the environment's name on the prompt first (PromptDoc.environments),
   * unless the caller did (`recorded`: a prompt created with its production pointer).
   */
  async function transition(
    scope: WriterScope,
    promptId: string,
    environment: string,
    plan: (current: PointerState, at: Date) => Promise<PointerTransition | null> | PointerTransition | null,
    options: { recorded?: boolean } = {},
  ): Promise<TDeployment | null> {
    // Within one replica, changes of one pointer queue up instead of racing for the same revision.
    return movers.run(`${scope.orgId}:${promptId}:${environment}`, async () => {
      for (let attempt = 0; attempt < MAX_MOVE_ATTEMPTS; attempt++) {
        const current = await repos.environments.state(scope, promptId, environment);
        const at = new Date();
        const change = await plan(current, at);
        if (change === null) return null;
        if (current.revision === 0 && change.versionId !== null && options.recorded !== true) {
          // Readers find a prompt's pointers through these names: the name goes in before the pointer.
          await repos.prompts.addEnvironments(scope, promptId, [environment]);
        }
        await change.before?.();
        const facts = rolloutFacts(change, scope.keyId);
        let entry: TDeployment;
        try {
          entry = await repos.deployments.append(scope, {
            promptId,
            environment,
            action: change.action,
            versionId: change.versionId,
            previousVersionId: current.versionId,
            revision: current.revision + 1,
            at,
            keyId: scope.keyId,
            ...facts,
            ...(change.rollout !== undefined && { rollout: change.rollout }),
          });
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
          const winner = await repos.deployments.atRevision(scope, promptId, environment, current.revision + 1);
          if (winner) {
            await repos.environments.advance(scope, promptId, environment, current.revision, {
              versionId: winner.versionId,
              at: winner.at,
              keyId: winner.keyId,
              rollout: winner.rollout,
            });
          }
          continue;
        }
        // The copy first: once the pointer names the version, readers find its copy in the same round trip.
        if (change.copy) await repos.pointerCopies.put(scope, promptId, environment, change.copy);
        await repos.environments.advance(scope, promptId, environment, current.revision, {
          versionId: change.versionId,
          at,
          keyId: scope.keyId,
          rollout: change.rollout,
        });
        await repos.deploymentClock.tick();
        events.publish({
          deploymentId: entry.id,
          orgId: scope.orgId,
          promptId,
          environment,
          versionId: change.versionId,
          revision: entry.revision,
          at,
          action: change.action,
          ...facts,
        });
        // A change that ended the active rollout (promote, abort, rollback, a move) takes it out of the index
        // of active rollouts. Housekeeping of a change stored and announced: a failure here must not fail,
        // and so repeat, the change (the evaluator drops entries of ended rollouts itself).
        const active = current.rollout?.status === "active" ? current.rollout : null;
        if (active && change.rollout !== undefined && !(change.rollout.id === active.id && change.rollout.status === "active")) {
          await repos.activeRollouts.remove(active.id).catch(() => undefined);
        }
        // The prompt's last change, for lists sorted by it. The move itself is stored and announced: a
        // failure here only leaves that date behind, and must not fail (and so repeat) the deployment.
        await repos.prompts.touch(promptId, at).catch(() => undefined);
        return entry;
      }
      throw new AppError("CONFLICT", `too many concurrent changes of environment ${environment}; try again`);
    });
  }

  /**
   * Moves (or clears, with `target` null) a pointer. `expected` makes the move conditional on what the
   * pointer holds now (removal). A move while a rollout is active ends it in the same entry: `promoted`
   * when the environment moves to the candidate, `aborted` otherwise (the stable version it was measured
   * against is gone); a "move" to the version the environment already points at leaves it running.
   */
  async function move(
    scope: RequestScope,
    promptId: string,
    environment: string,
    target: VersionDoc | null,
    options: { expected?: string; recorded?: boolean } = {},
  ): Promise<TDeployment> {
    const { expected } = options;
    const entry = await transition(
      scope,
      promptId,
      environment,
      (current, at) => {
        if (expected !== undefined && current.versionId !== expected) {
          throw new AppError("NOT_FOUND", `environment ${environment} does not point at prompt version ${expected}`);
        }
        const versionId = target?._id ?? null;
        const change: PointerTransition = { action: target === null ? "remove" : "set", versionId, ...(target && { copy: target }) };
        const rollout = current.rollout;
        if (rollout?.status !== "active" || versionId === current.versionId) return change;
        const promoted = versionId === rollout.candidateVersionId;
        const reason = versionId === null
          ? `environment ${environment} was removed`
          : `environment ${environment} moved to ${promoted ? "the candidate version" : "prompt version"} ${versionId}`;
        return { ...change, rollout: endRollout(rollout, promoted ? "promoted" : "aborted", reason, scope.keyId, at) };
      },
      options,
    );
    // A plan that never answers null: the entry is always there.
    return entry!;
  }

  /**
   * A page of a prompt's history, newest first, and the cursor of the next (null on the last page). A
   * cursor that names no entry of this prompt's history (or of this environment's) is refused: reading
   * from it would silently restart or skip.
   */
  async function historyPage(scope: RequestScope, input: TDeploymentHistoryInput): Promise<TDeploymentHistoryPage> {
    requireRole(scope, "member", "read the deployment history");
    await lookup.visiblePrompt(scope, input.promptId);
    let after: DeploymentDoc | undefined;
    if (input.cursor !== undefined) {
      const entry = await repos.deployments.findById(scope, input.cursor);
      if (!entry || entry.promptId !== input.promptId || (input.environment !== undefined && entry.environment !== input.environment)) {
        throw new AppError("BAD_REQUEST", `cursor ${input.cursor} is not an entry of this history; start again without a cursor`);
      }
      after = entry;
    }
    // One more than asked says whether there is a next page without a count.
    const entries = await repos.deployments.history(scope, input.promptId, input.environment, input.limit + 1, after);
    const items = entries.slice(0, input.limit);
    return { items, nextCursor: entries.length > input.limit ? items.at(-1)!.id : null };
  }

  return {
    /** Points an environment at a version (internal: the caller has checked the version). */
    transition,

    movePointer: (scope: RequestScope, promptId: string, environment: string, version: VersionDoc, options?: { recorded?: boolean }) =>
      move(scope, promptId, environment, version, options),

    /**
     * Points an environment at a version of the same prompt, moving it if it pointed elsewhere.
     *
     * A concurrent delete of that version hides it, then looks for pointers at it (versions.service
     * remove). This move writes its pointer, then looks whether the version was hidden meanwhile: with
     * both sides writing before they look, at least one sees the other, so a pointer never stays on a
     * deleted version. When this side sees it, the move is undone and answers 409.
     */
    async set(scope: RequestScope, input: TSetEnvironmentInput): Promise<void> {
      await protection.requireMove(scope, input.environment, "move");
      const { version } = await lookup.versionOfPrompt(scope, input.promptId, input.versionId);
      const entry = await move(scope, input.promptId, input.environment, version);
      const prompt = await repos.prompts.findVisible(scope, input.promptId);
      if (prompt === null || !prompt.hiddenVersionIds.includes(version._id)) return;
      const previous = entry.previousVersionId === null ? null : await repos.versions.findById(scope, entry.previousVersionId);
      try {
        await move(scope, input.promptId, input.environment, previous, { expected: version._id });
      } catch (error) {
        // Moved on by someone else meanwhile: the pointer no longer names the deleted version.
        if (!(error instanceof AppError && error.code === "NOT_FOUND")) throw error;
      }
      throw new AppError("CONFLICT", `prompt version ${version._id} was deleted while ${input.environment} was being moved to it`);
    },

    async remove(scope: RequestScope, input: TRemoveEnvironmentInput): Promise<void> {
      await protection.requireMove(scope, input.environment, "remove");
      // Unknown ids first: 404 whatever else is wrong with the request (API.md).
      await lookup.versionOfPrompt(scope, input.promptId, input.versionId);
      if (input.environment === PRODUCTION_ENVIRONMENT) {
        throw new AppError(
          "BAD_REQUEST",
          "the production environment cannot be removed; move it to another version instead",
        );
      }
      await move(scope, input.promptId, input.environment, null, { expected: input.versionId });
    },

    async listForPrompt(scope: RequestScope, input: TPromptRef): Promise<TEnvironmentPointer[]> {
      requireRole(scope, "member", "list a prompt's environments");
      return lookup.pointersOf(scope, await lookup.visiblePrompt(scope, input.promptId));
    },

    /**
     * What a change stream that dropped after entry `lastId` missed (its SSE Last-Event-ID), oldest first,
     * at most `limit` (ask for one more than you replay to learn whether there were more); "unknown" when
     * no such entry is the caller's.
     */
    async changesAfter(scope: RequestScope, lastId: string, limit: number): Promise<TDeployment[] | "unknown"> {
      const last = await repos.deployments.findById(scope, lastId);
      if (!last) return "unknown";
      // From the last seen entry's time on: it is among them (and same-millisecond ones, replayed again).
      const since = await repos.deployments.changesSince(scope, last.at, limit + 1);
      return since.filter((d) => d.id !== lastId).slice(0, limit);
    },

    /**
     * The organization's pointer changes since a time, oldest first (clients' polling fallback). A runtime
     * key (an application's) polls only to refresh what it cached, so it reads the last
     * RUNTIME_CHANGES_WINDOW_MS at most and without who made each change: the whole history would list every
     * prompt and environment of the organization to a key meant to fetch known prompts. A client whose
     * cursor is older than that has not heard from the server for as long, so everything it cached is past
     * its pointer TTL and is revalidated on use anyway.
     */
    async changesSince(scope: RequestScope, since: Date, limit: number): Promise<TDeployment[]> {
      if (roleAtLeast(scope.role, "member")) return repos.deployments.changesSince(scope, since, limit);
      const earliest = new Date(Date.now() - RUNTIME_CHANGES_WINDOW_MS);
      const changes = await repos.deployments.changesSince(scope, since < earliest ? earliest : since, limit);
      return changes.map(({ actor: _who, ...change }) => ({ ...change, keyId: null }));
    },

    /** Distinct environment names in use in the organization, sorted. */
    async inUse(scope: RequestScope): Promise<string[]> {
      requireRole(scope, "member", "list environments");
      return repos.environments.distinctInUse(scope);
    },

    async history(scope: RequestScope, input: TDeploymentHistoryInput): Promise<TDeployment[]> {
      return (await historyPage(scope, input)).items;
    },

    historyPage,
  };
}
export type EnvironmentsService = ReturnType<typeof createEnvironmentsService>;
