// POST /v1/chat/completions: resolve the prompt (cached), compile it with the caller's inputs, forward
// to the upstream provider and relay its answer (streamed chunk by chunk when it streams). Without
// `prompt_id` the request is forwarded byte for byte: the gateway is also a plain OpenAI-compatible proxy.
//
// This is the hot path of every LLM call our users make, so it is one handler on plain Node req/res,
// mounted ahead of the app's middleware: no body-parser, no helmet (its headers are for browsers, not
// JSON API clients), no per-request database reads once caches are warm, one write per non-streamed answer.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { once } from "node:events";
import { PROMPT_ONLY_FIELDS, rolloutSubject, ZGatewayPromptCall } from "@promptreg/contracts";
import { CompiledSizeError, compilePrepared, compilePrompt, expandPartials, type CompileResult } from "@promptreg/template";
import { AppError, errorHeaders } from "../errors.js";
import { logServerError, toHttpError } from "../http/errors.js";
import { EXPOSED_HEADERS, type RequestPipeline } from "../http/pipeline.js";
import { assignRequestId } from "../http/request-id.js";
import type { Logger } from "../logger.js";
import type { CallSink } from "../analytics/index.js";
import type { ResolvedVersion } from "../resolution/index.js";
import type { RequestScope, Services } from "../services/index.js";
import { formatZodIssues } from "../validation.js";
import { CallRecording, noteErrorCode } from "./call-recording.js";
import { StreamCutError } from "./providers/anthropic.js";
import { isUpstreamTimeout, ProviderCallError, type ProviderAnswer, type ProviderRouter } from "./providers/router.js";

/** Caller headers for OpenAI's account selection: forwarded only where the operator allows (they bill its account). */
const ORG_HEADERS = ["openai-organization", "openai-project"] as const;

export interface GatewayOptions {
  /** Admission (keys, rate limits), the database deadline and body reading, shared with the other entry points. */
  pipeline: RequestPipeline;
  /** Largest compiled request (PROMPTREG_COMPILED_LIMIT_BYTES); checked before it is built. */
  compiledLimitBytes: number;
  /** Browser origins allowed to call the gateway (the Express app answers their preflights). */
  corsOrigins: readonly string[];
  /** Receives each prompt call's record (analytics); undefined: nothing is recorded. */
  calls?: CallSink | undefined;
}

export type GatewayHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** The gateway's path, and its route label in logs and metrics. */
export const GATEWAY_ROUTE = "/v1/chat/completions";

