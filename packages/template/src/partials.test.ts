import type { TPromptBody } from "@promptreg/contracts";
import { describe, expect, it, vi } from "vitest";
import {
  compilePrompt,
  expandPartials,
  expandPartialsDetailed,
  messageText,
  PartialCycleError,
  PartialDepthError,
  PartialError,
  PartialResolutionError,
  type PartialLoader,
  type PartialRef,
} from "./index.js";

/** A loader over an in-memory registry: `${promptId}:${environment}` -> message contents. */
function registry(prompts: Record<string, unknown[]>) {
  const calls: PartialRef[] = [];
  const load: PartialLoader = (ref) => {
    calls.push(ref);
    const messages = prompts[`${ref.promptId}:${ref.environment}`];
    if (messages === undefined) return Promise.resolve(null);
    const body: TPromptBody = { model: "m", messages: messages.map((content) => ({ role: "user", content }) as TPromptBody["messages"][number]) };
    return Promise.resolve({ versionId: `v-${ref.promptId}-${ref.environment}`, body });
  };
  return { load, calls };
}

const chat = (...contents: string[]): TPromptBody => ({ model: "m", messages: contents.map((content) => ({ role: "user", content })) });

const errorOf = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
};

describe("messageText", () => {
  it("takes string content, or non-empty text parts joined with a space (as Helicone's SDK)", () => {
    expect(messageText({ role: "user", content: "plain" })).toBe("plain");
    expect(
      messageText({
        role: "user",
        content: [{ type: "text", text: "a" }, { type: "image_url", image_url: { url: "u" } }, { type: "text", text: "" }, { type: "text", text: "b" }],
      }),
    ).toBe("a b");
    for (const odd of [null, "x", 1, {}, { content: null }, { content: [null, 1, { type: "text", text: 3 }] }]) {
      expect(messageText(odd)).toBe("");
    }
  });
});

