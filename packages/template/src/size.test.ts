import { describe, expect, it } from "vitest";
import { compilePrepared, compilePrompt, prepareTemplate } from "./compile.js";
import { expandPartials } from "./partials.js";
import { CompiledSizeError, DEFAULT_MAX_COMPILED_BYTES, jsonTextBytes } from "./size.js";

const body = (content: string) => ({ model: "m", messages: [{ role: "user" as const, content }] });
const repeated = (n: number) => Array.from({ length: n }, () => "{{hc:text:string}}").join(" ");

describe("jsonTextBytes", () => {
  it("counts UTF-8 bytes and JSON's escapes, as JSON.stringify writes them", () => {
    for (const text of ["plain", 'quote " and \\ backslash', "line\nbreak\ttab", "\u0001control", "é ü", "漢字", "emoji 😀", "lone \ud800 surrogate"]) {
      expect(jsonTextBytes(text), text).toBe(Buffer.byteLength(JSON.stringify(text)) - 2);
    }
  });
});

describe("the compiled size bound", () => {
  it("refuses a blow-up (one variable 2,000 times, a 500 KB input) before building it, naming both sizes", () => {
    const prepared = prepareTemplate(body(repeated(2000)));
    const started = performance.now();
    let error: unknown;
    try {
      compilePrepared(prepared, { inputs: { text: "x".repeat(500_000) } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CompiledSizeError);
    const { size, limit, message } = error as CompiledSizeError;
    expect(limit).toBe(DEFAULT_MAX_COMPILED_BYTES);
    // 2,000 x 500,000 bytes of input, the 1,999 spaces and the rest of the body's JSON.
    expect(size).toBe(2000 * 500_000 + 1999 + JSON.stringify(body("")).length);
    expect(message).toBe(`the compiled request would be ${size.toLocaleString("en-US")} bytes, more than the 4,194,304 allowed`);
    // Nothing was built: no 1 GB string (which takes seconds, or crashes).
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("is exact: a body of exactly the limit compiles, one byte more does not", () => {
    const template = body("{{hc:text:string}}");
    const overhead = JSON.stringify(body("")).length;
    const ok = compilePrompt(template, { inputs: { text: "é".repeat(50) } }, { maxBytes: overhead + 100 });
    expect(Buffer.byteLength(JSON.stringify(ok.body))).toBe(overhead + 100);
    expect(() => compilePrompt(template, { inputs: { text: "é".repeat(50) + "x" } }, { maxBytes: overhead + 100 })).toThrow(CompiledSizeError);
    // Escapes count as they are sent: 50 newlines are 100 bytes of JSON.
    expect(() => compilePrompt(template, { inputs: { text: "\n".repeat(50) } }, { maxBytes: overhead + 99 })).toThrow(CompiledSizeError);
  });

  it("counts the caller's messages compiled with the inputs, and only a missing input's placeholder", () => {
    const prepared = prepareTemplate(body("{{hc:text:string}}"));
    const messages = [{ role: "user" as const, content: repeated(20) }];
    expect(() => compilePrepared(prepared, { inputs: { text: "x".repeat(10_000) }, messages }, { maxBytes: 150_000 })).toThrow(CompiledSizeError);
    expect(compilePrepared(prepared, { inputs: { text: "x".repeat(10_000) }, messages }, { maxBytes: 250_000 }).errors).toEqual([]);
    // A missing input is an input error, not a size error: its placeholder stays (and the body is not sent).
    expect(compilePrepared(prepareTemplate(body(repeated(2000))), { inputs: {} }).errors).toHaveLength(1);
  });

  it("bounds what prompt partials add to a body in total, each string under its own bound", async () => {
    const partial = body("z".repeat(600_000));
    const many = { model: "m", messages: Array.from({ length: 10 }, () => ({ role: "user" as const, content: "{{hcp:aaaaaa:0}}" })) };
    const load = async () => ({ versionId: "v", body: partial });
    await expect(expandPartials(many, load)).rejects.toThrow(/prompt partials expand the body to 6,00\d,\d{3} characters, more than the 4,194,304 allowed/);
    await expect(expandPartials(many, load, { maxTotalLength: 7_000_000 })).resolves.toMatchObject({ messages: expect.any(Array) });
  });
});