export function createGatewayHandler(services: Services, providers: ProviderRouter, logger: Logger, options: GatewayOptions): GatewayHandler {
  // analytics: each prompt call's record goes to `options.calls` once its answer is over (never awaited).
  const { calls } = options;
  const promptExists = (scope: RequestScope, promptId: string) => services.resolution.promptVisible(scope, promptId);

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string, start: number): Promise<void> {
    const scope = await options.pipeline.admit(req);
    const { raw, body: parsed } = await options.pipeline.readJson(req);
    if (!isPlainObject(parsed)) throw new AppError("BAD_REQUEST", "request body must be a JSON object");
    const body = parsed;

    let outgoing: Record<string, unknown> = body;
    let resolved: ResolvedVersion | undefined;
    let rolloutHeader: string | null = null;
    let call: CallRecording | undefined;
    if (body["prompt_id"] === undefined) {
      refuseStrayPromptFields(body);
    } else {
      const selection = readSelection(body);
      if (calls) (call = new CallRecording(calls, promptExists, req, res, requestId, start)).prompt(scope, selection, body["inputs"], raw.length);
      // The served version (a rollout's arm) is the one recorded: per-version metrics are per arm.
      ({ resolved, rolloutHeader } = await services.resolution.resolveCall(scope, selection, rolloutSubject(header(req, "x-prompt-subject"), body)));
      call?.version(resolved);
      let compiled: CompileResult;
      try {
        compiled = await compile(resolved, body, services, scope, options.compiledLimitBytes);
      } catch (error) {
        if (!(error instanceof CompiledSizeError)) throw error;
        // Decided from the template's variable counts and the inputs' sizes: nothing was built.
        const message = `${error.message} (PROMPTREG_COMPILED_LIMIT_BYTES) for prompt ${resolved.promptId}: shorten the inputs or the template`;
        sendError(res, 413, message, "invalid_request_error", "compiled_request_too_large", { size: error.size, limit: error.limit }, versionHeaders(resolved, requestId, rolloutHeader));
        return;
      }
      if (compiled.errors.length > 0) {
        const list = compiled.errors.map((e) => e.message).join("; ");
        sendError(res, 400, `invalid inputs for prompt ${resolved.promptId}: ${list}`, "invalid_prompt", "invalid_inputs", compiled.errors, versionHeaders(resolved, requestId, rolloutHeader));
        return;
      }
      outgoing = call ? call.outgoing(compiled.body) : compiled.body;
    }

    const orgHeaders: Record<string, string> = {};
    for (const name of ORG_HEADERS) {
      const value = header(req, name);
      if (value) orgHeaders[name] = value;
    }

    // The caller hung up: stop the upstream request (and its token spend) at once.
    const abort = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) abort.abort();
    });

    let answer: ProviderAnswer;
    call?.sending();
    try {
      answer = await providers.send({
        body: outgoing,
        // A pass-through call goes byte for byte to an OpenAI-compatible provider when its model is unchanged.
        raw: resolved ? undefined : raw,
        accept: req.headers.accept,
        callerAuthorization: header(req, "x-upstream-authorization"),
        orgHeaders,
        signal: abort.signal,
      });
    } catch (error) {
      if (!(error instanceof ProviderCallError)) throw error;
      call?.served(error.report);
      return sendProviderError(res, error, resolved ? versionHeaders(resolved, requestId, rolloutHeader) : { "x-request-id": requestId }, requestId, logger);
    }
    call?.served(answer.report);
    const headers: OutgoingHttpHeaders = resolved ? versionHeaders(resolved, requestId, rolloutHeader) : { "x-request-id": requestId };
    Object.assign(headers, answer.headers);
    if (answer.report.provider !== undefined) {
      headers["x-prompt-provider"] = answer.report.provider;
      headers["x-prompt-model"] = answer.report.model;
    }

    if (answer.stream) {
      headers["cache-control"] = "no-cache";
      headers["x-accel-buffering"] = "no";
      res.writeHead(answer.status, headers);
      res.flushHeaders();
      await relayStream(call ? call.watch(answer.stream) : answer.stream, res, abort.signal, (error) => logger.warn({ err: error, requestId, provider: answer.report.provider }, "upstream stream broke off"));
      return;
    }
    // A whole JSON answer: write it once.
    const answerBody = answer.body ?? Buffer.alloc(0);
    headers["content-length"] = answerBody.length;
    res.writeHead(answer.status, headers);
    res.end(answerBody);
    call?.answered(answerBody);
  }

  const corsOrigins = new Set(options.corsOrigins);
  const exposedHeaders = EXPOSED_HEADERS.join(", ");

  return (req, res) => {
    const start = performance.now();
    const requestId = assignRequestId(req);
    const origin = req.headers.origin;
    if (origin !== undefined && corsOrigins.has(origin)) {
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("access-control-expose-headers", exposedHeaders);
      res.setHeader("vary", "origin");
    }
    options.pipeline.run(() => handle(req, res, requestId, start)).catch((error: unknown) => {
      // What is left of a refused body is drained, so the connection stays usable.
      if (!req.readableEnded) req.resume();
      if (isAbort(error)) return void res.destroy();
      const appError = toHttpError(error);
      logServerError(logger, appError, error, { requestId, method: req.method, path: GATEWAY_ROUTE });
      const [type, code] = errorKind(appError);
      sendError(res, appError.httpStatus, appError.message, type, code, appError.details, { "x-request-id": requestId, ...errorHeaders(appError) });
    });
  };
}

/**
 * Relays an event stream chunk by chunk, honouring backpressure (a slow client slows the upstream read;
 * nothing piles up in memory). If the upstream breaks off or stalls past its timeout, the status is long
 * sent: the stream ends with an error event in OpenAI's shape, which the `openai` SDK raises as an
 * APIError with our message, rather than a bare cut connection.
 */
async function relayStream(body: AsyncIterable<Buffer | string>, res: ServerResponse, clientGone: AbortSignal, log: (error: unknown) => void): Promise<void> {
  let atEventBoundary = true;
  try {
    for await (const chunk of body) {
      atEventBoundary = typeof chunk === "string" ? chunk.endsWith("\n\n") : chunk.length >= 2 && chunk[chunk.length - 1] === 0x0a && chunk[chunk.length - 2] === 0x0a;
      if (!res.write(chunk)) await once(res, "drain", { signal: clientGone });
    }
    res.end();
  } catch (error) {
    if (clientGone.aborted || res.destroyed) return;
    log(error);
    noteErrorCode(res, "upstream_stream_interrupted");
    const reason = isUpstreamTimeout(error) ? "stopped sending" : error instanceof StreamCutError ? "was cut" : "broke off";
    const event = { error: { message: `the upstream stream ${reason} before it finished`, type: "upstream_error", code: "upstream_stream_interrupted", param: null } };
    res.end(`${atEventBoundary ? "" : "\n\n"}data: ${JSON.stringify(event)}\n\n`);
  }
}

