// The OpenAPI 3.1 document of the HTTP API: assembles the operations of `paths/` (the REST route table
// and the routes outside it) with their schemas from `schemas.ts` into one document. Where to edit:
// a route's description in `paths/<part>.ts`, the shared error answers in `operation.ts`, how Zod
// schemas become components in `schemas.ts`; this file only builds paths, parameters and components.
// A test checks that the document and the routes the app mounts agree.
import { readFileSync } from "node:fs";
import type {
  ComponentsObject,
  MediaTypeObject,
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  PathItemObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
} from "openapi3-ts/oas31";
import { z } from "zod";
import { ERROR_RESPONSES, type OperationSpec } from "./operation.js";
import { allOperations } from "./paths/index.js";
import { COMPONENT, INLINE_PREFIX, mapRefs, namedContractSchemas, reachable, refsIn, SchemaSide, type Json } from "./schemas.js";

/** `/v1/prompt-2025/id/:promptId` → `/v1/prompt-2025/id/{promptId}`; Express syntax beyond `:name` is refused. */
export function toOpenApiPath(expressPath: string): string {
  if (/[*?(){}]/.test(expressPath)) throw new Error(`route ${expressPath}: only :name parameters can be documented`);
  return expressPath.replace(/:(\w+)/g, "{$1}");
}

const pathParameterNames = (expressPath: string) => [...expressPath.matchAll(/:(\w+)/g)].map((m) => m[1]!);

/** `post /v1/prompt-2025/query/versions` → `postV1Prompt2025QueryVersions`; `:promptId` → `ByPromptId`. */
export function operationIdFor(method: string, expressPath: string): string {
  const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  const words = expressPath
    .split("/")
    .filter(Boolean)
    .map((segment) =>
      segment.startsWith(":")
        ? `By${capital(segment.slice(1))}`
        : segment
            .split(/[^A-Za-z0-9]+/)
            .filter(Boolean)
            .map(capital)
            .join(""),
    );
  return method + words.join("");
}

