import type { TRollout, TVersionMetrics } from "@promptreg/contracts";
import { describe, expect, it } from "vitest";
import { rolloutKeys } from "../api/rollouts";
import { ALLOWED, permission } from "../lib/permissions";
import { NOW, renderScreen, testQueryClient, version } from "../testing/render";
import { RolloutPanel } from "./RolloutPanel";

const rollout = (overrides: Partial<TRollout> = {}): TRollout => ({
  id: "r1",
  promptId: "p1",
  environment: "production",
  stableVersionId: "v10",
  candidateVersionId: "v11",
  weight: 25,
  status: "active",
  reason: null,
  autoRollback: { maxErrorRate: 0.05, minRequests: 20 },
  startedAt: NOW,
  updatedAt: NOW,
  endedAt: null,
  startedByKeyId: null,
  endedBy: null,
  ...overrides,
});

const metrics = (versionId: string, minorVersion: number, requests: number, errors: number) =>
  ({
    versionId,
    majorVersion: 1,
    minorVersion,
    requests,
    errors,
    errorRate: errors / requests,
    inputTokens: 10,
    outputTokens: 20,
    costUsd: 0.0012,
    pricedRequests: requests,
    latencyMs: { p50: 40, p95: 90, p99: 120 },
  }) as unknown as TVersionMetrics;

const versions = new Map([
  ["v10", version({ id: "v10" })],
  ["v11", version({ id: "v11", minorVersion: 1 })],
]);

function render(r: TRollout, allowed = ALLOWED) {
  const queryClient = testQueryClient();
  queryClient.setQueryData(rolloutKeys.metrics("p1", r.id, r.endedAt ?? ""), { from: NOW, to: NOW, versions: [metrics("v10", 0, 30, 0), metrics("v11", 1, 12, 1)] });
  return renderScreen(<RolloutPanel rollout={r} versionOf={(id) => versions.get(id)} keyLabel={() => "bootstrap key"} permission={allowed} />, queryClient);
}

describe("RolloutPanel", () => {
  it("shows each arm's share and figures, the rule's progress, re-weight, promote and abort", () => {
    const html = render(rollout());
    expect(html).toMatch(/<tr data-arm="stable">.*?75 %.*?30.*?0 %/s);
    expect(html).toMatch(/<tr data-arm="candidate">.*?25 %.*?12.*?8\.3 %/s);
    expect(html).toContain("12 of 20 needed");
    expect(html).toContain("Watching: 8 more calls to the candidate before the rule judges.");
    expect(html).toContain("(max 5.0 %)");
    expect(html).toContain("Promote v1.1");
    expect(html).toContain("Abort rollout");
    expect(html).toContain('type="range"');
    expect(html).not.toContain("is-locked");
  });

  it("turns the actions off for a key below deployer, saying why", () => {
    const html = render(rollout(), permission("member", "rollout"));
    expect(html.match(/aria-disabled="true"/g)).toHaveLength(3);
    expect(html).toContain("Starting, re-weighting, promoting and aborting rollouts needs the deployer role or higher; this API key is a member key.");
  });

  it("says how an ended rollout ended, and why", () => {
    const html = render(rollout({ status: "rolled_back", endedAt: NOW, endedBy: "auto-rollback", reason: "error rate 25 % over 5 % after 20 calls" }));
    expect(html).toContain("Rolled back automatically");
    expect(html).toContain("by the automatic rollback rule");
    expect(html).toContain("Reason: error rate 25 % over 5 % after 20 calls");
    expect(html).toContain("production serves v1.0 to every call again.");
    expect(html).not.toContain("Promote v1.1");
  });
});
