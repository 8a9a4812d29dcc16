/**
 * Applies a substitution plan (scan.ts): builds a new value where planned strings and keys are rebuilt from
 * their literals and resolved holes. Iterative, like the scan, so deep input cannot overflow the stack.
 *
 * Single pass by construction: a hole's value is concatenated, never scanned again, so an input holding
 * `{{hc:other:string}}` lands in the output literally (no template injection).
 */
import type { ContainerPlan, Plan, StringPlan } from "./scan.js";

/** A variable's value, as text (inside a string) and as JSON (a whole-value placeholder). */
export interface Resolved {
  text: string;
  json: unknown;
}

export interface ApplyContext {
  /** Per variable slot; `undefined` leaves the placeholder in place. Null: variables are not substituted. */
  variables: readonly (Resolved | undefined)[] | null;
  /** Per partial slot; `undefined` leaves the placeholder in place. Null: partials are not substituted. */
  partials: readonly (string | undefined)[] | null;
  /**
   * True: subtrees without placeholders are deep-copied, so the result shares nothing with the input.
   * False: they are shared (only for inputs that are deeply frozen, see prepareTemplate).
   */
  copyClean: boolean;
}

/** Defines `key` as an own data property, also when it is `__proto__` (plain assignment would set the prototype). */
export function setProp(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

function emptyLike(value: object): unknown[] | Record<string, unknown> {
  return Array.isArray(value) ? [] : {};
}

/** Deep copy of JSON data (iterative). Non-JSON objects are copied as plain objects of their own enumerable keys. */
export function cloneJson<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  const root = emptyLike(value);
  const stack: [object, unknown[] | Record<string, unknown>][] = [[value, root]];
  while (stack.length > 0) {
    const [source, target] = stack.pop()!;
    if (Array.isArray(source)) {
      const out = target as unknown[];
      for (const item of source as unknown[]) {
        if (typeof item === "object" && item !== null) {
          const copy = emptyLike(item);
          out.push(copy);
          stack.push([item, copy]);
        } else {
          out.push(item);
        }
      }
    } else {
      const record = source as Record<string, unknown>;
      const out = target as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const item = record[key];
        if (typeof item === "object" && item !== null) {
          const copy = emptyLike(item);
          setProp(out, key, copy);
          stack.push([item, copy]);
        } else {
          setProp(out, key, item);
        }
      }
    }
  }
  return root as T;
}

/** Freezes every object and array in `value` (iterative). */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current !== "object" || current === null || Object.isFrozen(current)) continue;
    Object.freeze(current);
    for (const item of Array.isArray(current) ? current : Object.values(current)) stack.push(item);
  }
  return value;
}

export function renderString(plan: StringPlan, context: ApplyContext): unknown {
  const { literals, holes } = plan;
  if (plan.whole && context.variables !== null) {
    const resolved = context.variables[holes[0]!.slot];
    if (resolved !== undefined) return resolved.json;
  }
  let out = literals[0]!;
  for (let i = 0; i < holes.length; i++) {
    const hole = holes[i]!;
    let piece: string | undefined;
    if (hole.partial) {
      if (context.partials !== null) piece = context.partials[hole.slot];
    } else if (context.variables !== null) {
      piece = context.variables[hole.slot]?.text;
    }
    out += (piece ?? hole.raw) + literals[i + 1]!;
  }
  return out;
}

interface Job {
  source: object;
  plan: ContainerPlan;
  target: unknown[] | Record<string, unknown>;
}

function child(value: unknown, plan: Plan | undefined, context: ApplyContext, jobs: Job[]): unknown {
  if (plan === undefined) return context.copyClean ? cloneJson(value) : value;
  if (plan.kind === "string") return typeof value === "string" ? renderString(plan, context) : value;
  if (typeof value !== "object" || value === null) return value;
  const target = emptyLike(value);
  jobs.push({ source: value, plan, target });
  return target;
}

/** A new value with `plan` applied to `value` (which must be the value the plan was built from). */
export function applyPlan(value: unknown, plan: Plan | null, context: ApplyContext): unknown {
  const jobs: Job[] = [];
  const root = child(value, plan ?? undefined, context, jobs);
  while (jobs.length > 0) {
    const { source, plan: container, target } = jobs.pop()!;
    const { children, keys } = container;
    if (Array.isArray(source)) {
      const out = target as unknown[];
      const items = source as unknown[];
      for (let i = 0; i < items.length; i++) out.push(child(items[i], children.get(i), context, jobs));
      continue;
    }
    const record = source as Record<string, unknown>;
    const out = target as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const keyPlan = keys?.get(key);
      // Key plans are never `whole` (a key is always text). Like Helicone's processObjectKV, a later key
      // that compiles to the same name wins.
      const outKey = keyPlan === undefined ? key : (renderString(keyPlan, context) as string);
      setProp(out, outKey, child(record[key], children.get(key), context, jobs));
    }
  }
  return root;
}
