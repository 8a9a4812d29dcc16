// Prompt partials (`{{hcp:id:index[:env]}}`): expanded as the gateway does (`expandPartials` then
// `compilePrompt` of @promptreg/template), each partial resolved through the same cache and outage
// policy as the prompt itself. The result's `source` is the worst of the bodies used (a stale partial
// makes the result stale). A partial that cannot be served through an outage falls back to the prompt's
// fallback body, if the caller gave one.
import { compilePrepared, compilePrompt, expandPartials, type CompileOptions, type CompileResult, type PartialLoader } from "@promptreg/template";
import { PromptNotFoundError, PromptUnavailableError } from "../errors.js";
import type { Resolved, VersionEntry } from "./cache.js";
import type { OutagePolicy } from "./outage.js";
import type { Selection } from "./selection.js";
import type { Emit, PromptBodyRequest, PromptSource } from "./types.js";

const SOURCE_RANK: Record<PromptSource, number> = { network: 0, cache: 0, stale: 1, "last-known-good": 2, fallback: 3 };

export interface Compiled {
  compiled: CompileResult;
  version: VersionEntry;
  source: PromptSource;
}

export interface PartialContext {
  /** Resolves a partial's selection as the manager resolves a prompt's (cache, then server or outage). */
  resolve(selection: Selection): Resolved | Promise<Resolved>;
  outage: OutagePolicy;
  emit: Emit;
  /** The compiled size bound (maxCompiledBytes); expanded partials count against it too. */
  compile: CompileOptions & { maxBytes: number };
}

/** Compiles a version whose body inserts partials; `promptId` is the requested prompt (for its fallback). */
export async function compileWithPartials(resolved: Resolved, request: PromptBodyRequest, promptId: string, context: PartialContext): Promise<Compiled> {
  try {
    return await expandAndCompile(resolved, request, context);
  } catch (error) {
    // A partial could not be served through the outage: the prompt's fallback, if any, still can be.
    const fallback = error instanceof PromptUnavailableError && resolved.source !== "fallback" ? context.outage.fallback(promptId) : undefined;
    if (fallback === undefined) throw error;
    context.emit({ type: "outage", promptId, error, served: "fallback" });
    const unexpanded = (): Compiled => ({ compiled: compilePrepared(fallback.prepared, request, context.compile), version: fallback, source: "fallback" });
    if (!fallback.hasPartials) return unexpanded();
    return expandAndCompile({ version: fallback, source: "fallback" }, request, context).catch((inner: unknown) => {
      if (!(inner instanceof PromptUnavailableError)) throw inner;
      // Its own partials cannot be served either: compiled unexpanded, they are reported in `errors`.
      return unexpanded();
    });
  }
}

async function expandAndCompile(resolved: Resolved, request: PromptBodyRequest, context: PartialContext): Promise<Compiled> {
  const { version } = resolved;
  let source = resolved.source;
  const load: PartialLoader = async (ref) => {
    const selection: Selection = { kind: "environment", promptId: ref.promptId, environment: ref.environment };
    try {
      const partial = await context.resolve(selection);
      if (SOURCE_RANK[partial.source] > SOURCE_RANK[source]) source = partial.source;
      return { versionId: partial.version.id ?? `fallback:${ref.promptId}`, body: partial.version.prepared.body };
    } catch (error) {
      // A partial that does not exist: expandPartials throws PartialResolutionError naming it (the gateway's 422).
      if (error instanceof PromptNotFoundError) return null;
      throw error;
    }
  };
  const expanded = await expandPartials(version.prepared.body, load, { maxTotalLength: context.compile.maxBytes });
  return { compiled: compilePrompt(expanded, request, context.compile), version, source };
}
