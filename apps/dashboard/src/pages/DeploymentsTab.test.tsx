import type { TDeployment, TEnvironmentPointer } from "@promptreg/contracts";
import { describe, expect, it } from "vitest";
import { keys } from "../api/queries";
import { renderScreen, testQueryClient, version } from "../testing/render";
import { DeploymentsTab } from "./DeploymentsTab";

let seq = 0;
const entry = (environment: string, action: "set" | "remove", versionId: string | null, previousVersionId: string | null, revision: number): TDeployment => {
  seq += 1;
  return { id: `d${seq}`, promptId: "p1", environment, action, versionId, previousVersionId, revision, at: `2025-11-23T10:${String(60 - seq).padStart(2, "0")}:00.000Z`, keyId: null };
};
const pointer = (environment: string, versionId: string, revision: number): TEnvironmentPointer => ({ environment, versionId, revision, updatedAt: "2025-11-23T10:00:00.000Z" });

function render(history: TDeployment[], pointers: TEnvironmentPointer[], nextCursor: string | null = null) {
  const queryClient = testQueryClient();
  queryClient.setQueryData(keys.versions("p1"), [version({ id: "v10" }), version({ id: "v11", minorVersion: 1 })]);
  queryClient.setQueryData(keys.environments("p1"), pointers);
  queryClient.setQueryData(keys.history("p1", ""), { pages: [{ items: history, nextCursor }], pageParams: [null] });
  queryClient.setQueryData(keys.keyNames, new Map());
  return renderScreen(<DeploymentsTab promptId="p1" environment="" />, queryClient);
}

describe("DeploymentsTab", () => {
  // Newest first: production v1.0 -> v1.1 -> rolled back to v1.0; staging at v1.1.
  const history = [
    entry("production", "set", "v10", "v11", 3),
    entry("staging", "set", "v11", null, 1),
    entry("production", "set", "v11", "v10", 2),
    entry("production", "set", "v10", null, 1),
  ];

  it("shows the rollback as a rollback and exactly one live row per environment, though production served v1.0 twice", () => {
    const html = render(history, [pointer("production", "v10", 3), pointer("staging", "v11", 1)]);
    expect(html.match(/<span class="pill">live<\/span>/g)).toHaveLength(2);
    expect(html.match(/<tr class="is-live"/g)).toHaveLength(2);
    expect(html).toContain("Rolled back</span>");
    expect(html.match(/>Deployed</g)).toHaveLength(3);
    // Only production's newest entry offers to undo (back to v1.1); staging's first deployment replaced nothing.
    expect(html.match(/aria-label="Roll back to v1\.1 \(production\)"/g)).toHaveLength(1);
    expect(html).toContain("4 entries, the whole history");
  });

  it("offers the older entries when there are more", () => {
    const html = render(history.slice(0, 2), [pointer("production", "v10", 3), pointer("staging", "v11", 1)], "d2");
    expect(html).toContain("2 entries shown; older ones follow");
    expect(html).toContain("Load older entries");
  });
});
