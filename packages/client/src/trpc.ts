/**
 * The typed tRPC client. Its types come from the server's router (`import type` only: no server code is
 * bundled); its errors are tRPC's TRPCClientError carrying the server's error shape (`data.appError`,
 * `data.zodError`).
 *
 * Links, in order: retryLink (queries only, and only when the server did not answer or answered 502/503/504)
 * -> httpBatchLink at `${url}/trpc`, whose fetch aborts each HTTP request after `timeoutMs`.
 */
import type { AppRouter } from "@promptreg/server/router";
import {
  createTRPCClient,
  httpBatchLink,
  isTRPCClientError,
  retryLink,
  type HTTPBatchLinkOptions,
  type TRPCClient,
  type TRPCClientError,
} from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { DEFAULT_TIMEOUT_MS, resolveHeaders, timeoutSignal, trimBaseUrl, type FetchLike, type HeadersOption } from "./http.js";

export type { AppRouter };

/** The client `createPromptregClient` returns: `client.prompts.create.mutate(...)`, `client.versions.list.query(...)`… */
export type PromptregClient = TRPCClient<AppRouter>;
/** Input types of every procedure, e.g. `RouterInputs["prompts"]["create"]`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Output types of every procedure, e.g. `RouterOutputs["versions"]["list"]`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
/** What every call of the tRPC client throws: server errors carry `data.code`, `data.httpStatus`, `data.appError`, `data.zodError`. */
export type PromptregTrpcError = TRPCClientError<AppRouter>;
/** `data` of a server error: `{ code, httpStatus, path, appError, zodError }`. */
export type PromptregTrpcErrorData = NonNullable<PromptregTrpcError["data"]>;

export interface PromptregClientOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8787`; the client calls `${url}/trpc`. */
  url: string;
  apiKey: string;
  /** `fetch` to use; default the global one. */
  fetch?: FetchLike;
  /** Extra headers for every request (Authorization is set from `apiKey`). */
  headers?: HeadersOption;
  /** Abort one HTTP request (one batch) after this long. Default 10 s. */
  timeoutMs?: number;
  /** Retries of a query whose request got no answer (network error, timeout) or a 502/503/504. Mutations are never retried. Default 2. */
  retries?: number;
  /** Delay before retry `attempt` (1-based). Default 100 ms doubling, at most 2 s. */
  retryDelayMs?: (attempt: number) => number;
}

/**
 * The most calls the server takes in one batch (contracts' MAX_TRPC_BATCH_SIZE, which test/trpc.test.ts
 * checks this equals): written out because importing contracts at run time would bring zod into the client.
 */
export const MAX_BATCH_SIZE = 50;

const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/** Whether a failed call may be sent again: the server did not answer, or said it is briefly unavailable. */
function isTransient(error: TRPCClientError<AppRouter>): boolean {
  const status = error.data?.httpStatus;
  return status === undefined || RETRYABLE_STATUSES.has(status);
}

/** The typed tRPC client of a promptreg server. */
export function createPromptregClient(options: PromptregClientOptions): PromptregClient {
  const baseFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retries = options.retries ?? 2;
  const authorization = `Bearer ${options.apiKey}`;

  // One timeout per HTTP request; a retry is a new request with a new timeout.
  const timedFetch: NonNullable<HTTPBatchLinkOptions<AppRouter["_def"]["_config"]["$types"]>["fetch"]> = (input, init) =>
    baseFetch(input, { ...init, signal: timeoutSignal(timeoutMs, init?.signal) });

  return createTRPCClient<AppRouter>({
    links: [
      retryLink({
        retry: ({ op, error, attempts }) => op.type === "query" && attempts <= retries && !op.signal?.aborted && isTransient(error),
        retryDelayMs: options.retryDelayMs ?? ((attempt) => Math.min(2000, 100 * 2 ** (attempt - 1))),
      }),
      httpBatchLink({
        url: `${trimBaseUrl(options.url)}/trpc`,
        fetch: timedFetch,
        // Queries batch into one GET; keep its URL within what proxies and Node accept, and its size within
        // what the server takes (it refuses a larger batch with 400): more calls at once go as several.
        maxURLLength: 8000,
        maxItems: MAX_BATCH_SIZE,
        headers: async () => ({ ...(await resolveHeaders(options.headers)), authorization }),
      }),
    ],
  });
}

/** Whether `error` is an error of the tRPC client, typed with the server's error shape. */
export function isPromptregError(error: unknown): error is PromptregTrpcError {
  return isTRPCClientError<AppRouter>(error);
}

/** The server's AppError of a tRPC error (`{ code, details }`), or null (network error, validation error…). */
export function appErrorOf(error: unknown): PromptregTrpcErrorData["appError"] {
  return isPromptregError(error) ? (error.data?.appError ?? null) : null;
}
