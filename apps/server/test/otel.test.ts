// OpenTelemetry export: each gateway prompt call becomes an OTLP/HTTP span following the GenAI semantic
// conventions, sent to a real loopback receiver written here (the JSON payload decoded and checked), a
// child of the caller's `traceparent`. And without an endpoint the SDK is never imported.
import { readdir, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { startFakeLlm, type FakeLlm } from "@promptreg/fake-llm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, sampleBody, startTestServer, type TestServer } from "../src/testing/index.js";

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values: OtlpValue[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Array<{ key: string; value: OtlpValue }>;
  status?: { code?: number; message?: string };
}

let receiver: Server;
let received: Array<{ path: string; contentType: string | undefined; authorization: string | undefined; body: any }> = [];
let fake: FakeLlm;
let server: TestServer;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", contentType: req.headers["content-type"], authorization: req.headers["authorization"], body: JSON.parse(Buffer.concat(parts).toString("utf8")) });
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  fake = await startFakeLlm();
  const { port } = receiver.address() as AddressInfo;
  server = await startTestServer({
    OPENAI_BASE_URL: fake.baseUrl,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20collector-token",
    OTEL_SERVICE_NAME: "promptreg-test",
  });
});
afterAll(async () => {
  await server.stop();
  await fake.close();
  await new Promise((r) => receiver.close(r));
});

const value = (v: OtlpValue): unknown =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.boolValue ?? v.arrayValue?.values.map(value);

async function spansOnce(count: number): Promise<Array<{ span: OtlpSpan; attributes: Record<string, unknown>; resource: Record<string, unknown> }>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const spans = received.flatMap((r) =>
      (r.body.resourceSpans as any[]).flatMap((rs) =>
        (rs.scopeSpans as any[]).flatMap((ss) =>
          (ss.spans as OtlpSpan[]).map((span) => ({
            span,
            attributes: Object.fromEntries(span.attributes.map((a) => [a.key, value(a.value)])),
            resource: Object.fromEntries((rs.resource.attributes as OtlpSpan["attributes"]).map((a) => [a.key, value(a.value)])),
          })),
        ),
      ),
    );
    if (spans.length >= count || Date.now() > deadline) {
      expect(spans).toHaveLength(count);
      return spans;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("OpenTelemetry", () => {
  it("exports a GenAI span per prompt call over OTLP/HTTP, in the caller's trace", async () => {
    const { id: promptId, versionId } = (await server.rest("POST", "/v1/prompt-2025", { name: "traced", promptBody: sampleBody() })).body.data;
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const parentId = "00f067aa0ba902b7";
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json", traceparent: `00-${traceId}-${parentId}-01` },
      body: JSON.stringify({ prompt_id: promptId, inputs: { company: "Acme", customer: "Ann", question: "Hi?" } }),
    });
    expect(res.status).toBe(200);
    const [{ span, attributes, resource }] = await spansOnce(1) as [any];
    expect(received[0]).toMatchObject({ path: "/v1/traces", contentType: expect.stringContaining("application/json"), authorization: "Bearer collector-token" });
    expect(resource["service.name"]).toBe("promptreg-test");
    expect(span).toMatchObject({ traceId, parentSpanId: parentId, name: "chat gpt-4o-mini", kind: 3 });
    expect(BigInt(span.endTimeUnixNano)).toBeGreaterThan(BigInt(span.startTimeUnixNano));
    expect(attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.system": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.response.model": "gpt-4o-mini",
      "gen_ai.response.id": "chatcmpl-fake",
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.usage.input_tokens": 1,
      "gen_ai.usage.output_tokens": 1,
      "server.address": "127.0.0.1",
      "http.response.status_code": 200,
      "promptreg.prompt.id": promptId,
      "promptreg.prompt.version_id": versionId,
      "promptreg.prompt.version": "1.0",
      "promptreg.prompt.environment": "production",
      "promptreg.request_id": res.headers.get("x-request-id"),
    });
    expect(attributes["promptreg.cost_usd"]).toBeGreaterThan(0);

    // A provider failure: an error span, with error.type.
    received = [];
    fake.behave({ kind: "status", status: 503, body: { error: { message: "down", type: "server_error", code: "overloaded" } } });
    const failed = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ prompt_id: promptId, inputs: { company: "Acme", customer: "Ann", question: "Hi?" } }),
    });
    expect(failed.status).toBe(503);
    fake.reset();
    const [error] = await spansOnce(1);
    expect(error!.span.status).toMatchObject({ code: 2 });
    expect(error!.attributes).toMatchObject({ "error.type": "overloaded", "http.response.status_code": 503 });
    expect(error!.span.parentSpanId ?? "").toBe("");
  });

  it("is never loaded without an endpoint: only a dynamic import reaches the SDK", async () => {
    const src = join(import.meta.dirname, "..", "src");
    const files: string[] = [];
    const walk = async (dir: string) => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) await walk(join(dir, entry.name));
        else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) files.push(join(dir, entry.name));
      }
    };
    await walk(src);
    for (const file of files) {
      const text = await readFile(file, "utf8");
      // `import type` is erased at compile time (verbatimModuleSyntax): only value imports load a module.
      const staticImports = [...text.matchAll(/^import\s(?!type\s)[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1]!);
      if (file.endsWith(join("observability", "otel.ts"))) {
        // The SDK itself is imported dynamically even there (import type only at the top).
        expect(staticImports.filter((s) => s.startsWith("@opentelemetry"))).toEqual([]);
        continue;
      }
      expect(staticImports.filter((s) => s.startsWith("@opentelemetry") || s.endsWith("/otel.js")), file).toEqual([]);
    }
  });
});
