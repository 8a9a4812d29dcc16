/**
 * compilePrompt: analyse -> validate -> merge + substitute, the step the gateway and the client prompt
 * manager both run after partials are expanded, so both send identical bodies.
 *
 * Order, as Helicone's SDK mergePromptBody: the caller's messages, tools and response_format are merged
 * after the template's and compiled with the same inputs. Since substitution is per string, we substitute
 * the template and the caller's parts first and merge the results, which gives the same body.
 *
 * The template and the caller's parts are compiled differently, on purpose:
 * - Template: every syntax, every string (keys included, any field: Helicone only compiles message contents,
 *   tools and response_format, but a template author who writes a placeholder in `metadata` or a message's
 *   `name` means it). Its variables are required: a missing one is an error.
 * - Caller's messages/tools/response_format: only `{{hc:name:type}}` (what Helicone substitutes there);
 *   a placeholder is filled when its input is given and valid, and otherwise left as written without an
 *   error, as Helicone does: it is the caller's own text (chat history quoting template syntax). The
 *   caller's other fields are passed through untouched, as Helicone does.
 */
import type { TInputError, TPromptBody, TPromptPartialRef, TTemplateVariable } from "@promptreg/contracts";
import { applyPlan, cloneJson, deepFreeze, type Resolved } from "./apply.js";
import { mergeParts, overriddenKeys, requestParts, type RequestParts } from "./merge.js";
import { scanValue, type BodyScan, type LocatedProblem, type TemplateError } from "./scan.js";
import { escapePointerToken, partialKey } from "./syntax.js";
import { CompiledSizeError, DEFAULT_MAX_COMPILED_BYTES, exactBytes, jsonBytes, planSize, upperBytes, type PlanSize } from "./size.js";
import { inputValue, resolveInputs, resolveValue, unusedInputs, wrongType } from "./validate.js";

export interface CompileResult {
  /** The body to send upstream; when `errors` is not empty, a best effort with placeholders left: do not send it. */
  body: Record<string, unknown>;
  /** Missing or invalid inputs, template errors, unexpanded partials: one entry per problem. */
  errors: TInputError[];
  /** Inputs no variable uses. */
  warnings: TInputError[];
  /** The template's variables still in the merged body (those under fields the request overrides drop out). */
  variables: TTemplateVariable[];
}

export interface CompileOptions {
  /**
   * Largest compiled body, in bytes of JSON: past it compiling throws CompiledSizeError before building
   * anything (the size is computed from the template's variable counts and the inputs' sizes). The
   * template's own text counts, and the caller's messages, tools and response_format when they hold
   * placeholders. Default DEFAULT_MAX_COMPILED_BYTES (4 MiB).
   */
  maxBytes?: number;
}

const NO_INPUTS: Record<string, unknown> = Object.freeze({});

interface TemplateState {
  body: Record<string, unknown>;
  scan: BodyScan;
  /** Top-level keys with a placeholder or template error somewhere under them. */
  locatedKeys: ReadonlySet<string>;
  /** Names of all the template's variables. */
  names: ReadonlySet<string>;
  /** Deep-copy the template's subtrees into the result (false: they are frozen and shared). */
  copyClean: boolean;
  /** What the template weighs once filled (size.ts). */
  size: PlanSize;
}

function topToken(location: string): string {
  const end = location.indexOf("/", 1);
  const token = end === -1 ? location.slice(1) : location.slice(1, end);
  return token.replace(/~1/g, "/").replace(/~0/g, "~");
}

function templateState(body: TPromptBody, copyClean: boolean): TemplateState {
  const scan = scanValue(body, { mode: "template", root: "body", locations: true });
  const locatedKeys = new Set<string>();
  if (scan.plan !== null && scan.plan.kind === "container") {
    for (const key of scan.plan.children.keys()) if (typeof key === "string") locatedKeys.add(key);
    if (scan.plan.keys !== null) for (const key of scan.plan.keys.keys()) locatedKeys.add(key);
  }
  for (const error of scan.errors) locatedKeys.add(topToken(error.location));
  const names = new Set(scan.variables.map((v) => v.name));
  return { body, scan, locatedKeys, names, copyClean, size: planSize(scan.plan, jsonBytes(body)) };
}

/** A top-level key's subtree, as JSON Pointer prefix test. */
function under(location: string, prefix: string): boolean {
  return location === prefix || (location.startsWith(prefix) && location.charCodeAt(prefix.length) === 47 /* / */);
}

