// Rollouts (issue 14, API.md "Rollouts"): a candidate version serves a weight of one environment's gateway
// calls while the environment keeps pointing at its stable version; promote, abort, re-weight, and the
// automatic rollback.
//
// Where a rollout lives: on the environment pointer (EnvironmentDoc.rollout), the document the gateway's
// prompt snapshot already reads by `_id`, so the split costs no read of its own; every change of it is a
// transition of that pointer (EnvironmentsService.transition): an entry of the deployment history at the
// pointer's next revision, then the pointer's compare-and-set. That gives rollouts what moves have: one
// total order per environment (concurrent promote, abort, rollback and moves: exactly one wins each
// revision, the others decide again on top of it), the history, the deployment clock and feed (other
// replicas drop their cached snapshot within one poll) and the change stream, with no new machinery.
import { ObjectId } from "mongodb";
import type { TRollout, TRolloutRef, TStartRolloutInput } from "@promptreg/contracts";
import type { ActiveRolloutDoc, RolloutStateDoc } from "../db/documents.js";
import { withOwnDeadline, type Repositories } from "../db/index.js";
import { AppError, isDatabaseUnavailable } from "../errors.js";
import type { Logger } from "../logger.js";
import type { AnalyticsService } from "./analytics.service.js";
import { endRollout, type EnvironmentsService, type PointerTransition, type WriterScope } from "./environments.service.js";
import { requireRole } from "./permissions.js";
import type { RequestScope } from "./scope.js";
import type { VersionLookup } from "./version-lookup.js";

/** Who ends a rollout the evaluator rolled back (ZRollout.endedBy, and the history entry's actor). */
export const AUTO_ROLLBACK_ACTOR = "auto-rollback";
/** An active-rollout entry whose rollout never became active (its start lost a race, or died) is dropped after this. */
const STALE_ENTRY_MS = 60_000;

export function toRollout(promptId: string, environment: string, doc: RolloutStateDoc): TRollout {
  return {
    id: doc.id,
    promptId,
    environment,
    stableVersionId: doc.stableVersionId,
    candidateVersionId: doc.candidateVersionId,
    weight: doc.weight,
    status: doc.status,
    reason: doc.reason,
    autoRollback: doc.autoRollback === null ? null : { ...doc.autoRollback },
    startedAt: doc.startedAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
    endedAt: doc.endedAt?.toISOString() ?? null,
    startedByKeyId: doc.startedByKeyId,
    endedBy: doc.endedBy,
  };
}

const sameRule = (a: RolloutStateDoc["autoRollback"], b: RolloutStateDoc["autoRollback"]) =>
  JSON.stringify(a) === JSON.stringify(b);

/** A rollout's figures as the evaluator judges them. */
export interface CandidateFigures {
  requests: number;
  errors: number;
  errorRate: number;
  p95LatencyMs: number | null;
}

/** Why the rule trips on these figures (the reason stated on the rollback), or null when it holds. */
export function rollbackReason(rule: NonNullable<RolloutStateDoc["autoRollback"]>, figures: CandidateFigures): string | null {
  if (figures.requests < rule.minRequests) return null;
  const rate = (x: number) => String(Math.round(x * 1000) / 1000);
  if (figures.errorRate > rule.maxErrorRate) {
    return `candidate error rate ${rate(figures.errorRate)} over ${figures.requests} calls exceeds ${rate(rule.maxErrorRate)}`;
  }
  if (rule.maxP95LatencyMs !== undefined && figures.p95LatencyMs !== null && figures.p95LatencyMs > rule.maxP95LatencyMs) {
    return `candidate p95 latency ${Math.round(figures.p95LatencyMs)} ms over ${figures.requests} calls exceeds ${rule.maxP95LatencyMs} ms`;
  }
  return null;
}

