// What the request log needs of a provider's answer (model, response id, token usage, finish reasons,
// error code), read without slowing the relay:
// - a JSON answer is parsed once the caller has it;
// - a stream is relayed byte for byte while its events are scanned (string searches; only the usage event
//   is parsed). When the gateway asked for usage on the caller's behalf (`stream_options.include_usage`, so
//   that streamed calls have token counts), the usage-only event the provider then sends is cut out, so
//   the caller receives exactly the events it asked for.

export interface AnswerFacts {
  model: string | null;
  responseId: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens: number | null;
  finishReasons: string[] | null;
  /** The provider's error code (`error.code`, else `error.type`) of an error answer or error event. */
  errorCode: string | null;
}

export const noFacts = (): AnswerFacts => ({
  model: null,
  responseId: null,
  inputTokens: null,
  outputTokens: null,
  cachedInputTokens: null,
  finishReasons: null,
  errorCode: null,
});

interface UsageShape {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  prompt_tokens_details?: { cached_tokens?: unknown } | null;
}

const count = (value: unknown): number | null => (typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : null);
const text = (value: unknown, max = 256): string | null => (typeof value === "string" && value.length > 0 ? value.slice(0, max) : null);

function applyUsage(facts: AnswerFacts, usage: unknown): void {
  if (typeof usage !== "object" || usage === null) return;
  const u = usage as UsageShape;
  facts.inputTokens = count(u.prompt_tokens);
  facts.outputTokens = count(u.completion_tokens);
  facts.cachedInputTokens = count(u.prompt_tokens_details?.cached_tokens);
}

function applyError(facts: AnswerFacts, error: unknown): void {
  if (typeof error !== "object" || error === null) return;
  const e = error as { code?: unknown; type?: unknown };
  facts.errorCode = text(e.code, 64) ?? text(e.type, 64) ?? facts.errorCode;
}

/** Answers larger than this are not parsed (their usage is still read, from the end). */
const MAX_PARSED_BYTES = 512 * 1024;

/** The facts of a whole JSON answer (a completion, or a provider's error). */
export function factsOfJson(body: Buffer): AnswerFacts {
  const facts = noFacts();
  if (body.length > MAX_PARSED_BYTES) {
    // OpenAI's shape puts `usage` last: parse just that object.
    const at = body.lastIndexOf('"usage"');
    const open = at === -1 ? -1 : body.indexOf("{", at);
    const close = open === -1 ? -1 : closingBrace(body, open);
    if (close !== -1) {
      try {
        applyUsage(facts, JSON.parse(body.subarray(open, close + 1).toString("utf8")));
      } catch {
        // Not the shape expected: no usage.
      }
    }
    return facts;
  }
  let answer: unknown;
  try {
    answer = JSON.parse(body.toString("utf8"));
  } catch {
    return facts;
  }
  if (typeof answer !== "object" || answer === null) return facts;
  const a = answer as { model?: unknown; id?: unknown; usage?: unknown; choices?: unknown; error?: unknown };
  facts.model = text(a.model);
  facts.responseId = text(a.id);
  applyUsage(facts, a.usage);
  applyError(facts, a.error);
  if (Array.isArray(a.choices)) {
    const reasons = a.choices.map((c: { finish_reason?: unknown }) => text(c?.finish_reason, 64)).filter((r): r is string => r !== null);
    if (reasons.length > 0) facts.finishReasons = reasons;
  }
  return facts;
}

/** The index of the `}` closing the object opened at `open` (strings skipped), or -1. */
function closingBrace(buf: Buffer, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < buf.length && i < open + 4096; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) return i;
  }
  return -1;
}

