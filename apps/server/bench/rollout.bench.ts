// What an active rollout costs the gateway (issue 14: within 20 µs at p50).
//
// 1. Gateway: one server, two prompts with the same template: one whose production has an active rollout
//    (weight 50: each call hashes its subject and picks an arm), one without. Every call carries a different
//    `x-prompt-subject` (both prompts, so the header costs the same), at concurrency 1, in interleaved
//    slices with the fake upstream called directly (a burst of outside load then lands on all three).
//    Added latency = p50 (p99) minus the direct call's. The split itself is checked on the way: the share
//    of rollout calls the candidate served (`x-prompt-version-id`) must be near the weight.
// 2. The split alone: `servesCandidate(rolloutId, subject, weight)` of @promptreg/contracts (MurmurHash3 of
//    `rolloutId:subject`, UTF-8 encoded), ns per call, for short and long subjects and for no subject.
//
// Run: pnpm --filter @promptreg/server exec tsx bench/rollout.bench.ts
// Knobs: BENCH_ROLLOUT_ROUNDS (8) x BENCH_ROLLOUT_SLICE_S (2), BENCH_ROLLOUT_WEIGHT (50),
// BENCH_ROLLOUT_PARTS ("gateway,hash").
import { rolloutBucket, servesCandidate } from "@promptreg/contracts";
import { runOperation, summarize, requestOperation, type LoadResult, type Operation } from "./load.js";
import { BENCH_API_KEY, startDatabase, startServerProcess, startUpstream, type Process } from "./processes.js";
import { compiledBody, inputs, template } from "./fixture.js";
import { int, load, machineLine, microbench, ms, table, waitForQuietMachine } from "./report.js";

const parts = (process.env["BENCH_ROLLOUT_PARTS"] ?? "gateway,hash").split(",");
const rounds = Number(process.env["BENCH_ROLLOUT_ROUNDS"] ?? 8);
const sliceSeconds = Number(process.env["BENCH_ROLLOUT_SLICE_S"] ?? 2);
const weight = Number(process.env["BENCH_ROLLOUT_WEIGHT"] ?? 50);
const auth = { authorization: `Bearer ${BENCH_API_KEY}`, "content-type": "application/json" };

/** POST to the REST API; the envelope's data, or throws with the server's error. */
async function rest<T>(serverUrl: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${serverUrl}${path}`, { method: "POST", headers: auth, body: JSON.stringify(body) });
  const answer = (await res.json()) as { data: T; error: unknown };
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${JSON.stringify(answer.error)}`);
  return answer.data;
}

/** A prompt with the bench template in production, and a second version (same template) for a candidate. */
async function createPrompt(serverUrl: string, name: string): Promise<{ promptId: string; stable: string; candidate: string }> {
  const created = await rest<{ id: string; versionId: string }>(serverUrl, "/v1/prompt-2025", { name, promptBody: template });
  const next = await rest<{ id: string }>(serverUrl, "/v1/prompt-2025/update", {
    promptId: created.id,
    promptVersionId: created.versionId,
    commitMessage: "candidate",
    promptBody: template,
  });
  return { promptId: created.id, stable: created.versionId, candidate: next.id };
}

/** Gateway calls of `promptId`, each with the next subject; `served` counts the versions that answered. */
function gatewayOperation(promptId: string, served?: Map<string, number>): Operation {
  const body = JSON.stringify({ prompt_id: promptId, inputs });
  let next = 0;
  return async (pool) => {
    const res = await pool.request({
      method: "POST",
      path: "/v1/chat/completions",
      headers: { ...auth, "x-prompt-subject": `user-${next++}` },
      body,
    });
    await res.body.arrayBuffer();
    if (served !== undefined) {
      const version = String(res.headers["x-prompt-version-id"] ?? "none");
      served.set(version, (served.get(version) ?? 0) + 1);
    }
    return res.statusCode === 200;
  };
}

await waitForQuietMachine();
console.log(`\n## Rollouts: the gateway's added latency with an active rollout, and the split's cost\n\n${machineLine()}`);

