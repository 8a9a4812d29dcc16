// The REST adapter's route table: each route names its method, Helicone path, body schema (from the
// contracts) and answer schema, and a handler that calls one service. One mounting function does the
// parsing, authentication and `{ data, error }` envelope for all of them.
import type { Request, RequestHandler, Router } from "express";
import type { z } from "zod";
import { AppError } from "../errors.js";
import type { RequestScope, Services } from "../services/index.js";
import { formatZodIssues } from "../validation.js";

/** Already-serialised JSON (a stored body), spliced into the envelope without a parse/stringify round trip. */
export class RawJson {
  constructor(readonly text: string) {}
}

export interface RestContext<TBody> {
  scope: RequestScope;
  body: TBody;
  params: Record<string, string>;
  services: Services;
  /** Base URL for links we hand out (signed body URLs). */
  baseUrl: string;
  /** The caller asked for an answer from the database, not from a cache (`Cache-Control: no-cache`). */
  fresh: boolean;
}

export interface RestRoute<TBodySchema extends z.ZodType | undefined = z.ZodType | undefined> {
  method: "get" | "post" | "patch" | "delete";
  path: string;
  summary: string;
  body?: TBodySchema;
  /** Schema of `data` in a successful answer (documentation and contract tests). */
  response: z.ZodType;
  status?: number;
  /**
   * Called by SDKs on every prompt fetch: answered on plain Node req/res ahead of Express
   * (rest/hot-routes.ts). Only for routes without path parameters.
   */
  hot?: boolean;
  handler(ctx: RestContext<TBodySchema extends z.ZodType ? z.infer<TBodySchema> : undefined>): Promise<unknown>;
}

/** Keeps each route's body type tied to its schema. */
export const defineRoute = <TBodySchema extends z.ZodType | undefined>(route: RestRoute<TBodySchema>) =>
  route as unknown as RestRoute;

/** The `{ data, error: null }` envelope as JSON text. */
export function envelopeText(data: unknown): string {
  if (data instanceof RawJson) return `{"data":${data.text},"error":null}`;
  return JSON.stringify({ data: data === undefined ? null : data, error: null });
}

export function sendEnvelope(res: Parameters<RequestHandler>[1], status: number, data: unknown): void {
  res.status(status).type("application/json").send(envelopeText(data));
}

export function publicBaseUrl(req: Request, configured: string | undefined): string {
  return configured ?? `${req.protocol}://${req.get("host") ?? "localhost"}`;
}

/** What a route needs of a request, whichever HTTP layer received it. */
export interface RouteRequest {
  authorization: string | undefined;
  /** The parsed JSON body; undefined when the request sent none as JSON. */
  body: unknown;
  params: Record<string, string>;
  baseUrl: string;
  fresh: boolean;
}

/** Authenticates, validates the body against the route's contract and runs the handler: `data` of the answer. */
export async function executeRoute(route: RestRoute, services: Services, request: RouteRequest): Promise<unknown> {
  const scope = await services.auth.authenticate(request.authorization);
  let body: unknown;
  if (route.body) {
    if (request.body === undefined) {
      throw new AppError("BAD_REQUEST", "request body must be JSON sent with 'Content-Type: application/json'");
    }
    const parsed = route.body.safeParse(request.body);
    if (!parsed.success) throw new AppError("BAD_REQUEST", `invalid request body: ${formatZodIssues(parsed.error)}`);
    body = parsed.data;
  }
  return route.handler({ scope, body, params: request.params, services, baseUrl: request.baseUrl, fresh: request.fresh });
}

/** `Cache-Control: no-cache` (or the HTTP/1.0 `Pragma: no-cache`) asks for an answer from the source. */
export function wantsFresh(headers: { "cache-control"?: string | undefined; pragma?: string | undefined }): boolean {
  return /\bno-cache\b/i.test(headers["cache-control"] ?? "") || /\bno-cache\b/i.test(headers.pragma ?? "");
}

export function mountRoutes(router: Router, routes: RestRoute[], services: Services, publicUrl: string | undefined): void {
  for (const route of routes) {
    router[route.method](route.path, async (req, res) => {
      const data = await executeRoute(route, services, {
        authorization: req.get("authorization"),
        body: req.body as unknown,
        params: req.params as Record<string, string>,
        baseUrl: publicBaseUrl(req, publicUrl),
        fresh: wantsFresh(req.headers),
      });
      sendEnvelope(res, route.status ?? 200, data);
    });
  }
}
