import type { TPromptBody, TVariableType } from "@promptreg/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deepFreeze } from "./apply.js";
import { analyzeTemplate, compilePrepared, compilePrompt, prepareTemplate, substituteVariables } from "./index.js";

// Independent of src/syntax.ts on purpose: Helicone's regexes plus the legacy forms, as the spec states them.
const ANY_PLACEHOLDER = [
  /\{\{\s*hc\s*:\s*[a-zA-Z_-][a-zA-Z0-9_-]*\s*:\s*[a-zA-Z_-][a-zA-Z0-9_-]*\s*\}\}/,
  /\{\{\s*hcp\s*:/,
  /\{\{\s*[a-zA-Z_-][a-zA-Z0-9_-]*\s*\}\}/,
  /<helicone-prompt-input\s+key\s*=/,
];
const hasPlaceholder = (text: string) => ANY_PLACEHOLDER.some((re) => re.test(text));

/** Text rich in template-like characters, but holding no placeholder. */
const noPlaceholderText = fc
  .oneof(
    fc.string({ unit: fc.constantFrom("{", "}", "{{", "}}", "hc", "hcp", ":", " ", "a", "_", "<", "/>", "é", "\n", "#", "0") }),
    fc.string({ unit: "binary" }),
  )
  .filter((text) => !hasPlaceholder(text));

/** Literal text that cannot combine with neighbours into a placeholder (no `{`, no `<`). */
const safeText = fc.string({ unit: fc.constantFrom("a", " ", "}", ":", "hc", "é", "\n", "x_", "-", "0") });

const names = ["a", "b", "c", "d"] as const;
const typeOf: Record<(typeof names)[number], TVariableType> = { a: "string", b: "number", c: "boolean", d: "string" };

/** A placeholder for `name`, in any spelling the syntax allows. */
const placeholderFor = (name: (typeof names)[number]) => {
  const type = typeOf[name];
  const spellings = [
    fc.constantFrom(" ", "", "  ", "\n").map((s) => `{{${s}hc${s}:${s}${name}${s}:${s}${type}${s}}}`),
  ];
  if (type === "string") {
    spellings.push(fc.constantFrom(`{{${name}}}`, `{{ ${name} }}`, `<helicone-prompt-input key="${name}" />`));
  }
  return fc.oneof(...spellings);
};

/** Strings made of literal text and placeholders: [text, segments] where segments name the variables. */
const templateText = fc
  .array(fc.tuple(safeText, fc.constantFrom(...names).chain((name) => placeholderFor(name).map((raw) => ({ name, raw })))), {
    maxLength: 6,
  })
  .chain((pairs) => safeText.map((tail) => ({ pairs, tail, text: pairs.map(([lit, p]) => lit + p.raw).join("") + tail })));

/** Input values that are valid for each variable, some of them holding placeholder syntax themselves. */
const injected = fc.constantFrom("{{hc:a:string}}", "{{b}}", "{{ hc:c:boolean }}", "{{hcp:abc123:0}}", '<helicone-prompt-input key="d" />', "{{x}}");
const validInputs = fc.record({
  a: fc.oneof(safeText, injected),
  b: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer().map((n) => ` ${n} `)),
  c: fc.oneof(fc.boolean(), fc.constantFrom("true", "False", "YES", "no")),
  d: fc.oneof(safeText, injected),
});

const bodyWith = (text: string): TPromptBody => ({
  model: "m",
  messages: [
    { role: "system", content: text },
    { role: "user", content: [{ type: "text", text }] },
  ],
  tools: [{ type: "function", function: { name: "f", description: text, parameters: { properties: { [`k${text}`]: { type: "string" } } } } }],
});

describe("properties", () => {
  it("(1) text without placeholders comes back byte for byte", () => {
    fc.assert(
      fc.property(noPlaceholderText, fc.dictionary(fc.string(), fc.jsonValue()), (text, inputs) => {
        const body = bodyWith(text);
        expect(substituteVariables(body, inputs)).toEqual(body);
        expect(compilePrompt(body, { inputs }).body).toEqual(body);
        const analysis = analyzeTemplate(body);
        expect(analysis.variables).toEqual([]);
        expect(analysis.partials).toEqual([]);
      }),
    );
  });

  it("(2) substitution is single pass: the output is the literals joined with the raw input texts", () => {
    fc.assert(
      fc.property(templateText, validInputs, ({ pairs, tail }, inputs) => {
        const text = pairs.map(([lit, p]) => lit + p.raw).join("") + tail;
        const expected = pairs.map(([lit, p]) => lit + String(inputs[p.name])).join("") + tail;
        const out = substituteVariables(bodyWith(text), inputs);
        expect(out.messages[0]!.content).toBe(expected);
        expect(out.messages[1]!.content).toEqual([{ type: "text", text: expected }]);
        const fn = (out.tools![0] as unknown as { function: { description: unknown; parameters: { properties: object } } }).function;
        // A tool description that is exactly one placeholder is a whole JSON value: it takes the typed value.
        if (!(pairs.length === 1 && pairs[0]![0] === "" && tail === "")) expect(fn.description).toBe(expected);
        expect(Object.keys(fn.parameters.properties)).toEqual([`k${expected}`]);
      }),
    );
  });

  it("(3) analyze, substitute and compile never throw on arbitrary JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue()), (value, inputs) => {
        analyzeTemplate(value);
        substituteVariables(value, inputs);
        compilePrompt(value as TPromptBody, { inputs });
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (value, request) => {
        const body = { model: "m", messages: [{ role: "user", content: "{{hc:a:string}}" }], extra: value } as TPromptBody;
        compilePrompt(body, typeof request === "object" && request !== null && !Array.isArray(request) ? request : { inputs: request as never });
      }),
    );
  });

  it("(4) after substitution, only placeholders that input values brought remain", () => {
    fc.assert(
      fc.property(templateText, validInputs, ({ text }, inputs) => {
        const out = substituteVariables(bodyWith(text), inputs);
        const left = new Set(analyzeTemplate(out).variables.map((v) => v.name));
        const brought = new Set(
          Object.values(inputs).flatMap((value) => (typeof value === "string" ? analyzeTemplate(value).variables.map((v) => v.name) : [])),
        );
        for (const name of left) expect(brought.has(name), `${name} left in ${JSON.stringify(out)}`).toBe(true);
      }),
    );
  });

  it("(5) compile does not mutate its inputs", () => {
    fc.assert(
      fc.property(
        templateText,
        validInputs,
        fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
        templateText,
        ({ text }, inputs, extra, caller) => {
          const template = deepFreeze({ ...bodyWith(text), response_format: { type: "json_schema", json_schema: { name: text } } });
          const request = deepFreeze({
            ...extra,
            inputs,
            messages: [{ role: "user", content: caller.text }],
            tools: [{ type: "function", function: { name: caller.text } }],
          });
          const before = JSON.stringify([template, request]);
          const result = compilePrompt(template, request);
          const prepared = compilePrepared(prepareTemplate(template), request);
          expect(JSON.stringify([template, request])).toBe(before);
          expect(prepared).toEqual(result);
        },
      ),
    );
  });
});