const LF = 0x0a;
const CR = 0x0d;
const MODEL = /"model"\s*:\s*"([^"\\]{1,256})"/;
const ID = /"id"\s*:\s*"([^"\\]{1,256})"/;
const FINISH = /"finish_reason"\s*:\s*"([^"\\]{1,64})"/g;
const USAGE = /"usage"\s*:\s*\{/;
/** An event longer than this is relayed without being looked at (and never cut). */
const MAX_EVENT_BYTES = 1024 * 1024;

/** The end of the first event in `buf` from `from` (index after its blank line), or -1. */
function eventEnd(buf: Buffer, from: number): number {
  for (let i = buf.indexOf(LF, from); i !== -1; i = buf.indexOf(LF, i + 1)) {
    if (buf[i + 1] === LF) return i + 2;
    if (buf[i + 1] === CR && buf[i + 2] === LF) return i + 3;
  }
  return -1;
}

/**
 * Watches a server-sent event stream as it is relayed. `push` takes each upstream chunk and returns the
 * bytes to send on: the chunk itself (same buffer) when nothing is cut; with `stripUsage`, the complete
 * events so far minus the usage-only one (a partial event at the end waits for its rest).
 */
export class StreamWatcher {
  readonly facts = noFacts();
  /** Bytes of an event not complete yet (kept to scan it, and to relay it when cutting). */
  #pending: Buffer = Buffer.alloc(0);
  #sawModel = false;
  #reasons: string[] = [];

  constructor(readonly stripUsage: boolean) {}

  push(chunk: Buffer): Buffer {
    const buf = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const keep: Buffer[] = [];
    let start = 0;
    for (let end = eventEnd(buf, 0); end !== -1; end = eventEnd(buf, start)) {
      const event = buf.subarray(start, end);
      const cut = this.#look(event);
      if (this.stripUsage && !cut) keep.push(event);
      start = end;
    }
    const rest = buf.subarray(start);
    if (rest.length > MAX_EVENT_BYTES) {
      // Not an event stream we understand: relay it untouched from here on.
      this.#pending = Buffer.alloc(0);
      if (this.stripUsage) keep.push(rest);
      return this.stripUsage ? Buffer.concat(keep) : chunk;
    }
    this.#pending = Buffer.from(rest);
    if (!this.stripUsage) return chunk;
    return keep.length === 1 ? keep[0]! : Buffer.concat(keep);
  }

  /** What is left at the end of the stream (an event without its blank line), to relay as is. */
  end(): Buffer {
    const rest = this.#pending;
    this.#pending = Buffer.alloc(0);
    if (rest.length > 0) this.#look(rest);
    if (this.#reasons.length > 0) this.facts.finishReasons = this.#reasons;
    return this.stripUsage ? rest : Buffer.alloc(0);
  }

  /** Reads one event's facts; true when it is the usage-only event to cut. */
  #look(event: Buffer): boolean {
    const data = event.toString("utf8");
    if (!data.includes("data:")) return false;
    if (!this.#sawModel) {
      const model = MODEL.exec(data);
      if (model) {
        this.#sawModel = true;
        this.facts.model = model[1]!;
        this.facts.responseId = ID.exec(data)?.[1] ?? null;
      }
    }
    for (const match of data.matchAll(FINISH)) this.#reasons.push(match[1]!);
    if (data.includes('"error"')) {
      const parsed = parseData(data) as { error?: unknown } | null;
      if (parsed) applyError(this.facts, parsed.error);
    }
    if (!USAGE.test(data)) return false;
    const parsed = parseData(data) as { usage?: unknown; choices?: unknown } | null;
    if (!parsed || typeof parsed.usage !== "object" || parsed.usage === null) return false;
    applyUsage(this.facts, parsed.usage);
    return this.stripUsage && Array.isArray(parsed.choices) && parsed.choices.length === 0;
  }
}

/** The JSON of an event's `data:` lines (joined as SSE joins them), or null. */
function parseData(event: string): unknown {
  const lines = event.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) => l.slice(l[5] === " " ? 6 : 5));
  try {
    return JSON.parse(lines.join("\n"));
  } catch {
    return null;
  }
}
