// `promptreg rollout …`, the built CLI run as a child process against a real server: start by name and
// version number, re-weight, status (human and JSON), promote, abort, and the errors a person meets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServerWithFakeLlm, type TestServerWithLlm } from "@promptreg/server/testing";
import { createOrgClient, createWorkspace, sampleBody, uniqueName, type Workspace } from "./harness.js";

// With a fake LLM behind the gateway, so that calls are recorded and `status` shows each arm's.
let server: TestServerWithLlm;
const workspaces: Workspace[] = [];

beforeAll(async () => {
  server = await startTestServerWithFakeLlm();
});

afterAll(async () => {
  await Promise.all(workspaces.map((workspace) => workspace.remove()));
  await server?.stop();
});

/** A fresh organization, a prompt with 1.0 in production and 1.1, and a workspace using the org's admin key. */
async function setup() {
  const org = await createOrgClient(server);
  const workspace = await createWorkspace(server, org.key);
  workspaces.push(workspace);
  const name = uniqueName("canary");
  const created = await org.client.prompts.create.mutate({ name, body: sampleBody() });
  const promptId = created.prompt.id;
  const v11 = await org.client.versions.create.mutate({ promptId, baseVersionId: created.version.id, body: sampleBody("1.1 {{hc:company:string}}") });
  return { ...org, workspace, name, promptId, v10: created.version.id, v11: v11.id };
}

