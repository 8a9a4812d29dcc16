/**
 * Prompt partials `{{hcp:<promptId>:<messageIndex>[:<environment>]}}`: the text of message N of another
 * prompt's version, inserted before variables are substituted (so a partial's variables take the caller's
 * inputs). The only I/O is the injected loader, so this package stays pure.
 *
 * Helicone's SDK only replaces partials whose texts are handed to mergePromptBody (one level, message
 * contents only), and getPromptBody hands none, so its bodies keep the raw `{{hcp:…}}`. We expand
 * recursively, refuse cycles, bound the depth, each expanded string's length and the expanded body's, and expand partials in every string
 * of the body (where analyzeTemplate reports them), not only in message contents.
 */
import type { TPromptBody } from "@promptreg/contracts";
import { applyPlan } from "./apply.js";
import type { Plan } from "./scan.js";
import { scanValue } from "./scan.js";
import { CompiledSizeError, DEFAULT_MAX_COMPILED_BYTES } from "./size.js";
import { partialKey, scanString } from "./syntax.js";

export interface PartialRef {
  promptId: string;
  messageIndex: number;
  environment: string;
}

/** Loads the version a partial names (its environment's version), or null when there is none. */
export type PartialLoader = (ref: PartialRef) => Promise<{ versionId: string; body: TPromptBody } | null>;

export interface ExpandPartialsOptions {
  /** Deepest nesting of partials inside partials; a partial in the body itself is depth 1. Default 10. */
  maxDepth?: number;
  /** Longest string an expansion may produce, in UTF-16 units. Default 1,000,000. */
  maxLength?: number;
  /**
   * Largest body the expansion may produce, in UTF-16 units of its JSON: many strings each under
   * `maxLength` can still add up. Past it, CompiledSizeError before the body is built. Default
   * DEFAULT_MAX_COMPILED_BYTES.
   */
  maxTotalLength?: number;
}

export const DEFAULT_MAX_PARTIAL_DEPTH = 10;
export const DEFAULT_MAX_EXPANDED_LENGTH = 1_000_000;

/** A partial that was expanded, and the version its text came from (for callers' cache keys and logs). */
export interface ResolvedPartial extends PartialRef {
  versionId: string;
}

/** Base class of every partial expansion failure. `chain` lists the refs (`id:index:env`) from the body down. */
export class PartialError extends Error {
  override name = "PartialError";
  constructor(
    message: string,
    readonly chain: readonly string[],
  ) {
    super(message);
  }
}

/** A partial includes itself, directly (A -> A) or through others (A -> B -> A). */
export class PartialCycleError extends PartialError {
  override name = "PartialCycleError";
}

/** A partial names a prompt, environment or message index that does not exist, or expands too long. */
export class PartialResolutionError extends PartialError {
  override name = "PartialResolutionError";
}

/** Partials nest deeper than `maxDepth`. */
export class PartialDepthError extends PartialError {
  override name = "PartialDepthError";
}

/**
 * Text of a chat message, as Helicone's SDK takes it for a partial (getPromptPartialSubstitutionValue): the
 * string content, or the non-empty text parts joined with a single space; "" for anything else.
 */
export function messageText(message: unknown): string {
  if (typeof message !== "object" || message === null) return "";
  const content = (message as { content?: unknown }).content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const texts: string[] = [];
  for (const part of content as unknown[]) {
    if (typeof part !== "object" || part === null) continue;
    const { type, text } = part as { type?: unknown; text?: unknown };
    if (type === "text" && typeof text === "string" && text.length > 0) texts.push(text);
  }
  return texts.join(" ");
}

interface Expansion {
  text: string;
  /** Levels of partials this text came through: 1 for a partial without partials inside. */
  height: number;
}

type Loaded = Awaited<ReturnType<PartialLoader>>;

function ignore(): void {}

