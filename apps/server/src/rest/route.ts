// The REST adapter's route table: each route names its method, Helicone path, path-parameter and body
// schemas (from the contracts, the same the tRPC procedures use) and answer schema, and a handler that
// calls one service. One function validates and runs a route for both HTTP layers that serve routes
// (Express, and the hot routes ahead of it); the request pipeline (http/pipeline.ts) has authenticated
// and read the request before.
import type { IncomingMessage } from "node:http";
import type { z } from "zod";
import { AppError } from "../errors.js";
import { bodyErrors } from "../http/body.js";
import { bodyKind, type RequestPipeline } from "../http/pipeline.js";
import type { RequestScope, Services } from "../services/index.js";
import { formatZodIssues } from "../validation.js";

/** Already-serialised JSON (a stored body), spliced into the envelope without a parse/stringify round trip. */
export class RawJson {
  constructor(readonly text: string) {}
}

export interface RestContext<TBody, TParams> {
  scope: RequestScope;
  body: TBody;
  params: TParams;
  services: Services;
  /** Base URL for links we hand out (signed body URLs). */
  baseUrl: string;
  /** The caller asked for an answer from the database, not from a cache (`Cache-Control: no-cache`). */
  fresh: boolean;
}

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;

export interface RestRoute<TBodySchema extends z.ZodType | undefined = z.ZodType | undefined, TParamsSchema extends z.ZodType | undefined = z.ZodType | undefined> {
  method: "get" | "post" | "patch" | "delete";
  path: string;
  summary: string;
  /** The path's `:name` segments, validated like a body (contracts' `ZRest…Params`). */
  params?: TParamsSchema;
  body?: TBodySchema;
  /** Schema of `data` in a successful answer (documentation and contract tests). */
  response: z.ZodType;
  status?: number;
  /**
   * Called by SDKs on every prompt fetch: answered on plain Node req/res ahead of Express
   * (rest/hot-routes.ts). Only for POST routes without path parameters.
   */
  hot?: boolean;
  handler(ctx: RestContext<Infer<TBodySchema>, Infer<TParamsSchema>>): Promise<unknown>;
}

/** Keeps each route's body and params types tied to their schemas. */
export const defineRoute = <TBodySchema extends z.ZodType | undefined, TParamsSchema extends z.ZodType | undefined = undefined>(
  route: RestRoute<TBodySchema, TParamsSchema>,
) => route as unknown as RestRoute;

/** The `{ data, error: null }` envelope as JSON text. */
export function envelopeText(data: unknown): string {
  if (data instanceof RawJson) return `{"data":${data.text},"error":null}`;
  return JSON.stringify({ data: data === undefined ? null : data, error: null });
}

/** What a route needs of a request, whichever HTTP layer received it. */
export interface RouteRequest {
  scope: RequestScope;
  /** The parsed JSON body; undefined when the request sent none as JSON. */
  body: unknown;
  params: Record<string, string>;
  baseUrl: string;
  fresh: boolean;
}

const parse = <T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> => {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError("BAD_REQUEST", `invalid ${what}: ${formatZodIssues(parsed.error)}`);
  return parsed.data;
};

/** Validates the path parameters and body against the route's contract and runs the handler: `data` of the answer. */
export async function executeRoute(route: RestRoute, services: Services, request: RouteRequest): Promise<unknown> {
  const params: unknown = route.params ? parse(route.params, request.params, "path parameter") : request.params;
  let body: unknown;
  if (route.body) {
    if (request.body === undefined) throw bodyErrors.notJson();
    body = parse(route.body, request.body, "request body");
  }
  return route.handler({ scope: request.scope, body, params, services, baseUrl: request.baseUrl, fresh: request.fresh });
}

/**
 * A route's request body: read by the pipeline when the route takes one and the request says it is JSON;
 * undefined otherwise (executeRoute then says what was expected). A body a route does not take is not read.
 */
export async function readRouteBody(route: RestRoute, req: IncomingMessage, pipeline: RequestPipeline): Promise<unknown> {
  if (!route.body) return undefined;
  switch (bodyKind(req)) {
    case "json":
      return (await pipeline.readJson(req)).body;
    case "unsupported-charset":
      throw bodyErrors.unsupportedCharset();
    default:
      return undefined;
  }
}

/** `Cache-Control: no-cache` (or the HTTP/1.0 `Pragma: no-cache`) asks for an answer from the source. */
export function wantsFresh(headers: { "cache-control"?: string | undefined; pragma?: string | undefined }): boolean {
  return /\bno-cache\b/i.test(headers["cache-control"] ?? "") || /\bno-cache\b/i.test(headers.pragma ?? "");
}

/**
 * The base URL of the links we hand out: the configured public URL, else what the request says it was
 * sent to (`X-Forwarded-Proto`/`-Host` behind a trusted proxy, as Express's `req.protocol`/`req.host`).
 */
export function publicBaseUrl(req: IncomingMessage, configured: string | undefined, trustProxy: boolean): string {
  if (configured) return configured;
  const forwarded = (name: string) => {
    const value = trustProxy ? req.headers[name] : undefined;
    return typeof value === "string" ? value.split(",")[0]!.trim() : undefined;
  };
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  const protocol = forwarded("x-forwarded-proto") ?? (encrypted ? "https" : "http");
  const host = forwarded("x-forwarded-host") ?? req.headers.host ?? "localhost";
  return `${protocol}://${host}`;
}

export interface RouteServing {
  services: Services;
  pipeline: RequestPipeline;
  publicUrl: string | undefined;
  trustProxy: boolean;
}

/**
 * One request to one route, from admission to the envelope's text: the same steps whichever HTTP layer
 * received it. Errors are thrown (AppError or not) for the caller's error answer.
 */
export function serveRoute(route: RestRoute, req: IncomingMessage, params: Record<string, string>, serving: RouteServing): Promise<{ status: number; text: string }> {
  return serving.pipeline.run(async () => {
    const scope = await serving.pipeline.admit(req);
    const body = await readRouteBody(route, req, serving.pipeline);
    const data = await executeRoute(route, serving.services, {
      scope,
      body,
      params,
      baseUrl: publicBaseUrl(req, serving.publicUrl, serving.trustProxy),
      fresh: wantsFresh(req.headers),
    });
    return { status: route.status ?? 200, text: envelopeText(data) };
  });
}