describe("rollout", () => {
  it("starts by name and version number, re-weights, reports status, promotes", async () => {
    const { client, key, workspace, name, promptId, v10, v11 } = await setup();

    const start = await workspace.run(["rollout", "start", name, "production", "1.1", "--weight", "10", "--max-error-rate", "5%", "--max-p95-ms", "3000"]);
    expect(start.code).toBe(0);
    expect(start.stdout).toContain(`${name} production: 1.0 (stable) → 1.1 (candidate) at 10%, active`);
    expect(start.stdout).toMatch(/rule +roll back when the candidate's error rate > 5% or p95 latency > 3000 ms, after 100 calls/);
    const rollout = await client.rollouts.get.query({ promptId, environment: "production" });
    expect(rollout).toMatchObject({
      stableVersionId: v10,
      candidateVersionId: v11,
      weight: 10,
      status: "active",
      autoRollback: { maxErrorRate: 0.05, minRequests: 100, maxP95LatencyMs: 3000 },
    });

    const set = await workspace.run(["--json", "rollout", "set", promptId, "production", "--weight", "35.5"]);
    expect(set.code).toBe(0);
    expect(set.json()).toMatchObject({
      promptId,
      name,
      environment: "production",
      rollout: { id: rollout!.id, weight: 35.5, status: "active", stableVersion: "1.0", candidateVersion: "1.1", autoRollback: { maxErrorRate: 0.05 } },
    });

    // Gateway calls, one subject each: `status` counts each arm's (recorded within a second or so).
    const calls = 40;
    for (let i = 0; i < calls; i++) {
      const res = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "x-prompt-subject": `user-${i}` },
        body: JSON.stringify({ prompt_id: promptId, inputs: { company: "Acme", question: "Where?", order: 7, urgent: false } }),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    let arms: { stable: { requests: number; errors: number; version: string }; candidate: { requests: number; errors: number; version: string } } | undefined;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      arms = (await workspace.run(["--json", "rollout", "status", name, "production"])).json().arms;
      if (arms!.stable.requests + arms!.candidate.requests === calls) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(arms).toMatchObject({ stable: { version: "1.0", errors: 0 }, candidate: { version: "1.1", errors: 0 } });
    expect(arms!.stable.requests + arms!.candidate.requests).toBe(calls);
    expect(arms!.candidate.requests).toBeGreaterThan(0);
    expect(arms!.stable.requests).toBeGreaterThan(0);

    const status = await workspace.run(["rollout", "status", name, "production"]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("1.0 (stable) → 1.1 (candidate) at 35.5%, active");
    expect(status.stdout).toMatch(new RegExp(`candidate 1\\.1: ${arms!.candidate.requests} calls?, 0 errors \\(0%\\)`));

    const promote = await workspace.run(["rollout", "promote", name, "production"]);
    expect(promote.code).toBe(0);
    expect(promote.stdout).toContain("promoted");
    expect(promote.stdout).toMatch(/ended +\S+ by key /);
    expect((await client.environments.version.query({ promptId, environment: "production" })).id).toBe(v11);
    const after = await workspace.run(["--json", "rollout", "status", name, "production"]);
    expect(after.json()).toMatchObject({ rollout: { status: "promoted", endedAt: expect.any(String) } });
  });

  it("aborts, and says clearly what cannot be done", async () => {
    const { client, workspace, name, promptId } = await setup();
    // Nothing yet.
    const none = await workspace.run(["--json", "rollout", "status", name, "staging"]);
    expect(none.code).toBe(0);
    expect(none.json()).toEqual({ promptId, name, environment: "staging", rollout: null });
    const noneHuman = await workspace.run(["rollout", "status", name, "production"]);
    expect(noneHuman.stdout).toContain("no rollout yet");
    const setWithout = await workspace.run(["rollout", "set", name, "production", "--weight", "50"]);
    expect(setWithout.code).toBe(1);
    expect(setWithout.stderr).toMatch(/no active rollout in production/);

    expect((await workspace.run(["rollout", "start", name, "production", "1.1", "--weight", "50"])).code).toBe(0);
    const abort = await workspace.run(["rollout", "abort", name, "production"]);
    expect(abort.code).toBe(0);
    expect(abort.stdout).toMatch(/aborted/);
    // Promote after the abort: no active rollout, the server's 409.
    const promote = await workspace.run(["rollout", "promote", name, "production"]);
    expect(promote.code).toBe(1);
    expect(promote.stderr).toMatch(/error: .*409/);
    // The candidate is the stable version: 409.
    const same = await workspace.run(["rollout", "start", name, "production", "1.0", "--weight", "50"]);
    expect(same.code).toBe(1);
    expect(same.stderr).toMatch(/409/);

    const codes = await Promise.all([
      workspace.run(["rollout", "start", name, "production", "1.1"]),
      workspace.run(["rollout", "start", name, "production", "1.1", "--weight", "150"]),
      workspace.run(["rollout", "start", name, "production", "1.1", "--weight", "ten"]),
      workspace.run(["rollout", "start", name, "production", "1.1", "--weight", "10", "--min-requests", "5"]),
      workspace.run(["rollout", "start", name, "production", "1.1", "--weight", "10", "--max-error-rate", "2"]),
      workspace.run(["rollout", "start", name, "not valid!", "1.1", "--weight", "10"]),
      workspace.run(["rollout", "start", name, "production"]),
      workspace.run(["rollout", "frobnicate", name, "production"]),
      workspace.run(["rollout", "start", "no-such-prompt", "production", "1.1", "--weight", "10"]),
      workspace.run(["rollout", "start", name, "production", "9.9", "--weight", "10"]),
    ]);
    expect(codes.map((result) => result.code)).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 4, 4]);
    expect(codes[0].stderr).toMatch(/required option '--weight <percent>'/);
    expect(codes[1].stderr).toMatch(/0 to 100/);
    expect(codes[3].stderr).toMatch(/give --max-error-rate too/);
    expect(codes[4].stderr).toMatch(/invalid --max-error-rate "2": a fraction from 0 to 1/);

    // A member key may read the rollout, not start one: the server's 403 names the role, exit 3.
    const { secret } = await client.apiKeys.create.mutate({ name: "member", role: "member" });
    const refused = await workspace.run(["rollout", "start", name, "production", "1.1", "--weight", "10"], { PROMPTREG_API_KEY: secret });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/not allowed: .*role member.*needs the deployer role/);
    expect((await workspace.run(["rollout", "status", name, "production"], { PROMPTREG_API_KEY: secret })).code).toBe(0);

    const json = await workspace.run(["--json", "rollout", "promote", name, "production"]);
    expect(json.code).toBe(1);
    expect(json.stdout).toBe("");
    expect(JSON.parse(json.stderr)).toEqual({ error: { message: expect.stringContaining("409"), exitCode: 1 } });
  });
});
