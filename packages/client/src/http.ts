/**
 * The one HTTP layer of the REST client and the prompt manager: global `fetch` (or the caller's), a
 * per-request timeout, Bearer auth, and the `{ data, error }` envelope unwrapped into data or a typed error.
 * Runs in Node >= 20 and browsers: no Node APIs.
 */
import { PromptregApiError, PromptregNetworkError } from "./errors.js";

/**
 * A `fetch` function: the global one, undici's, or a test double. (`Request | string` rather than the DOM's
 * `RequestInfo`, which @types/node does not declare: the type needs no DOM lib.)
 */
export type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** Extra headers: a record, or a function called per request (e.g. to add a trace id). */
export type HeadersOption = Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);

export interface TransportOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8787` (a trailing slash is ignored). */
  url: string;
  /** API key, sent as `Authorization: Bearer <apiKey>`. */
  apiKey: string;
  fetch?: FetchLike | undefined;
  headers?: HeadersOption | undefined;
  /** Abort a request that has not finished (body included) after this long. Default 10 s. */
  timeoutMs?: number | undefined;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

export function trimBaseUrl(url: string): string {
  return url.replace(/\/+$/, "");
}

export async function resolveHeaders(headers: HeadersOption | undefined): Promise<Record<string, string>> {
  if (headers === undefined) return {};
  return typeof headers === "function" ? await headers() : headers;
}

/**
 * A signal that aborts after `ms`, or when `parent` aborts. `AbortSignal.timeout` timers do not keep a
 * Node process alive; `AbortSignal.any` needs Node 20.3 / current browsers, with a fallback for older ones.
 */
export function timeoutSignal(ms: number, parent?: AbortSignal | null): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  if (!parent) return timeout;
  if (typeof AbortSignal.any === "function") return AbortSignal.any([parent, timeout]);
  const controller = new AbortController();
  const forward = (source: AbortSignal) => () => controller.abort(source.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else {
    parent.addEventListener("abort", forward(parent), { once: true });
    timeout.addEventListener("abort", forward(timeout), { once: true });
  }
  return controller.signal;
}

/** Whether `error` is the abort of a `timeoutSignal` (as opposed to the caller's own abort). */
export function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === "TimeoutError";
}

export interface RequestOptions {
  /** Query string parameters (undefined values left out). */
  query?: Record<string, string | undefined>;
  /** Send no Authorization header (signed body URLs). */
  anonymous?: boolean;
  signal?: AbortSignal;
}

/** What the transport saw of an answer, for callers that keep an estimate of the server's clock. */
export type ResponseObserver = (response: Response) => void;

export interface Transport {
  readonly baseUrl: string;
  readonly fetch: FetchLike;
  readonly timeoutMs: number;
  /** Sends a request, reads the whole answer and returns its `data`, or throws a typed error. */
  envelope<T>(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  /** Sends a request and returns the parsed JSON answer as is (no envelope), or throws a typed error. */
  json<T>(method: string, pathOrUrl: string, body?: unknown, options?: RequestOptions): Promise<T>;
  /** The headers every request carries: extra headers, then Authorization. */
  headers(): Promise<Record<string, string>>;
}

export function createTransport(options: TransportOptions, observe?: ResponseObserver): Transport {
  const baseUrl = trimBaseUrl(options.url);
  const fetchFn: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const authorization = `Bearer ${options.apiKey}`;

  const headers = async (): Promise<Record<string, string>> => ({
    ...(await resolveHeaders(options.headers)),
    authorization,
  });

  /** The answer's status and parsed JSON (undefined when it is not JSON). */
  async function send(method: string, pathOrUrl: string, body: unknown, request: RequestOptions) {
    const isAbsolute = /^https?:\/\//i.test(pathOrUrl);
    let url = isAbsolute ? pathOrUrl : `${baseUrl}${pathOrUrl}`;
    if (request.query) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(request.query)) if (value !== undefined) params.set(key, value);
      const search = params.toString();
      if (search) url += `${url.includes("?") ? "&" : "?"}${search}`;
    }
    const label = `${method} ${isAbsolute ? new URL(url).pathname : pathOrUrl}`;
    const requestHeaders: Record<string, string> = request.anonymous ? {} : await headers();
    requestHeaders["accept"] = "application/json";
    if (body !== undefined) requestHeaders["content-type"] = "application/json";
    const signal = timeoutSignal(timeoutMs, request.signal);
    let response: Response;
    let text: string;
    try {
      response = await fetchFn(url, {
        method,
        headers: requestHeaders,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      text = await response.text();
    } catch (error) {
      if (request.signal?.aborted) throw error;
      const reason = isTimeout(error) || signal.aborted ? `timed out after ${timeoutMs} ms` : describe(error);
      throw new PromptregNetworkError(`${label}: ${reason}`, label, { cause: error });
    }
    observe?.(response);
    let parsed: unknown = undefined;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (!response.ok) {
      const message = errorMessage(parsed) ?? `${response.status} ${response.statusText || "error"}${text ? `: ${text.slice(0, 200)}` : ""}`;
      throw new PromptregApiError(response.status, message, label);
    }
    if (parsed === undefined && text.length > 0) {
      throw new PromptregNetworkError(`${label}: the answer is not JSON: ${text.slice(0, 200)}`, label);
    }
    return { parsed, label };
  }

  return {
    baseUrl,
    fetch: fetchFn,
    timeoutMs,
    headers,
    async envelope<T>(method: string, path: string, body?: unknown, request: RequestOptions = {}): Promise<T> {
      const { parsed, label } = await send(method, path, body, request);
      if (!isRecord(parsed) || !("data" in parsed)) {
        throw new PromptregNetworkError(`${label}: the answer is not a {data, error} envelope`, label);
      }
      if (typeof parsed["error"] === "string") throw new PromptregApiError(200, parsed["error"], label);
      return parsed["data"] as T;
    },
    async json<T>(method: string, pathOrUrl: string, body?: unknown, request: RequestOptions = {}): Promise<T> {
      return (await send(method, pathOrUrl, body, request)).parsed as T;
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The message of an error answer: the envelope's `error`, or OpenAI's `error.message`. */
function errorMessage(parsed: unknown): string | undefined {
  if (!isRecord(parsed)) return undefined;
  const error = parsed["error"];
  if (typeof error === "string") return error;
  if (isRecord(error) && typeof error["message"] === "string") return error["message"];
  return undefined;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const code = isRecord(cause) && typeof cause["code"] === "string" ? ` (${cause["code"]})` : "";
  return `${error.message}${code}`;
}
