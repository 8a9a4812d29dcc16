import {
  PRODUCTION_ENVIRONMENT,
  type TDeployment,
  type TDeploymentHistoryInput,
  type TDeploymentHistoryPage,
  type TEnvironmentPointer,
  type TPromptRef,
  type TRemoveEnvironmentInput,
  type TSetEnvironmentInput,
} from "@promptreg/contracts";
import type { DeploymentDoc, VersionDoc } from "../db/documents.js";
import { isDuplicateKeyError, type Repositories } from "../db/index.js";
import { AppError } from "../errors.js";
import type { DeploymentEvents } from "./events.js";
import { KeyedMutex } from "./numbering.js";
import { requireRole } from "./permissions.js";
import type { ProtectionService } from "./protection.service.js";
import type { RequestScope } from "./scope.js";
import type { VersionLookup } from "./version-lookup.js";

/** Bounds the retries of one move when many replicas move the same pointer at once. */
const MAX_MOVE_ATTEMPTS = 200;

export function createEnvironmentsService(repos: Repositories, lookup: VersionLookup, events: DeploymentEvents, protection: ProtectionService) {
  const movers = new KeyedMutex();

  /**
   * Moves (or clears, with `target` null) a pointer, without transactions and without trusting
   * read-modify-write updates (FerretDB loses concurrent ones):
   * 1. read the pointer (version, revision r);
   * 2. append history entry r+1: its unique index lets exactly one concurrent mover win revision r+1;
   * 3. the winner advances the pointer by compare-and-set from r; a loser rolls the pointer forward to the
   *    winner's entry (same values) and retries on top of it. A crash between 2 and 3 heals the same way.
   * Then the deployment clock ticks (other replicas' caches) and local listeners hear of it.
   * `expected` makes the move conditional on what the pointer holds now (removal). A pointer's first
   * move records the environment's name on the prompt first (PromptDoc.environments), unless the caller
   * did (`recorded`: a prompt created with its production pointer).
   */
  async function move(
    scope: RequestScope,
    promptId: string,
    environment: string,
    target: VersionDoc | null,
    options: { expected?: string; recorded?: boolean } = {},
  ): Promise<TDeployment> {
    const { expected } = options;
    // Within one replica, moves of one pointer queue up instead of racing for the same revision.
    return movers.run(`${scope.orgId}:${promptId}:${environment}`, async () => {
      for (let attempt = 0; attempt < MAX_MOVE_ATTEMPTS; attempt++) {
        const current = await repos.environments.state(scope, promptId, environment);
        if (expected !== undefined && current.versionId !== expected) {
          throw new AppError("NOT_FOUND", `environment ${environment} does not point at prompt version ${expected}`);
        }
        if (current.revision === 0 && target !== null && options.recorded !== true) {
          // Readers find a prompt's pointers through these names: the name goes in before the pointer.
          await repos.prompts.addEnvironments(scope, promptId, [environment]);
        }
        const targetId = target?._id ?? null;
        const change = { versionId: targetId, at: new Date(), keyId: scope.keyId };
        let entry: TDeployment;
        try {
          entry = await repos.deployments.append(scope, {
            promptId,
            environment,
            action: target === null ? "remove" : "set",
            versionId: targetId,
            previousVersionId: current.versionId,
            revision: current.revision + 1,
            at: change.at,
            keyId: scope.keyId,
          });
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
          const winner = await repos.deployments.atRevision(scope, promptId, environment, current.revision + 1);
          if (winner) {
            await repos.environments.advance(scope, promptId, environment, current.revision, {
              versionId: winner.versionId,
              at: winner.at,
              keyId: winner.keyId,
            });
          }
          continue;
        }
        // The copy first: once the pointer names the version, readers find its copy in the same round trip.
        if (target) await repos.pointerCopies.put(scope, promptId, environment, target);
        await repos.environments.advance(scope, promptId, environment, current.revision, change);
        await repos.deploymentClock.tick();
        events.publish({
          deploymentId: entry.id,
          orgId: scope.orgId,
          promptId,
          environment,
          versionId: targetId,
          revision: entry.revision,
          at: change.at,
        });
        // The prompt's last change, for lists sorted by it. The move itself is stored and announced: a
        // failure here only leaves that date behind, and must not fail (and so repeat) the deployment.
        await repos.prompts.touch(promptId, change.at).catch(() => undefined);
        return entry;
      }
      throw new AppError("CONFLICT", `too many concurrent changes of environment ${environment}; try again`);
    });
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

    /** The organization's pointer changes since a time, oldest first (clients' polling fallback). */
    async changesSince(scope: RequestScope, since: Date, limit: number): Promise<TDeployment[]> {
      return repos.deployments.changesSince(scope, since, limit);
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
