// The OpenAPI 3.1 document of the HTTP API, generated from the REST route table and the contracts' Zod
// schemas with Zod's own JSON Schema output (`z.toJSONSchema`, draft 2020-12: the dialect of OpenAPI 3.1).
// Routes outside the table (gateway, deployments, signed body URL, service endpoints) are described in
// `extraOperations` below; a test checks that the document and the routes the app mounts agree.
import { readFileSync } from "node:fs";
import * as contracts from "@promptreg/contracts";
import * as restContracts from "@promptreg/contracts/rest";
import type {
  ComponentsObject,
  HeadersObject,
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
import { adminRoutes } from "../rest/admin.routes.js";
import { analyticsRoutes } from "../rest/analytics.routes.js";
import { environmentRoutes } from "../rest/environments.routes.js";
import { restRoutes } from "../rest/index.js";
import { promptRoutes } from "../rest/prompts.routes.js";
import type { RestRoute } from "../rest/route.js";
import { versionRoutes } from "../rest/versions.routes.js";
import { BODY_URL_PATH } from "../services/index.js";
import { ZChatCompletion, ZGatewayRequest, ZOpenAiError } from "./gateway.schemas.js";

type HttpMethod = "get" | "post" | "patch" | "delete";

interface JsonResponse {
  description: string;
  /** JSON body (output side of the schema). */
  schema?: z.ZodType;
  /** Other media types, as OpenAPI content. */
  content?: Record<string, MediaTypeObject>;
  headers?: HeadersObject;
}

/** One HTTP operation, before its schemas are turned into JSON Schema. */
export interface OperationSpec {
  method: HttpMethod;
  /** Express form (`/v1/prompt-2025/id/:promptId`). */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** No Authorization header needed. */
  public?: boolean;
  /** JSON request body (input side of the schema: defaults make fields optional). */
  body?: z.ZodType;
  query?: z.ZodObject;
  headerParameters?: ParameterObject[];
  responses: Record<string, JsonResponse | ReferenceObject>;
}

const ERROR_RESPONSES = {
  "400": ["BadRequest", "Invalid input: the message names each problem"],
  "401": ["Unauthorized", "Missing or invalid API key"],
  "403": ["Forbidden", "The key may not do this (e.g. a member key on an admin route)"],
  "404": ["NotFound", "No such resource in the caller's organization (another organization's id answers the same)"],
  "409": ["Conflict", "Conflicts with the current state (e.g. deleting a version an environment points at)"],
  "413": ["PayloadTooLarge", "Request body larger than the configured limit"],
  "422": ["Unprocessable", "The prompt template is invalid (unknown variable type, unresolvable partial…)"],
  "429": ["TooManyRequests", "Too many requests for this API key; retry after the Retry-After delay"],
  "500": ["InternalError", "Unexpected error; the message is generic and the details are logged with the request id"],
  "503": ["ServiceUnavailable", "The database is unreachable; retry after the Retry-After delay"],
} as const;

const errorRefs = (statuses: ReadonlyArray<keyof typeof ERROR_RESPONSES>): Record<string, ReferenceObject> =>
  Object.fromEntries(statuses.map((s) => [s, { $ref: `#/components/responses/${ERROR_RESPONSES[s][0]}` }]));

const REST_ERRORS = Object.keys(ERROR_RESPONSES) as Array<keyof typeof ERROR_RESPONSES>;

/** `{ data, error: null }` around a route's answer, from the contracts' envelope. */
const successEnvelope = (data: z.ZodType) => restContracts.ZRestEnvelope(data).options[0];

const routeTags = new Map<RestRoute, string>([
  ...promptRoutes.map((r) => [r, "Prompts"] as const),
  ...versionRoutes.map((r) => [r, "Versions"] as const),
  ...environmentRoutes.map((r) => [r, "Environments"] as const),
  ...adminRoutes.map((r) => [r, "Keys and organizations"] as const),
  ...analyticsRoutes.map((r) => [r, "Request log and metrics"] as const),
]);

/** The REST route table, as operations. */
export function restOperations(routes: readonly RestRoute[] = restRoutes): OperationSpec[] {
  return routes.map((route) => ({
    method: route.method,
    path: route.path,
    summary: route.summary,
    tag: routeTags.get(route) ?? "Registry",
    ...(route.body ? { body: route.body } : {}),
    responses: {
      [String(route.status ?? 200)]: { description: "Success", schema: successEnvelope(route.response) },
      ...errorRefs(REST_ERRORS),
    },
  }));
}

const SSE: Record<string, MediaTypeObject> = {
  "text/event-stream": { schema: { type: "string", description: "Server-sent events" } },
};
const gatewayError = (description: string): JsonResponse => ({ description, schema: ZOpenAiError });
const promptVersionHeaders: HeadersObject = {
  "x-prompt-id": { description: "The prompt that was compiled", schema: { type: "string" } },
  "x-prompt-version-id": { description: "The version that was compiled", schema: { type: "string" } },
  "x-prompt-version": { description: "Its number, major.minor", schema: { type: "string" } },
};

/** Everything the app serves outside the REST route table. */
export function extraOperations(): OperationSpec[] {
  return [
    {
      method: "post",
      path: "/v1/chat/completions",
      summary: "OpenAI-compatible chat completion, optionally compiled from a stored prompt",
      description:
        "With `prompt_id` (and `inputs`, optional `environment` or `version_id`) the stored prompt is compiled and merged with the request, then forwarded upstream; without it the request is forwarded as it came. Selection: `environment` if given, else `version_id`, else production. Errors use OpenAI's shape; any status not listed is the upstream provider's answer, relayed.",
      tag: "Gateway",
      body: ZGatewayRequest,
      headerParameters: [
        {
          name: "x-upstream-authorization",
          in: "header",
          required: false,
          description: "Authorization sent to the upstream provider (default: the server's OPENAI_API_KEY)",
          schema: { type: "string" },
        },
      ],
      responses: {
        "200": {
          description: "The upstream's completion (server-sent events when `stream` is true)",
          schema: ZChatCompletion,
          content: SSE,
          headers: promptVersionHeaders,
        },
        "400": gatewayError("Invalid body, selector or inputs (`invalid_inputs` lists each problem in `details`)"),
        "401": gatewayError("Missing or invalid API key"),
        "404": gatewayError("Unknown prompt, environment or version (`prompt_not_found`)"),
        "413": gatewayError("Request body larger than the configured limit"),
        "422": gatewayError("The stored template cannot be compiled (`invalid_template`)"),
        "429": gatewayError("Too many requests for this API key; retry after the Retry-After delay"),
        "500": gatewayError("Unexpected error"),
        "502": gatewayError("No upstream provider could be reached"),
        "503": gatewayError("The database is unreachable"),
        "504": gatewayError("The upstream provider did not answer in time"),
        default: { description: "The upstream provider's answer, relayed", content: { "application/json": { schema: {} } } },
      },
    },
    {
      method: "get",
      path: "/v1/deployments",
      summary: "Environment pointer changes since a time (polling fallback of the stream)",
      tag: "Deployments",
      query: z.object({
        since: z.iso.datetime().optional().meta({ description: "ISO 8601 time; default one minute ago" }),
      }),
      responses: {
        "200": { description: "Changes, oldest first (at most 1000)", schema: successEnvelope(z.array(contracts.ZDeployment)) },
        ...errorRefs(["400", "401", "429", "500", "503"]),
      },
    },
    {
      method: "get",
      path: "/v1/deployments/stream",
      summary: "Server-sent events of the organization's environment pointer changes",
      description:
        "Sends `event: ready` first, then `event: deployment` for each environment pointer change (its SSE id is the deployment id: send it back as `Last-Event-ID` to resume without a gap; when the gap cannot be replayed, more than 1000 missed changes or an unknown id, it sends `event: resync` instead: drop what you cached) and `event: prompt` when a prompt or version is deleted, with a comment every 15 s to keep the connection open.",
      tag: "Deployments",
      headerParameters: [
        { name: "last-event-id", in: "header", required: false, description: "Resume after this deployment id", schema: { type: "string" } },
      ],
      responses: {
        "200": { description: "An endless event stream", content: SSE },
        ...errorRefs(["401", "429", "500", "503"]),
      },
    },
    {
      method: "get",
      path: `${BODY_URL_PATH}/:versionId`,
      summary: "A version's prompt body through a signed URL (the `s3_url` of a version)",
      description: "No Authorization header: the signature is the credential, as with the S3 presigned URL it stands for. Answers the raw body JSON, without the envelope.",
      tag: "Versions",
      public: true,
      query: z.object({ expires: z.string(), signature: z.string() }),
      responses: {
        "200": { description: "The prompt body", schema: contracts.ZPromptBody },
        ...errorRefs(["403", "404", "429", "500", "503"]),
      },
    },
    {
      method: "get",
      path: "/healthz",
      summary: "Liveness: 200 while the process serves",
      tag: "Service",
      public: true,
      responses: { "200": { description: "Serving", schema: z.object({ status: z.literal("ok") }) } },
    },
    {
      method: "get",
      path: "/readyz",
      summary: "Readiness: 200 when the database answers",
      tag: "Service",
      public: true,
      responses: {
        "200": { description: "Ready", schema: z.object({ status: z.literal("ready") }) },
        "503": { description: "Database unreachable", schema: z.object({ status: z.literal("unavailable"), error: z.string() }) },
      },
    },
    {
      method: "get",
      path: "/metrics",
      summary: "Prometheus metrics",
      description: "Open unless PROMPTREG_METRICS_TOKEN is set; then it needs `Authorization: Bearer <that token>` (not an API key).",
      tag: "Service",
      public: true,
      responses: {
        "200": { description: "Prometheus text exposition format", content: { "text/plain": { schema: { type: "string" } } } },
        "401": { $ref: "#/components/responses/Unauthorized" },
      },
    },
    {
      method: "get",
      path: "/openapi.json",
      summary: "This OpenAPI document",
      tag: "Service",
      public: true,
      responses: { "200": { description: "OpenAPI 3.1", content: { "application/json": { schema: { type: "object" } } } } },
    },
    {
      method: "get",
      path: "/docs",
      summary: "Interactive API documentation (Swagger UI)",
      tag: "Service",
      public: true,
      responses: { "200": { description: "An HTML page", content: { "text/html": { schema: { type: "string" } } } } },
    },
  ];
}

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

// --- Zod to JSON Schema -------------------------------------------------------------------------------

type Json = unknown;
const COMPONENT = "#/components/schemas/";
/** Ids of schemas that exist only to be inlined (an operation's own body or answer). */
const INLINE_PREFIX = "__inline_";

const isZodSchema = (value: unknown): value is z.ZodType => typeof value === "object" && value !== null && "_zod" in value;

/**
 * The contracts' object-like schemas, named after their exports (`ZRestPromptVersion` → `RestPromptVersion`):
 * the document's shared components. Scalars (ids, names, timestamps) stay inline, where they read better.
 */
function namedContractSchemas(): Array<[z.ZodType, string]> {
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
function mapRefs(value: Json, visit: (ref: string) => { ref: string } | { inline: Json } | undefined): Json {
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

function refsIn(value: Json, into = new Set<string>()): Set<string> {
  mapRefs(value, (ref) => {
    if (ref.startsWith(COMPONENT)) into.add(ref.slice(COMPONENT.length));
    return undefined;
  });
  return into;
}

/** One side (request bodies, or answers) of the document's schemas. */
class SchemaSide {
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
function reachable(roots: Iterable<string>, schemas: Record<string, Json>): Set<string> {
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

/** Builds the whole document. Pure and deterministic; the app builds it once at start-up. */
export function buildOpenApiDocument(operations: OperationSpec[] = [...restOperations(), ...extraOperations()]): OpenAPIObject {
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