if (parts.includes("gateway")) {
  const database = await startDatabase();
  const started: Process[] = [];
  try {
    const upstream = await startUpstream();
    started.push(upstream);
    const server = await startServerProcess({ database, upstreamUrl: upstream.url });
    started.push(server);
    const plain = await createPrompt(server.url, "bench-rollout-none");
    const canary = await createPrompt(server.url, "bench-rollout-active");
    await rest(server.url, "/v1/prompt-2025/update/rollout", { promptId: canary.promptId, environment: "production", promptVersionId: canary.candidate, weight });
    const served = new Map<string, number>();
    const targets = {
      direct: requestOperation({ origin: upstream.url, path: "/v1/chat/completions", headers: { "content-type": "application/json", authorization: "Bearer sk-bench" }, body: compiledBody }),
      none: gatewayOperation(plain.promptId),
      rollout: gatewayOperation(canary.promptId, served),
    };
    const origins = { direct: upstream.url, none: server.url, rollout: server.url };
    const latencies: Record<keyof typeof targets, number[]> = { direct: [], none: [], rollout: [] };
    const errors: Record<keyof typeof targets, number> = { direct: 0, none: 0, rollout: 0 };
    let seconds = 0;
    console.log(`\nGateway: ${rounds} rounds of ${sliceSeconds} s slices (direct, no rollout, rollout at ${weight} %), concurrency 1, a new subject per call; load ${load()}`);
    for (let round = 0; round < rounds; round++) {
      // Alternate the order so neither prompt always runs right after the other.
      const order: Array<keyof typeof targets> = round % 2 === 0 ? ["direct", "none", "rollout"] : ["direct", "rollout", "none"];
      for (const name of order) {
        const result = await runOperation(origins[name], targets[name], 1, { durationMs: sliceSeconds * 1000, warmupMs: round === 0 ? 1000 : 200, collect: latencies[name] });
        errors[name] += result.errors;
        if (name === "rollout") seconds += result.seconds;
      }
    }
    const stats = Object.fromEntries(Object.entries(latencies).map(([k, v]) => [k, summarize(v, errors[k as keyof typeof targets], seconds)])) as Record<
      keyof typeof targets,
      LoadResult
    >;
    const addedP50 = stats.rollout.p50 - stats.none.p50;
    const addedP99 = stats.rollout.p99 - stats.none.p99;
    const total = [...served.values()].reduce((n, c) => n + c, 0);
    const candidateShare = (served.get(canary.candidate) ?? 0) / Math.max(1, total);
    const unnamed = total - (served.get(canary.candidate) ?? 0) - (served.get(canary.stable) ?? 0);
    console.log(`\nms; added = p50 (p99) minus the direct call's of the same run\n`);
    console.log(
      table(
        ["what", "requests", "p50", "p90", "p99", "added p50", "added p99", "errors"],
        [
          ["fake upstream directly", int(stats.direct.requests), ms(stats.direct.p50), ms(stats.direct.p90), ms(stats.direct.p99), "", "", String(errors.direct)],
          ...(["none", "rollout"] as const).map((name) => [
            name === "none" ? "gateway, no rollout" : `**gateway, rollout at ${weight} %**`,
            int(stats[name].requests),
            ms(stats[name].p50),
            ms(stats[name].p90),
            ms(stats[name].p99),
            ms(stats[name].p50 - stats.direct.p50),
            ms(stats[name].p99 - stats.direct.p99),
            String(errors[name]),
          ]),
        ],
      ),
    );
    console.log(
      `\nTarget: an active rollout adds at most 20 µs to the gateway's p50: ${(addedP50 * 1000).toFixed(1)} µs (p99 ${(addedP99 * 1000).toFixed(1)} µs): ${addedP50 <= 0.02 ? "**met**" : "**missed**"}. The candidate served ${(candidateShare * 100).toFixed(1)} % of ${int(total)} rollout calls (weight ${weight} %)${unnamed > 0 ? `; ${int(unnamed)} answers named neither version` : ""}. Load at the end: ${load()}.`,
    );
  } finally {
    await Promise.all(started.map((p) => p.stop()));
    await database.stop();
  }
}

if (parts.includes("hash")) {
  const rolloutId = "6751a0c3e4b0a1b2c3d4e5f6";
  const short = Array.from({ length: 4096 }, (_, i) => `user-${i}`);
  const long = Array.from({ length: 4096 }, (_, i) => `${"tenant-0123456789abcdef/".repeat(4)}user-${i}@example.com`);
  let i = 0;
  let sink = 0;
  const rows: string[][] = [];
  const measure = async (what: string, run: () => unknown) => rows.push([what, ms((await microbench(run, false)) * 1000, 0)]);
  await measure("servesCandidate, subject `user-<n>` (≈10 chars)", () => (sink += servesCandidate(rolloutId, short[i++ & 4095]!, weight) ? 1 : 0));
  await measure("servesCandidate, subject of ≈120 chars", () => (sink += servesCandidate(rolloutId, long[i++ & 4095]!, weight) ? 1 : 0));
  await measure("servesCandidate, no subject (random draw)", () => (sink += servesCandidate(rolloutId, null, weight) ? 1 : 0));
  await measure("rolloutBucket alone, subject `user-<n>`", () => (sink += rolloutBucket(rolloutId, short[i++ & 4095]!)));
  console.log(`\nThe split alone (median of 300 rounds of ~2 ms batches; ${sink > 0 ? "results used" : "no result"})\n`);
  console.log(table(["what", "ns / call"], rows));
}
