// Request logs (captured from the server's pino logger through a destination stream) and Prometheus
// metrics (scraped from GET /metrics) after real calls to a real server, the gateway's included.
import { randomBytes } from "node:crypto";
import { startFakeLlm, type FakeLlm } from "@promptreg/fake-llm";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { parseConfig } from "../src/config.js";
import { startServer, type RunningServer } from "../src/runtime.js";
import { ADMIN_KEY, sampleBody } from "../src/testing/index.js";

interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  method?: string;
  route?: string;
  path?: string;
  status?: number;
  durationMs?: number;
  aborted?: boolean;
  [key: string]: unknown;
}

let fake: FakeLlm;
let server: RunningServer;
const output: string[] = [];
const lines = () => output.map((l) => JSON.parse(l) as LogLine);
const requestLines = () => lines().filter((l) => l.msg === "request completed");

beforeAll(async () => {
  fake = await startFakeLlm();
  const config = parseConfig({
    MONGODB_URI: inject("mongoUri"),
    MONGODB_DB: `t_${randomBytes(6).toString("hex")}`,
    PORT: "0",
    PROMPTREG_API_KEY: ADMIN_KEY,
    PROMPTREG_DB_TIMEOUT_MS: "3000",
    OPENAI_BASE_URL: fake.baseUrl,
  });
  // The server's logger as logger.ts makes it, writing into `output` instead of stdout.
  const logger = pino({ level: "debug", base: { service: "promptreg" } }, { write: (line: string) => void output.push(line) });
  server = await startServer(config, logger);
});
afterAll(async () => {
  await server.close();
  await fake.close();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: (text ? JSON.parse(text) : undefined) };
}

