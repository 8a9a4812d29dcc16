import type { TVersionMetrics } from "@promptreg/contracts";
import { describe, expect, it } from "vitest";
import { armsOf, checkStartForm, formatWeight, ruleState, weightChangeNote } from "./rollouts";

const row = (versionId: string, requests: number, errors: number, p95: number | null = 100): TVersionMetrics =>
  ({
    versionId,
    majorVersion: 1,
    minorVersion: 0,
    requests,
    errors,
    errorRate: requests ? errors / requests : 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: null,
    pricedRequests: 0,
    latencyMs: { p50: 50, p95, p99: p95 },
  }) as unknown as TVersionMetrics;

describe("rollouts", () => {
  it("finds each arm's row; an arm without calls is null", () => {
    const arms = armsOf({ stableVersionId: "s", candidateVersionId: "c" }, [row("s", 9, 0), row("other", 3, 0)]);
    expect(arms.stable?.requests).toBe(9);
    expect(arms.candidate).toBeNull();
  });

  it("says how many calls the rule still waits for, then whether the candidate is over a limit", () => {
    const rule = { maxErrorRate: 0.1, minRequests: 20 };
    expect(ruleState(rule, null)).toMatchObject({ requests: 0, armed: false, summary: "Watching: 20 more calls to the candidate before the rule judges." });
    expect(ruleState(rule, row("c", 19, 10)).armed).toBe(false);
    expect(ruleState(rule, row("c", 20, 2))).toMatchObject({ armed: true, errorRateExceeded: false, summary: "Judging: the candidate is within the limits." });
    expect(ruleState(rule, row("c", 20, 3))).toMatchObject({ errorRate: 0.15, errorRateExceeded: true });
    expect(ruleState({ ...rule, maxP95LatencyMs: 500 }, row("c", 30, 0, 800))).toMatchObject({ p95Exceeded: true, summary: "Over the limit: the server rolls back within seconds." });
  });

  it("explains that raising the weight only moves subjects to the candidate, and lowering moves some back", () => {
    expect(weightChangeNote(10, 25)).toBe("Raising to 25 %: about 15 % of subjects move from stable to the candidate; no subject on the candidate moves back.");
    expect(weightChangeNote(50, 20)).toContain("go back to the stable version");
    expect(formatWeight(2.5)).toBe("2.5 %");
    expect(formatWeight(12.3456)).toBe("12.35 %");
  });

  it("checks the start form and builds the rule as the API takes it (a fraction)", () => {
    const form = { candidateVersionId: "c", weight: "10", autoRollback: true, maxErrorRate: "5", minRequests: "50", maxP95LatencyMs: "" };
    expect(checkStartForm(form)).toEqual({ errors: {}, weight: 10, rule: { maxErrorRate: 0.05, minRequests: 50 } });
    expect(checkStartForm({ ...form, maxP95LatencyMs: "1200" }).rule).toEqual({ maxErrorRate: 0.05, minRequests: 50, maxP95LatencyMs: 1200 });
    expect(checkStartForm({ ...form, autoRollback: false }).rule).toBeUndefined();
    const bad = checkStartForm({ candidateVersionId: "", weight: "120", autoRollback: true, maxErrorRate: "-1", minRequests: "2.5", maxP95LatencyMs: "0" });
    expect(Object.keys(bad.errors).sort()).toEqual(["candidateVersionId", "maxErrorRate", "maxP95LatencyMs", "minRequests", "weight"]);
    expect(bad.weight).toBeNull();
  });
});
