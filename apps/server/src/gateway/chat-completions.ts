// POST /v1/chat/completions: resolve the prompt (cached), compile it with the caller's inputs, forward
// to the upstream provider and relay its answer (streamed chunk by chunk when `stream: true`). Without
// `prompt_id` the request is forwarded as it came: the gateway is also a plain OpenAI-compatible proxy.
import { pipeline } from "node:stream/promises";
import { compilePrompt, expandPartials } from "@promptreg/template";
import express, { Router, type Request, type Response } from "express";
import { AppError } from "../errors.js";
import { toHttpError } from "../http/errors.js";
import type { Logger } from "../logger.js";
import type { RequestScope, ResolvedVersion, Services } from "../services/index.js";
import { sendOpenAiError } from "./openai-errors.js";
import { UpstreamTimeoutError, UpstreamUnreachableError, type UpstreamClient } from "./upstream.js";

/** Upstream answer headers worth relaying; hop-by-hop and length headers are Node's business. */
const RELAYED_HEADERS = ["content-type", "openai-processing-ms", "openai-version", "x-request-id", "retry-after", "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests", "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"];

interface RawBodyRequest extends Request {
  rawBody?: Buffer;
}

export interface GatewayOptions {
  bodyLimitBytes: number;
  upstreamApiKey: string | undefined;
}

export function createGatewayRouter(services: Services, upstream: UpstreamClient, logger: Logger, options: GatewayOptions): Router {
  const router = Router();
  router.use(
    express.json({
      limit: options.bodyLimitBytes,
      // Kept for requests without prompt_id, which are forwarded byte for byte.
      verify: (req, _res, buf) => {
        (req as RawBodyRequest).rawBody = buf;
      },
    }),
  );

  router.post("/", async (req: RawBodyRequest, res: Response) => {
    const scope = await services.auth.authenticate(req.get("authorization"));
    const body: unknown = req.body;
    if (!isPlainObject(body)) throw new AppError("BAD_REQUEST", "request body must be a JSON object");

    let outgoing: string;
    let resolved: ResolvedVersion | undefined;
    if (body["prompt_id"] !== undefined) {
      const selection = readSelection(body);
      resolved = await services.resolution.resolve(scope, selection);
      const template = resolved.partials.length > 0 ? await expandWithPartials(resolved.body, services, scope) : resolved.body;
      const compiled = compilePrompt(template, body);
      if (compiled.errors.length > 0) {
        res.set(versionHeaders(resolved));
        const list = compiled.errors.map((e) => e.message).join("; ");
        sendOpenAiError(res, 400, `invalid inputs for prompt ${resolved.promptId}: ${list}`, "invalid_prompt", "invalid_inputs", compiled.errors);
        return;
      }
      outgoing = JSON.stringify(compiled.body);
    } else {
      outgoing = req.rawBody?.toString("utf8") ?? JSON.stringify(body);
    }

    const upstreamAuthorization =
      req.get("x-upstream-authorization") ?? (options.upstreamApiKey ? `Bearer ${options.upstreamApiKey}` : undefined);
    const headers: Record<string, string> = { "content-type": "application/json", accept: req.get("accept") ?? "application/json" };
    if (upstreamAuthorization) headers["authorization"] = upstreamAuthorization;
    for (const name of ["openai-organization", "openai-project"]) {
      const value = req.get(name);
      if (value) headers[name] = value;
    }

    // The caller hung up: stop the upstream request (and its token spend) at once.
    const abort = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) abort.abort();
    });

    const answer = await upstream.send("/chat/completions", outgoing, headers, abort.signal);
    res.status(answer.statusCode);
    for (const name of RELAYED_HEADERS) {
      const value = answer.headers[name];
      if (value !== undefined) res.set(name === "x-request-id" ? "x-upstream-request-id" : name, value);
    }
    if (resolved) res.set(versionHeaders(resolved));
    if (String(answer.headers["content-type"] ?? "").startsWith("text/event-stream")) {
      res.set({ "cache-control": "no-cache", "x-accel-buffering": "no" });
      res.flushHeaders();
    }
    try {
      // pipeline honours backpressure: a slow client slows the upstream read, nothing piles up in memory.
      await pipeline(answer.body, res);
    } catch (error) {
      if (!abort.signal.aborted) logger.warn({ err: error, requestId: res.locals["requestId"] }, "upstream relay broke off");
    }
  });

  router.use((error: unknown, _req: Request, res: Response, _next: () => void) => {
    if (error instanceof UpstreamUnreachableError) return sendOpenAiError(res, 502, error.message, "upstream_error", "upstream_unreachable");
    if (error instanceof UpstreamTimeoutError) return sendOpenAiError(res, 504, error.message, "upstream_error", "upstream_timeout");
    if (isAbort(error)) return res.destroyed ? undefined : void res.destroy();
    const appError = toHttpError(error, options.bodyLimitBytes);
    if (appError.code === "INTERNAL") logger.error({ err: error, requestId: res.locals["requestId"] }, "gateway error");
    const [type, code] = errorKind(appError);
    sendOpenAiError(res, appError.httpStatus, appError.message, type, code, appError.details);
  });
  return router;
}

function readSelection(body: Record<string, unknown>) {
  const field = (name: "prompt_id" | "version_id" | "environment") => {
    const value = body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string" || value.trim() === "") throw new AppError("BAD_REQUEST", `${name} must be a non-empty string`);
    return value;
  };
  if (body["inputs"] !== undefined && body["inputs"] !== null && !isPlainObject(body["inputs"])) {
    throw new AppError("BAD_REQUEST", "inputs must be an object of variable names to values");
  }
  return { promptId: field("prompt_id")!, environment: field("environment"), versionId: field("version_id") };
}

/** Expands prompt partials through the same cached resolution; a partial that cannot resolve is a 422. */
async function expandWithPartials(body: ResolvedVersion["body"], services: Services, scope: RequestScope) {
  try {
    return await expandPartials(body, async (ref) => {
      const version = await services.resolution.resolve(scope, { promptId: ref.promptId, environment: ref.environment });
      return { versionId: version.versionId, body: version.body };
    });
  } catch (error) {
    if (error instanceof AppError && error.code !== "NOT_FOUND") throw error;
    throw new AppError("UNPROCESSABLE", `prompt partial could not be resolved: ${(error as Error).message}`);
  }
}

function versionHeaders(v: ResolvedVersion): Record<string, string> {
  return { "x-prompt-id": v.promptId, "x-prompt-version-id": v.versionId, "x-prompt-version": `${v.major}.${v.minor}` };
}

function errorKind(error: AppError): [type: string, code: string] {
  switch (error.code) {
    case "UNAUTHORIZED":
      return ["invalid_request_error", "invalid_api_key"];
    case "NOT_FOUND":
      return ["invalid_prompt", "prompt_not_found"];
    case "UNPROCESSABLE":
      return ["invalid_prompt", "invalid_template"];
    case "PAYLOAD_TOO_LARGE":
      return ["invalid_request_error", "request_too_large"];
    case "UNAVAILABLE":
      return ["server_error", "database_unavailable"];
    case "INTERNAL":
      return ["server_error", "internal_error"];
    default:
      return ["invalid_request_error", "invalid_request"];
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isAbort = (error: unknown) => error instanceof Error && (error.name === "AbortError" || (error as { code?: string }).code === "UND_ERR_ABORTED");

