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
}

export interface RestRoute<TBodySchema extends z.ZodType | undefined = z.ZodType | undefined> {
  method: "get" | "post" | "patch" | "delete";
  path: string;
  summary: string;
  body?: TBodySchema;
  /** Schema of `data` in a successful answer (documentation and contract tests). */
  response: z.ZodType;
  status?: number;
  handler(ctx: RestContext<TBodySchema extends z.ZodType ? z.infer<TBodySchema> : undefined>): Promise<unknown>;
}

/** Keeps each route's body type tied to its schema. */
export const defineRoute = <TBodySchema extends z.ZodType | undefined>(route: RestRoute<TBodySchema>) =>
  route as unknown as RestRoute;

export function sendEnvelope(res: Parameters<RequestHandler>[1], status: number, data: unknown): void {
  res.status(status).type("application/json");
  if (data instanceof RawJson) res.send(`{"data":${data.text},"error":null}`);
  else res.send(JSON.stringify({ data: data === undefined ? null : data, error: null }));
}

export function publicBaseUrl(req: Request, configured: string | undefined): string {
  return configured ?? `${req.protocol}://${req.get("host") ?? "localhost"}`;
}

export function mountRoutes(router: Router, routes: RestRoute[], services: Services, publicUrl: string | undefined): void {
  for (const route of routes) {
    router[route.method](route.path, async (req, res) => {
      const scope = await services.auth.authenticate(req.get("authorization"));
      let body: unknown;
      if (route.body) {
        if (req.body === undefined) {
          throw new AppError("BAD_REQUEST", "request body must be JSON sent with 'Content-Type: application/json'");
        }
        const parsed = route.body.safeParse(req.body);
        if (!parsed.success) throw new AppError("BAD_REQUEST", `invalid request body: ${formatZodIssues(parsed.error)}`);
        body = parsed.data;
      }
      const data = await route.handler({
        scope,
        body: body,
        params: req.params as Record<string, string>,
        services,
        baseUrl: publicBaseUrl(req, publicUrl),
      });
      sendEnvelope(res, route.status ?? 200, data);
    });
  }
}
