// `model` strings -> the chain of (provider, model) to try, Helicone AI Gateway's syntax:
// "gpt-4o-mini"                                  the default provider, as is
// "claude-sonnet-4/anthropic"                    that provider, model "claude-sonnet-4"
// "gpt-4o-mini/openai,claude-sonnet-4/anthropic" a fallback chain, tried in order
// "meta-llama/Llama-3-8b"                        "Llama-3-8b" names no provider: the whole string is the model
import { TranslationError } from "./anthropic.js";

export interface RouteMember {
  provider: string;
  model: string;
}

/**
 * The chain a `model` names. `model` undefined (a pass-through call without one) goes to the default
 * provider untouched. Throws TranslationError (a 400) for an empty member or a chain too long.
 */
export function parseRoute(model: string | undefined, providers: ReadonlySet<string>, defaultProvider: string, maxChainLength: number): RouteMember[] {
  if (model === undefined || !model.includes(",")) return [member(model ?? "", providers, defaultProvider)];
  const parts = model.split(",");
  if (parts.length > maxChainLength) throw new TranslationError(`model lists ${parts.length} fallbacks; at most ${maxChainLength} are allowed`);
  return parts.map((part, i) => {
    if (part.trim() === "") throw new TranslationError(`model: member ${i + 1} of the fallback chain is empty`);
    return member(part.trim(), providers, defaultProvider);
  });
}

function member(model: string, providers: ReadonlySet<string>, defaultProvider: string): RouteMember {
  const slash = model.lastIndexOf("/");
  if (slash > 0) {
    const suffix = model.slice(slash + 1);
    if (providers.has(suffix)) return { provider: suffix, model: model.slice(0, slash) };
  }
  return { provider: defaultProvider, model };
}
