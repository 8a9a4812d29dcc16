/**
 * What was typed in a prompt's playground (inputs, run settings, streaming on or off), kept in the tab's
 * sessionStorage so that looking at another tab of the prompt, another prompt or reloading the page does
 * not throw it away. Per browser tab, like a form's contents; signing out clears it (the next person at
 * this browser does not see it). Bounded: at most MAX_DRAFTS prompts (the oldest go first) and
 * MAX_DRAFT_CHARS characters per prompt (a larger draft is not kept, rather than kept cut).
 */
import type { InputValues } from "./inputs";

export interface OverrideDraft {
  model: string;
  temperature: string;
  maxTokens: string;
}

export interface PlaygroundDraft {
  values: InputValues;
  overrides: OverrideDraft;
  stream: boolean;
}

export const NO_OVERRIDES: OverrideDraft = { model: "", temperature: "", maxTokens: "" };
export const EMPTY_DRAFT: PlaygroundDraft = { values: {}, overrides: NO_OVERRIDES, stream: true };
export const MAX_DRAFTS = 20;
export const MAX_DRAFT_CHARS = 64 * 1024;
const PREFIX = "promptreg.playground.";
const ORDER_KEY = `${PREFIX}order`;

type DraftStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

function browserStorage(): DraftStorage | null {
  try {
    return typeof window === "undefined" ? null : window.sessionStorage;
  } catch {
    return null; // storage disabled (a privacy setting): drafts live as long as the page
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The draft as stored, or the empty one when there is none or it is not one (another version of the app, edited by hand). */
export function parseDraft(text: string | null): PlaygroundDraft {
  if (text === null) return EMPTY_DRAFT;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return EMPTY_DRAFT;
  }
  if (!isRecord(raw)) return EMPTY_DRAFT;
  const values: InputValues = {};
  if (isRecord(raw["values"])) {
    for (const [name, value] of Object.entries(raw["values"])) if (typeof value === "string" || typeof value === "boolean") values[name] = value;
  }
  const o = isRecord(raw["overrides"]) ? raw["overrides"] : {};
  const asText = (v: unknown) => (typeof v === "string" ? v : "");
  return {
    values,
    overrides: { model: asText(o["model"]), temperature: asText(o["temperature"]), maxTokens: asText(o["maxTokens"]) },
    stream: raw["stream"] !== false,
  };
}

function readOrder(storage: DraftStorage): string[] {
  try {
    const order: unknown = JSON.parse(storage.getItem(ORDER_KEY) ?? "[]");
    return Array.isArray(order) ? order.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}

export function loadDraft(promptId: string, storage: DraftStorage | null = browserStorage()): PlaygroundDraft {
  try {
    return parseDraft(storage?.getItem(PREFIX + promptId) ?? null);
  } catch {
    return EMPTY_DRAFT;
  }
}

export function saveDraft(promptId: string, draft: PlaygroundDraft, storage: DraftStorage | null = browserStorage()): void {
  if (!storage) return;
  try {
    const order = readOrder(storage).filter((id) => id !== promptId);
    const text = JSON.stringify(draft);
    if (text.length > MAX_DRAFT_CHARS) {
      storage.removeItem(PREFIX + promptId);
    } else {
      storage.setItem(PREFIX + promptId, text);
      order.push(promptId);
    }
    while (order.length > MAX_DRAFTS) storage.removeItem(PREFIX + order.shift()!);
    storage.setItem(ORDER_KEY, JSON.stringify(order));
  } catch {
    // Storage full or disabled: the draft lives as long as the page, as before.
  }
}

/** Forgets every prompt's draft (signing out). */
export function clearDrafts(storage: DraftStorage | null = browserStorage()): void {
  if (!storage) return;
  try {
    for (const id of readOrder(storage)) storage.removeItem(PREFIX + id);
    storage.removeItem(ORDER_KEY);
  } catch {
    // nothing kept, nothing to clear
  }
}
