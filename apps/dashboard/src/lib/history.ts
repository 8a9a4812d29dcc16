/**
 * How the deployment history reads: what each entry did (a deployment, a rollback, a removal, a rollout
 * started, re-weighted, promoted, aborted or rolled back automatically), which entry is live for its
 * environment (exactly one per environment that serves a version), and which entries can be undone from
 * the history.
 */
import type { TDeployment, TEnvironmentPointer, TPromptVersion } from "@promptreg/contracts";
import { byNumberDesc } from "./versions";

export type HistoryAction =
  | "deployed"
  | "rolled-back"
  | "removed"
  | "rollout-start"
  | "rollout-weight"
  | "rollout-promote"
  | "rollout-abort"
  | "rollout-rollback";

type Numbered = Pick<TPromptVersion, "majorVersion" | "minorVersion">;

/**
 * A move to an older version number than the environment served before is a rollback (whether made with
 * Roll back or by deploying an old version); a removal is a removal; anything else is a deployment.
 * Deleted versions have no known number: their moves read as deployments.
 */
export function historyAction(entry: TDeployment, numberOf: (versionId: string) => Numbered | undefined): HistoryAction {
  if (entry.action === "remove") return "removed";
  if (entry.action !== "set") return entry.action;
  if (entry.versionId === null || entry.previousVersionId === null) return "deployed";
  const now = numberOf(entry.versionId);
  const before = numberOf(entry.previousVersionId);
  return now && before && byNumberDesc(now, before) > 0 ? "rolled-back" : "deployed";
}

export interface HistoryRow {
  entry: TDeployment;
  action: HistoryAction;
  /** The entry the environment's pointer holds now: exactly one per environment that serves a version. */
  live: boolean;
  /** The newest entry of its environment (among those loaded, which are loaded newest first). */
  latest: boolean;
}

/**
 * The rows of a history read newest first (pages appended in order). `pointers` are the environments'
 * current pointers: an entry is live when it set the revision its environment's pointer is at.
 */
export function historyRows(entries: readonly TDeployment[], pointers: readonly TEnvironmentPointer[], numberOf: (versionId: string) => Numbered | undefined): HistoryRow[] {
  const revisionOf = new Map(pointers.map((p) => [p.environment, p.revision]));
  const seen = new Set<string>();
  return entries.map((entry) => {
    const latest = !seen.has(entry.environment);
    seen.add(entry.environment);
    // Every entry but a removal leaves the environment pointing at a version (a rollout's entries too: they
    // change the pointer's rollout state, and with it its revision).
    const live = latest && entry.action !== "remove" && entry.versionId !== null && revisionOf.get(entry.environment) === entry.revision;
    return { entry, action: historyAction(entry, numberOf), live, latest };
  });
}

/**
 * What the history offers to undo on a row: the newest entry of an environment can be undone by pointing
 * the environment back at the version it replaced (a rollback, or a restore after a removal), when that
 * version still exists and is not what the environment serves now.
 */
export function undoTarget(row: HistoryRow, current: ReadonlyMap<string, string>, exists: (versionId: string) => boolean): string | null {
  const previous = row.entry.previousVersionId;
  // A rollout's start, weight change or end leaves the pointer where it was: nothing to undo there (its
  // promotion is a move, and can be rolled back like one).
  if (row.entry.action !== "set" && row.entry.action !== "remove" && row.entry.action !== "rollout-promote") return null;
  if (!row.latest || previous === null || !exists(previous) || current.get(row.entry.environment) === previous) return null;
  return previous;
}
