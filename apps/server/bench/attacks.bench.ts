// Attacks on a running server, as a hostile client would make them, with what each costs the server:
// 1. unbounded ids: gateway calls naming a 900 KB unknown prompt_id (each used to become a cache key);
// 2. key guessing: 300 wrong keys from one client (each used to get a fresh rate-limit bucket and a
//    database read);
// 3. one key spelled four ways (`Bearer`/`bearer`/extra spaces used to be four rate-limit buckets).
// Run against this build, or another one for an A/B (BENCH_SERVER_MAIN=/path/to/old/apps/server/dist/main.js):
//   pnpm --filter @promptreg/server exec tsx bench/attacks.bench.ts
import { readFile } from "node:fs/promises";
import { BENCH_API_KEY, startDatabase, startServerProcess, startUpstream } from "./processes.js";

const rssMb = async (pid: number) => {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
};
const count = (statuses: number[]) => {
  const byStatus = new Map<number, number>();
  for (const s of statuses) byStatus.set(s, (byStatus.get(s) ?? 0) + 1);
  return [...byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${n}×${s}`).join(", ");
};
/** `promptreg_db_command_duration_seconds_count` summed over find commands, from /metrics. */
const dbFinds = async (url: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^promptreg_db_command_duration_seconds_count\{[^}]*command="find"[^}]*\} (\d+)/gm)].reduce((t, m) => t + Number(m[1]), 0);
};

const database = await startDatabase();
const upstream = await startUpstream();
const rows: string[][] = [];
try {
  // Memory: one process per attack, so each starts from the same state.
  {
    const server = await startServerProcess({ database, upstreamUrl: upstream.url });
    const post = (body: string) =>
      fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${BENCH_API_KEY}`, "content-type": "application/json" }, body });
    await post(JSON.stringify({ prompt_id: "warmup" })).then((r) => r.arrayBuffer());
    global.gc?.();
    const before = await rssMb(server.pid);
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) {
      const res = await post(JSON.stringify({ prompt_id: `${i}-${"x".repeat(900_000)}`, inputs: {} }));
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    await new Promise((r) => setTimeout(r, 2000));
    const after = await rssMb(server.pid);
    rows.push(["200 gateway calls, 900 KB unknown prompt_id each", count(statuses), `RSS ${before.toFixed(0)} → ${after.toFixed(0)} MB (+${(after - before).toFixed(0)} MB)`]);
    await server.stop();
  }
  {
    const server = await startServerProcess({ database, upstreamUrl: upstream.url, env: { PROMPTREG_RATE_LIMIT_PER_MINUTE: "60000" } });
    const findsBefore = await dbFinds(server.url);
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++) {
      const res = await fetch(`${server.url}/v1/prompt-2025/count`, { headers: { authorization: `Bearer prk_guess_${i}` } });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    const finds = (await dbFinds(server.url)) - findsBefore;
    rows.push(["300 wrong keys from one client", count(statuses), `${finds} database finds`]);
    await server.stop();
  }
  {
    const server = await startServerProcess({ database, upstreamUrl: upstream.url, env: { PROMPTREG_RATE_LIMIT_PER_MINUTE: "3" } });
    const statuses: number[] = [];
    for (const authorization of [`Bearer ${BENCH_API_KEY}`, `bearer ${BENCH_API_KEY}`, `BEARER  ${BENCH_API_KEY}`, `Bearer ${BENCH_API_KEY} `, `bearer\t${BENCH_API_KEY}`, `Bearer   ${BENCH_API_KEY}`]) {
      const res = await fetch(`${server.url}/v1/prompt-2025/count`, { headers: { authorization } });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    rows.push(["one key, six spellings, limit 3/min", count(statuses), statuses.join(" ")]);
    await server.stop();
  }
} finally {
  await upstream.stop();
  await database.stop();
}

console.log(`\n## Attacks (${process.env["BENCH_SERVER_MAIN"] ?? "this build"})\n`);
console.log("| attack | answers | cost to the server |\n|---|---|---|");
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
