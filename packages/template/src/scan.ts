/**
 * One walk over a JSON value that both analyses it (variables, partials, template errors, with JSON Pointer
 * locations) and builds a substitution plan: the paths to the strings and keys holding placeholders, each
 * string pre-cut into literals and holes. Applying a plan (apply.ts) is then plain concatenation along those
 * paths: no regex runs at compile time, and subtrees without placeholders are never visited.
 *
 * The walk uses an explicit stack, so hostile nesting cannot overflow the call stack ("must not throw on any
 * JSON input").
 */
import type { TPromptPartialRef, TTemplateVariable, TVariableType } from "@promptreg/contracts";
import { escapePointerToken, partialKey, scanString, type ScanMode, type ScannedString } from "./syntax.js";

/** A problem in a template, at a JSON Pointer location (RFC 6901). */
export interface TemplateError {
  message: string;
  location: string;
}

/** A template error with what compile needs to report it as an input error. */
export interface LocatedProblem extends TemplateError {
  raw: string;
  name: string | undefined;
}

/** A placeholder inside a planned string: `slot` indexes the scan's variables (or partials when `partial`). */
export interface Hole {
  partial: boolean;
  slot: number;
  raw: string;
}

export interface StringPlan {
  kind: "string";
  literals: string[];
  holes: Hole[];
  /**
   * The string is exactly one variable placeholder in a JSON position: it is replaced by the input converted
   * to the variable's type (`"{{hc:max:number}}"` becomes `42`), not by text.
   */
  whole: boolean;
}

export interface ContainerPlan {
  kind: "container";
  /** Children (by array index or object key) that contain placeholders somewhere below. */
  children: Map<string | number, Plan>;
  /** Object keys that hold placeholders. */
  keys: Map<string, StringPlan> | null;
}

export type Plan = StringPlan | ContainerPlan;

/**
 * How the strings under the walked value are substituted.
 * `body`: a prompt body: everything under `/messages` is message text (always stays a string), the rest is JSON.
 * `text`: everything is message text (a caller's `messages`). `json`: everything is JSON (tools, response_format).
 */
export type RootKind = "body" | "text" | "json";

export interface ScanOptions {
  mode: ScanMode;
  root: RootKind;
  /** Build JSON Pointer locations (analysis); compile-time scans of request parts skip them. */
  locations: boolean;
}

export interface BodyScan {
  plan: Plan | null;
  /** Variables in order of first appearance; a hole's `slot` is an index into this list. */
  variables: TTemplateVariable[];
  partials: TPromptPartialRef[];
  errors: LocatedProblem[];
}

interface Frame {
  parent: Frame | null;
  token: string | number;
  isArray: boolean;
  textOnly: boolean;
  plan: ContainerPlan | null;
  pointer: string | undefined;
}

interface Pending {
  parent: Frame | null;
  token: string | number;
  value: unknown;
}

function newContainerPlan(): ContainerPlan {
  return { kind: "container", children: new Map(), keys: null };
}

/** The plan of `frame`, creating it and linking it into its ancestors' plans on first use. */
function ensurePlan(frame: Frame): ContainerPlan {
  if (frame.plan !== null) return frame.plan;
  const plan = newContainerPlan();
  frame.plan = plan;
  let child: Frame = frame;
  let childPlan: ContainerPlan = plan;
  for (let parent = frame.parent; parent !== null; parent = parent.parent) {
    if (parent.plan !== null) {
      parent.plan.children.set(child.token, childPlan);
      break;
    }
    const parentPlan = newContainerPlan();
    parent.plan = parentPlan;
    parentPlan.children.set(child.token, childPlan);
    child = parent;
    childPlan = parentPlan;
  }
  return plan;
}

function framePointer(frame: Frame): string {
  if (frame.pointer !== undefined) return frame.pointer;
  const chain: Frame[] = [];
  let cursor: Frame | null = frame;
  while (cursor !== null && cursor.pointer === undefined) {
    chain.push(cursor);
    cursor = cursor.parent;
  }
  let pointer = cursor === null ? "" : cursor.pointer!;
  for (let i = chain.length - 1; i >= 0; i--) {
    const f = chain[i]!;
    // The root frame has no token of its own.
    pointer = f.parent === null ? "" : `${pointer}/${escapePointerToken(f.token)}`;
    f.pointer = pointer;
  }
  return pointer;
}

class Scanner {
  readonly variables: TTemplateVariable[] = [];
  readonly partials: TPromptPartialRef[] = [];
  readonly errors: LocatedProblem[] = [];
  plan: Plan | null = null;
  private readonly varIndex = new Map<string, number>();
  /** Type of a variable's first `{{hc:…}}` occurrence; a legacy-only variable has none. */
  private readonly declaredType: (TVariableType | null)[] = [];
  private readonly conflicts = new Set<string>();
  private readonly partialIndex = new Map<string, number>();

  constructor(private readonly options: ScanOptions) {}