/** The log line of the request that answered with this x-request-id (waits for the `close` event). */
async function lineOf(requestId: string | null): Promise<LogLine> {
  expect(requestId).toBeTruthy();
  for (let i = 0; i < 50; i++) {
    const found = requestLines().filter((l) => l.requestId === requestId);
    if (found.length > 0) {
      expect(found).toHaveLength(1);
      return found[0]!;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no log line for request ${requestId}`);
}

let promptId: string;

describe("request logs", () => {
  it("write one line per request: id, method, route pattern, path, status, duration", async () => {
    const created = await call("POST", "/v1/prompt-2025", { name: "logs", promptBody: sampleBody() }, { "x-request-id": "caller-chosen-id-1" });
    expect(created.status).toBe(201);
    promptId = created.json.data.id as string;
    expect(created.headers.get("x-request-id")).toBe("caller-chosen-id-1");
    expect(await lineOf("caller-chosen-id-1")).toMatchObject({
      level: 30,
      method: "POST",
      route: "/v1/prompt-2025",
      path: "/v1/prompt-2025",
      status: 201,
      service: "promptreg",
    });

    const got = await call("GET", `/v1/prompt-2025/id/${promptId}`);
    const line = await lineOf(got.headers.get("x-request-id"));
    expect(line).toMatchObject({ method: "GET", route: "/v1/prompt-2025/id/:promptId", path: `/v1/prompt-2025/id/${promptId}`, status: 200 });
    expect(line.durationMs).toBeGreaterThan(0);
    expect(line.durationMs).toBeLessThan(5000);
    expect(line.aborted).toBeUndefined();
  });

  it("log the gateway's requests under the request id the gateway answers with", async () => {
    const answer = await call("POST", "/v1/chat/completions", { prompt_id: promptId, inputs: { company: "A", customer: "B", question: "C" } });
    expect(answer.status).toBe(200);
    expect(await lineOf(answer.headers.get("x-request-id"))).toMatchObject({ method: "POST", route: "/v1/chat/completions", status: 200 });
    const missing = await call("POST", "/v1/chat/completions", { prompt_id: "nope00" });
    expect(missing.status).toBe(404);
    expect(await lineOf(missing.headers.get("x-request-id"))).toMatchObject({ route: "/v1/chat/completions", status: 404, level: 30 });
  });

  it("label unknown URLs as unmatched, log probes at debug, and keep query strings out", async () => {
    const unknown = await call("GET", `/v1/nothing/here/${randomBytes(4).toString("hex")}`);
    expect(unknown.status).toBe(404);
    expect(await lineOf(unknown.headers.get("x-request-id"))).toMatchObject({ route: "unmatched", status: 404 });

    const health = await call("GET", "/healthz");
    expect(await lineOf(health.headers.get("x-request-id"))).toMatchObject({ route: "/healthz", level: 20 });

    const version = await call("POST", "/v1/prompt-2025/query/production-version", { promptId });
    const signed = new URL(version.json.data.s3_url as string);
    const body = await fetch(`${server.url}${signed.pathname}${signed.search}`);
    expect(body.status).toBe(200);
    const line = await lineOf(body.headers.get("x-request-id"));
    expect(line).toMatchObject({ route: "/v1/prompt-body/:versionId", path: signed.pathname, status: 200 });
    expect(JSON.stringify(line)).not.toContain(signed.searchParams.get("signature")!);
  });

  it("mark a request the client abandoned", async () => {
    const abort = new AbortController();
    const stream = await fetch(`${server.url}/v1/deployments/stream`, { headers: { authorization: `Bearer ${ADMIN_KEY}` }, signal: abort.signal });
    expect(stream.status).toBe(200);
    const requestId = stream.headers.get("x-request-id");
    await stream.body!.getReader().read();
    abort.abort();
    expect(await lineOf(requestId)).toMatchObject({ route: "/v1/deployments/stream", status: 200, aborted: true });
  });

  it("never hold the Authorization header, the key or a signature", () => {
    const all = output.join("\n");
    expect(all).not.toContain(ADMIN_KEY);
    expect(all.toLowerCase()).not.toContain("bearer");
    expect(all).not.toContain("signature=");
    expect(all.toLowerCase()).not.toContain("authorization");
  });
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus' text format, enough of it for assertions. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

describe("metrics", () => {
  let samples: Sample[];
  const find = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  const sum = (name: string, labels: Record<string, string> = {}) => find(name, labels).reduce((total, s) => total + s.value, 0);

  beforeAll(async () => {
    // Two more gateway calls to the same prompt: the second resolves from the caches.
    for (let i = 0; i < 2; i++) {
      const answer = await call("POST", "/v1/chat/completions", { prompt_id: promptId, inputs: { company: "A", customer: "B", question: "C" } });
      expect(answer.status).toBe(200);
    }
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    samples = parseMetrics(await response.text());
  });

  it("count and time HTTP requests by route pattern and status, never by raw URL", () => {
    const byRoute = { name: "promptreg_http_request_duration_seconds_count" };
    expect(sum(byRoute.name, { method: "GET", route: "/v1/prompt-2025/id/:promptId", status: "200" })).toBe(1);
    expect(sum(byRoute.name, { method: "POST", route: "/v1/prompt-2025", status: "201" })).toBe(1);
    expect(sum(byRoute.name, { method: "POST", route: "/v1/chat/completions", status: "200" })).toBe(3);
    expect(sum(byRoute.name, { method: "POST", route: "/v1/chat/completions", status: "404" })).toBe(1);
    expect(sum(byRoute.name, { route: "unmatched", status: "404" })).toBe(1);
    for (const sample of find(byRoute.name)) {
      expect(sample.labels["route"]).not.toContain(promptId);
      expect(["unmatched", "/trpc"].includes(sample.labels["route"]!) || sample.labels["route"]!.startsWith("/")).toBe(true);
    }
    // Histograms are consistent: the +Inf bucket holds every observation, and durations are plausible.
    const labels = { method: "POST", route: "/v1/chat/completions", status: "200" };
    expect(sum("promptreg_http_request_duration_seconds_bucket", { ...labels, le: "+Inf" })).toBe(3);
    const seconds = sum("promptreg_http_request_duration_seconds_sum", labels);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(30);
  });

  it("time database commands and upstream calls", () => {
    const commands = find("promptreg_db_command_duration_seconds_count", { outcome: "ok" });
    expect(commands.map((s) => s.labels["command"])).toEqual(expect.arrayContaining(["find", "insert"]));
    expect(sum("promptreg_db_command_duration_seconds_sum")).toBeGreaterThan(0);

    expect(sum("promptreg_gateway_upstream_duration_seconds_count", { stage: "headers", status: "200" })).toBe(3);
    expect(sum("promptreg_gateway_upstream_duration_seconds_count", { stage: "complete", status: "200" })).toBe(3);
    const headers = sum("promptreg_gateway_upstream_duration_seconds_sum", { stage: "headers" });
    expect(headers).toBeGreaterThan(0);
    expect(sum("promptreg_gateway_upstream_duration_seconds_sum", { stage: "complete" })).toBeGreaterThanOrEqual(headers);
  });

  it("report the resolution caches: hits, misses, entries and hit ratio", () => {
    for (const cache of ["versions", "prompts"]) {
      expect(find("promptreg_resolution_cache_misses_total", { cache })).toHaveLength(1);
      expect(find("promptreg_resolution_cache_entries", { cache })).toHaveLength(1);
    }
    // Three resolutions of one prompt (the 404 one aside): the first misses (and reads the version with the
    // pointer, in the same round trip), the next two hit.
    expect(sum("promptreg_resolution_cache_hits_total", { cache: "prompts" })).toBeGreaterThanOrEqual(2);
    expect(sum("promptreg_resolution_cache_misses_total", { cache: "prompts" })).toBeGreaterThanOrEqual(1);
    expect(sum("promptreg_resolution_cache_hits_total", { cache: "versions" })).toBeGreaterThanOrEqual(3);
    const ratio = sum("promptreg_resolution_cache_hit_ratio", { cache: "prompts" });
    expect(ratio).toBeGreaterThan(0);
    expect(ratio).toBeLessThan(1);
    expect(sum("promptreg_resolution_cache_entries", { cache: "versions" })).toBeGreaterThanOrEqual(1);
  });

  it("count cache hits as counters that only grow between scrapes", async () => {
    const before = sum("promptreg_resolution_cache_hits_total", { cache: "versions" });
    await call("POST", "/v1/chat/completions", { prompt_id: promptId, inputs: { company: "A", customer: "B", question: "C" } });
    const after = parseMetrics(await (await fetch(`${server.url}/metrics`)).text())
      .filter((s) => s.name === "promptreg_resolution_cache_hits_total" && s.labels["cache"] === "versions")
      .reduce((t, s) => t + s.value, 0);
    expect(after).toBe(before + 1);
  });

  it("include the process's own metrics", () => {
    expect(find("process_cpu_user_seconds_total")).toHaveLength(1);
    expect(find("nodejs_eventloop_lag_seconds")).toHaveLength(1);
  });
});
