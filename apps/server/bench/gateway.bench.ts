// Gateway overhead: the fake upstream called directly vs the same call through the gateway with
// `prompt_id` (resolve + compile + forward), at concurrency 1, 16 and 64, in one run.
// Run: pnpm --filter @promptreg/server bench   (BENCH_SECONDS=5 by default per measurement)
import { runLoad, type LoadResult } from "./load.js";
import { startStack } from "./processes.js";
import { compiledBody, inputs, template } from "./fixture.js";

const seconds = Number(process.env["BENCH_SECONDS"] ?? 5);
const concurrencies = (process.env["BENCH_CONCURRENCY"] ?? "1,16,64").split(",").map(Number);


const stack = await startStack();
try {
  const auth = { authorization: `Bearer ${stack.apiKey}`, "content-type": "application/json" };
  const created = await fetch(`${stack.serverUrl}/v1/prompt-2025`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ name: "bench", promptBody: template }),
  });
  const { data } = (await created.json()) as { data: { id: string } };

  const gatewayBody = JSON.stringify({ prompt_id: data.id, inputs });

  const rows: Array<{ c: number; direct: LoadResult; gateway: LoadResult }> = [];
  for (const c of concurrencies) {
    const direct = await runLoad({ origin: stack.upstreamUrl, path: "/v1/chat/completions", headers: { "content-type": "application/json", authorization: "Bearer sk-bench" }, body: compiledBody }, c, seconds * 1000);
    const gateway = await runLoad({ origin: stack.serverUrl, path: "/v1/chat/completions", headers: auth, body: gatewayBody }, c, seconds * 1000);
    rows.push({ c, direct, gateway });
  }

  const f = (n: number) => n.toFixed(3);
  console.log(`\nGateway overhead (${seconds}s per cell, keep-alive, fake upstream on loopback; latencies in ms)\n`);
  console.log("| concurrency | direct p50 | direct p99 | direct req/s | gateway p50 | gateway p99 | gateway req/s | added p50 | added p99 | throughput ratio | errors |");
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const { c, direct, gateway } of rows) {
    console.log(
      `| ${c} | ${f(direct.p50)} | ${f(direct.p99)} | ${direct.rps.toFixed(0)} | ${f(gateway.p50)} | ${f(gateway.p99)} | ${gateway.rps.toFixed(0)} | ${f(gateway.p50 - direct.p50)} | ${f(gateway.p99 - direct.p99)} | ${(gateway.rps / direct.rps).toFixed(2)} | ${direct.errors + gateway.errors} |`,
    );
  }
  const one = rows.find((r) => r.c === 1);
  if (one) {
    const addedP50 = one.gateway.p50 - one.direct.p50;
    const addedP99 = one.gateway.p99 - one.direct.p99;
    console.log(`\ntarget at concurrency 1: added p50 < 0.5 ms (${f(addedP50)}: ${addedP50 < 0.5 ? "met" : "MISSED"}), added p99 < 2 ms (${f(addedP99)}: ${addedP99 < 2 ? "met" : "MISSED"})`);
  }
} finally {
  await stack.stop();
}
