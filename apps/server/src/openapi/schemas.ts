// Zod to JSON Schema for the document's components, with Zod's own output (`z.toJSONSchema`, draft
// 2020-12: the dialect of OpenAPI 3.1). Each side (request bodies, answers) is emitted by one registry,
// so a contract schema used by many operations becomes one named component.
import * as contracts from "@promptreg/contracts";
import * as restContracts from "@promptreg/contracts/rest";
import { z } from "zod";
import { ZChatCompletion, ZGatewayRequest, ZOpenAiError } from "./gateway.schemas.js";

export type Json = unknown;
export const COMPONENT = "#/components/schemas/";
/** Ids of schemas that exist only to be inlined (an operation's own body or answer). */
export const INLINE_PREFIX = "__inline_";

const isZodSchema = (value: unknown): value is z.ZodType => typeof value === "object" && value !== null && "_zod" in value;

/**
 * The contracts' object-like schemas, named after their exports (`ZRestPromptVersion` → `RestPromptVersion`):
 * the document's shared components. Scalars (ids, names, timestamps) stay inline, where they read better.
 */
export function namedContractSchemas(): Array<[z.ZodType, string]> {
  const named: Array<[z.ZodType, string]> = [];
  const seen = new Set<z.ZodType>();
  for (const [exportName, value] of [...Object.entries(contracts), ...Object.entries(restContracts)]) {
    if (!exportName.startsWith("Z") || !isZodSchema(value) || seen.has(value)) continue;
    const type = value._zod.def.type;
    if (type !== "object" && type !== "union") continue;
    seen.add(value);
    named.push([value, exportName.slice(1)]);
  }
  named.push([ZGatewayRequest, "GatewayRequest"], [ZChatCompletion, "ChatCompletion"], [ZOpenAiError, "OpenAIError"]);
  return named;
}

/**
 * Rewrites every `$ref` of a JSON value: `visit` answers a new reference, a schema to put in its place
 * (whose own references are rewritten in turn), or undefined to keep it.
 */
export function mapRefs(value: Json, visit: (ref: string) => { ref: string } | { inline: Json } | undefined): Json {
  if (Array.isArray(value)) return value.map((item) => mapRefs(item, visit));
  if (typeof value !== "object" || value === null) return value;
  const object = value as Record<string, Json>;
  if (typeof object["$ref"] === "string") {
    const replaced = visit(object["$ref"]);
    if (replaced && "inline" in replaced) return mapRefs(replaced.inline, visit);
    if (replaced) return { ...object, $ref: replaced.ref };
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, mapRefs(v, visit)]));
}

/** Component names a JSON value refers to. */
export function refsIn(value: Json, into = new Set<string>()): Set<string> {
  mapRefs(value, (ref) => {
    if (ref.startsWith(COMPONENT)) into.add(ref.slice(COMPONENT.length));
    return undefined;
  });
  return into;
}

/** One side (request bodies, or answers) of the document's schemas. */
export class SchemaSide {
  readonly registry = z.registry<{ id: string }>();
  #inlineCount = 0;

  constructor(
    readonly io: "input" | "output",
    named: Array<[z.ZodType, string]>,
  ) {
    for (const [schema, id] of named) this.registry.add(schema, { id });
  }

  /** The id under which `schema` will be emitted: its component name, or an id that is inlined later. */
  idOf(schema: z.ZodType): string {
    const existing = this.registry.get(schema);
    if (existing) return existing.id;
    const id = `${INLINE_PREFIX}${this.io}_${this.#inlineCount++}`;
    this.registry.add(schema, { id });
    return id;
  }

  emit(): Record<string, Json> {
    const { schemas } = z.toJSONSchema(this.registry, { io: this.io, uri: (id) => `${COMPONENT}${id}` });
    return Object.fromEntries(
      Object.entries(schemas).map(([id, schema]) => {
        const { $schema: _schema, $id: _id, ...rest } = schema as Record<string, Json>;
        return [id, rest];
      }),
    );
  }
}

/** Components reachable from `roots` (transitively), inline ids excluded. */
export function reachable(roots: Iterable<string>, schemas: Record<string, Json>): Set<string> {
  const found = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (found.has(id)) continue;
    found.add(id);
    for (const next of refsIn(schemas[id])) queue.push(next);
  }
  return found;
}
