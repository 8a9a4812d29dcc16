/**
 * Runs a prompt through the gateway (`POST /v1/chat/completions` with `prompt_id`), as an application would,
 * and reads the answer or the OpenAI-shaped error.
 */
import type { TInputError } from "@promptreg/contracts";
import { API_BASE_URL } from "./client";

export interface GatewayRequest {
  apiKey: string;
  promptId: string;
  versionId?: string;
  environment?: string;
  inputs: Record<string, unknown>;
  /** Overrides the version's model: `model/provider` routes, a comma-separated list is a fallback chain. */
  model?: string;
}

export interface GatewaySuccess {
  ok: true;
  status: number;
  /** The assistant's text (first choice), or null when it answered with tool calls only. */
  content: string | null;
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
  /** The provider that answered with the error, or the chain's last one tried. */
  provider: string | null;
  elapsedMs: number;
}

export type GatewayResult = GatewaySuccess | GatewayFailure;

interface OpenAiError {
  error?: { message?: unknown; code?: unknown; details?: unknown };
}

interface Completion {
  choices?: { message?: { content?: unknown } }[];
}

function isInputError(value: unknown): value is TInputError {
  return typeof value === "object" && value !== null && typeof (value as TInputError).variable === "string" && typeof (value as TInputError).message === "string";
}

export async function runThroughGateway(request: GatewayRequest, fetchImpl: typeof fetch = fetch): Promise<GatewayResult> {
  const started = performance.now();
  const payload: Record<string, unknown> = { prompt_id: request.promptId, inputs: request.inputs };
  if (request.model?.trim()) payload["model"] = request.model.trim();
  if (request.environment) payload["environment"] = request.environment;
  else if (request.versionId) payload["version_id"] = request.versionId;
  let response: Response;
  try {
    response = await fetchImpl(`${API_BASE_URL}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${request.apiKey}` },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return {
      ok: false,
      status: null,
      message: timedOut ? "The gateway did not answer within 2 minutes." : "Could not reach the gateway. Check that the server is running.",
      code: null,
      details: [],
      provider: null,
      elapsedMs: performance.now() - started,
    };
  }
  const text = await response.text();
  const elapsedMs = performance.now() - started;
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const error = (body as OpenAiError | null)?.error;
    const message = typeof error?.message === "string" ? error.message : `The gateway answered ${response.status} ${response.statusText}`.trim();
    return {
      ok: false,
      status: response.status,
      message,
      code: typeof error?.code === "string" ? error.code : null,
      details: Array.isArray(error?.details) ? error.details.filter(isInputError) : [],
      provider: response.headers.get("x-prompt-provider"),
      elapsedMs,
    };
  }
  const content = (body as Completion | null)?.choices?.[0]?.message?.content;
  return {
    ok: true,
    status: response.status,
    content: typeof content === "string" ? content : null,
    body: body ?? text,
    promptVersion: response.headers.get("x-prompt-version"),
    provider: response.headers.get("x-prompt-provider"),
    model: response.headers.get("x-prompt-model"),
    requestId: response.headers.get("x-request-id"),
    elapsedMs,
  };
}
