// Hostile input: every case answers 4xx with a clear message (or is stored harmlessly), nothing
// reaches the database as an operator, and nothing pollutes prototypes in the server process.
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { MAX_TRPC_BATCH_SIZE } from "@promptreg/contracts";
import { startFakeLlm, type FakeLlm } from "@promptreg/fake-llm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, sampleBody, startTestServer, type TestServer } from "../src/testing/index.js";

let server: TestServer;
let fake: FakeLlm;
beforeAll(async () => {
  fake = await startFakeLlm();
  server = await startTestServer({ OPENAI_BASE_URL: fake.baseUrl });
});
afterAll(async () => {
  await server.stop();
  await fake.close();
});

const rawPost = (path: string, body: Buffer | string) =>
  fetch(`${server.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }, body });

describe("prototype pollution", () => {
  it("__proto__ and constructor keys in bodies are stored as plain data and pollute nothing", async () => {
    const raw = `{"name":"proto","promptBody":{"model":"m","messages":[{"role":"user","content":"x"}],"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}},"__proto__":{"polluted":"yes"}}`;
    const res = await rawPost("/v1/prompt-2025", raw);
    expect(res.status).toBeLessThan(500);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
    if (res.status === 201) {
      const { versionId } = ((await res.json()) as { data: { versionId: string } }).data;
      const body = await server.rest("GET", `/v1/prompt-2025/${versionId}/prompt-body`);
      expect(body.status).toBe(200);
      expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    }
  });

  it("__proto__ in gateway inputs does not pollute", async () => {
    const { id } = (await server.rest("POST", "/v1/prompt-2025", { name: "p", promptBody: sampleBody() })).body.data;
    const res = await rawPost("/v1/chat/completions", `{"prompt_id":"${id}","inputs":{"company":"a","customer":"b","question":"c","__proto__":{"polluted":"yes"}}}`);
    expect(res.status).toBe(200);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});

describe("encoding", () => {
  it("invalid UTF-8 is a 400 on the REST API and on the gateway", async () => {
    const bytes = Buffer.concat([Buffer.from('{"name":"bad '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('","promptBody":{"model":"m","messages":[]}}')]);
    const rest = await rawPost("/v1/prompt-2025", bytes);
    expect(rest.status).toBe(400);
    expect(((await rest.json()) as { error: string }).error).toMatch(/UTF-8/);
    const gateway = await rawPost("/v1/chat/completions", bytes);
    expect(gateway.status).toBe(400);
    expect(((await gateway.json()) as { error: { message: string } }).error.message).toMatch(/UTF-8/);
  });
});

describe("content-encoding", () => {
  const post = (path: string, encoding: string, body: Buffer) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json", "content-encoding": encoding },
      body,
    });
  const restError = async (res: Response) => ({ status: res.status, error: ((await res.json()) as { error: string }).error });
  const gatewayError = async (res: Response) => ({ status: res.status, error: ((await res.json()) as { error: { message: string } }).error.message });

  it("a body that does not decompress, or an unknown encoding, is a 400 on every path (it was a 500)", async () => {
    const garbage = Buffer.from("not compressed at all");
    for (const path of ["/v1/prompt-2025", "/v1/prompt-2025/query/environment-version"]) {
      for (const encoding of ["gzip", "deflate", "br"]) {
        expect(await restError(await post(path, encoding, garbage))).toEqual({ status: 400, error: expect.stringMatching(/could not decompress/) });
      }
      expect(await restError(await post(path, "compress", garbage))).toEqual({ status: 400, error: expect.stringMatching(/unsupported content-encoding/) });
    }
    expect(await gatewayError(await post("/v1/chat/completions", "gzip", garbage))).toEqual({ status: 400, error: expect.stringMatching(/could not decompress/) });
    expect(await gatewayError(await post("/v1/chat/completions", "compress", garbage))).toEqual({ status: 400, error: expect.stringMatching(/unsupported content-encoding/) });
  });

  it("the gateway reads gzip, deflate and br bodies, and limits their decompressed size", async () => {
    const { id } = (await server.rest("POST", "/v1/prompt-2025", { name: "zipped", promptBody: sampleBody() })).body.data;
    const request = Buffer.from(JSON.stringify({ prompt_id: id, inputs: { company: "a", customer: "b", question: "c" } }));
    for (const [encoding, compress] of [["gzip", gzipSync], ["deflate", deflateSync], ["br", brotliCompressSync]] as const) {
      const res = await post("/v1/chat/completions", encoding, compress(request));
      expect(res.status, encoding).toBe(200);
    }
    // 2 MB of spaces is a few KB compressed: the limit (1 MB) applies to what it inflates to.
    const bomb = gzipSync(Buffer.concat([Buffer.from(`{"prompt_id":"${id}","x":"`), Buffer.alloc(2 << 20, 0x20), Buffer.from('"}')]));
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(await gatewayError(await post("/v1/chat/completions", "gzip", bomb))).toEqual({ status: 413, error: expect.stringMatching(/larger than/) });
  });
});

