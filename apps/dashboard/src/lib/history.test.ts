import type { TDeployment, TEnvironmentPointer } from "@promptreg/contracts";
import { describe, expect, it } from "vitest";
import { historyAction, historyRows, undoTarget } from "./history";

const numbers: Record<string, { majorVersion: number; minorVersion: number }> = {
  v10: { majorVersion: 1, minorVersion: 0 },
  v11: { majorVersion: 1, minorVersion: 1 },
  v20: { majorVersion: 2, minorVersion: 0 },
};
const numberOf = (id: string) => numbers[id];

let seq = 0;
function entry(environment: string, action: TDeployment["action"], versionId: string | null, previousVersionId: string | null, revision: number): TDeployment {
  seq += 1;
  return { id: `d${seq}`, promptId: "p", environment, action, versionId, previousVersionId, revision, at: new Date(2025, 0, 1, 0, 0, seq).toISOString(), keyId: null };
}
const pointer = (environment: string, versionId: string, revision: number): TEnvironmentPointer => ({ environment, versionId, revision, updatedAt: "2025-01-01T00:00:00.000Z" });

describe("historyAction", () => {
  it("reads a move to an older number as a rollback, a removal as a removal, anything else as a deployment", () => {
    expect(historyAction(entry("production", "set", "v10", "v11", 3), numberOf)).toBe("rolled-back");
    expect(historyAction(entry("production", "set", "v11", "v20", 3), numberOf)).toBe("rolled-back");
    expect(historyAction(entry("production", "set", "v20", "v11", 3), numberOf)).toBe("deployed");
    expect(historyAction(entry("production", "set", "v10", null, 1), numberOf)).toBe("deployed");
    expect(historyAction(entry("staging", "remove", null, "v11", 2), numberOf)).toBe("removed");
    // A deleted version has no known number.
    expect(historyAction(entry("production", "set", "v10", "gone", 4), numberOf)).toBe("deployed");
  });
});

describe("historyRows", () => {
  // Newest first: production v1.0 -> v1.1 -> back to v1.0; staging v1.1, removed, restored at v1.1.
  const history = [
    entry("staging", "set", "v11", null, 3),
    entry("production", "set", "v10", "v11", 3),
    entry("staging", "remove", null, "v11", 2),
    entry("production", "set", "v11", "v10", 2),
    entry("staging", "set", "v11", null, 1),
    entry("production", "set", "v10", null, 1),
  ];

  it("marks exactly one live row per environment that serves a version: the one that set its current revision", () => {
    const rows = historyRows(history, [pointer("production", "v10", 3), pointer("staging", "v11", 3)], numberOf);
    expect(rows.filter((r) => r.live).map((r) => [r.entry.environment, r.entry.revision])).toEqual([
      ["staging", 3],
      ["production", 3],
    ]);
    // production's first deployment of v1.0 serves the same version, but is not live: the rollback is.
    expect(rows[5]!.live).toBe(false);
    expect(rows.map((r) => r.action)).toEqual(["deployed", "rolled-back", "removed", "deployed", "deployed", "deployed"]);
  });

  it("marks no row live for a removed environment, and none while the pointer is ahead of the loaded history", () => {
    const removed = historyRows(history.slice(2), [pointer("production", "v11", 2)], numberOf);
    expect(removed.filter((r) => r.live).map((r) => r.entry.environment)).toEqual(["production"]);
    const ahead = historyRows(history, [pointer("production", "v20", 4), pointer("staging", "v11", 3)], numberOf);
    expect(ahead.filter((r) => r.live).map((r) => r.entry.environment)).toEqual(["staging"]);
  });

  it("offers to undo only each environment's newest entry, back to a version that still exists and is not served now", () => {
    const current = new Map([["production", "v10"]]);
    const rows = historyRows(history.slice(1), [pointer("production", "v10", 3)], numberOf);
    const exists = (id: string) => id in numbers;
    expect(rows.map((r) => undoTarget(r, current, exists))).toEqual(["v11", "v11", null, null, null]);
    // The version it replaced was deleted: nothing to go back to.
    expect(undoTarget(rows[0]!, current, (id) => id !== "v11")).toBeNull();
  });

  it("reads a rollout's entries as what they did; the newest one is live, and only a promotion can be undone", () => {
    // production at v1.0; a rollout of v1.1 started, re-weighted, promoted; then another started and rolled back.
    const rollout = [
      entry("production", "rollout-rollback", "v11", "v11", 7),
      entry("production", "rollout-start", "v11", "v11", 6),
      entry("production", "rollout-promote", "v11", "v10", 5),
      entry("production", "rollout-weight", "v10", "v10", 4),
      entry("production", "rollout-start", "v10", "v10", 3),
    ];
    const rows = historyRows(rollout, [pointer("production", "v11", 7)], numberOf);
    expect(rows.map((r) => r.action)).toEqual(["rollout-rollback", "rollout-start", "rollout-promote", "rollout-weight", "rollout-start"]);
    expect(rows.map((r) => r.live)).toEqual([true, false, false, false, false]);
    const current = new Map([["production", "v11"]]);
    expect(undoTarget(rows[0]!, current, () => true)).toBeNull();
    // A promotion is a move: its newest entry offers to go back to the stable version.
    const promoted = historyRows(rollout.slice(2), [pointer("production", "v11", 5)], numberOf);
    expect(undoTarget(promoted[0]!, current, () => true)).toBe("v10");
  });
});
