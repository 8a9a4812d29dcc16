import { Agent, errors as undiciErrors, request, type Dispatcher } from "undici";
import type { Config } from "../config.js";

export interface UpstreamResponse {
  statusCode: number;
  headers: Dispatcher.ResponseData["headers"];
  body: Dispatcher.ResponseData["body"];
  baseUrl: string;
}

/** No upstream answered: connection refused, reset, DNS failure… (a 502 to the caller). */
export class UpstreamUnreachableError extends Error {
  override readonly name = "UpstreamUnreachableError";
}

/** The upstream did not answer in time (a 504 to the caller). */
export class UpstreamTimeoutError extends Error {
  override readonly name = "UpstreamTimeoutError";
}

export const isUpstreamTimeout = (error: unknown) =>
  error instanceof undiciErrors.HeadersTimeoutError ||
  error instanceof undiciErrors.BodyTimeoutError ||
  error instanceof undiciErrors.ConnectTimeoutError;

/**
 * The connection pool to the LLM provider(s). Keep-alive connections (undici) matter: a fresh TCP (and
 * TLS) connection per request would cost more than everything else the gateway does. Base URLs are tried
 * in order; the next one only on a connection error or a 5xx, and only before anything was relayed.
 */
export function createUpstreamClient(options: Config["upstream"]) {
  const agent = new Agent({
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connect: { timeout: Math.min(options.timeoutMs, 10_000) },
  });

  return {
    /** The first base URL: the provider calls go to unless it fails over. */
    baseUrl: options.baseUrls[0] ?? null,

    async send(path: string, body: string | Buffer, headers: Record<string, string>, signal: AbortSignal): Promise<UpstreamResponse> {
      let lastError: unknown;
      const last = options.baseUrls.length - 1;
      for (const [index, baseUrl] of options.baseUrls.entries()) {
        try {
          const response = await request(`${baseUrl}${path}`, { method: "POST", headers, body, signal, dispatcher: agent });
          if (response.statusCode >= 500 && index < last) {
            await response.body.dump();
            lastError = undefined;
            continue;
          }
          return { statusCode: response.statusCode, headers: response.headers, body: response.body, baseUrl };
        } catch (error) {
          if (signal.aborted) throw error;
          lastError = error;
        }
      }
      if (isUpstreamTimeout(lastError)) throw new UpstreamTimeoutError(`upstream did not answer within ${options.timeoutMs} ms`);
      const reason = lastError instanceof Error ? ((lastError.cause as Error | undefined)?.message ?? lastError.message) : "no answer";
      throw new UpstreamUnreachableError(`could not reach the upstream provider (${reason})`);
    },

    close: () => agent.close(),
  };
}
export type UpstreamClient = ReturnType<typeof createUpstreamClient>;
