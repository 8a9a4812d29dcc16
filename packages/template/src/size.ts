/**
 * The size a compiled body will have, computed before it is built: from the template's plan (its text
 * without placeholders, and how often each variable occurs) and the inputs' sizes. A version that uses
 * one variable 2,000 times, compiled with a 500 KB input, is a 1 GB string: building it ends in V8's
 * "Invalid string length" (a 500 on a server, a crash in a browser). Checked first, it is a clear error
 * naming the limit, for the gateway and the client prompt manager alike.
 */
import type { Resolved } from "./apply.js";
import type { Plan } from "./scan.js";

/** Default bound of a compiled body, in bytes of JSON (UTF-8). */
export const DEFAULT_MAX_COMPILED_BYTES = 4 * 1024 * 1024;

/** A body that would compile (or expand its prompt partials) past its bound. Nothing was built. */
export class CompiledSizeError extends Error {
  override name = "CompiledSizeError";
  constructor(
    /** At least this many bytes (or characters, for partials), had it been built. */
    readonly size: number,
    readonly limit: number,
    message = `the compiled request would be ${size.toLocaleString("en-US")} bytes, more than the ${limit.toLocaleString("en-US")} allowed`,
  ) {
    super(message);
  }
}

/** Bytes of `text` inside a JSON string: UTF-8, with JSON's escapes (quotes, backslashes, control characters). */
export function jsonTextBytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20) bytes += c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6;
    else if (c === 0x22 || c === 0x5c) bytes += 2;
    else if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) bytes += 6; // a lone surrogate is written \udXXX
    else bytes += 3;
  }
  return bytes;
}

/** What a plan's variable holes add to a body: per variable slot, how many holes and their placeholders' bytes. */
export interface PlanSize {
  /** Bytes of the body's JSON without its variable placeholders' text. */
  base: number;
  slots: Map<number, { count: number; rawBytes: number }>;
}

/** `bodyBytes`: the JSON bytes of the value the plan was made from. */
export function planSize(plan: Plan | null, bodyBytes: number): PlanSize {
  const slots = new Map<number, { count: number; rawBytes: number }>();
  let base = bodyBytes;
  const stack: Plan[] = plan ? [plan] : [];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (current.kind === "container") {
      for (const child of current.children.values()) stack.push(child);
      if (current.keys !== null) for (const key of current.keys.values()) stack.push(key);
      continue;
    }
    for (const hole of current.holes) {
      if (hole.partial) continue;
      const raw = jsonTextBytes(hole.raw);
      base -= raw;
      const slot = slots.get(hole.slot);
      if (slot) {
        slot.count++;
        slot.rawBytes += raw;
      } else slots.set(hole.slot, { count: 1, rawBytes: raw });
    }
  }
  return { base, slots };
}

/**
 * An upper bound of the body's size once its holes are filled with `values` (an unfilled hole keeps its
 * placeholder), without reading the inputs' text: a UTF-16 unit is at most 6 bytes of JSON.
 */
export function upperBytes(size: PlanSize, values: readonly (Resolved | undefined)[]): number {
  let total = size.base;
  for (const [slot, { count, rawBytes }] of size.slots) {
    const value = values[slot];
    total += value === undefined ? rawBytes : count * value.text.length * 6;
  }
  return total;
}

/** The body's size once filled: exact for text; a whole-value placeholder (`42` for `"{{hc:n:number}}"`) counts as its text. */
export function exactBytes(size: PlanSize, values: readonly (Resolved | undefined)[]): number {
  let total = size.base;
  for (const [slot, { count, rawBytes }] of size.slots) {
    const value = values[slot];
    total += value === undefined ? rawBytes : count * jsonTextBytes(value.text);
  }
  return total;
}

/** UTF-8 bytes of `text`. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Bytes of a JSON value as JSON.stringify writes it. */
export const jsonBytes = (value: unknown): number => utf8Bytes(JSON.stringify(value) ?? "");
