/**
 * How the rollout panel reads a rollout: each arm's figures from the per-version metrics (the window starts
 * at the rollout's start, the environment's calls only), the automatic rollback rule's state, what a weight
 * change does to subjects, and the start form's checks. Pure, so it is unit-tested.
 */
import type { TAutoRollbackRule, TRollout, TRolloutStatus, TVersionMetrics } from "@promptreg/contracts";

export interface Arms {
  stable: TVersionMetrics | null;
  candidate: TVersionMetrics | null;
}

/** The stable and candidate rows of a metrics answer (null: no call yet). */
export function armsOf(rollout: Pick<TRollout, "stableVersionId" | "candidateVersionId">, rows: readonly TVersionMetrics[]): Arms {
  return {
    stable: rows.find((r) => r.versionId === rollout.stableVersionId) ?? null,
    candidate: rows.find((r) => r.versionId === rollout.candidateVersionId) ?? null,
  };
}

export interface RuleState {
  /** The candidate's calls so far, and how many the rule waits for before it judges. */
  requests: number;
  minRequests: number;
  /** The rule judges once the candidate has at least minRequests calls. */
  armed: boolean;
  errorRate: number;
  maxErrorRate: number;
  errorRateExceeded: boolean;
  p95: number | null;
  maxP95LatencyMs: number | null;
  p95Exceeded: boolean;
  /** In words, for the panel. */
  summary: string;
}

/** Where the candidate stands against the rule, as the server judges it (the server acts within 10 s). */
export function ruleState(rule: TAutoRollbackRule, candidate: TVersionMetrics | null): RuleState {
  const requests = candidate?.requests ?? 0;
  const errorRate = candidate && candidate.requests > 0 ? candidate.errors / candidate.requests : 0;
  const p95 = candidate?.latencyMs.p95 ?? null;
  const armed = requests >= rule.minRequests;
  const errorRateExceeded = errorRate > rule.maxErrorRate;
  const maxP95LatencyMs = rule.maxP95LatencyMs ?? null;
  const p95Exceeded = maxP95LatencyMs !== null && p95 !== null && p95 > maxP95LatencyMs;
  const summary = !armed
    ? `Watching: ${rule.minRequests - requests} more call${rule.minRequests - requests === 1 ? "" : "s"} to the candidate before the rule judges.`
    : errorRateExceeded || p95Exceeded
      ? "Over the limit: the server rolls back within seconds."
      : "Judging: the candidate is within the limits.";
  return { requests, minRequests: rule.minRequests, armed, errorRate, maxErrorRate: rule.maxErrorRate, errorRateExceeded, p95, maxP95LatencyMs, p95Exceeded, summary };
}

/**
 * What changing the weight does: assignment is a hash of the subject into 10,000 buckets, and a subject
 * is on the candidate when its bucket is below weight × 100. Raising the weight moves subjects from stable
 * to candidate only; lowering it moves some back.
 */
export function weightChangeNote(from: number, to: number): string {
  if (to === from) return `The candidate serves ${formatWeight(from)} of calls.`;
  if (to > from) {
    return `Raising to ${formatWeight(to)}: about ${formatWeight(to - from)} of subjects move from stable to the candidate; no subject on the candidate moves back.`;
  }
  return `Lowering to ${formatWeight(to)}: about ${formatWeight(from - to)} of subjects who had the candidate go back to the stable version.`;
}

/** `10 %`, `2.5 %`, `0.25 %`. */
export function formatWeight(weight: number): string {
  return `${Number(weight.toFixed(2))} %`;
}

export const STATUS_TEXT: Record<TRolloutStatus, string> = {
  active: "In progress",
  promoted: "Promoted",
  aborted: "Aborted",
  rolled_back: "Rolled back automatically",
};

export interface StartForm {
  candidateVersionId: string;
  weight: string;
  autoRollback: boolean;
  /** Percent, as typed. */
  maxErrorRate: string;
  minRequests: string;
  /** Empty: no latency limit. */
  maxP95LatencyMs: string;
}

export interface StartCheck {
  errors: Partial<Record<keyof StartForm, string>>;
  weight: number | null;
  rule: TAutoRollbackRule | undefined;
}

/** The start form's problems, field by field, and what to send when there are none. */
export function checkStartForm(form: StartForm): StartCheck {
  const errors: StartCheck["errors"] = {};
  if (!form.candidateVersionId) errors.candidateVersionId = "Choose the version to roll out.";
  const weight = Number(form.weight);
  if (form.weight.trim() === "" || !Number.isFinite(weight) || weight < 0 || weight > 100) errors.weight = "A percentage from 0 to 100.";
  let rule: TAutoRollbackRule | undefined;
  if (form.autoRollback) {
    const rate = Number(form.maxErrorRate);
    if (form.maxErrorRate.trim() === "" || !Number.isFinite(rate) || rate < 0 || rate > 100) errors.maxErrorRate = "A percentage from 0 to 100.";
    const min = Number(form.minRequests);
    if (!Number.isInteger(min) || min < 1 || min > 1_000_000_000) errors.minRequests = "A whole number of calls, at least 1.";
    const p95 = form.maxP95LatencyMs.trim() === "" ? undefined : Number(form.maxP95LatencyMs);
    if (p95 !== undefined && (!Number.isFinite(p95) || p95 <= 0 || p95 > 3_600_000)) errors.maxP95LatencyMs = "Milliseconds above 0 (at most an hour), or empty for no latency limit.";
    if (!errors.maxErrorRate && !errors.minRequests && !errors.maxP95LatencyMs) {
      rule = { maxErrorRate: rate / 100, minRequests: min, ...(p95 === undefined ? {} : { maxP95LatencyMs: p95 }) };
    }
  }
  return { errors, weight: errors.weight ? null : weight, rule };
}
