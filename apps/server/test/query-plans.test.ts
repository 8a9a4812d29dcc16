// Every query the API sends is served by an index (scripts/query-plans.ts: the same audit as
// `pnpm --filter @promptreg/server explain`, against the test database).
import { describe, expect, it, inject } from "vitest";
import { auditQueryPlans } from "../scripts/query-plans.js";

describe("query plans", () => {
  it("every query shape of every service is served by an index (or the _id)", { timeout: 60_000 }, async () => {
    const { verdicts, server } = await auditQueryPlans(inject("mongoUri"));
    const collections = new Set(verdicts.map((v) => v.shape.collection));
    for (const c of ["prompts", "versions", "environments", "deployments", "api_keys", "clocks"]) expect(collections, c).toContain(c);
    expect(verdicts.length).toBeGreaterThan(25);
    const unserved = verdicts.filter((v) => !v.ok).map((v) => `${v.shape.signature} -> ${v.plan}`);
    expect(unserved, `not served by an index on ${server}`).toEqual([]);
    // The hot-path reads are bare primary-key lookups (the only filter FerretDB pushes down).
    for (const c of ["versions", "prompts", "environments"]) {
      expect(verdicts.some((v) => v.shape.signature === `${c} find {_id:eq}`), c).toBe(true);
    }
  });
});
