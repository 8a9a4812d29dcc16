import { describe, expect, it } from "vitest";
import { clearDrafts, EMPTY_DRAFT, loadDraft, MAX_DRAFT_CHARS, MAX_DRAFTS, parseDraft, saveDraft, type PlaygroundDraft } from "./playground-draft";

/** An in-memory Storage, as sessionStorage behaves (strings in, strings out). */
function memoryStorage(): Storage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    key: (i: number) => [...map.keys()][i] ?? null,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, String(v)),
    removeItem: (k: string) => void map.delete(k),
  };
}

const draft = (question: string): PlaygroundDraft => ({
  values: { question, loud: true },
  overrides: { model: "gpt-4o", temperature: "0.9", maxTokens: "" },
  stream: false,
});

describe("playground drafts", () => {
  it("gives back what was saved, per prompt", () => {
    const storage = memoryStorage();
    saveDraft("a", draft("one"), storage);
    saveDraft("b", draft("two"), storage);
    expect(loadDraft("a", storage)).toEqual(draft("one"));
    expect(loadDraft("b", storage)).toEqual(draft("two"));
    expect(loadDraft("c", storage)).toEqual(EMPTY_DRAFT);
  });

  it("keeps at most MAX_DRAFTS prompts, forgetting the least recently saved", () => {
    const storage = memoryStorage();
    for (let i = 0; i < MAX_DRAFTS + 5; i++) saveDraft(`p${i}`, draft(`q${i}`), storage);
    saveDraft("p5", draft("again"), storage); // p5 becomes the newest: the next one pushes p6 out, not p5
    saveDraft("extra", draft("x"), storage);
    expect(storage.map.size).toBe(MAX_DRAFTS + 1); // the drafts and the order list
    expect(loadDraft("p0", storage)).toEqual(EMPTY_DRAFT);
    expect(loadDraft("p6", storage)).toEqual(EMPTY_DRAFT);
    expect(loadDraft("p5", storage).values["question"]).toBe("again");
    expect(loadDraft("extra", storage).values["question"]).toBe("x");
  });

  it("does not keep a draft larger than MAX_DRAFT_CHARS (and drops the older one of that prompt)", () => {
    const storage = memoryStorage();
    saveDraft("a", draft("small"), storage);
    saveDraft("a", draft("x".repeat(MAX_DRAFT_CHARS)), storage);
    expect(loadDraft("a", storage)).toEqual(EMPTY_DRAFT);
  });

  it("reads anything else stored as no draft, keeping only well-typed fields", () => {
    expect(parseDraft("not json")).toEqual(EMPTY_DRAFT);
    expect(parseDraft("[1,2]")).toEqual(EMPTY_DRAFT);
    expect(parseDraft(JSON.stringify({ values: { a: "x", b: 3, c: { d: 1 }, e: false }, overrides: { model: 7, temperature: "1" } }))).toEqual({
      values: { a: "x", e: false },
      overrides: { model: "", temperature: "1", maxTokens: "" },
      stream: true,
    });
  });

  it("survives a storage that throws (full, or disabled by a privacy setting)", () => {
    const throwing = { getItem: () => { throw new Error("denied"); }, setItem: () => { throw new Error("full"); }, removeItem: () => { throw new Error("denied"); } };
    expect(() => saveDraft("a", draft("q"), throwing)).not.toThrow();
    expect(loadDraft("a", throwing)).toEqual(EMPTY_DRAFT);
    expect(() => clearDrafts(throwing)).not.toThrow();
  });

  it("forgets every draft on sign-out", () => {
    const storage = memoryStorage();
    saveDraft("a", draft("one"), storage);
    saveDraft("b", draft("two"), storage);
    clearDrafts(storage);
    expect(storage.map.size).toBe(0);
  });
});
