// The request log's storage and queries, fed through the recorder's own queue and batch writer (the gateway's
// part is in analytics.test.ts): counts and percentiles per version, windows, series, the paged request log
// against the same calls sorted in memory, concurrent writers, retried batches, and retention.
import { randomUUID } from "node:crypto";
import { calcPrice } from "@pydantic/genai-prices";
import type { TCallRecord } from "@promptreg/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBatchWriter, type PromptBatch } from "../src/analytics/index.js";
import { createAnalyticsRepository } from "../src/db/analytics.repository.js";
import { ADMIN_KEY, sampleBody, startTestServer, type TestServer } from "../src/testing/index.js";

let server: TestServer;
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.stop());

async function newPrompt(name = "store") {
  const created = await server.rest("POST", "/v1/prompt-2025", { name, promptBody: sampleBody() });
  const { id, versionId } = created.body.data as { id: string; versionId: string };
  const v11 = (await server.rest("POST", "/v1/prompt-2025/update", { promptId: id, promptVersionId: versionId, promptBody: sampleBody({ temperature: 1 }) })).body.data.id as string;
  return { promptId: id, v10: versionId, v11 };
}

function call(promptId: string, over: Partial<TCallRecord> = {}): TCallRecord {
  return {
    requestId: randomUUID(),
    startedAt: Date.now(),
    orgId: "default",
    promptId,
    versionId: null,
    majorVersion: 1,
    minorVersion: 0,
    environment: "production",
    status: 200,
    latencyMs: 100,
    upstreamLatencyMs: 90,
    ttftMs: null,
    stream: false,
    requestModel: "gpt-4o-mini",
    model: "gpt-4o-mini",
    provider: "openai",
    providerType: "openai",
    providerUrl: null,
    inputTokens: 10,
    outputTokens: 5,
    cachedInputTokens: null,
    errorCode: null,
    finishReasons: ["stop"],
    responseId: "chatcmpl-1",
    inputs: null,
    bodyBytes: 100,
    traceparent: null,
    ...over,
  };
}

async function record(calls: TCallRecord[]) {
  const recorder = server.analytics.recorder!;
  for (const c of calls) recorder.record(c);
  expect(await recorder.drain()).toBe(true);
}

const metrics = async (body: Record<string, unknown>) => {
  const res = await server.rest("POST", "/v1/prompt-2025/query/metrics", body);
  expect(res.status, res.text).toBe(200);
  return res.body.data as any[];
};
const requests = async (body: Record<string, unknown>) => {
  const res = await server.rest("POST", "/v1/prompt-2025/query/requests", body);
  expect(res.status, res.text).toBe(200);
  return res.body.data as any[];
};