describe("expandPartials", () => {
  it("inserts message N of the prompt's environment version, default production", async () => {
    const { load, calls } = registry({ abc123: [], "abc123:production": ["zero", "one"], "abc123:staging": ["stage"] });
    const out = await expandPartials(chat("[{{hcp:abc123:1}}] [{{ hcp:abc123:0:staging }}] [{{hcp:abc123:1:production}}]"), load);
    expect(out.messages[0]!.content).toBe("[one] [stage] [one]");
    expect(calls).toEqual([
      { promptId: "abc123", messageIndex: 1, environment: "production" },
      { promptId: "abc123", messageIndex: 0, environment: "staging" },
    ]);
  });

  it("takes text parts of the partial's message and fills text parts of the body", async () => {
    const { load } = registry({ "abc123:production": [[{ type: "text", text: "part" }, { type: "text", text: "two" }]] });
    const body: TPromptBody = { model: "m", messages: [{ role: "user", content: [{ type: "text", text: "<{{hcp:abc123:0}}>" }] }] };
    const out = await expandPartials(body, load);
    expect(out.messages[0]!.content).toEqual([{ type: "text", text: "<part two>" }]);
  });

  it("expands partials inside partials, and keeps their variables for compile", async () => {
    const { load } = registry({
      "aaaaaa:production": ["A({{hcp:bbbbbb:0}}) {{hc:name:string}}"],
      "bbbbbb:production": ["B {{hc:n:number}}"],
    });
    const expanded = await expandPartials(chat("{{hcp:aaaaaa:0}}!"), load);
    expect(expanded.messages[0]!.content).toBe("A(B {{hc:n:number}}) {{hc:name:string}}!");
    expect(compilePrompt(expanded, { inputs: { name: "Ada", n: 3 } }).body.messages).toEqual([{ role: "user", content: "A(B 3) Ada!" }]);
  });

  it("does not expand partial syntax that a partial's text produces by concatenation", async () => {
    const { load } = registry({ "aaaaaa:production": ["{{hcp:"], "bbbbbb:production": ["never"] });
    const out = await expandPartials(chat("{{hcp:aaaaaa:0}}bbbbbb:0}}"), load);
    expect(out.messages[0]!.content).toBe("{{hcp:bbbbbb:0}}");
  });

  it("refuses a partial that includes itself (A -> A)", async () => {
    const { load } = registry({ "aaaaaa:production": ["again {{hcp:aaaaaa:0}}"] });
    const error = await errorOf(expandPartials(chat("{{hcp:aaaaaa:0}}"), load));
    expect(error).toBeInstanceOf(PartialCycleError);
    expect(error).toBeInstanceOf(PartialError);
    expect(error.message).toBe("prompt partial cycle: aaaaaa:0:production -> aaaaaa:0:production");
  });

  it("refuses a cycle through other partials (A -> B -> A), naming the chain", async () => {
    const { load } = registry({
      "aaaaaa:production": ["a {{hcp:bbbbbb:1}}"],
      "bbbbbb:production": ["unused", "b {{hcp:aaaaaa:0}}"],
    });
    const error = await errorOf(expandPartials(chat("x {{hcp:aaaaaa:0}}"), load));
    expect(error).toBeInstanceOf(PartialCycleError);
    expect(error.message).toBe("prompt partial cycle: aaaaaa:0:production -> bbbbbb:1:production -> aaaaaa:0:production");
    expect((error as PartialCycleError).chain).toEqual(["aaaaaa:0:production", "bbbbbb:1:production", "aaaaaa:0:production"]);
  });

  it("reports a missing message index and a missing prompt clearly", async () => {
    const { load } = registry({ "abc123:production": ["only"] });
    const missingIndex = await errorOf(expandPartials(chat("{{hcp:abc123:3}}"), load));
    expect(missingIndex).toBeInstanceOf(PartialResolutionError);
    expect(missingIndex.message).toBe(
      "prompt partial abc123:3:production: version v-abc123-production of prompt abc123 has no message 3 (it has 1 message; indexes start at 0)",
    );
    const missingPrompt = await errorOf(expandPartials(chat("{{hcp:zzz999:0:dev}}"), load));
    expect(missingPrompt).toBeInstanceOf(PartialResolutionError);
    expect(missingPrompt.message).toBe('prompt partial zzz999:0:dev: prompt zzz999 has no version in environment "dev"');
  });

  it("bounds the nesting depth (10 by default)", async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `p${String(i).padStart(5, "0")}`);
    const chain = (length: number) =>
      registry(Object.fromEntries(ids.slice(0, length).map((id, i) => [`${id}:production`, [i + 1 < length ? `{{hcp:${ids[i + 1]}:0}}` : "end"]])));
    await expect(expandPartials(chat(`{{hcp:${ids[0]}:0}}`), chain(10).load)).resolves.toEqual(chat("end"));
    const error = await errorOf(expandPartials(chat(`{{hcp:${ids[0]}:0}}`), chain(11).load));
    expect(error).toBeInstanceOf(PartialDepthError);
    expect(error.message).toMatch(/^prompt partials nest deeper than 10 levels: p00000:0:production -> .* -> p00010:0:production$/);
    await expect(expandPartials(chat(`{{hcp:${ids[0]}:0}}`), chain(3).load, { maxDepth: 2 })).rejects.toBeInstanceOf(PartialDepthError);
  });

  it("loads each distinct partial once, and stays linear on diamonds", async () => {
    // Every level refers 10 times to the next: without reuse this is 10^8 expansions.
    const ids = Array.from({ length: 9 }, (_, i) => `d${String(i).padStart(5, "0")}`);
    const prompts = Object.fromEntries(
      ids.map((id, i) => [`${id}:production`, [i + 1 < ids.length ? `{{hcp:${ids[i + 1]}:0}}`.repeat(10) : ""]]),
    );
    const { load, calls } = registry(prompts);
    const out = await expandPartials(chat(`{{hcp:${ids[0]}:0}}`), load);
    expect(out.messages[0]!.content).toBe("");
    expect(calls).toHaveLength(ids.length);
  });

  it("bounds the expanded length", async () => {
    const { load } = registry({ "aaaaaa:production": ["x".repeat(600)] });
    await expect(expandPartials(chat("{{hcp:aaaaaa:0}}{{hcp:aaaaaa:0}}"), load, { maxLength: 1000 })).rejects.toThrow(
      /prompt partials expand to more than 1000 characters/,
    );
  });

  it("expands partials in any string, and returns the body itself when there are none", async () => {
    const { load } = registry({ "abc123:production": ["desc"] });
    const body = { model: "m", messages: [], tools: [{ type: "function", function: { description: "{{hcp:abc123:0}}" } }] };
    expect(await expandPartials(body, load)).toEqual({ ...body, tools: [{ type: "function", function: { description: "desc" } }] });
    expect(body.tools[0]!.function.description).toBe("{{hcp:abc123:0}}");
    const plain = chat("no partials {{hc:x:string}}");
    expect(await expandPartials(plain, load)).toBe(plain);
  });

  it("reports the versions it used", async () => {
    const { load } = registry({ "aaaaaa:production": ["{{hcp:bbbbbb:0}}"], "bbbbbb:production": ["b"] });
    const { resolved } = await expandPartialsDetailed(chat("{{hcp:aaaaaa:0}}"), load);
    expect(resolved).toEqual([
      { promptId: "bbbbbb", messageIndex: 0, environment: "production", versionId: "v-bbbbbb-production" },
      { promptId: "aaaaaa", messageIndex: 0, environment: "production", versionId: "v-aaaaaa-production" },
    ]);
  });

  it("passes the loader's own errors through and leaves no unhandled rejection", async () => {
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    const load: PartialLoader = (ref) => Promise.reject(new Error(`db down for ${ref.promptId}`));
    await expect(expandPartials(chat("{{hcp:aaaaaa:0}} {{hcp:bbbbbb:0}}"), load)).rejects.toThrow("db down for aaaaaa");
    await new Promise((resolve) => setTimeout(resolve, 10));
    process.off("unhandledRejection", unhandled);
    expect(unhandled).not.toHaveBeenCalled();
  });
});
