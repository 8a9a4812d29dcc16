// Providers: the gateway's added latency through an `anthropic` provider (translated both ways) against an
// `openai` one (relayed as is), same run, same fake provider process (it speaks both shapes), same prompt.
// Added latency = through the gateway - straight to the fake, per provider; the translation's cost is the
// difference of the two. Target: at most 50 µs p50. An in-process micro-benchmark of the pure translation
// (request, answer, and a 20-chunk stream) is printed too: it isolates the CPU cost from loopback noise.
//
// Run: pnpm --filter @promptreg/server exec tsx bench/providers.bench.ts   (BENCH_SECONDS=5 per cell)
import { fromAnthropicMessage, toAnthropicRequest, translateAnthropicBody } from "../src/gateway/providers/anthropic.js";
import { SseParser } from "../src/gateway/providers/sse.js";
import { compiledBody, inputs, template } from "./fixture.js";
import { runLoad, type LoadResult } from "./load.js";
import { BENCH_API_KEY, startDatabase, startServerProcess, startUpstream, writeProvidersFile, type Process } from "./processes.js";
import { machineLine, microbench, ms, ratio, table, waitForQuietMachine } from "./report.js";

const seconds = Number(process.env["BENCH_SECONDS"] ?? 5);
const concurrencies = (process.env["BENCH_CONCURRENCY"] ?? "1,16").split(",").map(Number);

await waitForQuietMachine();
console.log(`\n## Providers: added latency through anthropic vs openai\n\n${machineLine()}\n`);

// ---- the pure translation, in process ------------------------------------------------------------------
const request = JSON.parse(compiledBody) as Record<string, unknown>;
const message = {
  id: "msg_1",
  type: "message",
  role: "assistant",
  model: "claude-sonnet-4",
  content: [{ type: "text", text: "Your parcel left our warehouse this morning and should arrive tomorrow." }],
  stop_reason: "end_turn",
  usage: { input_tokens: 40, output_tokens: 18 },
};
const messageJson = JSON.stringify(message);
const streamText = [
  `event: message_start\ndata: ${JSON.stringify({ type: "message_start", message: { ...message, content: [], stop_reason: null } })}\n\n`,
  `event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n`,
  ...Array.from({ length: 20 }, (_, i) => `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"tok${i} "}}\n\n`),
  `event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n`,
  `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":20}}\n\n`,
  `event: message_stop\ndata: {"type":"message_stop"}\n\n`,
].map((s) => Buffer.from(s));
const context = { jsonTool: undefined, stream: false, includeUsage: false };
const micro = {
  request: await microbench(() => JSON.stringify(toAnthropicRequest(request, { model: "claude-sonnet-4", defaultMaxTokens: 4096 }).body), false),
  answer: await microbench(() => JSON.stringify(fromAnthropicMessage(JSON.parse(messageJson) as Record<string, unknown>, context)), false),
  stream: await microbench(async () => {
    for await (const _ of translateAnthropicBody([], new SseParser(), streamText, { ...context, stream: true })) void _;
  }, true),
};
console.log("Translation alone (µs per call, median of rounds):\n");
console.log(
  table(
    ["what", "µs"],
    [
      ["request: OpenAI body -> Anthropic body (incl. JSON.stringify)", micro.request.toFixed(2)],
      ["answer: Anthropic message -> chat.completion (incl. parse + stringify)", micro.answer.toFixed(2)],
      ["stream: 25 Anthropic events in 25 reads -> 22 chunks (parse + translate)", micro.stream.toFixed(2)],
      ["request + answer (a non-streamed call)", (micro.request + micro.answer).toFixed(2)],
    ],
  ),
);

