// Recording never costs an answer: with the database down, gateway calls keep being answered (cached
// prompts), their records wait in the bounded queue, the ones past the bound are dropped and counted
// (/metrics), and once the database is back the queued ones are written. Shutdown writes what waits.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedDb, type EmbeddedDb } from "@promptreg/embedded-db";
import { startFakeLlm, type FakeLlm } from "@promptreg/fake-llm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, sampleBody, startTestServer, type TestServer } from "../src/testing/index.js";

const QUEUE_LIMIT = 100;
let dataDir: string;
let db: EmbeddedDb;
let fake: FakeLlm;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "promptreg-analytics-outage-"));
  db = await startEmbeddedDb({ dataDir });
  fake = await startFakeLlm({ record: false });
});
afterAll(async () => {
  await fake.close();
  await db.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const inputs = { company: "Acme", customer: "Ann", question: "Hi?" };
const call = (server: TestServer, promptId: string) =>
  fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ prompt_id: promptId, inputs }),
  });

const metric = async (server: TestServer, name: string, labels = "") => {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels} `) || (labels === "" && l.startsWith(`${name} `)));
  return line ? Number(line.split(" ").at(-1)) : 0;
};

async function until(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("database outage", () => {
  it("answers every call, drops exactly the records past the queue bound (counted), and writes the rest once the database is back", async () => {
    const server = await startTestServer({
      MONGODB_URI: db.uri,
      OPENAI_BASE_URL: fake.baseUrl,
      PROMPTREG_DB_TIMEOUT_MS: "1000",
      PROMPTREG_ANALYTICS_QUEUE_LIMIT: String(QUEUE_LIMIT),
      PROMPTREG_ANALYTICS_FLUSH_MS: "100",
    });
    try {
      const { id: promptId } = (await server.rest("POST", "/v1/prompt-2025", { name: "outage", promptBody: sampleBody() })).body.data;
      expect((await call(server, promptId)).status).toBe(200);
      await until(async () => (await server.rest("POST", "/v1/prompt-2025/query/requests", { promptId })).body.data?.length === 1, "the first call's record");

      await db.stop();
      const sent = 250;
      const statuses: number[] = [];
      for (let i = 0; i < sent; i += 10) statuses.push(...(await Promise.all(Array.from({ length: 10 }, () => call(server, promptId).then((r) => r.status)))));
      // No answer lost to the outage.
      expect(statuses.filter((s) => s === 200)).toHaveLength(sent);
      expect(server.analytics.recorder!.stats()).toMatchObject({ depth: QUEUE_LIMIT, dropped: sent - QUEUE_LIMIT });
      expect(await metric(server, "promptreg_analytics_records_dropped_total", '{reason="queue_full"}')).toBe(sent - QUEUE_LIMIT);
      expect(await metric(server, "promptreg_analytics_queue_depth")).toBe(QUEUE_LIMIT);
      expect(await metric(server, "promptreg_gateway_prompt_calls_total", '{environment="production",outcome="ok"}')).toBe(sent + 1);

      db = await startEmbeddedDb({ dataDir, port: db.port });
      await until(async () => server.analytics.recorder!.stats().depth === 0, "the queue to drain");
      const [row] = (await server.rest("POST", "/v1/prompt-2025/query/metrics", { promptId })).body.data;
      expect(row.requests).toBe(1 + QUEUE_LIMIT);
      const page = await server.trpc().requests.list.query({ promptId, pageSize: 1 });
      expect(page.total).toBe(1 + QUEUE_LIMIT);
      expect(await metric(server, "promptreg_analytics_records_written_total")).toBe(1 + QUEUE_LIMIT);
    } finally {
      await server.stop();
    }
  });

  it("shutdown writes the records still waiting", async () => {
    const env = { MONGODB_URI: db.uri, MONGODB_DB: `shutdown_${Date.now()}`, OPENAI_BASE_URL: fake.baseUrl, PROMPTREG_ANALYTICS_FLUSH_MS: "4000", PROMPTREG_ANALYTICS_BATCH_SIZE: "1000" };
    const first = await startTestServer(env);
    const { id: promptId } = (await first.rest("POST", "/v1/prompt-2025", { name: "shutdown", promptBody: sampleBody() })).body.data;
    for (let i = 0; i < 5; i++) expect((await call(first, promptId)).status).toBe(200);
    expect(first.analytics.recorder!.stats().written).toBe(0);
    await first.stop();
    const second = await startTestServer(env);
    try {
      expect((await second.rest("POST", "/v1/prompt-2025/query/requests", { promptId })).body.data).toHaveLength(5);
    } finally {
      await second.stop();
    }
  });
});