/** Builds the whole document. Pure and deterministic; the app builds it once at start-up. */
export function buildOpenApiDocument(operations: OperationSpec[] = allOperations()): OpenAPIObject {
  const named = namedContractSchemas();
  const input = new SchemaSide("input", named);
  const output = new SchemaSide("output", named);

  // First pass: give every schema an id on its side, so one toJSONSchema call per side emits them all.
  const planned = operations.map((op) => ({
    op,
    bodyId: op.body ? input.idOf(op.body) : undefined,
    responseIds: Object.fromEntries(
      Object.entries(op.responses).map(([status, r]) => [status, "schema" in r && r.schema ? output.idOf(r.schema) : undefined]),
    ),
  }));
  const inputSchemas = input.emit();
  const outputSchemas = output.emit();

  const inputRoots = planned.flatMap((p) => (p.bodyId ? [p.bodyId] : []));
  const outputRoots = planned.flatMap((p) => Object.values(p.responseIds).filter((id): id is string => id !== undefined));
  outputRoots.push("RestError");
  const usedByInput = reachable(inputRoots, inputSchemas);
  const usedByOutput = reachable(outputRoots, outputSchemas);

  // A component used on both sides keeps one name when both sides emit the same schema; otherwise the
  // request side's version is named `<Name>Input` (defaults, for instance, make fields optional there).
  // A component whose references are renamed differs too, hence the fixpoint.
  const renamed = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of usedByInput) {
      if (renamed.has(id) || !usedByOutput.has(id)) continue;
      const differs =
        JSON.stringify(inputSchemas[id]) !== JSON.stringify(outputSchemas[id]) ||
        [...refsIn(inputSchemas[id])].some((ref) => renamed.has(ref));
      if (differs) {
        renamed.add(id);
        changed = true;
      }
    }
  }
  const inputName = new Map([...usedByInput].map((id) => [id, renamed.has(id) ? `${id}Input` : id]));
  const finish = (schema: Json, schemas: Record<string, Json>, rename: (id: string) => string): Json =>
    mapRefs(schema, (ref) => {
      const id = ref.slice(COMPONENT.length);
      if (id.startsWith(INLINE_PREFIX)) return { inline: schemas[id] };
      return { ref: `${COMPONENT}${rename(id)}` };
    });
  const finishInput = (schema: Json) => finish(schema, inputSchemas, (id) => inputName.get(id) ?? id);
  const finishOutput = (schema: Json) => finish(schema, outputSchemas, (id) => id);

  const componentSchemas: Record<string, SchemaObject> = {};
  for (const id of [...usedByOutput].sort()) {
    if (!id.startsWith(INLINE_PREFIX)) componentSchemas[id] = finishOutput(outputSchemas[id]) as SchemaObject;
  }
  for (const id of [...usedByInput].sort()) {
    if (!id.startsWith(INLINE_PREFIX)) componentSchemas[inputName.get(id)!] = finishInput(inputSchemas[id]) as SchemaObject;
  }

  const paths: Record<string, PathItemObject> = {};
  for (const { op, bodyId, responseIds } of planned) {
    const parameters: ParameterObject[] = pathParameterNames(op.path).map((name) => ({
      name,
      in: "path",
      required: true,
      schema: { type: "string", minLength: 1 },
    }));
    if (op.query) {
      const query = z.toJSONSchema(op.query, { io: "input" }) as { properties?: Record<string, SchemaObject>; required?: string[] };
      for (const [name, schema] of Object.entries(query.properties ?? {})) {
        const { description, ...rest } = schema;
        parameters.push({ name, in: "query", required: query.required?.includes(name) ?? false, ...(description ? { description } : {}), schema: rest });
      }
    }
    parameters.push(...(op.headerParameters ?? []));

    const responses: Record<string, ResponseObject | ReferenceObject> = {};
    for (const [status, response] of Object.entries(op.responses)) {
      if ("$ref" in response) {
        responses[status] = response;
        continue;
      }
      const id = responseIds[status];
      const content: Record<string, MediaTypeObject> = {};
      if (id) content["application/json"] = { schema: finishOutput({ $ref: `${COMPONENT}${id}` }) as SchemaObject };
      Object.assign(content, response.content);
      responses[status] = {
        description: response.description,
        ...(response.headers ? { headers: response.headers } : {}),
        ...(Object.keys(content).length > 0 ? { content } : {}),
      };
    }

    const operation: OperationObject = {
      operationId: operationIdFor(op.method, op.path),
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: [op.tag],
      ...(op.public ? { security: [] } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(bodyId
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: finishInput({ $ref: `${COMPONENT}${bodyId}` }) as SchemaObject } },
            },
          }
        : {}),
      responses,
    };
    const openApiPath = toOpenApiPath(op.path);
    const item = (paths[openApiPath] ??= {});
    if (item[op.method]) throw new Error(`${op.method.toUpperCase()} ${op.path} is described twice`);
    item[op.method] = operation;
  }

  const errorResponses: ComponentsObject["responses"] = Object.fromEntries(
    Object.values(ERROR_RESPONSES).map(([name, description]) => [
      name,
      { description, content: { "application/json": { schema: { $ref: `${COMPONENT}RestError` } } } },
    ]),
  );

  return {
    openapi: "3.1.0",
    info: {
      title: "promptreg",
      version: packageVersion(),
      description:
        "Prompt registry and prompt-aware LLM gateway. The REST API is a drop-in for Helicone's prompt API: camelCase request bodies, snake_case answers in a `{ data, error }` envelope. The typed API used by the TypeScript client is tRPC at `/trpc` and is not described here.",
      license: { name: "MIT", identifier: "MIT" },
    },
    tags: [
      { name: "Prompts" },
      { name: "Versions" },
      { name: "Environments" },
      { name: "Deployments" },
      { name: "Gateway" },
      { name: "Keys and organizations" },
      { name: "Service" },
    ],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", description: "An API key: `Authorization: Bearer <key>`" },
      },
      schemas: componentSchemas,
      responses: errorResponses,
    },
  };
}

function packageVersion(): string {
  // src/openapi/ and dist/openapi/ both sit two levels below the package root.
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}