// ---- end to end, over loopback -------------------------------------------------------------------------
const database = await startDatabase();
const started: Process[] = [];
try {
  const fake = await startUpstream();
  started.push(fake);
  const providersFile = await writeProvidersFile({ providers: { anthropic: { type: "anthropic", baseUrl: fake.url, apiKeyEnv: "BENCH_ANTHROPIC_KEY" } } });
  const server = await startServerProcess({ database, upstreamUrl: fake.url, env: { PROMPTREG_PROVIDERS_FILE: providersFile, BENCH_ANTHROPIC_KEY: "sk-ant-bench" } });
  started.push(server);
  const auth = { authorization: `Bearer ${BENCH_API_KEY}`, "content-type": "application/json" };
  const created = await fetch(`${server.url}/v1/prompt-2025`, { method: "POST", headers: auth, body: JSON.stringify({ name: "bench-providers", promptBody: template }) });
  const { data } = (await created.json()) as { data: { id: string } };

  const anthropicBody = JSON.stringify(toAnthropicRequest(request, { model: "claude-sonnet-4", defaultMaxTokens: 4096 }).body);
  const targets = {
    directOpenai: { origin: fake.url, path: "/v1/chat/completions", headers: { "content-type": "application/json", authorization: "Bearer sk-bench" }, body: compiledBody },
    directAnthropic: { origin: fake.url, path: "/v1/messages", headers: { "content-type": "application/json", "x-api-key": "sk-ant-bench", "anthropic-version": "2023-06-01" }, body: anthropicBody },
    gatewayOpenai: { origin: server.url, path: "/v1/chat/completions", headers: auth, body: JSON.stringify({ prompt_id: data.id, inputs, model: "gpt-4o-mini/openai" }) },
    gatewayAnthropic: { origin: server.url, path: "/v1/chat/completions", headers: auth, body: JSON.stringify({ prompt_id: data.id, inputs, model: "claude-sonnet-4/anthropic" }) },
  };
  // Check both routes answer before measuring.
  for (const t of [targets.gatewayOpenai, targets.gatewayAnthropic]) {
    const res = await fetch(`${t.origin}${t.path}`, { method: "POST", headers: t.headers, body: t.body });
    if (res.status !== 200) throw new Error(`${t.body}: ${res.status} ${await res.text()}`);
  }

  const rows: string[][] = [];
  const verdicts: string[] = [];
  for (const c of concurrencies) {
    // Interleaved in two halves each, so drift in the machine's load touches every cell alike.
    const half = (seconds * 1000) / 2;
    const cell = async (t: (typeof targets)[keyof typeof targets]) => runLoad(t, c, half);
    const r: Record<keyof typeof targets, LoadResult[]> = { directOpenai: [], directAnthropic: [], gatewayOpenai: [], gatewayAnthropic: [] };
    for (let round = 0; round < 2; round++) {
      for (const key of Object.keys(targets) as Array<keyof typeof targets>) r[key].push(await cell(targets[key]));
    }
    const p50 = (key: keyof typeof targets) => (r[key][0]!.p50 + r[key][1]!.p50) / 2;
    const p99 = (key: keyof typeof targets) => (r[key][0]!.p99 + r[key][1]!.p99) / 2;
    const errors = Object.values(r).flat().reduce((s, x) => s + x.errors, 0);
    const addedOpenai = p50("gatewayOpenai") - p50("directOpenai");
    const addedAnthropic = p50("gatewayAnthropic") - p50("directAnthropic");
    rows.push([String(c), "openai", ms(p50("directOpenai")), ms(p50("gatewayOpenai")), ms(addedOpenai), ms(p99("gatewayOpenai") - p99("directOpenai")), "1.00x", String(errors)]);
    rows.push([String(c), "anthropic", ms(p50("directAnthropic")), ms(p50("gatewayAnthropic")), ms(addedAnthropic), ms(p99("gatewayAnthropic") - p99("directAnthropic")), ratio(addedAnthropic / addedOpenai), ""]);
    const extraUs = (addedAnthropic - addedOpenai) * 1000;
    verdicts.push(`concurrency ${c}: translation adds ${extraUs.toFixed(0)} µs p50 over the openai pass-through (target ≤ 50 µs: ${extraUs <= 50 ? "met" : "MISSED"})`);
  }
  console.log(`\nThrough the gateway vs straight to the fake (${seconds}s per cell in two interleaved halves, keep-alive; ms)\n`);
  console.log(table(["concurrency", "provider", "direct p50", "gateway p50", "added p50", "added p99", "added vs openai", "errors"], rows));
  console.log(`\n${verdicts.join("\n")}`);
  console.log(`(in process, request + answer translation: ${(micro.request + micro.answer).toFixed(1)} µs)`);
} finally {
  await Promise.all(started.map((p) => p.stop()));
  await database.stop();
}