describe("per-version metrics", () => {
  it("counts requests, provider errors, tokens, cost and latency percentiles per version", async () => {
    const { promptId, v10, v11 } = await newPrompt();
    const now = Date.now();
    const calls: TCallRecord[] = [];
    for (let i = 1; i <= 100; i++) calls.push(call(promptId, { versionId: v10, latencyMs: i, startedAt: now - i * 1000 }));
    calls.push(call(promptId, { versionId: v10, status: 502, errorCode: "upstream_unreachable", inputTokens: null, outputTokens: null, latencyMs: 5 }));
    calls.push(call(promptId, { versionId: v10, status: 400, errorCode: "invalid_inputs", inputTokens: null, outputTokens: null, latencyMs: 1 }));
    calls.push(call(promptId, { versionId: v11, minorVersion: 1, status: 500, errorCode: "server_error", environment: "staging" }));
    calls.push(call(promptId, { versionId: v11, minorVersion: 1, status: 200, errorCode: "upstream_stream_interrupted", stream: true, ttftMs: 40, environment: "staging" }));
    calls.push(call(promptId, { versionId: v11, minorVersion: 1, model: "no-such-model", environment: "staging" }));
    // Failed before a version was chosen: in the request log, not in the per-version rows.
    calls.push(call(promptId, { versionId: null, majorVersion: null, minorVersion: null, status: 404, errorCode: "prompt_not_found", environment: "nowhere" }));
    await record(calls);

    const rows = await metrics({ promptId });
    expect(rows.map((r) => r.version_id)).toEqual([v11, v10]);
    const [r11, r10] = rows;
    const unit = calcPrice({ input_tokens: 10, output_tokens: 5 }, "gpt-4o-mini", { providerId: "openai" })!.total_price;
    expect(r10).toMatchObject({ major_version: 1, minor_version: 0, requests: 102, errors: 1, input_tokens: 1000, output_tokens: 500, priced_requests: 100, streamed_requests: 0, ttft_ms: null });
    expect(r10.error_rate).toBeCloseTo(1 / 102, 10);
    expect(r10.cost_usd).toBeCloseTo(100 * unit, 12);
    // Nearest rank over 102 samples (1..100, 5, 1): p50 is the 51st smallest, 49; within the histogram's ±4.5 %.
    expect(Math.abs(r10.latency_ms.p50 - 49) / 49).toBeLessThan(0.045);
    expect(Math.abs(r10.latency_ms.p95 - 95) / 95).toBeLessThan(0.045);
    expect(Math.abs(r10.latency_ms.p99 - 99) / 99).toBeLessThan(0.045);
    // 500 and a stream cut mid-way are provider errors; an unknown model costs nothing known (null is not 0).
    expect(r11).toMatchObject({ minor_version: 1, requests: 3, errors: 2, priced_requests: 2, streamed_requests: 1 });
    expect(r11.ttft_ms.p50).toBeCloseTo(40, -1);

    const staging = await metrics({ promptId, environment: "staging" });
    expect(staging.map((r) => [r.version_id, r.requests])).toEqual([[v11, 3]]);

    const unpriced = await newPrompt("unpriced");
    await record([call(unpriced.promptId, { versionId: unpriced.v10, model: "mystery-model" })]);
    expect((await metrics({ promptId: unpriced.promptId }))[0]).toMatchObject({ requests: 1, cost_usd: null, priced_requests: 0 });
  });

  it("measures exactly the window asked for, to the minute, and 24 h by default", async () => {
    const { promptId, v10 } = await newPrompt("windows");
    const now = Date.now();
    const base = Math.floor(now / HOUR) * HOUR - 30 * HOUR; // 30 h ago, on the hour
    const times = [base + 5 * MIN, base + 59 * MIN, base + HOUR + 1, base + 7 * HOUR + 30 * MIN, now - 23 * HOUR, now - 5 * MIN, now - 1000];
    await record(times.map((t) => call(promptId, { versionId: v10, startedAt: t })));
    const count = async (from: number, to?: number) => {
      const rows = await metrics({ promptId, from: new Date(from).toISOString(), ...(to ? { to: new Date(to).toISOString() } : {}) });
      return rows[0]?.requests ?? 0;
    };
    expect((await metrics({ promptId }))[0].requests).toBe(4); // the last 24 h
    expect(await count(base, base + HOUR)).toBe(2);
    expect(await count(base + 6 * MIN, base + HOUR)).toBe(1);
    expect(await count(base + 59 * MIN, base + 2 * HOUR)).toBe(2);
    expect(await count(base)).toBe(7);
    expect(await count(base + 10 * MIN, now - 10 * MIN)).toBe(4);
    const bad = await server.rest("POST", "/v1/prompt-2025/query/metrics", { promptId, from: new Date(now).toISOString(), to: new Date(now - HOUR).toISOString() });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain("from must be before to");
  });

  it("answers a series per version in time buckets", async () => {
    const { promptId, v10, v11 } = await newPrompt("series");
    const hourStart = Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR;
    await record([
      call(promptId, { versionId: v10, startedAt: hourStart + MIN }),
      call(promptId, { versionId: v10, startedAt: hourStart + 2 * MIN, status: 503 }),
      call(promptId, { versionId: v10, startedAt: hourStart + 2 * HOUR }),
      call(promptId, { versionId: v11, minorVersion: 1, startedAt: hourStart + 2 * HOUR + MIN }),
    ]);
    const res = await server.rest("POST", "/v1/prompt-2025/query/metrics-series", { promptId, from: new Date(hourStart).toISOString(), to: new Date(hourStart + 4 * HOUR).toISOString() });
    expect(res.status, res.text).toBe(200);
    const data = res.body.data;
    expect(data.granularity).toBe("hour");
    const v10Points = data.versions.find((v: any) => v.version_id === v10).points;
    expect(v10Points.map((p: any) => [Date.parse(p.t) - hourStart, p.requests, p.errors])).toEqual([
      [0, 2, 1],
      [2 * HOUR, 1, 0],
    ]);
    expect(data.versions.find((v: any) => v.version_id === v11).points).toHaveLength(1);
    const minutes = await server.rest("POST", "/v1/prompt-2025/query/metrics-series", { promptId, from: new Date(hourStart).toISOString(), to: new Date(hourStart + 10 * MIN).toISOString() });
    expect(minutes.body.data.granularity).toBe("minute");
    expect(minutes.body.data.versions[0].points.map((p: any) => p.requests)).toEqual([1, 1]);
    const tooMany = await server.rest("POST", "/v1/prompt-2025/query/metrics-series", { promptId, from: new Date(hourStart - 20 * DAY).toISOString(), granularity: "minute" });
    expect(tooMany.status).toBe(400);
  });
});

