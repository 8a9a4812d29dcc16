// The change stream clients use to drop cached environment pointers, and its polling fallback.
import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, sampleBody, startTestServer, type TestServer } from "../src/testing/index.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.stop());

/** Reads server-sent events until `count` events named `name` arrived. */
async function collect(response: Response, name: string, count: number): Promise<unknown[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const events: unknown[] = [];
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event === name && data) events.push(JSON.parse(data));
    }
  }
  await reader.cancel();
  return events;
}

describe("deployment change stream", () => {
  it("pushes the caller's organization's pointer changes, and only those", async () => {
    const other = await server.createOrg();
    const controller = new AbortController();
    const mine = await fetch(`${server.url}/v1/deployments/stream`, { headers: { authorization: `Bearer ${ADMIN_KEY}` }, signal: controller.signal });
    expect(mine.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const theirs = await fetch(`${server.url}/v1/deployments/stream`, { headers: { authorization: `Bearer ${other.key}` }, signal: controller.signal });

    const { id, versionId } = (await server.rest("POST", "/v1/prompt-2025", { name: "streamed", promptBody: sampleBody() })).body.data;
    await server.rest("POST", "/v1/prompt-2025/update/environment", { promptId: id, promptVersionId: versionId, environment: "staging" });
    const events = await collect(mine, "deployment", 2);
    expect(events).toEqual([
      { deploymentId: expect.any(String), promptId: id, environment: "production", versionId, revision: 1, at: expect.stringMatching(/Z$/), action: "set" },
      { deploymentId: expect.any(String), promptId: id, environment: "staging", versionId, revision: 1, at: expect.stringMatching(/Z$/), action: "set" },
    ]);

    // The other organization's stream got nothing but its ready event.
    const otherEvents = await Promise.race([collect(theirs, "deployment", 1), new Promise((r) => setTimeout(() => r("quiet"), 300))]);
    expect(otherEvents).toBe("quiet");
    controller.abort();
  });

  it("resumes after Last-Event-ID without a gap, and pushes prompt deletions", async () => {
    const { id, versionId } = (await server.rest("POST", "/v1/prompt-2025", { name: "resumed", promptBody: sampleBody() })).body.data;
    const first = await fetch(`${server.url}/v1/deployments/stream`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    await server.rest("POST", "/v1/prompt-2025/update/environment", { promptId: id, promptVersionId: versionId, environment: "qa" });
    const [seen] = (await collect(first, "deployment", 1)) as Array<{ deploymentId: string }>;

    // While disconnected: two more moves.
    await server.rest("POST", "/v1/prompt-2025/update/environment", { promptId: id, promptVersionId: versionId, environment: "dev" });
    await server.rest("POST", "/v1/prompt-2025/remove/environment", { promptId: id, promptVersionId: versionId, environment: "dev" });

    const resumed = await fetch(`${server.url}/v1/deployments/stream`, { headers: { authorization: `Bearer ${ADMIN_KEY}`, "last-event-id": seen!.deploymentId } });
    const missed = (await collect(resumed, "deployment", 2)) as Array<{ environment: string; versionId: string | null }>;
    expect(missed.map((e) => [e.environment, e.versionId])).toEqual([["dev", versionId], ["dev", null]]);

    const live = await fetch(`${server.url}/v1/deployments/stream`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const ready = (await collect(live.clone(), "ready", 1)) as Array<{ now: string }>;
    expect(Date.parse(ready[0]!.now)).toBeGreaterThan(Date.now() - 60_000);
    await server.rest("DELETE", `/v1/prompt-2025/${id}`);
    expect(await collect(live, "prompt", 1)).toEqual([{ promptId: id, action: "prompt-deleted", versionId: null }]);
  });

  it("pushes creations and edits as registry events (for live screens), apart from the prompt events caches act on", async () => {
    const other = await server.createOrg();
    const live = await fetch(`${server.url}/v1/deployments/stream`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const theirs = await fetch(`${server.url}/v1/deployments/stream`, { headers: { authorization: `Bearer ${other.key}` } });
    const api = server.trpc();
    const { prompt, version } = await api.prompts.create.mutate({ name: "registry events", body: sampleBody() });
    await api.prompts.rename.mutate({ promptId: prompt.id, name: "registry events 2" });
    await api.prompts.setTags.mutate({ promptId: prompt.id, tags: ["t"] });
    const v11 = await api.versions.create.mutate({ promptId: prompt.id, baseVersionId: version.id, body: sampleBody() });
    await api.versions.delete.mutate({ promptId: prompt.id, versionId: v11.id });
    const [registry, prompts] = await Promise.all([collect(live.clone(), "registry", 4), collect(live, "prompt", 1)]);
    expect(registry).toEqual([
      { promptId: prompt.id, action: "prompt-created", versionId: null },
      { promptId: prompt.id, action: "prompt-updated", versionId: null },
      { promptId: prompt.id, action: "prompt-updated", versionId: null },
      { promptId: prompt.id, action: "version-created", versionId: v11.id },
    ]);
    expect(prompts).toEqual([{ promptId: prompt.id, action: "version-hidden", versionId: v11.id }]);
    const otherEvents = await Promise.race([collect(theirs, "registry", 1), new Promise((r) => setTimeout(() => r("quiet"), 300))]);
    expect(otherEvents).toBe("quiet");
  });

  it("tells a resuming client to resync when the gap cannot be replayed (unknown id, or more than 1000 missed)", async () => {
    const stream = (lastEventId: string) => fetch(`${server.url}/v1/deployments/stream`, { headers: { authorization: `Bearer ${ADMIN_KEY}`, "last-event-id": lastEventId } });
    expect(await collect(await stream("no-such-deployment"), "resync", 1)).toEqual([{ reason: expect.stringMatching(/Last-Event-ID/) }]);

    const { id, versionId } = (await server.rest("POST", "/v1/prompt-2025", { name: "long gap", promptBody: sampleBody() })).body.data;
    await server.rest("POST", "/v1/prompt-2025/update/environment", { promptId: id, promptVersionId: versionId, environment: "gap" });
    // 1,001 later entries of the history, written directly (as 1,001 moves would, only faster).
    const deployments = (await server.rawDb()).collection<{ _id: ObjectId; at: Date }>("deployments");
    const seen = (await deployments.find({ promptId: id, environment: "gap" } as never).toArray())[0]!;
    // In the same millisecond as the last one seen (it is all in the past, so other tests see none of it).
    await deployments.insertMany(Array.from({ length: 1001 }, (_, i) => ({ ...seen, _id: new ObjectId(), environment: `gap${i}` })));
    const resumed = await stream(seen._id.toHexString());
    expect(await collect(resumed, "resync", 1)).toEqual([{ reason: "more than 1000 changes were missed" }]);
  });

  it("needs a key", async () => {
    const res = await fetch(`${server.url}/v1/deployments/stream`);
    expect(res.status).toBe(401);
  });

  it("lists changes since a time for polling clients", async () => {
    const since = new Date().toISOString();
    const { id, versionId } = (await server.rest("POST", "/v1/prompt-2025", { name: "polled", promptBody: sampleBody() })).body.data;
    const res = await server.rest("GET", `/v1/deployments?since=${encodeURIComponent(since)}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([expect.objectContaining({ promptId: id, environment: "production", action: "set", versionId, revision: 1 })]);
    expect((await server.rest("GET", "/v1/deployments?since=yesterday")).status).toBe(400);
    expect((await server.rest("GET", `/v1/deployments?since=${encodeURIComponent(since)}&since=${encodeURIComponent(since)}`)).status).toBe(400);
  });
});

describe("shutdown", () => {
  it("ends open streams cleanly instead of holding the shutdown until connections are cut", async () => {
    const replica = await startTestServer();
    const stream = await fetch(`${replica.url}/v1/deployments/stream`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const reader = stream.body!.getReader();
    await reader.read(); // the ready event: the stream is live
    const ending = (async () => {
      for (;;) if ((await reader.read()).done) return "ended";
    })().catch((error: unknown) => `cut: ${String(error)}`);
    await replica.stop();
    // Before, the stream counted as a request in flight: stop() waited out its 5 s grace period and then
    // cut the connection ("terminated").
    expect(await ending).toBe("ended");
  });
});
