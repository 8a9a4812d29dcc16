/**
 * Cost of a cached `getPromptBody` call: `pnpm --filter @promptreg/client bench` (tsx, from source). ~10 s.
 *
 * The manager runs against an in-memory fetch that answers the REST endpoints (the hot path does no I/O,
 * so no server is needed). Rows, measured in the same run on the same template and request:
 *   baseline sync   Map lookup + compilePrepared (what any cache must do at the least)
 *   baseline async  the same inside an async function, awaited (getPromptBody is async, as Helicone's)
 *   manager hit     PromptManager.getPromptBody, pointer fresh in the cache
 *   rollout hit     the same while the environment has an active rollout at 50 %, a different `subject`
 *                   per call (the split: MurmurHash3 of rolloutId:subject, and `subject` kept out of the body)
 * "overhead" is manager hit minus baseline async: the cost of the cache itself (selection, key, lookup,
 * freshness check, result object), excluding compile. Target: < 5 µs. "split" is rollout hit minus manager
 * hit. µs/op is the median over ~2 ms batches.
 */
import type { TPromptBody } from "@promptreg/contracts";
import { compilePrepared, prepareTemplate } from "@promptreg/template";
import { PromptManager, type PromptBodyRequest } from "../src/index.js";

interface Case {
  name: string;
  template: TPromptBody;
  request: PromptBodyRequest;
}

const filler = "You are a careful assistant. Answer briefly and cite sources where you can. ";

const cases: Case[] = [
  {
    name: "small (2 msgs, 3 vars)",
    template: {
      model: "gpt-4o-mini",
      temperature: 0.3,
      messages: [
        { role: "system", content: `${filler}You support {{hc:company:string}} customers.` },
        { role: "user", content: "I am {{hc:customer:string}} and my issue is {{hc:issue:string}}." },
      ],
    },
    request: { prompt_id: "abc123", inputs: { company: "TechCorp", customer: "Sarah", issue: "billing" } },
  },
  (() => {
    const inputs: Record<string, unknown> = {};
    const messages: TPromptBody["messages"] = [];
    for (let i = 0; i < 10; i++) {
      messages.push({ role: i % 2 === 0 ? "user" : "assistant", content: `${filler}Point ${i}: {{hc:m${i}:string}} then {{hc:n${i}:number}}.` });
      inputs[`m${i}`] = `value ${i}`;
      inputs[`n${i}`] = i * 3;
    }
    return {
      name: "medium (10 msgs, tools, 20 vars)",
      template: {
        model: "gpt-4o",
        messages,
        tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: { n: { type: "integer", maximum: "{{hc:n1:number}}" } } } } }],
      },
      request: { prompt_id: "abc123", environment: "staging", inputs },
    };
  })(),
];

/** Answers the REST endpoints the manager uses, from memory; with `rollout`, production has one at 50 %. */
function memoryFetch(template: TPromptBody, rollout = false): typeof fetch {
  const meta = {
    id: "00000000-0000-4000-8000-000000000001",
    prompt_id: "abc123",
    model: template.model,
    major_version: 1,
    minor_version: 0,
    commit_message: "First version.",
    environments: ["production", "staging"],
    created_at: new Date().toISOString(),
    s3_url: "http://memory/body",
    variables: [],
    partials: [],
  };
  return async (input) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    const candidate = { ...meta, id: "00000000-0000-4000-8000-000000000002", minor_version: 1, environments: [], prompt_body: template };
    const active = {
      id: "6751a0c3e4b0a1b2c3d4e5f6",
      stable_version_id: meta.id,
      candidate_version_id: candidate.id,
      weight: 50,
      status: "active",
      reason: null,
      auto_rollback: null,
      started_at: meta.created_at,
      updated_at: meta.created_at,
      ended_at: null,
    };
    const data =
      url.pathname === "/v1/prompt-2025/query/rollout"
        ? rollout
          ? active
          : null
        : url.pathname === "/v2/prompt-2025/query/version"
          ? candidate
          : url.pathname.startsWith("/v2/")
            ? { ...meta, prompt_body: template }
            : url.pathname === "/v1/deployments"
              ? []
              : meta;
    return new Response(JSON.stringify({ data, error: null }), { headers: { "content-type": "application/json" } });
  };
}

const BATCH_MS = 2;
const ROUNDS = 400;

/** Median µs/op over rounds of ~BATCH_MS each. */
async function measure(run: () => unknown, async: boolean): Promise<number> {
  // Calibrate a batch size.
  let batch = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) {
      const r = run();
      if (async) await r;
    }
    if (performance.now() - start >= BATCH_MS) break;
    batch *= 2;
  }
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) {
      const r = run();
      if (async) await r;
    }
    samples.push(((performance.now() - start) * 1000) / batch);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

const rows: Array<Record<string, string>> = [];
for (const c of cases) {
  const prepared = prepareTemplate(c.template);
  const key = `abc123\n${c.request.environment ?? "production"}`;
  const map = new Map([[key, prepared]]);
  const baselineSync = () => compilePrepared(map.get(key)!, c.request);
  const baselineAsync = async () => {
    await Promise.resolve();
    return compilePrepared(map.get(key)!, c.request);
  };

  const manager = new PromptManager({
    url: "http://memory",
    apiKey: "bench",
    fetch: memoryFetch(c.template),
    subscribe: false,
    pollIntervalMs: 3_600_000,
    pointerTtlMs: 3_600_000,
    maxStaleMs: 3_600_000,
  });
  const warm = await manager.getPromptBody(c.request);
  if (warm.errors.length > 0 || JSON.stringify(warm.body) !== JSON.stringify(baselineSync().body)) throw new Error(`${c.name}: bodies differ`);
  const hit = () => manager.getPromptBody(c.request);
  if ((await hit()).source !== "cache") throw new Error("not a cache hit");

  const splitting = new PromptManager({
    url: "http://memory",
    apiKey: "bench",
    fetch: memoryFetch(c.template, true),
    subscribe: false,
    pollIntervalMs: 3_600_000,
    pointerTtlMs: 3_600_000,
    maxStaleMs: 3_600_000,
  });
  const requests = Array.from({ length: 1024 }, (_, i) => ({ ...c.request, subject: `user-${i}` }));
  let next = 0;
  const rolloutHit = () => splitting.getPromptBody(requests[next++ & 1023]!);
  const arms = new Set<string | undefined>();
  for (let i = 0; i < 64; i++) {
    const result = await rolloutHit();
    if (i > 0 && result.source !== "cache") throw new Error("not a cache hit (rollout)");
    arms.add(result.rollout?.arm);
  }
  if (arms.size !== 2) throw new Error(`the split served ${[...arms].join(", ")} only`);

  // Warm-up, then measure the three in the same run.
  await measure(baselineSync, false);
  await measure(hit, true);
  const sync = await measure(baselineSync, false);
  const async = await measure(baselineAsync, true);
  const managed = await measure(hit, true);
  await measure(rolloutHit, true);
  const split = await measure(rolloutHit, true);
  manager.close();
  splitting.close();

  rows.push({
    template: c.name,
    "baseline sync µs": sync.toFixed(2),
    "baseline async µs": async.toFixed(2),
    "manager hit µs": managed.toFixed(2),
    "overhead µs": (managed - async).toFixed(2),
    "target < 5 µs": managed - async < 5 ? "yes" : "NO",
    "rollout hit µs": split.toFixed(2),
    "split µs": (split - managed).toFixed(2),
  });
}

console.log(`Node ${process.version}, ${ROUNDS} rounds of ~${BATCH_MS} ms, median µs/op`);
console.table(rows);