class Expander {
  private readonly loads = new Map<string, Promise<Loaded>>();
  /**
   * Finished expansions. Sound to reuse under any chain: a ref that finished has no cycle below it, and if a
   * chain above it held a ref R that it includes, R would include the ref and so itself, and the ref could
   * not have finished. Reuse keeps diamonds (many refs to the same partial) linear instead of exponential.
   */
  private readonly done = new Map<string, Expansion>();
  readonly resolved: ResolvedPartial[] = [];

  constructor(
    private readonly loader: PartialLoader,
    private readonly maxDepth: number,
    private readonly maxLength: number,
  ) {}

  /** Starts a load (once per ref); the loads of one text run concurrently, their expansion in order. */
  prefetch(ref: PartialRef): Promise<Loaded> {
    const key = partialKey(ref);
    let pending = this.loads.get(key);
    if (pending === undefined) {
      pending = this.loader({ promptId: ref.promptId, messageIndex: ref.messageIndex, environment: ref.environment });
      // Handled here so a load whose turn never comes (an earlier sibling failed) is not an unhandled rejection.
      pending.catch(ignore);
      this.loads.set(key, pending);
    }
    return pending;
  }

  async expand(ref: PartialRef, chain: readonly string[]): Promise<Expansion> {
    const key = partialKey(ref);
    const path = [...chain, key];
    const seen = chain.indexOf(key);
    if (seen !== -1) {
      throw new PartialCycleError(`prompt partial cycle: ${path.slice(seen).join(" -> ")}`, path);
    }
    const finished = this.done.get(key);
    if (path.length > this.maxDepth || (finished !== undefined && chain.length + finished.height > this.maxDepth)) {
      throw new PartialDepthError(
        `prompt partials nest deeper than ${this.maxDepth} levels: ${path.join(" -> ")}${finished ? " -> ..." : ""}`,
        path,
      );
    }
    if (finished !== undefined) return finished;

    const loaded = await this.prefetch(ref);
    if (loaded === null || loaded === undefined) {
      throw new PartialResolutionError(
        `prompt partial ${key}: prompt ${ref.promptId} has no version in environment "${ref.environment}"`,
        path,
      );
    }
    const messages: unknown = (loaded.body as { messages?: unknown } | null)?.messages;
    const count = Array.isArray(messages) ? messages.length : 0;
    if (!Array.isArray(messages) || ref.messageIndex >= count) {
      throw new PartialResolutionError(
        `prompt partial ${key}: version ${loaded.versionId} of prompt ${ref.promptId} has no message ${ref.messageIndex} ` +
          `(it has ${count} message${count === 1 ? "" : "s"}; indexes start at 0)`,
        path,
      );
    }
    const inner = await this.expandText(messageText(messages[ref.messageIndex]), path);
    const expansion: Expansion = { text: inner.text, height: inner.height + 1 };
    this.done.set(key, expansion);
    this.resolved.push({
      promptId: ref.promptId,
      messageIndex: ref.messageIndex,
      environment: ref.environment,
      versionId: loaded.versionId,
    });
    return expansion;
  }

  /** Expands every distinct partial of `refs`, in order; returns texts by ref key and the greatest height. */
  async expandAll(refs: readonly PartialRef[], chain: readonly string[]): Promise<{ texts: Map<string, string>; height: number }> {
    for (const ref of refs) {
      if (!this.done.has(partialKey(ref))) this.prefetch(ref).catch(ignore);
    }
    const texts = new Map<string, string>();
    let height = 0;
    for (const ref of refs) {
      const key = partialKey(ref);
      if (texts.has(key)) continue;
      const expansion = await this.expand(ref, chain);
      texts.set(key, expansion.text);
      if (expansion.height > height) height = expansion.height;
    }
    return { texts, height };
  }

