import { calcPrice } from "@pydantic/genai-prices";
import { describe, expect, it } from "vitest";
import { createPriceTable, type PricedUsage } from "./cost.js";

const usage = (model: string | null, inputTokens: number | null, outputTokens: number | null, extra: Partial<PricedUsage> = {}): PricedUsage => ({
  provider: "openai",
  providerUrl: null,
  model,
  inputTokens,
  outputTokens,
  cachedInputTokens: null,
  ...extra,
});

describe("price table", () => {
  const table = createPriceTable();

  it("prices known models exactly as the maintained table does", () => {
    for (const [model, provider] of [["gpt-4o-mini", "openai"], ["gpt-4o-2024-08-06", "openai"], ["claude-sonnet-4-20250514", "anthropic"]] as const) {
      for (const [input, output] of [[1, 1], [1234, 567], [0, 90_000]] as const) {
        const expected = calcPrice({ input_tokens: input, output_tokens: output }, model, { providerId: provider })!.total_price;
        expect(table.costOf(usage(model, input, output, { provider }))).toBeCloseTo(expected, 12);
      }
    }
  });

  it("prices cached input tokens at their own rate", () => {
    const expected = calcPrice({ input_tokens: 1000, cache_read_tokens: 600, output_tokens: 10 }, "gpt-4o-mini", { providerId: "openai" })!.total_price;
    expect(table.costOf(usage("gpt-4o-mini", 1000, 10, { cachedInputTokens: 600 }))).toBeCloseTo(expected, 12);
    expect(expected).toBeLessThan(calcPrice({ input_tokens: 1000, output_tokens: 10 }, "gpt-4o-mini", { providerId: "openai" })!.total_price);
  });

  it("prices tiered models per call", () => {
    const expected = calcPrice({ input_tokens: 300_000, output_tokens: 10 }, "gemini-2.5-pro", { providerId: "google" })!.total_price;
    expect(table.costOf(usage("gemini-2.5-pro", 300_000, 10, { provider: "google" }))).toBeCloseTo(expected, 12);
  });

  it("recognises an OpenAI-compatible host by its URL", () => {
    const expected = calcPrice({ input_tokens: 1000, output_tokens: 100 }, "llama-3.1-8b-instant", { providerId: "groq" })!.total_price;
    expect(table.costOf(usage("llama-3.1-8b-instant", 1000, 100, { providerUrl: "https://api.groq.com/openai/v1" }))).toBeCloseTo(expected, 12);
  });

  it("answers null, never 0, for unknown models and calls without usage", () => {
    expect(table.costOf(usage("fake-model-xyz", 10, 10))).toBeNull();
    expect(table.costOf(usage(null, 10, 10))).toBeNull();
    expect(table.costOf(usage("gpt-4o-mini", null, null))).toBeNull();
    expect(table.costOf(usage("gpt-4o-mini", 0, 0))).toBe(0);
  });
});
