/**
 * The playground's run as code to paste: the TypeScript `openai` SDK, the Python `openai` SDK (promptreg's
 * fields in `extra_body`) and curl, each streaming, with the inputs and overrides of the run.
 */

export interface SnippetRun {
  /** The server's origin, e.g. `http://127.0.0.1:8787`. */
  origin: string;
  promptId: string;
  versionId: string;
  inputs: Record<string, unknown>;
  overrides: { model?: string; temperature?: number; max_tokens?: number };
}

export type SnippetLanguage = "typescript" | "python" | "curl";

export const SNIPPET_LANGUAGES: { id: SnippetLanguage; label: string }[] = [
  { id: "typescript", label: "TypeScript" },
  { id: "python", label: "Python" },
  { id: "curl", label: "curl" },
];

/** promptreg's own fields of the call (the gateway strips them before the provider sees the request). */
function promptFields(run: SnippetRun): Record<string, unknown> {
  return { prompt_id: run.promptId, version_id: run.versionId, inputs: run.inputs };
}

function overrides(run: SnippetRun): [string, string | number][] {
  return Object.entries(run.overrides).filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== "");
}

/** Indents every line but the first (a value written after `key: `). */
function indentRest(text: string, spaces: number): string {
  return text.replace(/\n/g, `\n${" ".repeat(spaces)}`);
}

export function typescriptSnippet(run: SnippetRun): string {
  const model = run.overrides.model ? JSON.stringify(run.overrides.model) : '""';
  const extra = overrides(run)
    .filter(([key]) => key !== "model")
    .map(([key, value]) => `  ${key}: ${JSON.stringify(value)},\n`)
    .join("");
  return `import OpenAI from "openai";

const client = new OpenAI({ apiKey: process.env.PROMPTREG_API_KEY, baseURL: ${JSON.stringify(`${run.origin}/v1`)} });

const stream = await client.chat.completions.create({
  model: ${model},${run.overrides.model ? "" : " // empty: the version's model"}
  messages: [], // the version's messages; yours are appended
${extra}  stream: true,
  // promptreg's fields, which OpenAI's types do not know (or environment: "production" instead of version_id)
  prompt_id: ${JSON.stringify(run.promptId)},
  version_id: ${JSON.stringify(run.versionId)},
  inputs: ${indentRest(JSON.stringify(run.inputs, null, 2), 2)},
} as OpenAI.ChatCompletionCreateParamsStreaming);

for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? "");
`;
}

/** A JSON value written as a Python literal (True/False/None, strings escaped as JSON, which Python reads). */
export function pythonLiteral(value: unknown, indent = 0): string {
  const pad = " ".repeat(indent + 4);
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "None";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((item) => `${pad}${pythonLiteral(item, indent + 4)},`).join("\n")}\n${" ".repeat(indent)}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([key, item]) => `${pad}${JSON.stringify(key)}: ${pythonLiteral(item, indent + 4)},`).join("\n")}\n${" ".repeat(indent)}}`;
}

export function pythonSnippet(run: SnippetRun): string {
  const model = run.overrides.model ? JSON.stringify(run.overrides.model) : '""';
  const extra = overrides(run)
    .filter(([key]) => key !== "model")
    .map(([key, value]) => `    ${key}=${pythonLiteral(value)},\n`)
    .join("");
  return `import os
from openai import OpenAI

client = OpenAI(api_key=os.environ["PROMPTREG_API_KEY"], base_url=${JSON.stringify(`${run.origin}/v1`)})

stream = client.chat.completions.create(
    model=${model},${run.overrides.model ? "" : "  # empty: the version's model"}
    messages=[],  # the version's messages; yours are appended
${extra}    stream=True,
    # promptreg's fields (or "environment": "production" instead of "version_id")
    extra_body=${pythonLiteral(promptFields(run), 4)},
)
for chunk in stream:
    print(chunk.choices[0].delta.content or "", end="", flush=True)
`;
}

/** Text inside single quotes for a POSIX shell. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

export function curlSnippet(run: SnippetRun): string {
  const body: Record<string, unknown> = { ...promptFields(run) };
  for (const [key, value] of overrides(run)) body[key] = value;
  body["stream"] = true;
  return `curl -N ${run.origin}/v1/chat/completions \\
  -H "Authorization: Bearer $PROMPTREG_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d ${shellQuote(JSON.stringify(body, null, 2))}
`;
}

export function snippetFor(language: SnippetLanguage, run: SnippetRun): string {
  switch (language) {
    case "typescript":
      return typescriptSnippet(run);
    case "python":
      return pythonSnippet(run);
    case "curl":
      return curlSnippet(run);
  }
}
