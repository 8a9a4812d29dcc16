/**
 * Cuts a template string at its placeholders, for highlighting in the editor and the version view.
 * Mirrors @promptreg/template's syntax (which exports no tokenizer): `{{hc:name:type}}`, legacy `{{name}}`,
 * partials `{{hcp:<6-char id>:<index>[:<env>]}}`, the legacy `<helicone-prompt-input key="x" />` tag, and
 * malformed `{{hc:…}}` / `{{hcp:…}}` groups, which the server would refuse (422). Other `{{…}}` is text.
 */
export type Segment =
  | { kind: "text"; text: string }
  | { kind: "variable"; text: string; name: string; type: string; syntax: "typed" | "legacy" }
  | { kind: "partial"; text: string; promptId: string; messageIndex: number; environment: string }
  | { kind: "invalid"; text: string; message: string };

const CANDIDATE_RE =
  /\{\{([^{}]*)\}\}|<helicone-prompt-input\s+key\s*=\s*(?:"([a-zA-Z_-][a-zA-Z0-9_-]*)"|'([a-zA-Z_-][a-zA-Z0-9_-]*)')\s*\/>/g;
const TYPED_RE = /^\s*hc\s*:\s*([a-zA-Z_-][a-zA-Z0-9_-]*)\s*:\s*([a-zA-Z_-][a-zA-Z0-9_-]*)\s*$/;
const PARTIAL_RE = /^\s*hcp\s*:\s*([a-zA-Z0-9]{6})\s*:\s*(\d+)\s*(?::\s*([A-Za-z0-9][A-Za-z0-9_.-]*)\s*)?$/;
const LEGACY_RE = /^\s*([a-zA-Z_-][a-zA-Z0-9_-]*)\s*$/;
const HC_PREFIX_RE = /^\s*(hcp?)\s*:/;
const TYPES = new Set(["string", "number", "boolean"]);

function classify(inner: string, raw: string): Segment {
  const typed = TYPED_RE.exec(inner);
  if (typed) {
    const name = typed[1]!;
    const type = typed[2]!;
    if (TYPES.has(type)) return { kind: "variable", text: raw, name, type, syntax: "typed" };
    return { kind: "invalid", text: raw, message: `unknown type "${type}" (expected string, number or boolean)` };
  }
  const partial = PARTIAL_RE.exec(inner);
  if (partial) {
    return {
      kind: "partial",
      text: raw,
      promptId: partial[1]!,
      messageIndex: Number(partial[2]),
      environment: partial[3] ?? "production",
    };
  }
  const legacy = LEGACY_RE.exec(inner);
  if (legacy) return { kind: "variable", text: raw, name: legacy[1]!, type: "string", syntax: "legacy" };
  const prefix = HC_PREFIX_RE.exec(inner);
  if (prefix) {
    return {
      kind: "invalid",
      text: raw,
      message:
        prefix[1] === "hcp"
          ? "malformed prompt partial: expected {{hcp:<prompt id>:<message index>[:<environment>]}}"
          : "malformed variable: expected {{hc:<name>:<string|number|boolean>}}",
    };
  }
  return { kind: "text", text: raw };
}

/** The segments of `text`, in order; joined, their `text` gives back `text` exactly. */
export function segmentTemplate(text: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  const push = (segment: Segment) => {
    const previous = segments.at(-1);
    if (segment.kind === "text" && previous?.kind === "text") previous.text += segment.text;
    else segments.push(segment);
  };
  for (const match of text.matchAll(CANDIDATE_RE)) {
    const start = match.index;
    if (start > last) push({ kind: "text", text: text.slice(last, start) });
    const raw = match[0];
    if (match[1] !== undefined) push(classify(match[1], raw));
    else push({ kind: "variable", text: raw, name: (match[2] ?? match[3])!, type: "string", syntax: "legacy" });
    last = start + raw.length;
  }
  if (last < text.length) push({ kind: "text", text: text.slice(last) });
  return segments;
}

/** A short description of a placeholder segment, for tooltips. */
export function describeSegment(segment: Segment): string {
  switch (segment.kind) {
    case "variable":
      return segment.syntax === "typed" ? `variable ${segment.name} (${segment.type})` : `variable ${segment.name} (legacy, string)`;
    case "partial":
      return `message ${segment.messageIndex} of prompt ${segment.promptId} (${segment.environment})`;
    case "invalid":
      return segment.message;
    case "text":
      return "";
  }
}
