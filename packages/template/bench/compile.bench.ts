/**
 * Compile throughput: `pnpm --filter @promptreg/template bench` (tsx, from source). About 10 s.
 *
 * For each template size: compilePrompt (analyse + validate + merge + substitute, copying the template),
 * compilePrepared (the gateway's hot path: template prepared once per version), a baseline in the same run
 * (JSON.parse(JSON.stringify(body)) of the same template: the cost of merely copying it), and Helicone's
 * SDK mergePromptBody on the same input for reference. µs/op is the median over ~1 ms batches.
 */
import type { TPromptBody } from "@promptreg/contracts";
import { HeliconePromptManager } from "@helicone/helpers";
import { analyzeTemplate, compilePrepared, compilePrompt, prepareTemplate } from "../src/index.js";

type Request = { inputs: Record<string, unknown>; [k: string]: unknown };

interface Case {
  name: string;
  template: TPromptBody;
  request: Request;
}

const filler = "You are a careful assistant. Answer briefly and cite sources where you can. ";

function smallCase(): Case {
  return {
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
  };
}

function mediumCase(): Case {
  const inputs: Record<string, unknown> = {};
  const messages: TPromptBody["messages"] = [];
  for (let i = 0; i < 10; i++) {
    messages.push({
      role: i % 2 === 0 ? "user" : "assistant",
      content: `${filler}Point ${i}: {{hc:m${i}:string}} then {{ hc : n${i} : number }}.`,
    });
    inputs[`m${i}`] = `value ${i}`;
    inputs[`n${i}`] = i * 3;
  }
  const properties: Record<string, unknown> = {};
  for (let i = 0; i < 8; i++) {
    properties[`field_${i}`] = { type: "string", description: `Field ${i} of the record, in the user's language` };
  }
  return {
    name: "medium (10 msgs, tools, 20 vars)",
    template: {
      model: "gpt-4o",
      messages,
      tools: [
        {
          type: "function",
          function: {
            name: "lookup_{{hc:m0:string}}",
            description: "Looks up records, at most {{hc:n1:number}}",
            parameters: { type: "object", properties: { ...properties, limit: { type: "integer", maximum: "{{hc:n2:number}}" } } },
          },
        },
        { type: "function", function: { name: "noop", parameters: { type: "object", properties } } },
      ],
      response_format: { type: "json_schema", json_schema: { name: "record", schema: { type: "object", properties } } },
    },
    request: { prompt_id: "abc123", model: "gpt-4o-mini", stream: true, inputs },
  };
}

function largeCase(): Case {
  const inputs: Record<string, unknown> = {};
  const messages: TPromptBody["messages"] = [];
  for (let m = 0; m < 100; m++) {
    const parts: string[] = [filler];
    for (let v = 0; v < 10; v++) {
      const name = `v${m * 10 + v}`;
      parts.push(`item ${v}: {{hc:${name}:string}};`);
      inputs[name] = `input number ${m * 10 + v}`;
    }
    messages.push({ role: "user", content: parts.join(" ") });
  }
  return { name: "large (100 msgs, 1000 vars)", template: { model: "gpt-4o", messages }, request: { prompt_id: "abc123", inputs } };
}

let sink = 0;

/** Median µs per op over ~1 ms batches, for `ms` milliseconds after a warm-up. */
function measure(fn: () => unknown, ms: number): { usPerOp: number; opsPerSec: number } {
  let batch = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) sink ^= (fn() as object) === null ? 1 : 0;
    if (performance.now() - start > 1 || batch > 1 << 20) break;
    batch *= 2;
  }
  const warmEnd = performance.now() + ms / 5;
  while (performance.now() < warmEnd) for (let i = 0; i < batch; i++) fn();
  const samples: number[] = [];
  const end = performance.now() + ms;
  let ops = 0;
  const started = performance.now();
  while (performance.now() < end) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) sink ^= (fn() as object) === null ? 1 : 0;
    samples.push((performance.now() - start) / batch);
    ops += batch;
  }
  const elapsed = performance.now() - started;
  samples.sort((a, b) => a - b);
  return { usPerOp: samples[samples.length >> 1]! * 1000, opsPerSec: (ops / elapsed) * 1000 };
}

