// A/B of write latency between two builds of the server, in one run (ratios, not absolute times):
// creating a version and renaming a prompt, sequentially, interleaved in 4 slices of 60 each.
// Usage: node scripts/ab-writes.mjs <checkout before> <checkout after>   (each built: apps/server/dist)
// e.g. git worktree add /tmp/before <commit> && (cd /tmp/before && pnpm install && pnpm turbo run build --filter=@promptreg/server...)
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
const KEY = "ab-bench-key-0123456789";
const [beforeDir, afterDir] = process.argv.slice(2);
if (!beforeDir || !afterDir) throw new Error("usage: node scripts/ab-writes.mjs <checkout before> <checkout after>");
const builds = { before: beforeDir, after: afterDir };
const ports = { before: 18661, after: 18662 };
const procs = [];
for (const [name, dir] of Object.entries(builds)) {
  const p = spawn(process.execPath, [`${dir}/apps/server/dist/main.js`], {
    env: { ...process.env, PORT: String(ports[name]), PROMPTREG_DATA_DIR: `${tmpdir()}/promptreg-ab-${name}-${Date.now()}`, PROMPTREG_API_KEY: KEY, PROMPTREG_LOG_LEVEL: "warn", FERRETDB_BIN: `${afterDir}/.cache/bin/ferretdb-embedded`, PROMPTREG_RATE_LIMIT_PER_MINUTE: "0" },
    stdio: "ignore",
  });
  procs.push(p);
}
const url = (n, path) => `http://127.0.0.1:${ports[n]}${path}`;
const post = (n, path, body) => fetch(url(n, path), { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }));
for (const n of Object.keys(builds)) {
  for (let i = 0; i < 200; i++) { try { if ((await fetch(url(n, "/readyz"))).ok) break; } catch { /* not listening yet */ } await new Promise((r) => setTimeout(r, 100)); }
}
const body = { model: "m", messages: [{ role: "user", content: "hi {{hc:x:string}}" }] };
const setup = {};
for (const n of Object.keys(builds)) setup[n] = (await post(n, "/v1/prompt-2025", { name: "ab", promptBody: body })).body.data;
const samples = { before: { create: [], rename: [] }, after: { create: [], rename: [] } };
for (let slice = 0; slice < 4; slice++) {
  for (const n of slice % 2 ? ["after", "before"] : ["before", "after"]) {
    for (let i = 0; i < 60; i++) {
      let t = performance.now();
      const r = await post(n, "/v1/prompt-2025/update", { promptId: setup[n].id, promptVersionId: setup[n].versionId, newMajorVersion: false, commitMessage: "x", promptBody: body });
      samples[n].create.push(performance.now() - t);
      if (r.status !== 201) throw new Error(JSON.stringify(r));
      t = performance.now();
      const q = await post(n, `/v1/prompt-2025/id/${setup[n].id}/rename`, { name: `ab-${i}` });
      samples[n].rename.push(performance.now() - t);
      if (q.status !== 200) throw new Error(JSON.stringify(q));
    }
  }
}
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
console.log("| operation | before p50 / p99 (ms) | after p50 / p99 (ms) | p50 ratio |\n|---|---:|---:|---:|");
for (const op of ["create", "rename"]) {
  const b = samples.before[op], a = samples.after[op];
  console.log(`| ${op} (n=${a.length}) | ${pct(b, 0.5).toFixed(2)} / ${pct(b, 0.99).toFixed(2)} | ${pct(a, 0.5).toFixed(2)} / ${pct(a, 0.99).toFixed(2)} | ${(pct(a, 0.5) / pct(b, 0.5)).toFixed(2)}x |`);
}
for (const p of procs) p.kill("SIGTERM");