  scan(root: unknown): void {
    const stack: Pending[] = [{ parent: null, token: "", value: root }];
    while (stack.length > 0) {
      const { parent, token, value } = stack.pop()!;
      if (parent !== null && !parent.isArray) this.visitString(token as string, parent, token, true);
      if (typeof value === "string") {
        this.visitString(value, parent, token, false);
        continue;
      }
      if (typeof value !== "object" || value === null) continue;
      const isArray = Array.isArray(value);
      const frame: Frame = {
        parent,
        token,
        isArray,
        textOnly: this.textOnly(parent, token, isArray),
        plan: null,
        pointer: parent === null ? "" : undefined,
      };
      // Children are pushed last-first so they are visited in document order (variables are listed in
      // order of first appearance).
      if (isArray) {
        const array = value as unknown[];
        for (let i = array.length - 1; i >= 0; i--) stack.push({ parent: frame, token: i, value: array[i] });
      } else {
        const record = value as Record<string, unknown>;
        const keys = Object.keys(record);
        for (let i = keys.length - 1; i >= 0; i--) {
          const key = keys[i]!;
          stack.push({ parent: frame, token: key, value: record[key] });
        }
      }
    }
  }

  private textOnly(parent: Frame | null, token: string | number, isArray: boolean): boolean {
    if (parent === null) return this.options.root === "text";
    if (parent.parent === null && this.options.root === "body" && !parent.isArray) {
      return token === "messages" && isArray;
    }
    return parent.textOnly;
  }

  private visitString(text: string, parent: Frame | null, token: string | number, isKey: boolean): void {
    const scanned = scanString(text, this.options.mode);
    if (scanned === null) return;
    const location = this.options.locations
      ? parent === null
        ? ""
        : `${framePointer(parent)}/${escapePointerToken(token)}`
      : "";
    for (const problem of scanned.problems) {
      this.errors.push({ message: problem.message, location, raw: problem.raw, name: problem.name });
    }
    if (scanned.placeholders.length === 0) return;
    const plan = this.stringPlan(scanned, location, isKey || (parent !== null ? parent.textOnly : this.options.root === "text"));
    if (parent === null) {
      this.plan = plan;
    } else if (isKey) {
      const container = ensurePlan(parent);
      (container.keys ??= new Map()).set(text, plan);
    } else {
      ensurePlan(parent).children.set(token, plan);
    }
    if (parent !== null && this.plan === null) this.plan = rootPlan(parent);
  }

  private stringPlan(scanned: ScannedString, location: string, textOnly: boolean): StringPlan {
    const holes: Hole[] = [];
    for (const placeholder of scanned.placeholders) {
      if (placeholder.kind === "partial") {
        const key = partialKey(placeholder);
        let slot = this.partialIndex.get(key);
        if (slot === undefined) {
          slot = this.partials.length;
          this.partialIndex.set(key, slot);
          this.partials.push({
            promptId: placeholder.promptId,
            messageIndex: placeholder.messageIndex,
            environment: placeholder.environment,
            locations: [],
          });
        }
        if (this.options.locations) addLocation(this.partials[slot]!.locations, location);
        holes.push({ partial: true, slot, raw: placeholder.raw });
        continue;
      }
      const { name, type, syntax, raw } = placeholder;
      // A caller's own text may use one name with several types (it is not a template that declares
      // them): each (name, type) gets its own slot, so each occurrence is checked against its own type.
      const indexKey = this.options.mode === "request" ? `${type}:${name}` : name;
      let slot = this.varIndex.get(indexKey);
      if (slot === undefined) {
        slot = this.variables.length;
        this.varIndex.set(indexKey, slot);
        this.variables.push({ name, type, syntax, locations: [] });
        this.declaredType.push(syntax === "typed" ? type : null);
      } else if (syntax === "typed") {
        const declared = this.declaredType[slot];
        if (declared === null || declared === undefined) {
          // Legacy occurrences are untyped strings: they never conflict, and a typed occurrence gives the
          // variable its type (`{{x}}` then `{{hc:x:number}}` is one number variable).
          this.declaredType[slot] = type;
          const variable = this.variables[slot]!;
          variable.type = type;
          variable.syntax = "typed";
        } else if (declared !== type && !this.conflicts.has(`${type}:${name}`)) {
          this.conflicts.add(`${type}:${name}`);
          this.errors.push({
            message: `variable "${name}" is declared as ${declared} and as ${type} (${raw})`,
            location,
            raw,
            name,
          });
        }
      }
      if (this.options.locations) addLocation(this.variables[slot]!.locations, location);
      holes.push({ partial: false, slot, raw });
    }
    const whole =
      !textOnly &&
      holes.length === 1 &&
      !holes[0]!.partial &&
      scanned.literals[0] === "" &&
      scanned.literals[1] === "";
    return { kind: "string", literals: scanned.literals, holes, whole };
  }
}

function rootPlan(frame: Frame): ContainerPlan {
  let root = frame;
  while (root.parent !== null) root = root.parent;
  return root.plan!;
}

/** Locations arrive in walk order, so a repeat (two holes in one string) is always the last one added. */
function addLocation(locations: string[], location: string): void {
  if (locations[locations.length - 1] !== location) locations.push(location);
}

export function scanValue(value: unknown, options: ScanOptions): BodyScan {
  const scanner = new Scanner(options);
  scanner.scan(value);
  return { plan: scanner.plan, variables: scanner.variables, partials: scanner.partials, errors: scanner.errors };
}
