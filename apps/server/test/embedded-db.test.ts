// The embedded database `pnpm start` owns, broken for real: kill -9 FerretDB and the service heals by
// itself within seconds, data intact, a log line for each step; freeze it (SIGSTOP), or make it impossible
// to restart, and /healthz says so (503 with the reason) while /readyz keeps its meaning.
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";
import { startServer, type RunningServer } from "../src/runtime.js";
import { sampleBody } from "../src/testing/index.js";

const KEY = "embedded-db-test-admin-key-0123";
let dataDir: string;
let server: RunningServer;
const logLines: Array<{ msg: string; [k: string]: unknown }> = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "promptreg-embedded-faults-"));
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) logLines.push(JSON.parse(line) as { msg: string });
      done();
    },
  });
  // No MONGODB_URI: the server starts (and supervises) its own FerretDB, as `pnpm start` does.
  const config = parseConfig({ PROMPTREG_DATA_DIR: dataDir, PORT: "0", PROMPTREG_API_KEY: KEY, PROMPTREG_DB_TIMEOUT_MS: "3000", PROMPTREG_HEALTH_DB_DOWN_MS: "1000" });
  server = await startServer(config, pino({ level: "info" }, sink));
});
afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
  await rm(`${dataDir}.moved`, { recursive: true, force: true });
});

const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
};

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the embedded database, supervised", () => {
  it("killed (-9), it is restarted: the API answers again by itself, nothing acknowledged is lost", { timeout: 120_000 }, async () => {
    const created = await call("POST", "/v1/prompt-2025", { name: "survives", promptBody: sampleBody() });
    expect(created.status).toBe(201);
    const { id, versionId } = created.body.data as { id: string; versionId: string };
    const v11 = (await call("POST", "/v1/prompt-2025/update", { promptId: id, promptVersionId: versionId, promptBody: sampleBody({ temperature: 1 }) })).body.data.id as string;

    const pid = server.embeddedDb!.status().pid!;
    const killedAt = Date.now();
    process.kill(pid, "SIGKILL");
    const listed = await until(() => call("POST", "/v1/prompt-2025/query/versions", { promptId: id }), (r) => r.status === 200, "the API to answer again");
    const healedMs = Date.now() - killedAt;
    expect(listed.body.data.map((v: { id: string }) => v.id)).toEqual([v11, versionId]);
    expect((await call("POST", "/v2/prompt-2025/query/production-version", { promptId: id }, { "cache-control": "no-cache" })).body.data.prompt_body).toEqual(sampleBody());
    expect((await call("POST", "/v1/prompt-2025/update", { promptId: id, promptVersionId: versionId, promptBody: sampleBody() })).status).toBe(201);
    expect(healedMs).toBeLessThan(60_000);

    // A log line for each step, and /healthz shows the restart.
    const messages = logLines.map((l) => l.msg);
    expect(messages).toContain("embedded FerretDB exited; restarting it");
    expect(messages).toContain("embedded FerretDB restarted");
    expect(logLines.find((l) => l.msg === "embedded FerretDB exited; restarting it")).toMatchObject({ pid, signal: "SIGKILL" });
    const health = await call("GET", "/healthz");
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: "ok", database: { reachable: true, embedded: { state: "running", restarts: 1 } } });
  });

  it("frozen (SIGSTOP) past the threshold, /healthz answers 503 with the reason; thawed, 200 again", { timeout: 120_000 }, async () => {
    const pid = server.embeddedDb!.status().pid!;
    process.kill(pid, "SIGSTOP");
    try {
      const unhealthy = await until(() => call("GET", "/healthz"), (r) => r.status === 503, "/healthz to answer 503");
      expect(unhealthy.body).toMatchObject({ status: "unhealthy", reason: expect.stringMatching(/embedded database has not answered for \d+ s/), database: { reachable: false } });
      expect((await call("GET", "/readyz")).status).toBe(503);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    const healthy = await until(() => call("GET", "/healthz"), (r) => r.status === 200, "/healthz to answer 200 again");
    expect(healthy.body).toMatchObject({ status: "ok", database: { reachable: true } });
    expect((await call("GET", "/readyz")).status).toBe(200);
  });

  it("when it cannot be restarted, the supervisor gives up and /healthz answers 503 saying why", { timeout: 120_000 }, async () => {
    // The data directory replaced by a file: FerretDB cannot start on it.
    await rename(dataDir, `${dataDir}.moved`);
    await writeFile(dataDir, "not a directory");
    process.kill(server.embeddedDb!.status().pid!, "SIGKILL");
    const unhealthy = await until(() => call("GET", "/healthz"), (r) => r.body.database?.embedded?.state === "failed", "the supervisor to give up", 90_000);
    expect(unhealthy.status).toBe(503);
    expect(unhealthy.body).toMatchObject({ status: "unhealthy", reason: expect.stringMatching(/^the embedded database exited and could not be restarted: /) });
    expect(logLines.map((l) => l.msg)).toContain("gave up restarting embedded FerretDB; /healthz answers 503");
    expect((await call("POST", "/v1/prompt-2025/query", {})).status).toBe(503);
  });
});
