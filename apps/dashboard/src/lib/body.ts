/**
 * The version editor's form and its conversion to and from a prompt body (the OpenAI chat-completions
 * request template a version stores), plus the readable text two versions are compared in.
 */
import type { TPromptBody } from "@promptreg/contracts";

export const MESSAGE_ROLES = ["system", "developer", "user", "assistant", "tool", "function"] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

/**
 * A message edited as role + text, or, when it holds more than that (content parts, tool_calls, a name),
 * as its whole JSON so nothing is lost.
 */
export type MessageDraft =
  | { key: string; mode: "text"; role: MessageRole; content: string }
  | { key: string; mode: "json"; json: string };

export interface BodyDraft {
  model: string;
  temperature: string;
  maxTokens: string;
  messages: MessageDraft[];
  /** Every other field of the body (tools, response_format, top_p…) as a JSON object text. */
  advanced: string;
}

/** Field name -> problem, for the form's error messages. Message problems are keyed `messages.<index>`. */
export type DraftErrors = Record<string, string>;

const FORM_FIELDS = new Set(["model", "messages", "temperature", "max_tokens"]);

let keySeed = 0;
/** A key for a new message row (React list keys). */
export function newMessageKey(): string {
  keySeed += 1;
  return `m${keySeed}`;
}

function isRole(value: unknown): value is MessageRole {
  return typeof value === "string" && (MESSAGE_ROLES as readonly string[]).includes(value);
}

export function draftFromBody(body: TPromptBody): BodyDraft {
  const messages: MessageDraft[] = body.messages.map((message) => {
    const keys = Object.keys(message);
    const plain = isRole(message.role) && typeof message.content === "string" && keys.every((k) => k === "role" || k === "content");
    return plain
      ? { key: newMessageKey(), mode: "text", role: message.role, content: message.content as string }
      : { key: newMessageKey(), mode: "json", json: JSON.stringify(message, null, 2) };
  });
  const advanced: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!FORM_FIELDS.has(key)) advanced[key] = value;
  return {
    model: body.model,
    temperature: body.temperature === undefined ? "" : String(body.temperature),
    maxTokens: body.max_tokens === undefined ? "" : String(body.max_tokens),
    messages,
    advanced: Object.keys(advanced).length === 0 ? "" : JSON.stringify(advanced, null, 2),
  };
}

export function emptyDraft(): BodyDraft {
  return {
    model: "gpt-4o-mini",
    temperature: "",
    maxTokens: "",
    messages: [
      { key: newMessageKey(), mode: "text", role: "system", content: "" },
      { key: newMessageKey(), mode: "text", role: "user", content: "" },
    ],
    advanced: "",
  };
}

/** Whether two drafts hold the same form (message row keys aside): an editor has unsaved changes when not. */
export function sameDraft(a: BodyDraft, b: BodyDraft): boolean {
  const comparable = (draft: BodyDraft) => JSON.stringify({ ...draft, messages: draft.messages.map(({ key: _key, ...message }) => message) });
  return comparable(a) === comparable(b);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : "invalid JSON" };
  }
}

/** The body a draft describes, or the problems to fix first (the server checks the rest). */
export function bodyFromDraft(draft: BodyDraft): { body: TPromptBody; errors: null } | { body: null; errors: DraftErrors } {
  const errors: DraftErrors = {};
  const model = draft.model.trim();
  if (model === "") errors["model"] = "Enter a model, e.g. gpt-4o-mini.";

  let temperature: number | undefined;
  if (draft.temperature.trim() !== "") {
    temperature = Number(draft.temperature);
    if (!Number.isFinite(temperature) || temperature < 0 || temperature > 2) errors["temperature"] = "Temperature is a number from 0 to 2.";
  }
  let maxTokens: number | undefined;
  if (draft.maxTokens.trim() !== "") {
    maxTokens = Number(draft.maxTokens);
    if (!Number.isInteger(maxTokens) || maxTokens <= 0) errors["maxTokens"] = "Max tokens is a whole number above 0.";
  }

  const messages: TPromptBody["messages"] = [];
  draft.messages.forEach((message, index) => {
    if (message.mode === "text") {
      // A message with no text is a hole in the prompt, never what was meant (remove it instead).
      if (message.content.trim() === "") errors[`messages.${index}`] = `Message ${index + 1} is empty: write its text or remove it.`;
      messages.push({ role: message.role, content: message.content });
      return;
    }
    const parsed = parseJson(message.json);
    if (!parsed.ok) errors[`messages.${index}`] = `Message ${index + 1} is not valid JSON: ${parsed.message}`;
    else if (!isObject(parsed.value) || !isRole(parsed.value["role"])) {
      errors[`messages.${index}`] = `Message ${index + 1} must be an object with a role (${MESSAGE_ROLES.join(", ")}).`;
    } else messages.push(parsed.value as TPromptBody["messages"][number]);
  });
  if (draft.messages.length === 0) errors["messages"] = "Add at least one message.";

  let advanced: Record<string, unknown> = {};
  if (draft.advanced.trim() !== "") {
    const parsed = parseJson(draft.advanced);
    if (!parsed.ok) errors["advanced"] = `Not valid JSON: ${parsed.message}`;
    else if (!isObject(parsed.value)) errors["advanced"] = 'Advanced settings must be a JSON object, e.g. {"top_p": 0.9}.';
    else {
      advanced = parsed.value;
      const clash = Object.keys(advanced).filter((key) => FORM_FIELDS.has(key));
      if (clash.length > 0) errors["advanced"] = `Set ${clash.join(", ")} in ${clash.length === 1 ? "its own field" : "their own fields"}, not here.`;
    }
  }

  if (Object.keys(errors).length > 0) return { body: null, errors };
  const body: TPromptBody = { model, messages };
  if (temperature !== undefined) body.temperature = temperature;
  if (maxTokens !== undefined) body.max_tokens = maxTokens;
  return { body: { ...body, ...advanced }, errors: null };
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (content === null || content === undefined) return "";
  return JSON.stringify(content, null, 2);
}

/**
 * A version as readable text for comparing: parameters as `name: value` lines, then each message under a
 * header with its role, then tools and the other structured fields as indented JSON.
 */
export function bodyAsText(body: TPromptBody): string {
  const lines: string[] = [];
  const scalar = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));
  const structured: [string, unknown][] = [];
  for (const [key, value] of Object.entries(body)) {
    if (key === "messages") continue;
    if (value !== null && typeof value === "object") structured.push([key, value]);
    else lines.push(`${key}: ${scalar(value)}`);
  }
  body.messages.forEach((message, index) => {
    lines.push("", `── message ${index + 1} · ${message.role} ──`);
    const { role: _role, content, ...rest } = message;
    lines.push(...contentText(content).split("\n"));
    if (Object.keys(rest).length > 0) lines.push(...JSON.stringify(rest, null, 2).split("\n"));
  });
  for (const [key, value] of structured) {
    lines.push("", `── ${key} ──`, ...JSON.stringify(value, null, 2).split("\n"));
  }
  return `${lines.join("\n")}\n`;
}

/** `value` as JSON with object keys sorted, so two bodies compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Whether two bodies are the same request template (key order aside). */
export function sameBody(a: TPromptBody, b: TPromptBody): boolean {
  return canonical(a) === canonical(b);
}