export function createRolloutsService(
  repos: Repositories,
  lookup: VersionLookup,
  environments: EnvironmentsService,
  analytics: AnalyticsService,
) {
  const noActiveRollout = (ref: TRolloutRef, latest: RolloutStateDoc | null) =>
    new AppError(
      "CONFLICT",
      latest === null
        ? `environment ${ref.environment} of prompt ${ref.promptId} has no rollout`
        : `environment ${ref.environment} of prompt ${ref.promptId} has no active rollout (its latest, ${latest.id}, ended ${latest.status})`,
    );

  /** Ends the active rollout `expectedId` (any active one when undefined); null when there is none to end. */
  async function end(
    scope: WriterScope,
    ref: TRolloutRef,
    plan: (active: RolloutStateDoc, at: Date, stableVersionId: string | null) => Promise<PointerTransition> | PointerTransition,
    options: { expectedId?: string; refuse: boolean },
  ) {
    return environments.transition(scope, ref.promptId, ref.environment, async (current, at) => {
      const active = current.rollout?.status === "active" ? current.rollout : null;
      if (active === null || (options.expectedId !== undefined && active.id !== options.expectedId)) {
        if (options.refuse) throw noActiveRollout(ref, current.rollout);
        return null;
      }
      // Ending it takes it out of the index of active rollouts too (transition does).
      return plan(active, at, current.versionId);
    });
  }

  /**
   * The active rollout of an environment was started on `candidateVersionId`; if that version was deleted
   * meanwhile, the rollout is aborted and the start answers 409. Same argument as a move onto a version
   * being deleted (environments.service set): the delete hides, then looks for rollouts of it; the start
   * writes, then looks for the hide; at least one sees the other.
   */
  async function undoIfCandidateDeleted(scope: RequestScope, ref: TRolloutRef, rolloutId: string, candidateVersionId: string): Promise<void> {
    const prompt = await repos.prompts.findVisible(scope, ref.promptId);
    if (prompt !== null && !prompt.hiddenVersionIds.includes(candidateVersionId)) return;
    const reason = `candidate prompt version ${candidateVersionId} was deleted`;
    await end(scope, ref, (active, at, stable) => ({ action: "rollout-abort", versionId: stable, rollout: endRollout(active, "aborted", reason, scope.keyId, at) }), {
      expectedId: rolloutId,
      refuse: false,
    });
    throw new AppError("CONFLICT", `prompt version ${candidateVersionId} was deleted while the rollout was being started`);
  }

  /** Judges one active rollout; true when this call rolled it back. */
  async function evaluateOne(entry: ActiveRolloutDoc, now: number): Promise<boolean> {
    const scope = { orgId: entry.orgId, keyId: null };
    const ref = { promptId: entry.promptId, environment: entry.environment };
    const [{ rollout }, prompt] = await Promise.all([repos.environments.state(scope, entry.promptId, entry.environment), repos.prompts.findVisible(scope, entry.promptId)]);
    const isActive = rollout !== null && rollout.id === entry._id && rollout.status === "active";
    if (prompt === null || !isActive) {
      // Ended (its ender's cleanup failed), its prompt deleted, or a start that never became active.
      if (prompt === null || rollout?.id === entry._id || now - entry.createdAt.getTime() > STALE_ENTRY_MS) await repos.activeRollouts.remove(entry._id);
      return false;
    }
    const rule = rollout.autoRollback;
    if (rule === null) return false;
    // Since the start itself, not its minute: versionWindow takes out the candidate's calls of that minute
    // made before the start (a rollout of it that ended seconds before must not trip this one).
    const window = await analytics.versionWindow(scope, {
      promptId: entry.promptId,
      versionId: rollout.candidateVersionId,
      environment: entry.environment,
      since: rollout.startedAt,
    });
    const reason = rollbackReason(rule, { requests: window.requests, errors: window.errors, errorRate: window.errorRate, p95LatencyMs: window.latencyMs.p95 });
    if (reason === null) return false;
    const written = await end(
      scope,
      ref,
      (active, at, stable) => ({
        action: "rollout-rollback",
        versionId: stable,
        actor: AUTO_ROLLBACK_ACTOR,
        rollout: endRollout(active, "rolled_back", reason, AUTO_ROLLBACK_ACTOR, at),
      }),
      { expectedId: rollout.id, refuse: false },
    );
    return written !== null;
  }

  /**
   * One pass of the automatic rollback over every active rollout with a rule: reads the index of active
   * rollouts, each pointer by `_id`, and the candidate's figures from the metrics rollups (by `_id`).
   * Every replica runs it; the transition makes the rollback happen once (a replica that comes second
   * finds the rollout ended and writes nothing). Returns the rollouts it rolled back.
   */
  async function evaluate(now = Date.now(), onEntryError?: (rolloutId: string, error: unknown) => void, timeoutMs?: number): Promise<string[]> {
    // Outside a request the database work has no deadline of its own but the long background one: a tick
    // begun as the database went away would wait that long, and the evaluation resume as late. Each read
    // of the index and each rollout's judgement get the database timeout instead, as a request's work does.
    const bounded = <T>(work: () => Promise<T>): Promise<T> => (timeoutMs === undefined ? work() : withOwnDeadline(timeoutMs, work));
    const rolledBack: string[] = [];
    for (const entry of await bounded(() => repos.activeRollouts.all())) {
      try {
        if (await bounded(() => evaluateOne(entry, now))) rolledBack.push(entry._id);
      } catch (error) {
        // The database gone: the whole tick is skipped (the caller says so once). Anything else is this
        // rollout's own trouble and must not keep the others from being evaluated.
        if (isDatabaseUnavailable(error)) throw error;
        onEntryError?.(entry._id, error);
      }
    }
    return rolledBack;
  }

  return {
    /**
     * Starts a rollout of `versionId` behind `environment`, or changes the weight (and rule) of the active
     * one. A weight change keeps the rollout's id, so every subject keeps its bucket: assignment stays sticky,
     * and a rising weight only moves subjects to the candidate.
     */
    async start(scope: RequestScope, input: TStartRolloutInput): Promise<void> {
      requireRole(scope, "deployer", "start or change rollouts");
      const { version } = await lookup.versionOfPrompt(scope, input.promptId, input.versionId);
      const newId = new ObjectId().toHexString();
      const ref = { promptId: input.promptId, environment: input.environment };
      let startedId: string | null = null;
      await environments.transition(scope, input.promptId, input.environment, (current, at): PointerTransition | null => {
        startedId = null;
        if (current.versionId === null) {
          throw new AppError(
            "NOT_FOUND",
            `environment ${input.environment} of prompt ${input.promptId} points at no version: deploy a version to it before starting a rollout`,
          );
        }
        if (current.versionId === version._id) {
          throw new AppError("CONFLICT", `prompt version ${version._id} is the version ${input.environment} points at (the stable one): a rollout needs another version as its candidate`);
        }
        const active = current.rollout?.status === "active" ? current.rollout : null;
        if (active !== null) {
          if (active.candidateVersionId !== version._id) {
            throw new AppError(
              "CONFLICT",
              `a rollout of prompt version ${active.candidateVersionId} is active on ${input.environment}: promote or abort it before starting one of ${version._id}`,
            );
          }
          const autoRollback = input.autoRollback ?? active.autoRollback;
          // Nothing changes: no history entry for it.
          if (active.weight === input.weight && sameRule(active.autoRollback, autoRollback)) return null;
          return { action: "rollout-weight", versionId: current.versionId, rollout: { ...active, weight: input.weight, autoRollback, updatedAt: at } };
        }
        startedId = newId;
        return {
          action: "rollout-start",
          versionId: current.versionId,
          rollout: {
            id: newId,
            stableVersionId: current.versionId,
            candidateVersionId: version._id,
            weight: input.weight,
            status: "active",
            reason: null,
            autoRollback: input.autoRollback ?? null,
            startedAt: at,
            updatedAt: at,
            endedAt: null,
            startedByKeyId: scope.keyId,
            endedBy: null,
          },
          // Indexed before it can be active: the evaluator never misses an active rollout.
          before: () => repos.activeRollouts.add(scope, { id: newId, ...ref }),
        };
      });
      if (startedId !== null) await undoIfCandidateDeleted(scope, ref, startedId, version._id);
    },

    /** The environment's latest rollout (active or ended), or null. Every role may read it (the client's split). */
    async get(scope: RequestScope, ref: TRolloutRef): Promise<TRollout | null> {
      await lookup.visiblePrompt(scope, ref.promptId);
      const { rollout } = await repos.environments.state(scope, ref.promptId, ref.environment);
      return rollout === null ? null : toRollout(ref.promptId, ref.environment, rollout);
    },

    /** Moves the environment to the candidate (a move, in the history) and ends the rollout `promoted`. */
    async promote(scope: RequestScope, ref: TRolloutRef): Promise<void> {
      requireRole(scope, "deployer", "promote rollouts");
      await lookup.visiblePrompt(scope, ref.promptId);
      await end(
        scope,
        ref,
        async (active, at) => {
          const candidate = await repos.versions.findById(scope, active.candidateVersionId);
          if (candidate === null) throw new AppError("CONFLICT", `candidate prompt version ${active.candidateVersionId} no longer exists`);
          return {
            action: "rollout-promote",
            versionId: candidate._id,
            copy: candidate,
            rollout: endRollout(active, "promoted", `promoted: ${ref.environment} moved to prompt version ${candidate._id}`, scope.keyId, at),
          };
        },
        { refuse: true },
      );
    },

    /** Ends the active rollout `aborted`: every call goes to the stable version again. */
    async abort(scope: RequestScope, ref: TRolloutRef): Promise<void> {
      requireRole(scope, "deployer", "abort rollouts");
      await lookup.visiblePrompt(scope, ref.promptId);
      await end(
        scope,
        ref,
        (active, at, stable) => ({ action: "rollout-abort", versionId: stable, rollout: endRollout(active, "aborted", "aborted", scope.keyId, at) }),
        { refuse: true },
      );
    },

    evaluate,

    /**
     * Runs `evaluate` every `intervalMs` until stopped. While the database is unreachable the ticks fail
     * and are skipped: one warning when it goes, one note when it is back, nothing in between.
     */
    /** Evaluates every `intervalMs`; `timeoutMs` (the database timeout) bounds each database step of a tick. */
    startEvaluator(intervalMs: number, logger?: Logger, timeoutMs?: number): { stop(): void } {
      let timer: NodeJS.Timeout | undefined;
      let running = true;
      let failing = false;
      // A rollout whose evaluation keeps failing is logged once, not on every tick (bounded: ids are ours).
      const reported = new Set<string>();
      const onEntryError = (rolloutId: string, error: unknown) => {
        if (reported.has(rolloutId) || reported.size >= 10_000) return;
        reported.add(rolloutId);
        logger?.error({ err: error, rolloutId }, "rollout evaluation failed for this rollout");
      };
      const loop = () => {
        timer = setTimeout(() => {
          void (async () => {
            try {
              const ended = await evaluate(Date.now(), onEntryError, timeoutMs);
              if (failing) logger?.info("rollout evaluation resumed");
              failing = false;
              for (const id of ended) logger?.warn({ rolloutId: id }, "rollout rolled back automatically");
            } catch (error) {
              if (!failing) {
                if (isDatabaseUnavailable(error)) logger?.warn("rollout evaluation skipped: the database is unavailable");
                else logger?.error({ err: error }, "rollout evaluation failed");
              }
              failing = true;
            }
            if (running) loop();
          })();
        }, intervalMs);
        timer.unref();
      };
      loop();
      return {
        stop() {
          running = false;
          clearTimeout(timer);
        },
      };
    },
  };
}
export type RolloutsService = ReturnType<typeof createRolloutsService>;
