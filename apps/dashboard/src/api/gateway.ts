/**
 * Runs a prompt through the gateway (`POST /v1/chat/completions` with `prompt_id`), as an application would,
 * and reads the answer or the OpenAI-shaped error. Streamed answers (`stream: true`, Server-Sent Events) are
 * read with fetch and a stream reader, and each piece of text is handed over as it arrives.
 */
import { pumpSse, SseParser } from "@promptreg/client";
import type { TInputError } from "@promptreg/contracts";
import { API_BASE_URL } from "./client";

/** Per-run overrides of the version's own parameters (the gateway merges the caller's over them). */
export interface RunOverrides {
  /** `model/provider` routes to a provider; a comma-separated list is a fallback chain. */
  model?: string;
  temperature?: number;
  max_tokens?: number;
}

export interface GatewayRequest {
  apiKey: string;
  promptId: string;
  versionId?: string;
  environment?: string;
  inputs: Record<string, unknown>;
  overrides?: RunOverrides;
  /** Ask for a streamed answer (the text arrives piece by piece through `onText`). */
  stream?: boolean;
  /** Stops the run (the gateway stops the upstream call too). */
  signal?: AbortSignal;
}

export interface GatewaySuccess {
  ok: true;
  status: number;
  /** The assistant's text (first choice), or null when it answered with tool calls only. */
  content: string | null;
  /** Whether the answer came as a stream. */
  streamed: boolean;
  /** The stream was stopped before it ended. */
  stopped: boolean;
  finishReason: string | null;
  /** The JSON answer, or the streamed chunks in order. */
  body: unknown;
  promptVersion: string | null;
  /** Which provider and model served the answer (after any fallback), from x-prompt-provider / x-prompt-model. */
  provider: string | null;
  model: string | null;
  requestId: string | null;
  elapsedMs: number;
}

export interface GatewayFailure {
  ok: false;
  status: number | null;
  message: string;
  code: string | null;
  details: TInputError[];
  /** Text that had streamed before the error. */
  partial: string;
  /** The provider that answered with the error, or the chain's last one tried. */
  provider: string | null;
  elapsedMs: number;
}

export type GatewayResult = GatewaySuccess | GatewayFailure;

interface OpenAiError {
  error?: { message?: unknown; code?: unknown; details?: unknown };
}

interface Completion {
  choices?: { message?: { content?: unknown }; finish_reason?: unknown }[];
}

interface Chunk {
  choices?: { delta?: { content?: unknown }; finish_reason?: unknown }[];
  error?: OpenAiError["error"];
}

/** Streamed chunks kept for the raw view; a long answer has thousands. */
const MAX_KEPT_CHUNKS = 200;

function isInputError(value: unknown): value is TInputError {
  return typeof value === "object" && value !== null && typeof (value as TInputError).variable === "string" && typeof (value as TInputError).message === "string";
}

/** The JSON body of a run: the prompt, its version or environment, the inputs and the overrides. */
export function gatewayPayload(request: Omit<GatewayRequest, "apiKey" | "signal">): Record<string, unknown> {
  const payload: Record<string, unknown> = { prompt_id: request.promptId };
  if (request.environment) payload["environment"] = request.environment;
  else if (request.versionId) payload["version_id"] = request.versionId;
  payload["inputs"] = request.inputs;
  for (const [key, value] of Object.entries(request.overrides ?? {})) if (value !== undefined && value !== "") payload[key] = value;
  if (request.stream) payload["stream"] = true;
  return payload;
}

export async function runThroughGateway(request: GatewayRequest, onText: (text: string) => void = () => undefined, fetchImpl: typeof fetch = fetch): Promise<GatewayResult> {
  const started = performance.now();
  let partial = "";
  let provider: string | null = null;
  const failure = (status: number | null, message: string, code: string | null = null, details: TInputError[] = []): GatewayFailure => ({
    ok: false,
    status,
    message,
    code,
    details,
    partial,
    provider,
    elapsedMs: performance.now() - started,
  });
  const timeout = AbortSignal.timeout(120_000);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetchImpl(`${API_BASE_URL}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${request.apiKey}` },
      body: JSON.stringify(gatewayPayload(request)),
      signal,
    });
  } catch (error) {
    if (request.signal?.aborted) return failure(null, "Stopped before the gateway answered.", "stopped");
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return failure(null, timedOut ? "The gateway did not answer within 2 minutes." : "Could not reach the gateway. Check that the server is running.");
  }
  provider = response.headers.get("x-prompt-provider");
  const headers = {
    promptVersion: response.headers.get("x-prompt-version"),
    provider,
    model: response.headers.get("x-prompt-model"),
    requestId: response.headers.get("x-request-id"),
  };

  if (response.ok && (response.headers.get("content-type") ?? "").startsWith("text/event-stream") && response.body) {
    const chunks: unknown[] = [];
    let finishReason: string | null = null;
    let streamError: OpenAiError["error"] | undefined;
    const parser = new SseParser({
      onEvent: (event) => {
        if (event.data === "[DONE]") return;
        let chunk: Chunk;
        try {
          chunk = JSON.parse(event.data) as Chunk;
        } catch {
          return;
        }
        if (chunks.length < MAX_KEPT_CHUNKS) chunks.push(chunk);
        if (chunk.error) {
          streamError = chunk.error;
          return;
        }
        const choice = chunk.choices?.[0];
        const text = choice?.delta?.content;
        if (typeof text === "string" && text !== "") {
          partial += text;
          onText(partial);
        }
        if (typeof choice?.finish_reason === "string") finishReason = choice.finish_reason;
      },
    });
    let stopped = false;
    try {
      await pumpSse(response.body, parser);
    } catch (error) {
      if (request.signal?.aborted) stopped = true;
      else return failure(response.status, `The answer broke off: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (streamError) {
      return failure(response.status, typeof streamError.message === "string" ? streamError.message : "The stream ended with an error.", typeof streamError.code === "string" ? streamError.code : null);
    }
    return { ok: true, status: response.status, content: partial, streamed: true, stopped, finishReason, body: chunks, ...headers, elapsedMs: performance.now() - started };
  }

  let text: string;
  try {
    text = await response.text();
  } catch {
    if (request.signal?.aborted) return failure(response.status, "Stopped before the answer arrived.", "stopped");
    return failure(response.status, "The answer broke off before it arrived whole.");
  }
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const error = (body as OpenAiError | null)?.error;
    const message = typeof error?.message === "string" ? error.message : `The gateway answered ${response.status} ${response.statusText}`.trim();
    return failure(response.status, message, typeof error?.code === "string" ? error.code : null, Array.isArray(error?.details) ? error.details.filter(isInputError) : []);
  }
  const choice = (body as Completion | null)?.choices?.[0];
  const content = choice?.message?.content;
  if (typeof content === "string") onText(content);
  return {
    ok: true,
    status: response.status,
    content: typeof content === "string" ? content : null,
    streamed: false,
    stopped: false,
    finishReason: typeof choice?.finish_reason === "string" ? choice.finish_reason : null,
    body: body ?? text,
    ...headers,
    elapsedMs: performance.now() - started,
  };
}
