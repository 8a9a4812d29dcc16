// Rate limiting per key (429 with Retry-After, on the API and the gateway) and CORS for configured origins.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, startTestServer, type TestServer } from "../src/testing/index.js";

let server: TestServer;
let other: { key: string };
beforeAll(async () => {
  server = await startTestServer({ PROMPTREG_RATE_LIMIT_PER_MINUTE: "8", PROMPTREG_CORS_ORIGINS: "https://app.example.com" });
  other = await server.createOrg(); // 1 request of the admin key's 8
});
afterAll(async () => server.stop());

describe("rate limiting", () => {
  it("answers 429 with Retry-After past a key's allowance, on the API and the gateway, other keys unaffected", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await server.rest("GET", "/v1/prompt-2025/count")).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200]);

    const limited = await server.rest("GET", "/v1/prompt-2025/count");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limited.body).toEqual({ data: null, error: expect.stringContaining("rate limit exceeded") });

    const gateway = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }, body: "{}" });
    expect(gateway.status).toBe(429);
    expect(gateway.headers.get("retry-after")).not.toBeNull();
    expect(((await gateway.json()) as { error: { code: string } }).error.code).toBe("rate_limit_exceeded");

    expect((await server.rest("GET", "/v1/prompt-2025/count", undefined, { key: other.key })).status).toBe(200);
    expect((await server.rest("GET", "/healthz", undefined, { key: null })).status).toBe(200);
  });
});

describe("CORS", () => {
  it("answers configured origins' preflights and marks their responses; other origins get nothing", async () => {
    const preflight = await fetch(`${server.url}/v1/chat/completions`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example.com");

    const allowed = await fetch(`${server.url}/v1/prompt-2025/count`, { headers: { origin: "https://app.example.com", authorization: `Bearer ${other.key}` } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    const gateway = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { origin: "https://app.example.com", authorization: `Bearer ${other.key}`, "content-type": "application/json" }, body: JSON.stringify({ prompt_id: "nope00" }) });
    expect(gateway.headers.get("access-control-allow-origin")).toBe("https://app.example.com");

    const evil = await fetch(`${server.url}/v1/prompt-2025/count`, { headers: { origin: "https://evil.example", authorization: `Bearer ${other.key}` } });
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    const evilGateway = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { origin: "https://evil.example", authorization: `Bearer ${other.key}`, "content-type": "application/json" }, body: JSON.stringify({ prompt_id: "nope00" }) });
    expect(evilGateway.headers.get("access-control-allow-origin")).toBeNull();
  });
});
