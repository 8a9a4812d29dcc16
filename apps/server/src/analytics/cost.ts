// The cost of a call in USD, from Pydantic's maintained price table (`@pydantic/genai-prices`, bundled data:
// no network access at run time). A model the table does not know costs null, never 0.
//
// `calcPrice` matches the model against the provider's patterns on every call (30–170 µs measured), too much
// per recorded call at thousands of calls a second. Most models are priced linearly (a fee per request, per
// million input, cached-input and output tokens), so for those the table is asked three times per (provider,
// model) and the price becomes three multiplications; models with tiered or time-of-day prices are asked
// on every call. Entries are re-derived hourly, so date-bound price changes in the table take effect.
import { calcPrice, findProvider, type PriceCalculation } from "@pydantic/genai-prices";

export interface PricedUsage {
  /** The provider's type (`openai`, `anthropic`, `azure`), or its name when the type is not known. */
  providerType?: string | null;
  provider: string | null;
  /** The provider's base URL: OpenAI-compatible hosts (Groq, Together…) are recognised by it. */
  providerUrl: string | null;
  model: string | null;
  /** All input tokens, cached ones included (as OpenAI's `prompt_tokens` counts them). */
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens: number | null;
}

interface LinearPrice {
  kind: "linear";
  /** Per call, whatever the tokens (the table's per-request fees). */
  base: number;
  perInput: number;
  perOutput: number;
  /** A cached input token's price minus an uncached one's (negative: cached tokens are cheaper). */
  perCachedDelta: number;
  expiresAt: number;
}
type PriceEntry = LinearPrice | { kind: "unknown" | "per-call"; expiresAt: number };

const ENTRY_TTL_MS = 3600_000;
/** Distinct (provider, model) pairs remembered; model names come from callers, so the map is capped. */
const MAX_ENTRIES = 2000;
const MILLION = 1_000_000;

/** The price table's provider ids for our provider types. */
const KNOWN_PROVIDER_IDS = new Set(["openai", "anthropic", "azure", "google", "groq", "mistral", "deepseek", "x-ai", "cohere", "together", "fireworks", "openrouter", "aws", "perplexity"]);

export interface PriceTable {
  /** USD, or null when the model's price is not known (or the provider reported no usage). */
  costOf(usage: PricedUsage): number | null;
}

export function createPriceTable(clock: () => number = Date.now): PriceTable {
  const entries = new Map<string, PriceEntry>();
  const providerIds = new Map<string, string | null>();

  /** The table's provider id: by base URL when the table knows the host, else by our provider's name. */
  function providerIdOf(provider: string | null, url: string | null): string | undefined {
    if (url) {
      let id = providerIds.get(url);
      if (id === undefined) {
        id = findProvider({ providerApiUrl: url })?.id ?? null;
        if (providerIds.size < MAX_ENTRIES) providerIds.set(url, id);
      }
      if (id) return id;
    }
    return provider && KNOWN_PROVIDER_IDS.has(provider) ? provider : undefined;
  }

  const ask = (usage: Record<string, number>, model: string, providerId: string | undefined): PriceCalculation | null =>
    calcPrice(usage, model, providerId ? { providerId } : {});

  function derive(model: string, providerId: string | undefined): PriceEntry {
    const expiresAt = clock() + ENTRY_TTL_MS;
    const zero = ask({ input_tokens: 0, output_tokens: 0 }, model, providerId);
    if (!zero) return { kind: "unknown", expiresAt };
    if (!isLinear(zero)) return { kind: "per-call", expiresAt };
    const input = ask({ input_tokens: MILLION, output_tokens: 0 }, model, providerId)!;
    const output = ask({ input_tokens: 0, output_tokens: MILLION }, model, providerId)!;
    const cached = ask({ input_tokens: MILLION, cache_read_tokens: MILLION, output_tokens: 0 }, model, providerId)!;
    const base = zero.total_price;
    const perInput = (input.total_price - base) / MILLION;
    return {
      kind: "linear",
      base,
      perInput,
      perOutput: (output.total_price - base) / MILLION,
      perCachedDelta: (cached.total_price - base) / MILLION - perInput,
      expiresAt,
    };
  }

  return {
    costOf(usage) {
      const { model } = usage;
      if (!model || (usage.inputTokens === null && usage.outputTokens === null)) return null;
      const providerId = providerIdOf(usage.providerType ?? usage.provider, usage.providerUrl);
      const key = `${providerId ?? ""}\u0000${model}`;
      let entry = entries.get(key);
      if (!entry || entry.expiresAt < clock()) {
        entry = derive(model, providerId);
        if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
        entries.set(key, entry);
      }
      const input = usage.inputTokens ?? 0;
      const output = usage.outputTokens ?? 0;
      const cachedTokens = Math.min(usage.cachedInputTokens ?? 0, input);
      if (entry.kind === "unknown") return null;
      if (entry.kind !== "linear") {
        const tokens: Record<string, number> = { input_tokens: input, output_tokens: output };
        if (cachedTokens > 0) tokens["cache_read_tokens"] = cachedTokens;
        return ask(tokens, model, providerId)?.total_price ?? null;
      }
      return entry.base + input * entry.perInput + output * entry.perOutput + cachedTokens * entry.perCachedDelta;
    },
  };
}

/** Plain per-unit prices, the same at any time of day: a price is then linear in the token counts. */
function isLinear(calculation: PriceCalculation): boolean {
  const prices = calculation.model.prices;
  if (Array.isArray(prices) && prices.some((p) => p.constraint?.type === "time_of_date")) return false;
  return Object.values(calculation.model_price).every((value) => value === undefined || typeof value === "number");
}
