// What every path file describes an operation with, and the answers they share: the error responses
// (components of the document, referenced by status) and the REST success envelope.
import * as restContracts from "@promptreg/contracts/rest";
import type { HeadersObject, MediaTypeObject, ParameterObject, ReferenceObject } from "openapi3-ts/oas31";
import type { z } from "zod";

export type HttpMethod = "get" | "post" | "patch" | "delete";

export interface JsonResponse {
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

/** Status → [component name, description] of the shared error answers (`#/components/responses/<name>`). */
export const ERROR_RESPONSES = {
  "400": ["BadRequest", "Invalid input: the message names each problem"],
  "401": ["Unauthorized", "Missing or invalid API key"],
  "403": ["Forbidden", "The key's role may not do this (e.g. a runtime key creating a prompt, a member key moving a protected environment); the message names the role it needs"],
  "404": ["NotFound", "No such resource in the caller's organization (another organization's id answers the same)"],
  "409": ["Conflict", "Conflicts with the current state (e.g. deleting a version an environment points at)"],
  "413": ["PayloadTooLarge", "Request body larger than the configured limit"],
  "422": ["Unprocessable", "The prompt template is invalid (unknown variable type, unresolvable partial…)"],
  "429": ["TooManyRequests", "Too many requests for this API key; retry after the Retry-After delay"],
  "500": ["InternalError", "Unexpected error; the message is generic and the details are logged with the request id"],
  "503": ["ServiceUnavailable", "The database is unreachable; retry after the Retry-After delay"],
} as const;

export type ErrorStatus = keyof typeof ERROR_RESPONSES;

/** References to the shared error answers of these statuses. */
export const errorRefs = (statuses: readonly ErrorStatus[]): Record<string, ReferenceObject> =>
  Object.fromEntries(statuses.map((s) => [s, { $ref: `#/components/responses/${ERROR_RESPONSES[s][0]}` }]));

/** Every shared error status: what a REST route may answer. */
export const REST_ERRORS = Object.keys(ERROR_RESPONSES) as ErrorStatus[];

/** A `text/event-stream` answer (the gateway's `stream: true`, the deployment stream). */
export const SSE_CONTENT: Record<string, MediaTypeObject> = {
  "text/event-stream": { schema: { type: "string", description: "Server-sent events" } },
};

/** `{ data, error: null }` around a route's answer, from the contracts' envelope. */
export const successEnvelope = (data: z.ZodType) => restContracts.ZRestEnvelope(data).options[0];