describe("request log", () => {
  it("pages newest first with filters, exactly as sorting every call would", async () => {
    const { promptId, v10, v11 } = await newPrompt("log");
    const now = Date.now();
    const calls: TCallRecord[] = [];
    // 3 days of calls, several per minute in places, spread over versions, environments and statuses.
    for (let i = 0; i < 300; i++) {
      const t = now - Math.floor(((i * 7919) % 3000) * 61_000 + (i % 3) * 1500);
      const statuses = [200, 200, 200, 400, 500, 502, 429];
      const status = statuses[i % statuses.length]!;
      calls.push(
        call(promptId, {
          startedAt: t,
          versionId: i % 2 ? v10 : v11,
          minorVersion: i % 2 ? 0 : 1,
          environment: i % 5 === 0 ? "staging" : "production",
          status,
          errorCode: status === 502 ? "upstream_unreachable" : status >= 400 ? "x" : null,
        }),
      );
    }
    await record(calls);
    const sorted = [...calls].sort((a, b) => b.startedAt - a.startedAt || (a.requestId < b.requestId ? 1 : -1));
    const check = async (filter: Record<string, unknown>, keep: (c: TCallRecord) => boolean, pageSize: number) => {
      const expected = sorted.filter(keep).map((c) => c.requestId);
      const page1 = await requests({ promptId, ...filter, page: 1, pageSize });
      expect(page1.map((r) => r.request_id)).toEqual(expected.slice(pageSize, 2 * pageSize));
      const trpc = await server.trpc().requests.list.query({ promptId, ...filter, page: 0, pageSize });
      expect(trpc.total).toBe(expected.length);
      expect(trpc.requests.map((r) => r.requestId)).toEqual(expected.slice(0, pageSize));
      const last = Math.floor((expected.length - 1) / pageSize);
      expect((await requests({ promptId, ...filter, page: last, pageSize })).map((r) => r.request_id)).toEqual(expected.slice(last * pageSize));
      expect(await requests({ promptId, ...filter, page: last + 1, pageSize })).toEqual([]);
    };
    await check({}, () => true, 50);
    await check({ versionId: v10 }, (c) => c.versionId === v10, 30);
    await check({ environment: "staging" }, (c) => c.environment === "staging", 7);
    await check({ status: 500 }, (c) => c.status === 500, 9);
    await check({ status: "4xx" }, (c) => c.status >= 400 && c.status < 500, 25);
    await check({ status: "error" }, (c) => c.status >= 500, 11);
    await check({ versionId: v11, environment: "production", status: 200 }, (c) => c.versionId === v11 && c.environment === "production" && c.status === 200, 13);
    // `to` pins the pages while new calls arrive.
    const pin = sorted[37]!.startedAt;
    const pinned = await server.trpc().requests.list.query({ promptId, to: new Date(pin).toISOString(), pageSize: 10 });
    const expected = sorted.filter((c) => c.startedAt <= pin);
    expect(pinned.total).toBe(expected.length);
    expect(pinned.requests.map((r) => r.requestId)).toEqual(expected.slice(0, 10).map((c) => c.requestId));

    const first = (await requests({ promptId, pageSize: 1 }))[0];
    const newest = sorted[0]!;
    expect(first).toEqual({
      request_id: newest.requestId,
      created_at: new Date(newest.startedAt).toISOString(),
      version_id: newest.versionId,
      major_version: 1,
      minor_version: newest.minorVersion,
      environment: newest.environment,
      status: newest.status,
      latency_ms: 100,
      upstream_latency_ms: 90,
      time_to_first_token_ms: null,
      stream: false,
      model: "gpt-4o-mini",
      provider: "openai",
      input_tokens: 10,
      output_tokens: 5,
      cost_usd: expect.any(Number),
      error_code: newest.errorCode,
      inputs: null,
    });
  });

  it("refuses a version of another prompt, and bad filters, with 4xx", async () => {
    const a = await newPrompt("a");
    const b = await newPrompt("b");
    expect((await server.rest("POST", "/v1/prompt-2025/query/requests", { promptId: a.promptId, versionId: b.v10 })).status).toBe(404);
    const bad = await server.rest("POST", "/v1/prompt-2025/query/requests", { promptId: a.promptId, status: "6xx" });
    expect(bad.status).toBe(400);
    expect((await server.rest("POST", "/v1/prompt-2025/query/requests", { promptId: a.promptId, pageSize: 1000 })).status).toBe(400);
  });
});

