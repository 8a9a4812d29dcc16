// The dashboard's production build is served at `/` with client-side routing; the API keeps its paths.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing/index.js";

let dir: string;
let server: TestServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "promptreg-dashboard-"));
  await mkdir(join(dir, "assets"));
  await writeFile(join(dir, "index.html"), "<!doctype html><title>promptreg</title><script type=module src=/assets/app-1a2b.js></script>");
  await writeFile(join(dir, "assets", "app-1a2b.js"), "console.log('app')");
  server = await startTestServer({ PROMPTREG_DASHBOARD_DIR: dir });
});
afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("dashboard", () => {
  it("serves index.html at / (the dashboard routes in the URL's hash), uncached", async () => {
    for (const path of ["/", "/index.html", "/?utm=x"]) {
      const res = await fetch(`${server.url}${path}`, { headers: { accept: "text/html" } });
      expect(res.status, path).toBe(200);
      expect(await res.text()).toContain("<title>promptreg</title>");
      expect(res.headers.get("cache-control")).toBe("no-cache");
    }
  });

  it("answers 404 for paths the dashboard does not own: typos of service endpoints, stray pages", async () => {
    for (const path of ["/health", "/ready", "/prompts/Ab3xYz", "/metricz", "/openapi", "/v3/prompt-2025"]) {
      const res = await fetch(`${server.url}${path}`, { headers: { accept: "text/html" } });
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).not.toContain("<title>promptreg</title>");
    }
  });

  it("serves hashed assets for a year and 404s missing ones", async () => {
    const js = await fetch(`${server.url}/assets/app-1a2b.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404);
  });

  it("does not ask browsers to upgrade to https (plain-http hosts other than localhost must work)", async () => {
    const res = await fetch(`${server.url}/`, { headers: { accept: "text/html" } });
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("upgrade-insecure-requests");
  });

  it("leaves the API's answers alone", async () => {
    const api = await fetch(`${server.url}/v1/nope`, { headers: { accept: "text/html" } });
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({ data: null, error: "no such endpoint: GET /v1/nope" });
    expect((await fetch(`${server.url}/readyz`, { headers: { accept: "text/html" } })).headers.get("content-type")).toMatch(/json/);
  });
});