describe("size and shape", () => {
  it("a request line or headers past Node's limit get a JSON 431; malformed HTTP a JSON 400", async () => {
    const long = await fetch(`${server.url}/v1/prompt-2025/id/${"x".repeat(20_000)}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(long.status).toBe(431);
    expect(await long.json()).toEqual({ data: null, error: expect.stringContaining("larger than") });

    const { connect } = await import("node:net");
    const socket = connect(Number(new URL(server.url).port), "127.0.0.1");
    socket.write("NOT HTTP AT ALL\r\n\r\n");
    const answer = await new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (chunk) => (text += String(chunk)));
      socket.on("close", () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer.slice(answer.indexOf("\r\n\r\n") + 4)).toBe('{"data":null,"error":"malformed HTTP request"}');
  });

  it("a template with 10,000 variables is refused with 422", async () => {
    const content = Array.from({ length: 10_000 }, (_, i) => `{{hc:v${i}:string}}`).join(" ");
    const res = await server.rest("POST", "/v1/prompt-2025", { name: "many", promptBody: sampleBody({ messages: [{ role: "user", content }] }) });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatch(/variables/);
  });

  it("huge inputs up to the body limit compile; past it, 413", async () => {
    const { id } = (await server.rest("POST", "/v1/prompt-2025", { name: "big", promptBody: sampleBody() })).body.data;
    fake.reset();
    const ok = await rawPost("/v1/chat/completions", JSON.stringify({ prompt_id: id, inputs: { company: "a", customer: "b", question: "q".repeat(900_000) } }));
    expect(ok.status).toBe(200);
    expect(fake.requests[0]!.body.messages[1].content).toHaveLength("Customer b asks: ".length + 900_000);
    const tooBig = await rawPost("/v1/chat/completions", JSON.stringify({ prompt_id: id, inputs: { company: "a", customer: "b", question: "q".repeat(1_100_000) } }));
    expect(tooBig.status).toBe(413);
    expect(((await tooBig.json()) as { error: { code: string } }).error.code).toBe("request_too_large");
  });

  it("a template that would compile past the limit is a 413 naming it, in OpenAI's shape, before anything is built (it was a 500)", { timeout: 120_000 }, async () => {
    // One variable used 2,000 times, called with a 500 KB input: 1 GB of text to build.
    const content = Array.from({ length: 2000 }, () => "{{hc:text:string}}").join(" ");
    const { id } = (await server.rest("POST", "/v1/prompt-2025", { name: "blow-up", promptBody: sampleBody({ messages: [{ role: "user", content }] }) })).body.data;
    fake.reset();
    const res = await rawPost("/v1/chat/completions", JSON.stringify({ prompt_id: id, inputs: { text: "x".repeat(500_000) } }));
    expect(res.status).toBe(413);
    const { error } = (await res.json()) as { error: { message: string; type: string; code: string } };
    expect(error).toMatchObject({ type: "invalid_request_error", code: "compiled_request_too_large" });
    expect(error.message).toMatch(/1,000,\d{3},\d{3} bytes.*4,194,304 .*PROMPTREG_COMPILED_LIMIT_BYTES/);
    expect(fake.requests).toHaveLength(0);
    // The caller's own messages are compiled with the inputs too: the same bound applies to them.
    const own = await rawPost(
      "/v1/chat/completions",
      JSON.stringify({ prompt_id: id, inputs: { text: "x".repeat(400_000) }, messages: [{ role: "user", content: Array.from({ length: 20 }, () => "{{hc:text:string}}").join("") }] }),
    );
    expect(own.status).toBe(413);
    // Within the limit it compiles and is sent: 2,000 x 1 KB.
    expect((await rawPost("/v1/chat/completions", JSON.stringify({ prompt_id: id, inputs: { text: "y".repeat(1000) } }))).status).toBe(200);
    expect(fake.requests[0]!.body.messages[0].content).toHaveLength(2000 * 1000 + 1999);
  });

  it("prompt partials that expand a body past the limit in total are refused (each under the per-string bound)", { timeout: 120_000 }, async () => {
    const big = (await server.rest("POST", "/v1/prompt-2025", { name: "big-partial", promptBody: sampleBody({ messages: [{ role: "user", content: "z".repeat(600_000) }] }) })).body.data;
    const messages = Array.from({ length: 10 }, () => ({ role: "user" as const, content: `{{hcp:${big.id}:0}}` }));
    const { id } = (await server.rest("POST", "/v1/prompt-2025", { name: "many-partials", promptBody: sampleBody({ messages }) })).body.data;
    fake.reset();
    const res = await rawPost("/v1/chat/completions", JSON.stringify({ prompt_id: id, inputs: {} }));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string; code: string } }).error).toMatchObject({ code: "compiled_request_too_large", message: expect.stringMatching(/PROMPTREG_COMPILED_LIMIT_BYTES/) });
    expect(fake.requests).toHaveLength(0);
  });

  it("deeply nested JSON in gateway inputs is a 400, not a crash", async () => {
    const { id } = (await server.rest("POST", "/v1/prompt-2025", { name: "deep", promptBody: sampleBody() })).body.data;
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const res = await rawPost("/v1/chat/completions", `{"prompt_id":"${id}","inputs":{"company":${deep},"customer":"b","question":"c"}}`);
    expect(res.status).toBe(400);
  });

  it("operators in gateway id fields are refused", async () => {
    for (const field of ["prompt_id", "version_id", "environment"]) {
      const res = await rawPost("/v1/chat/completions", JSON.stringify({ prompt_id: "abc123", [field]: { $gt: "" }, inputs: {} }));
      expect(res.status, field).toBe(400);
    }
  });
});

describe("caller input never grows the server's caches past a bound", () => {
  it("gateway ids are capped as everywhere else (a 900 KB prompt_id was cached as 'not found')", async () => {
    const before = server.services.resolution.stats();
    const huge = "x".repeat(900_000);
    for (const [field, value] of [["prompt_id", huge], ["version_id", huge], ["environment", "e".repeat(65)], ["prompt_id", "p".repeat(129)]] as const) {
      const res = await rawPost("/v1/chat/completions", JSON.stringify({ prompt_id: "abc123", inputs: {}, [field]: value }));
      expect(res.status, field).toBe(400);
      const { error } = (await res.json()) as { error: { message: string; code: string } };
      expect(error.message, field).toMatch(new RegExp(`${field}: .*at most (128|64) characters`));
    }
    const after = server.services.resolution.stats();
    expect(after.prompts.size).toBe(before.prompts.size);
    expect(after.versions.size).toBe(before.versions.size);
  });

  it("ids that are unknown but well-formed are remembered as missing in a bounded map, apart from real entries", async () => {
    const { id } = (await server.rest("POST", "/v1/prompt-2025", { name: "kept", promptBody: sampleBody() })).body.data;
    const call = (promptId: string) => rawPost("/v1/chat/completions", JSON.stringify({ prompt_id: promptId, inputs: { company: "a", customer: "b", question: "c" } }));
    expect((await call(id)).status).toBe(200);
    for (let i = 0; i < 50; i++) expect((await call(`${"u".repeat(120)}${i}`)).status).toBe(404);
    // The real prompt is still served from memory (the misses did not evict it).
    const hits = server.services.resolution.stats().prompts.hits;
    expect((await call(id)).status).toBe(200);
    expect(server.services.resolution.stats().prompts.hits).toBe(hits + 1);
  });
});

describe("key guessing", () => {
  it("an address that keeps sending wrong keys is refused (429) before its guesses reach the database", async () => {
    const guarded = await startTestServer({ PROMPTREG_AUTH_FAILURES_PER_MINUTE: "20" });
    const keyLookups: string[] = [];
    const listener = (event: { commandName: string; command: Record<string, unknown> }) => {
      if (event.commandName === "find" && event.command["find"] === "api_keys") keyLookups.push(event.commandName);
    };
    guarded.database.client.on("commandStarted", listener);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 300; i++) {
        const res = await fetch(`${guarded.url}/v1/prompt-2025/count`, { headers: { authorization: `Bearer prk_guess${i}` } });
        statuses.push(res.status);
        if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      }
      expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(275);
      // At most one database read per admitted guess (the burst), none once refused.
      expect(keyLookups.length).toBeLessThanOrEqual(25);
      // The same on the gateway and tRPC: the throttle is the pipeline's, not a route's.
      const gateway = await fetch(`${guarded.url}/v1/chat/completions`, { method: "POST", headers: { authorization: "Bearer prk_guess", "content-type": "application/json" }, body: "{}" });
      expect(gateway.status).toBe(429);
      expect(((await gateway.json()) as { error: { code: string } }).error.code).toBe("rate_limit_exceeded");
      const trpc = await fetch(`${guarded.url}/trpc/prompts.count`, { headers: { authorization: "Bearer prk_guess" } });
      expect(trpc.status).toBe(429);
      // A key the server knows is still let through from that address (clients behind one NAT).
      expect((await fetch(`${guarded.url}/v1/prompt-2025/count`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(200);
    } finally {
      guarded.database.client.off("commandStarted", listener);
      await guarded.stop();
    }
  });

  it("a wrong key repeated is refused from memory, not by a database read each time", async () => {
    const keyLookups: unknown[] = [];
    const listener = (event: { commandName: string; command: Record<string, unknown> }) => {
      if (event.commandName === "find" && event.command["find"] === "api_keys") keyLookups.push(event);
    };
    server.database.client.on("commandStarted", listener);
    try {
      for (let i = 0; i < 5; i++) expect((await fetch(`${server.url}/v1/prompt-2025/count`, { headers: { authorization: "Bearer prk_same_wrong_key" } })).status).toBe(401);
    } finally {
      server.database.client.off("commandStarted", listener);
    }
    expect(keyLookups).toHaveLength(1);
  });

  it("a key's allowance is one bucket, however its header is spelled", async () => {
    const limited = await startTestServer({ PROMPTREG_RATE_LIMIT_PER_MINUTE: "3" });
    try {
      const spellings = [`Bearer ${ADMIN_KEY}`, `bearer ${ADMIN_KEY}`, `BEARER   ${ADMIN_KEY}  `, `Bearer\t${ADMIN_KEY}`];
      const statuses = [];
      for (const authorization of spellings) statuses.push((await fetch(`${limited.url}/v1/prompt-2025/count`, { headers: { authorization } })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await limited.stop();
    }
  });

  it("a tRPC batch is capped", async () => {
    const calls = (n: number) => Array.from({ length: n }, () => "prompts.count").join(",");
    const ok = await fetch(`${server.url}/trpc/${calls(MAX_TRPC_BATCH_SIZE)}?batch=1&input={}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(ok.status).toBe(200);
    const tooMany = await fetch(`${server.url}/trpc/${calls(MAX_TRPC_BATCH_SIZE + 1)}?batch=1&input={}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(tooMany.status).toBe(400);
  });
});