describe("writers", () => {
  it("several writers flushing one prompt at once lose no count (the prompt's analytics lock)", async () => {
    const { promptId, v10 } = await newPrompt("concurrent");
    const db = await server.rawDb();
    const repo = createAnalyticsRepository(db);
    const writers = Array.from({ length: 6 }, (_, i) => createBatchWriter(repo, { recordRetentionMs: 30 * DAY, rollupRetentionMs: 400 * DAY, writerId: `w${i}` }));
    const prepare = (calls: TCallRecord[]) => server.services.analytics.prepare("default", promptId, calls);
    const t = Date.now();
    const batches = await Promise.all(
      writers.flatMap((writer, w) =>
        Array.from({ length: 4 }, async (_, b) => ({ writer, batch: { orgId: "default", promptId, seq: b, calls: await prepare(Array.from({ length: 5 }, () => call(promptId, { versionId: v10, startedAt: t - w * 10 - b }))) } })),
      ),
    );
    // Each writer's batches in order (as the recorder does), all writers at once.
    await Promise.all(writers.map(async (writer) => {
      for (const { batch } of batches.filter((b) => b.writer === writer)) await writer.write(batch);
    }));
    const [row] = await metrics({ promptId });
    expect(row.requests).toBe(6 * 4 * 5);
  });

  it("a batch written again (a retried flush) counts once", async () => {
    const { promptId, v10 } = await newPrompt("retried");
    const repo = createAnalyticsRepository(await server.rawDb());
    const writer = createBatchWriter(repo, { recordRetentionMs: 30 * DAY, rollupRetentionMs: 400 * DAY, writerId: "retry" });
    const batch: PromptBatch = { orgId: "default", promptId, seq: 7, calls: await server.services.analytics.prepare("default", promptId, [call(promptId, { versionId: v10 }), call(promptId, { versionId: v10 })]) };
    await writer.write(batch);
    await writer.write(batch);
    expect((await metrics({ promptId }))[0].requests).toBe(2);
    expect(await requests({ promptId })).toHaveLength(2);
  });
});

describe("retention", () => {
  it("the sweeper removes calls older than the retention, keeps hour and day metrics, and expires captured inputs on their own schedule", async () => {
    const { promptId, v10 } = await newPrompt("retention");
    const now = Date.now();
    await server.rest("POST", "/v1/prompt-2025/update/capture-settings", { promptId, enabled: true, retentionDays: 2 });
    const old = call(promptId, { versionId: v10, startedAt: now - 40 * DAY, inputs: { question: "old" } });
    const middle = call(promptId, { versionId: v10, startedAt: now - 3 * DAY, inputs: { question: "middle" } });
    const fresh = call(promptId, { versionId: v10, startedAt: now - HOUR, inputs: { question: "fresh" } });
    await record([old, middle, fresh]);
    const db = await server.rawDb();
    const chunkIds = async () => (await db.collection("call_chunks").find({ promptId }).toArray()).map((c) => c["minute"] as number);
    const inputDocs = async () => (await db.collection("call_inputs").find({ promptId }).toArray()).length;
    expect(await chunkIds()).toHaveLength(3);
    expect(await inputDocs()).toBe(3);

    await server.services.analytics.sweep(now);

    // The 40-day-old call is gone from the request log and from storage; the 3-day-old one stays, without
    // its inputs (kept 2 days); the fresh one keeps them.
    const log = await requests({ promptId });
    expect(log.map((r) => [r.request_id, r.inputs])).toEqual([
      [fresh.requestId, { question: "fresh" }],
      [middle.requestId, null],
    ]);
    expect((await chunkIds()).sort()).toEqual([Math.floor(middle.startedAt / MIN), Math.floor(fresh.startedAt / MIN)].sort());
    expect(await inputDocs()).toBe(1);
    // Hour and day rollups outlive the calls: a 45-day window still counts all three.
    expect((await metrics({ promptId, from: new Date(now - 45 * DAY).toISOString() }))[0].requests).toBe(3);
    // A second sweep finds nothing more.
    const again = await server.services.analytics.sweep(now);
    expect(again.chunks + again.inputs).toBe(0);
  });
});

describe("tenant isolation", () => {
  it("every analytics query answers 404 for another organization's prompt", async () => {
    const { promptId, v10 } = await newPrompt("isolated");
    await record([call(promptId, { versionId: v10 })]);
    const intruder = await server.createOrg("intruder");
    const paths = ["query/metrics", "query/metrics-series", "query/requests", "query/capture-settings", "update/capture-settings"];
    for (const path of paths) {
      const res = await server.rest("POST", `/v1/prompt-2025/${path}`, { promptId, enabled: true }, { key: intruder.key });
      expect(res.status, path).toBe(404);
    }
    const trpc = server.trpc(intruder.key);
    for (const attempt of [
      () => trpc.metrics.byVersion.query({ promptId }),
      () => trpc.metrics.series.query({ promptId }),
      () => trpc.requests.list.query({ promptId }),
      () => trpc.captureSettings.get.query({ promptId }),
      () => trpc.captureSettings.set.mutate({ promptId, enabled: true }),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ data: { httpStatus: 404 } });
    }
    // And the owner still sees its call; the intruder's own organization has nothing.
    expect(await requests({ promptId })).toHaveLength(1);
    expect(ADMIN_KEY).toBeTruthy();
  });
});