function withoutLocations<T extends { locations: string[] }>(items: readonly T[], prefixes: readonly string[]): T[] {
  const kept: T[] = [];
  for (const item of items) {
    const locations = item.locations.filter((l) => !prefixes.some((p) => under(l, p)));
    if (locations.length === item.locations.length) kept.push(item);
    else if (locations.length > 0) kept.push({ ...item, locations });
  }
  return kept;
}

interface Effective {
  variables: readonly TTemplateVariable[];
  partials: readonly TPromptPartialRef[];
  errors: readonly LocatedProblem[];
}

/** The template's analysis restricted to what survives the merge (fields the request overrides drop out). */
function effectiveAnalysis(state: TemplateState, request: Record<string, unknown>): Effective {
  const { scan, locatedKeys } = state;
  const dropped: string[] = [];
  if (locatedKeys.size > 0) {
    for (const key of overriddenKeys(request)) if (locatedKeys.has(key)) dropped.push(`/${escapePointerToken(key)}`);
  }
  if (dropped.length === 0) return scan;
  return {
    variables: withoutLocations(scan.variables, dropped),
    partials: withoutLocations(scan.partials, dropped),
    errors: scan.errors.filter((e) => !dropped.some((p) => under(e.location, p))),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Inputs, or an error when `inputs` is given but is not an object. */
function readInputs(request: Record<string, unknown>, errors: TInputError[]): Record<string, unknown> {
  if (isRecord(request.inputs)) return request.inputs;
  if (request.inputs != null) {
    errors.push({
      variable: "inputs",
      expected: "object",
      value: request.inputs,
      message: "inputs must be an object mapping variable names to values",
    });
  }
  return NO_INPUTS;
}

/** Template errors and leftover partials, as input errors: the gateway must not send such a body either. */
function templateProblems(effective: Effective, errors: TInputError[]): void {
  for (const problem of effective.errors) {
    errors.push({
      variable: problem.name ?? problem.raw,
      expected: "a valid template",
      value: problem.raw,
      message: `template error at ${problem.location}: ${problem.message}`,
    });
  }
  for (const partial of effective.partials) {
    const key = partialKey(partial);
    errors.push({
      variable: `{{hcp:${key}}}`,
      expected: "an expanded prompt partial",
      value: key,
      message: `prompt partial ${key} at ${partial.locations[0] ?? ""} was not expanded (expandPartials must run before compiling)`,
    });
  }
}

/**
 * Values for the template's variable slots. Every effective variable is required; slots of variables that
 * dropped out (under fields the caller replaces) stay unresolved, their text is not sent anyway.
 */
function resolveTemplate(
  state: TemplateState,
  effective: Effective,
  inputs: Record<string, unknown>,
  errors: TInputError[],
): { values: (Resolved | undefined)[]; names: ReadonlySet<string> } {
  const { variables } = state.scan;
  if (effective.variables === variables) return { values: resolveInputs(variables, inputs, errors), names: state.names };
  const effectiveValues = resolveInputs(effective.variables, inputs, errors);
  const slotOf = new Map(variables.map((v, i) => [v.name, i]));
  const values = new Array<Resolved | undefined>(variables.length);
  effective.variables.forEach((variable, i) => {
    values[slotOf.get(variable.name)!] = effectiveValues[i];
  });
  return { values, names: new Set(effective.variables.map((v) => v.name)) };
}

/**
 * The caller's messages, tools and response_format compiled in "request" mode (see the top of this file):
 * `{{hc:…}}` only, filled when the input is given and valid, a wrongly typed input an error (once per
 * name and type). The caller's values are shared, not copied, as Helicone's spread does.
 */
function compileRequestParts(
  parts: RequestParts,
  inputs: Record<string, unknown>,
  errors: TInputError[],
  fits: (size: PlanSize, values: readonly (Resolved | undefined)[]) => void,
): { parts: RequestParts; names: ReadonlySet<string> } {
  const names = new Set<string>();
  if (parts.messages.length === 0 && parts.tools.length === 0 && parts.response_format === undefined) {
    return { parts, names };
  }
  const scan = scanValue(parts, { mode: "request", root: "body", locations: false });
  // Without placeholders the caller's parts are sent as received (the request's own size bounds them).
  if (scan.plan === null) return { parts, names };
  const reported = new Set(errors.map((e) => `${e.expected}:${e.variable}`));
  const values = scan.variables.map(({ name, type }) => {
    names.add(name);
    const value = inputValue(inputs, name);
    if (value === undefined) return undefined;
    const resolved = resolveValue(value, type);
    if (resolved === undefined && !reported.has(`${type}:${name}`)) {
      reported.add(`${type}:${name}`);
      errors.push(wrongType(name, type, value));
    }
    return resolved;
  });
  fits(planSize(scan.plan, jsonBytes(parts)), values);
  const compiled = applyPlan(parts, scan.plan, { variables: values, partials: null, copyClean: false });
  return { parts: compiled as RequestParts, names };
}

/**
 * Throws CompiledSizeError when the template filled with its values, plus the caller's parts filled with
 * theirs, would weigh more than `limit`: decided before either is built.
 */
function checkSize(state: TemplateState, values: readonly (Resolved | undefined)[], limit: number) {
  let template = upperBytes(state.size, values);
  if (template > limit) {
    template = exactBytes(state.size, values);
    if (template > limit) throw new CompiledSizeError(template, limit);
  }
  return (callerSize: PlanSize, callerValues: readonly (Resolved | undefined)[]) => {
    if (template + upperBytes(callerSize, callerValues) <= limit) return;
    const total = exactBytes(state.size, values) + exactBytes(callerSize, callerValues);
    if (total > limit) throw new CompiledSizeError(total, limit);
  };
}

function compileWith(state: TemplateState, request: Record<string, unknown>, options: CompileOptions): CompileResult {
  const errors: TInputError[] = [];
  const inputs = readInputs(request, errors);
  const effective = effectiveAnalysis(state, request);
  templateProblems(effective, errors);
  const template = resolveTemplate(state, effective, inputs, errors);
  const fits = checkSize(state, template.values, options.maxBytes ?? DEFAULT_MAX_COMPILED_BYTES);
  const caller = compileRequestParts(requestParts(request), inputs, errors, fits);
  const warnings =
    inputs === NO_INPUTS ? [] : unusedInputs(inputs, (name) => template.names.has(name) || caller.names.has(name));

  const { plan } = state.scan;
  const compiled =
    plan !== null
      ? applyPlan(state.body, plan, { variables: template.values, partials: null, copyClean: state.copyClean })
      : state.copyClean
        ? cloneJson(state.body)
        : state.body;
  // A template that is not an object (only if the caller skipped schema validation) merges as {}.
  const body = mergeParts(isRecord(compiled) ? compiled : {}, request, caller.parts);
  return { body, errors, warnings, variables: effective.variables as TTemplateVariable[] };
}

/**
 * Compiles `template` (partials already expanded) with `request` (the caller's chat-completions params plus
 * `inputs`): merged as Helicone's SDK getPromptBody, with every template variable substituted (single
 * pass). Never mutates its arguments; the template's parts of the body are fresh copies, the request's
 * values are shared.
 */
export function compilePrompt(
  template: TPromptBody,
  request: { inputs?: Record<string, unknown>; [k: string]: unknown },
  options: CompileOptions = {},
): CompileResult {
  return compileWith(templateState(template, true), request, options);
}

/** A template analysed once, for compilePrepared. Everything in it is deeply frozen. */
export interface PreparedTemplate {
  readonly body: TPromptBody;
  readonly variables: readonly TTemplateVariable[];
  readonly partials: readonly TPromptPartialRef[];
  readonly errors: readonly TemplateError[];
}

const preparedStates = new WeakMap<PreparedTemplate, TemplateState>();

/**
 * Analyses `template` (partials already expanded) once, for compilePrepared. Cache it per immutable
 * version (and, when it had partials, per the versions expandPartialsDetailed resolved them to). Takes a
 * deep copy of `template` and freezes it.
 */
export function prepareTemplate(template: TPromptBody): PreparedTemplate {
  const body = deepFreeze(cloneJson(template));
  const state = templateState(body, false);
  deepFreeze(state.scan.variables);
  deepFreeze(state.scan.partials);
  const prepared: PreparedTemplate = Object.freeze({
    body,
    variables: state.scan.variables,
    partials: state.scan.partials,
    errors: Object.freeze(state.scan.errors.map(({ message, location }) => Object.freeze({ message, location }))),
  });
  preparedStates.set(prepared, state);
  return prepared;
}

/**
 * compilePrompt for a prepared template: no regex runs over the template, and only the strings holding
 * placeholders are rebuilt. The body shares the template's untouched subtrees, which are frozen: treat
 * it as read-only below the top level (assigning a top-level field is fine; the `messages` and `tools`
 * arrays are fresh, the message objects in them may be frozen). `variables` is the prepared (frozen) list.
 */
export function compilePrepared(
  prepared: PreparedTemplate,
  request: { inputs?: Record<string, unknown>; [k: string]: unknown },
  options: CompileOptions = {},
): CompileResult {
  const state = preparedStates.get(prepared);
  if (state === undefined) throw new TypeError("compilePrepared needs a template returned by prepareTemplate");
  return compileWith(state, request, options);
}
