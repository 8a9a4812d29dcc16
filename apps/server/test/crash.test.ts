// kill -9 the server in the middle of a burst of writes, restart it: every acknowledged write is there,
// nothing half-written is visible, and numbering continues without a gap.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, inject } from "vitest";
import { sampleBody } from "../src/testing/index.js";

const serverDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const KEY = "crash-test-admin-key-0123456789";
const dbName = `t_crash_${randomBytes(4).toString("hex")}`;
let child: ChildProcess | undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** The real server as its own process (run from source with tsx), on the shared test database. */
async function startProcess(port: number): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: serverDir,
    env: { ...process.env, PORT: String(port), MONGODB_URI: inject("mongoUri"), MONGODB_DB: dbName, PROMPTREG_API_KEY: KEY, PROMPTREG_LOG_LEVEL: "silent" },
    stdio: "ignore",
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return proc;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("server did not start");
}

afterAll(() => {
  child?.kill("SIGKILL");
});

const call = async (port: number, path: string, body: unknown) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { data: any; error: string | null } };
};

describe("crash in the middle of writes", () => {
  it("keeps every acknowledged write, shows nothing half-written, and numbers on without a gap", { timeout: 90_000 }, async () => {
    const port = await freePort();
    child = await startProcess(port);
    const base = await call(port, "/v1/prompt-2025", { name: "crash-base", promptBody: sampleBody() });
    const { id: promptId, versionId } = base.body.data as { id: string; versionId: string };

    // A burst: new prompts and new versions of one prompt, fired continuously; the server dies mid-way.
    const acknowledged = { prompts: [] as string[], versions: [] as string[] };
    let stop = false;
    const worker = async (i: number) => {
      while (!stop) {
        try {
          if (i % 2 === 0) {
            const r = await call(port, "/v1/prompt-2025", { name: `burst-${i}`, promptBody: sampleBody() });
            if (r.status === 201) acknowledged.prompts.push(r.body.data.id);
          } else {
            const r = await call(port, "/v1/prompt-2025/update", { promptId, promptVersionId: versionId, promptBody: sampleBody() });
            if (r.status === 201) acknowledged.versions.push(r.body.data.id);
          }
        } catch {
          return; // the connection died with the server
        }
      }
    };
    const burst = Promise.all(Array.from({ length: 8 }, (_, i) => worker(i)));
    // Killed once enough writes were acknowledged (not after a fixed time: a loaded machine acknowledges
    // fewer per second), while the burst keeps writing.
    const deadline = Date.now() + 60_000;
    while (acknowledged.prompts.length + acknowledged.versions.length <= 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGKILL");
    stop = true;
    await burst;
    expect(acknowledged.prompts.length + acknowledged.versions.length).toBeGreaterThan(10);

    child = await startProcess(port);
    // Every acknowledged prompt and version is there.
    for (const id of acknowledged.prompts) expect((await fetch(`http://127.0.0.1:${port}/v1/prompt-2025/id/${id}`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(200);
    const versions = (await call(port, "/v1/prompt-2025/query/versions", { promptId })).body.data as Array<{ id: string; minor_version: number; major_version: number }>;
    const stored = new Set(versions.map((v) => v.id));
    for (const id of acknowledged.versions) expect(stored.has(id)).toBe(true);

    // Nothing half-written is visible: every listed prompt resolves fully (production points at a readable version).
    const listed = (await call(port, "/v1/prompt-2025/query", { pageSize: 1000 })).body.data as Array<{ id: string }>;
    for (const p of listed) {
      const prod = await call(port, "/v2/prompt-2025/query/production-version", { promptId: p.id });
      expect(prod.status, `prompt ${p.id}`).toBe(200);
      expect(prod.body.data.prompt_body).toEqual(sampleBody());
    }

    // Numbering continues without a gap.
    const next = await call(port, "/v1/prompt-2025/update", { promptId, promptVersionId: versionId, promptBody: sampleBody() });
    expect(next.status).toBe(201);
    const minors = ((await call(port, "/v1/prompt-2025/query/versions", { promptId, majorVersion: 1 })).body.data as Array<{ minor_version: number }>)
      .map((v) => v.minor_version)
      .sort((a, b) => a - b);
    expect(minors).toEqual(Array.from({ length: minors.length }, (_, i) => i));
    child.kill("SIGTERM");
  });
});