async function measureAsync(fn: () => Promise<unknown>, ms: number): Promise<{ usPerOp: number; opsPerSec: number }> {
  const samples: number[] = [];
  const warmEnd = performance.now() + ms / 5;
  while (performance.now() < warmEnd) await fn();
  const end = performance.now() + ms;
  let ops = 0;
  const started = performance.now();
  while (performance.now() < end) {
    const start = performance.now();
    for (let i = 0; i < 16; i++) await fn();
    samples.push((performance.now() - start) / 16);
    ops += 16;
  }
  const elapsed = performance.now() - started;
  samples.sort((a, b) => a - b);
  return { usPerOp: samples[samples.length >> 1]! * 1000, opsPerSec: (ops / elapsed) * 1000 };
}

const fmt = (n: number, digits: number) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  // Milliseconds measured per row (after a fifth as much warm-up): `tsx bench/compile.bench.ts 2000`.
  const budget = Number(process.argv[2] ?? 550);
  const helicone = new HeliconePromptManager({ apiKey: "bench-no-network" });
  const rows: string[][] = [["template", "method", "ops/s", "µs/op (p50)", "× baseline"]];
  for (const { name, template, request } of [smallCase(), mediumCase(), largeCase()]) {
    const check = compilePrompt(template, request);
    if (check.errors.length > 0) throw new Error(`bench case ${name} does not compile: ${check.errors[0]!.message}`);
    const prepared = prepareTemplate(template);
    const baseline = measure(() => JSON.parse(JSON.stringify(template)), budget);
    const results: [string, { usPerOp: number; opsPerSec: number }][] = [
      ["baseline: JSON clone", baseline],
      ["compilePrompt", measure(() => compilePrompt(template, request).body, budget)],
      ["compilePrepared", measure(() => compilePrepared(prepared, request).body, budget)],
      ["helicone mergePromptBody", await measureAsync(() => helicone.mergePromptBody(request as never, template as never), budget)],
    ];
    for (const [method, r] of results) {
      rows.push([name, method, fmt(r.opsPerSec, 0), fmt(r.usPerOp, 2), fmt(r.usPerOp / baseline.usPerOp, 2)]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]) => row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ");
  console.log(line(rows[0]!));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows.slice(1)) console.log(line(row));
  if (sink === 42) console.log(""); // keeps results observable

  // How analysis grows with the template: 10x the variables should cost ~10x (linear), not ~100x.
  const scaling: string[][] = [["variables", "ms (best of 5)", "× 2,000 variables"]];
  const wide = (n: number) => ({
    model: "gpt-4o",
    messages: Array.from({ length: n / 10 }, (_, m) => ({ role: "user", content: Array.from({ length: 10 }, (_, i) => `text {{hc:v${m * 10 + i}:string}}`).join(" ") })),
  });
  const best = (n: number) => {
    const template = wide(n);
    let ms = Infinity;
    for (let run = 0; run < 5; run++) {
      const start = performance.now();
      sink ^= analyzeTemplate(template).variables.length;
      ms = Math.min(ms, performance.now() - start);
    }
    return ms;
  };
  best(2_000); // warm-up
  const base = best(2_000);
  for (const n of [2_000, 20_000, 100_000]) {
    const ms = n === 2_000 ? base : best(n);
    scaling.push([n.toLocaleString("en-US"), fmt(ms, 2), fmt(ms / base, 1)]);
  }
  console.log("");
  const sw = scaling[0]!.map((_, c) => Math.max(...scaling.map((row) => row[c]!.length)));
  for (const [i, row] of scaling.entries()) {
    console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(sw[c]!) : cell.padStart(sw[c]!))).join("  "));
    if (i === 0) console.log(sw.map((w) => "-".repeat(w)).join("  "));
  }
}

await main();