  private async expandText(text: string, chain: readonly string[]): Promise<Expansion> {
    const scanned = scanString(text, "template");
    const refs: PartialRef[] = [];
    for (const placeholder of scanned?.placeholders ?? []) {
      if (placeholder.kind === "partial") refs.push(placeholder);
    }
    if (scanned === null || refs.length === 0) return { text, height: 0 };
    const { texts, height } = await this.expandAll(refs, chain);
    // Single pass: inserted texts are already expanded and are not scanned again here. Variables stay as
    // written, to be substituted with the caller's inputs.
    let out = scanned.literals[0]!;
    for (let i = 0; i < scanned.placeholders.length; i++) {
      const placeholder = scanned.placeholders[i]!;
      out += placeholder.kind === "partial" ? texts.get(partialKey(placeholder))! : placeholder.raw;
      out += scanned.literals[i + 1]!;
      this.checkLength(out.length, chain);
    }
    return { text: out, height };
  }

  checkLength(length: number, chain: readonly string[]): void {
    if (length > this.maxLength) {
      throw new PartialResolutionError(
        `prompt partials expand to more than ${this.maxLength} characters${chain.length > 0 ? ` in ${chain.join(" -> ")}` : ""}`,
        chain,
      );
    }
  }
}

/**
 * Length of every planned string once its partial holes are filled: each must stay within the per-string
 * bound, and the body as a whole (`bodyLength`, its JSON as written, plus what the partials add) within
 * `maxTotal`.
 */
function checkPlanLengths(plan: Plan, texts: readonly string[], expander: Expander, bodyLength: number, maxTotal: number): void {
  let total = bodyLength;
  const stack: Plan[] = [plan];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (current.kind === "container") {
      for (const child of current.children.values()) stack.push(child);
      if (current.keys !== null) for (const key of current.keys.values()) stack.push(key);
      continue;
    }
    let length = 0;
    for (const literal of current.literals) length += literal.length;
    for (const hole of current.holes) length += hole.partial ? texts[hole.slot]!.length : hole.raw.length;
    expander.checkLength(length, []);
    total += length;
  }
  if (total > maxTotal) {
    throw new CompiledSizeError(
      total,
      maxTotal,
      `prompt partials expand the body to ${total.toLocaleString("en-US")} characters, more than the ${maxTotal.toLocaleString("en-US")} allowed`,
    );
  }
}

/**
 * `expandPartials`, also returning which version each partial came from (in resolution order), so a caller
 * can key a cache of compiled bodies on them.
 */
export async function expandPartialsDetailed<T>(
  body: T,
  load: PartialLoader,
  options: ExpandPartialsOptions = {},
): Promise<{ body: T; resolved: ResolvedPartial[] }> {
  const scan = scanValue(body, { mode: "template", root: "body", locations: false });
  if (scan.partials.length === 0 || scan.plan === null) return { body, resolved: [] };
  const expander = new Expander(
    load,
    options.maxDepth ?? DEFAULT_MAX_PARTIAL_DEPTH,
    options.maxLength ?? DEFAULT_MAX_EXPANDED_LENGTH,
  );
  const { texts } = await expander.expandAll(scan.partials, []);
  const slotTexts = scan.partials.map((ref) => texts.get(partialKey(ref))!);
  checkPlanLengths(scan.plan, slotTexts, expander, JSON.stringify(body)?.length ?? 0, options.maxTotalLength ?? DEFAULT_MAX_COMPILED_BYTES);
  const expanded = applyPlan(body, scan.plan, { variables: null, partials: slotTexts, copyClean: true }) as T;
  return { body: expanded, resolved: expander.resolved };
}

/**
 * Replaces every prompt partial in `body` (any string, keys included) by the text of the message it names,
 * recursively. Returns a new body, or `body` itself when it holds no partial. Throws PartialCycleError,
 * PartialDepthError or PartialResolutionError (all PartialError), CompiledSizeError when the body would
 * expand past `maxTotalLength`, or what `load` throws.
 */
export async function expandPartials<T>(body: T, load: PartialLoader, options?: ExpandPartialsOptions): Promise<T> {
  return (await expandPartialsDetailed(body, load, options)).body;
}