/**
 * A request without `prompt_id` is forwarded as is, so prompt fields in it would reach the provider (inputs
 * included) and fail there with a confusing message: refuse them here, naming the likely mistake.
 */
function refuseStrayPromptFields(body: Record<string, unknown>): void {
  if (body["promptId"] !== undefined) {
    throw new AppError("BAD_REQUEST", "the gateway's fields are snake_case: send prompt_id, not promptId");
  }
  const stray = PROMPT_ONLY_FIELDS.filter((field) => body[field] !== undefined);
  if (stray.length > 0) {
    throw new AppError("BAD_REQUEST", `${stray.join(", ")} ${stray.length === 1 ? "needs" : "need"} prompt_id: without it the request is forwarded to the provider as is`);
  }
}

/**
 * Prepared templates make the common case (no partials) a substitution only. Both paths throw
 * CompiledSizeError, before building anything, when the result would be larger than `maxBytes`.
 */
async function compile(resolved: ResolvedVersion, body: Record<string, unknown>, services: Services, scope: RequestScope, maxBytes: number): Promise<CompileResult> {
  if (resolved.partials.length === 0) return compilePrepared(resolved.prepared, body, { maxBytes });
  try {
    const expanded = await expandPartials(
      resolved.body,
      async (ref) => {
        const version = await services.resolution.resolve(scope, { promptId: ref.promptId, environment: ref.environment });
        return { versionId: version.versionId, body: version.body };
      },
      { maxTotalLength: maxBytes },
    );
    return compilePrompt(expanded, body, { maxBytes });
  } catch (error) {
    if (error instanceof CompiledSizeError || (error instanceof AppError && error.code !== "NOT_FOUND")) throw error;
    throw new AppError("UNPROCESSABLE", `prompt partial could not be resolved: ${(error as Error).message}`);
  }
}

function readSelection(body: Record<string, unknown>) {
  const parsed = ZGatewayPromptCall.safeParse(body);
  if (!parsed.success) throw new AppError("BAD_REQUEST", formatZodIssues(parsed.error));
  const { prompt_id, environment, version_id } = parsed.data;
  return { promptId: prompt_id, environment: environment ?? undefined, versionId: version_id ?? undefined };
}

function versionHeaders(v: ResolvedVersion, requestId: string, rolloutHeader: string | null): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { "x-request-id": requestId, "x-prompt-id": v.promptId, "x-prompt-version-id": v.versionId, "x-prompt-version": `${v.major}.${v.minor}` };
  if (rolloutHeader !== null) headers["x-prompt-rollout"] = rolloutHeader;
  return headers;
}

/**
 * Errors in OpenAI's shape, so the `openai` SDK surfaces our message (`APIError.message`) and code.
 * `details` carries the structured input errors of prompt calls.
 */
function sendError(res: ServerResponse, status: number, message: string, type: string, code: string, details: unknown, headers: OutgoingHttpHeaders): void {
  noteErrorCode(res, code);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const payload = JSON.stringify({ error: { message, type, code, param: null, ...(details === undefined ? {} : { details }) } });
  res.writeHead(status, { ...headers, "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(payload), "x-content-type-options": "nosniff" });
  res.end(payload);
}

/**
 * No provider of the chain answered. The caller gets a generic message with the request id; the detail
 * (addresses, `connect ECONNREFUSED 10.0.0.5:443`) goes to the log only.
 */
function sendProviderError(res: ServerResponse, error: ProviderCallError, baseHeaders: OutgoingHttpHeaders, requestId: string, logger: Logger): void {
  const headers: OutgoingHttpHeaders = { ...baseHeaders };
  if (error.retryAfterSeconds !== undefined) headers["retry-after"] = String(error.retryAfterSeconds);
  const last = error.report.attempts.at(-1);
  if (last) {
    headers["x-prompt-provider"] = last.provider;
    headers["x-prompt-model"] = last.model;
  }
  if (error.status >= 500) logger.warn({ requestId, attempts: error.report.attempts, detail: error.detail }, `gateway: ${error.message}`);
  const message = error.status === 502 ? `${error.message} (request id ${requestId})` : error.message;
  sendError(res, error.status, message, error.status === 400 ? "invalid_request_error" : "upstream_error", error.code, undefined, headers);
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
    case "TOO_MANY_REQUESTS":
      return ["rate_limit_error", "rate_limit_exceeded"];
    case "UNAVAILABLE":
      return ["server_error", "database_unavailable"];
    case "INTERNAL":
      return ["server_error", "internal_error"];
    default:
      return ["invalid_request_error", "invalid_request"];
  }
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === "string" ? value : undefined;
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isAbort = (error: unknown) => error instanceof Error && (error.name === "AbortError" || (error as { code?: string }).code === "UND_ERR_ABORTED");
