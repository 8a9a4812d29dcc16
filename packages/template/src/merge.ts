/**
 * Merge of the caller's request over the template, the rules of Helicone's SDK `mergePromptBody` (API.md):
 *
 *   { ...template, ...request without prompt_id/version_id/inputs/environment,
 *     messages: [...template.messages, ...request.messages],
 *     response_format: request.response_format ?? template.response_format,
 *     tools: [...template.tools, ...request.tools] }
 *
 * Same key order as Helicone's object spread, so serialised bodies match byte for byte. Refused Helicone
 * quirks: an empty merged `tools` is left out (Helicone sends `tools: []`, which OpenAI rejects); a caller's
 * key whose value is `undefined` does not erase the template's (Helicone's spread would drop `model`), nor
 * does a `model` of `null` or `""` (how clients whose `model` argument is required, Python's `openai`
 * among them, leave it to the prompt: API.md "`model` may be left out"); the four prompt parameters are
 * stripped from the template too, not only from the request.
 */
import type { TPromptBody } from "@promptreg/contracts";
import { setProp } from "./apply.js";

/** Gateway parameters that select and fill the prompt; they never reach the upstream. */
export const PROMPT_PARAMETERS: ReadonlySet<string> = new Set(["prompt_id", "version_id", "inputs", "environment"]);

/** A caller's value that leaves the template's in place. */
function keepsTemplate(key: string, value: unknown): boolean {
  return value === undefined || (key === "model" && (value === null || value === ""));
}

/** Keys merged by rule rather than overridden. */
const MERGED_KEYS: ReadonlySet<string> = new Set(["messages", "tools", "response_format"]);

const NO_ITEMS: readonly unknown[] = Object.freeze([]);

/** `value` when it is an array; anything else (absent, null, malformed) adds nothing, as Helicone's `?? []`. */
export function arrayOrEmpty(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : NO_ITEMS;
}

/** The parts of one side that are merged by rule rather than overridden. */
export interface RequestParts {
  messages: readonly unknown[];
  tools: readonly unknown[];
  /** The caller's response_format when given (not null/undefined: Helicone's `??`). */
  response_format: unknown;
}

export function requestParts(request: Record<string, unknown>): RequestParts {
  return {
    messages: arrayOrEmpty(request.messages),
    tools: arrayOrEmpty(request.tools),
    response_format: request.response_format ?? undefined,
  };
}

/**
 * Top-level template keys the request replaces: the fields it overrides, and response_format when it
 * gives one. Variables found only under these keys are not needed.
 */
export function overriddenKeys(request: Record<string, unknown>): string[] {
  const keys: string[] = [];
  for (const key of Object.keys(request)) {
    if (PROMPT_PARAMETERS.has(key) || key === "messages" || key === "tools") continue;
    if (key === "response_format" ? request[key] == null : keepsTemplate(key, request[key])) continue;
    keys.push(key);
  }
  return keys;
}

/**
 * The merged body from the template's top level, the request's, and the request's parts (possibly
 * compiled). Takes the values of both sides as they are (shared).
 */
export function mergeParts(
  template: Record<string, unknown>,
  request: Record<string, unknown>,
  parts: RequestParts,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Merged keys are set in place, at the position the spread gives them, then filled below.
  for (const key of Object.keys(template)) {
    if (!PROMPT_PARAMETERS.has(key)) setProp(out, key, MERGED_KEYS.has(key) ? null : template[key]);
  }
  for (const key of Object.keys(request)) {
    const value = request[key];
    if (PROMPT_PARAMETERS.has(key) || keepsTemplate(key, value)) continue;
    setProp(out, key, MERGED_KEYS.has(key) ? null : value);
  }
  out.messages = [...arrayOrEmpty(template.messages), ...parts.messages];
  const responseFormat = parts.response_format ?? template.response_format;
  if (responseFormat == null) delete out.response_format;
  else out.response_format = responseFormat;
  const tools = [...arrayOrEmpty(template.tools), ...parts.tools];
  if (tools.length === 0) delete out.tools;
  else out.tools = tools;
  return out;
}

/**
 * Merges `request` over `template` without substituting anything (compilePrompt substitutes). Shares the
 * values it takes from either side.
 */
export function mergeRequest(template: TPromptBody, request: Record<string, unknown>): Record<string, unknown> {
  return mergeParts(template, request, requestParts(request));
}
