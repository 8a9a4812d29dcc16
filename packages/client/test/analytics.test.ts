// The request log and metrics through both typed clients, against the real server: calls recorded through
// the server's own recorder, read back over REST (snake_case) and tRPC (camelCase), capture settings set
// and read, and another organization's prompt refused.
import { randomUUID } from "node:crypto";
import type { TCallRecord } from "@promptreg/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPromptregClient, createRestClient, PromptregApiError, type PromptregClient, type RestClient } from "../src/index.js";
import { ADMIN_KEY, startTestServer, type TestServer } from "@promptreg/server/testing";
import { sampleBody } from "./harness.js";

let server: TestServer;
let rest: RestClient;
let trpc: PromptregClient;

beforeAll(async () => {
  server = await startTestServer();
  rest = createRestClient({ url: server.url, apiKey: ADMIN_KEY });
  trpc = createPromptregClient({ url: server.url, apiKey: ADMIN_KEY });
});
afterAll(async () => server.stop());

const call = (promptId: string, versionId: string, over: Partial<TCallRecord> = {}): TCallRecord => ({
  requestId: randomUUID(),
  startedAt: Date.now() - 1000,
  orgId: "default",
  promptId,
  versionId,
  majorVersion: 1,
  minorVersion: 0,
  environment: "production",
  status: 200,
  latencyMs: 120,
  upstreamLatencyMs: 100,
  ttftMs: null,
  stream: false,
  requestModel: "gpt-4o-mini",
  model: "gpt-4o-mini",
  provider: "openai",
  providerType: "openai",
  providerUrl: null,
  inputTokens: 30,
  outputTokens: 12,
  cachedInputTokens: null,
  errorCode: null,
  finishReasons: ["stop"],
  responseId: null,
  inputs: { company: "Acme", customer: "Ann", question: "Where?" },
  bodyBytes: 200,
  traceparent: null,
  ...over,
});

describe("request log and metrics", () => {
  it("reads metrics, series and the request log over REST and tRPC, with capture settings", async () => {
    const { id: promptId, versionId } = await rest.createPrompt({ name: "client analytics", promptBody: sampleBody() });
    const settings = await rest.setCaptureSettings({ promptId, enabled: true, redactVariables: ["customer"] });
    expect(settings.effective).toEqual({ enabled: true, redact_variables: ["customer"], retention_days: 30 });
    expect((await rest.captureSettings()).organization.enabled).toBe(false);
    expect((await trpc.captureSettings.get.query({ promptId })).prompt).toEqual({ enabled: true, redactVariables: ["customer"], retentionDays: null });

    const recorder = server.analytics.recorder!;
    recorder.record(call(promptId, versionId));
    recorder.record(call(promptId, versionId, { status: 504, errorCode: "upstream_timeout", inputTokens: null, outputTokens: null, latencyMs: 2000 }));
    expect(await recorder.drain()).toBe(true);

    const [row] = await rest.queryMetrics({ promptId });
    expect(row).toMatchObject({ version_id: versionId, requests: 2, errors: 1, input_tokens: 30, output_tokens: 12, priced_requests: 1 });
    const metrics = await trpc.metrics.byVersion.query({ promptId });
    expect(metrics.versions[0]).toMatchObject({ versionId, requests: 2, errors: 1, errorRate: 0.5 });

    const series = await rest.queryMetricsSeries({ promptId, granularity: "hour" });
    expect(series.versions[0]!.points.reduce((n, p) => n + p.requests, 0)).toBe(2);

    const log = await rest.queryRequests({ promptId, status: "error" });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ status: 504, error_code: "upstream_timeout", inputs: { company: "Acme", customer: "[redacted]", question: "Where?" } });
    const page = await trpc.requests.list.query({ promptId, pageSize: 1 });
    expect(page).toMatchObject({ total: 2, page: 0, pageSize: 1 });
    expect(page.requests).toHaveLength(1);
  });

  it("answers 404 for another organization's prompt, and 403 to a member changing capture", async () => {
    const { id: promptId } = await rest.createPrompt({ name: "client analytics private", promptBody: sampleBody() });
    const other = await rest.createOrganization({ name: "client analytics other" });
    const intruder = createRestClient({ url: server.url, apiKey: other.adminKey.secret });
    for (const attempt of [() => intruder.queryMetrics({ promptId }), () => intruder.queryRequests({ promptId }), () => intruder.captureSettings({ promptId })]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PromptregApiError);
      expect((error as PromptregApiError).status).toBe(404);
    }
    const member = await rest.createApiKey({ name: "member", role: "member" });
    const error = await createRestClient({ url: server.url, apiKey: member.secret }).setCaptureSettings({ enabled: true }).catch((e: unknown) => e);
    expect((error as PromptregApiError).status).toBe(403);
  });
});
