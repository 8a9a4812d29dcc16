/**
 * Placeholder syntax (Helicone's), recognised in one left-to-right pass over a string.
 *
 * One "candidate" regex finds every `{{…}}` group without braces inside, plus the legacy
 * `<helicone-prompt-input key="…" />` tag; the inside of a group is then classified with anchored regexes.
 * This finds exactly the matches Helicone's own global regexes find (they also cannot contain braces, and a
 * leftmost `{{…}}` group can never hide a later one), so both tokenise text identically.
 */
import type { TVariableType } from "@promptreg/contracts";

export const VARIABLE_TYPES: readonly TVariableType[] = ["string", "number", "boolean"];
export const DEFAULT_ENVIRONMENT = "production";

const CANDIDATE_RE =
  /\{\{([^{}]*)\}\}|<helicone-prompt-input\s+key\s*=\s*(?:"([a-zA-Z_-][a-zA-Z0-9_-]*)"|'([a-zA-Z_-][a-zA-Z0-9_-]*)')\s*\/>/g;
// The inner parts. `\s` as in Helicone's TEMPLATE_REGEX (any Unicode space, newlines included).
const TYPED_RE = /^\s*hc\s*:\s*([a-zA-Z_-][a-zA-Z0-9_-]*)\s*:\s*([a-zA-Z_-][a-zA-Z0-9_-]*)\s*$/;
// Environment charset is ours (`[A-Za-z0-9][A-Za-z0-9_.-]*`, what the registry accepts), not Helicone's
// `[a-zA-Z_-][a-zA-Z0-9_-]*`, so any environment the registry can hold can be named in a partial.
const PARTIAL_RE = /^\s*hcp\s*:\s*([a-zA-Z0-9]{6})\s*:\s*(\d+)\s*(?::\s*([A-Za-z0-9][A-Za-z0-9_.-]*)\s*)?$/;
const LEGACY_RE = /^\s*([a-zA-Z_-][a-zA-Z0-9_-]*)\s*$/;
const HC_PREFIX_RE = /^\s*(hcp?)\s*:/;

export type Placeholder =
  | { kind: "variable"; name: string; type: TVariableType; syntax: "typed" | "legacy"; raw: string }
  | { kind: "partial"; promptId: string; messageIndex: number; environment: string; raw: string };

export interface SyntaxProblem {
  message: string;
  raw: string;
  /** The variable a problem is about, when one can be named. */
  name?: string;
}

/** A string cut at its placeholders: `literals.length === placeholders.length + 1`. */
export interface ScannedString {
  literals: string[];
  placeholders: Placeholder[];
  problems: SyntaxProblem[];
}

/**
 * `template`: every syntax (stored templates and partial texts).
 * `request`: only well-formed `{{hc:name:type}}` variables, as Helicone's SDK substitutes in the caller's own
 * messages, tools and response_format. Legacy `{{name}}` there is literal text: a caller's chat history may
 * quote Mustache, Jinja or Vue code, which must neither be rewritten nor refused.
 */
export type ScanMode = "template" | "request";

export function isVariableType(type: string): type is TVariableType {
  return type === "string" || type === "number" || type === "boolean";
}

/** Key under which a partial ref is deduplicated and named in errors: `abc123:0:production`. */
export function partialKey(ref: { promptId: string; messageIndex: number; environment: string }): string {
  return `${ref.promptId}:${ref.messageIndex}:${ref.environment}`;
}

function classify(inner: string, raw: string, mode: ScanMode, problems: SyntaxProblem[]): Placeholder | null {
  const typed = TYPED_RE.exec(inner);
  if (typed) {
    const name = typed[1]!;
    const type = typed[2]!;
    if (isVariableType(type)) return { kind: "variable", name, type, syntax: "typed", raw };
    // Helicone's SDK substitutes unknown types unchecked; we refuse them so a typo (`{{hc:n:nubmer}}`,
    // `{{hc:d:date}}`) is reported when the version is created instead of compiling to surprises.
    if (mode === "template") {
      problems.push({
        name,
        raw,
        message: `unknown variable type "${type}" in ${raw} (expected string, number or boolean)`,
      });
    }
    return null;
  }
  if (mode === "request") return null;
  const partial = PARTIAL_RE.exec(inner);
  if (partial) {
    const messageIndex = Number(partial[2]);
    if (Number.isSafeInteger(messageIndex)) {
      return {
        kind: "partial",
        promptId: partial[1]!,
        messageIndex,
        environment: partial[3] ?? DEFAULT_ENVIRONMENT,
        raw,
      };
    }
  }
  const legacy = LEGACY_RE.exec(inner);
  if (legacy) return { kind: "variable", name: legacy[1]!, type: "string", syntax: "legacy", raw };
  const prefix = HC_PREFIX_RE.exec(inner);
  if (prefix) {
    problems.push({
      raw,
      message:
        prefix[1] === "hcp"
          ? `malformed prompt partial ${raw} (expected {{hcp:<6-character prompt id>:<message index>[:<environment>]}})`
          : `malformed variable ${raw} (expected {{hc:<name>:<string|number|boolean>}}, names [a-zA-Z_-][a-zA-Z0-9_-]*)`,
    });
  }
  // Anything else in braces (`{{#if x}}`, `{{}}`, `{{ a b }}`) is literal text.
  return null;
}

/**
 * Cuts `text` at its placeholders. Returns null when there is nothing to report (no placeholder, no
 * problem): the common case, decided by `indexOf` before any regex runs.
 */
export function scanString(text: string, mode: ScanMode): ScannedString | null {
  if (text.indexOf("{{") === -1 && (mode === "request" || text.indexOf("<helicone-prompt-input") === -1)) {
    return null;
  }
  let literals: string[] | null = null;
  let placeholders: Placeholder[] | null = null;
  const problems: SyntaxProblem[] = [];
  let last = 0;
  // Shared global regex: safe because this loop is synchronous and always runs exec() to null, which
  // resets lastIndex to 0.
  const re = CANDIDATE_RE;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const raw = m[0];
    let placeholder: Placeholder | null;
    if (m[1] !== undefined) {
      placeholder = classify(m[1], raw, mode, problems);
    } else {
      // `<helicone-prompt-input key="name" />` marks an input in legacy (pre-2025) Helicone templates.
      // Helicone's current SDK ignores it (it would reach the model verbatim); we treat it as a legacy
      // `{{name}}` variable (extracted and substituted) so imported legacy templates compile (API.md).
      placeholder =
        mode === "template" ? { kind: "variable", name: (m[2] ?? m[3])!, type: "string", syntax: "legacy", raw } : null;
    }
    if (placeholder === null) continue;
    (literals ??= []).push(text.slice(last, m.index));
    (placeholders ??= []).push(placeholder);
    last = m.index + raw.length;
  }
  if (placeholders === null || literals === null) {
    return problems.length > 0 ? { literals: [text], placeholders: [], problems } : null;
  }
  literals.push(text.slice(last));
  return { literals, placeholders, problems };
}

/** RFC 6901 reference token. */
export function escapePointerToken(token: string | number): string {
  if (typeof token === "number") return String(token);
  return token.indexOf("~") === -1 && token.indexOf("/") === -1
    ? token
    : token.replace(/~/g, "~0").replace(/\//g, "~1");
}
