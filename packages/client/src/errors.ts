/**
 * Errors of the REST client and the prompt manager. The tRPC client throws tRPC's own TRPCClientError,
 * typed with the server's error shape (see trpc.ts).
 */

/** Base class of the errors the REST client and the prompt manager throw (the tRPC client throws TRPCClientError). */
export class PromptregClientError extends Error {
  override name = "PromptregClientError";
}

/** The server answered with an error status: `status` is the HTTP status, `message` the envelope's `error`. */
export class PromptregApiError extends PromptregClientError {
  override name = "PromptregApiError";
  constructor(
    readonly status: number,
    message: string,
    /** `METHOD /path` of the request, for logs. */
    readonly request: string,
  ) {
    super(message);
  }
}

/** No answer from the server: connection refused or reset, DNS failure, timeout, or an unreadable answer. */
export class PromptregNetworkError extends PromptregClientError {
  override name = "PromptregNetworkError";
  constructor(
    message: string,
    readonly request: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The prompt manager could not find what it was asked for: the prompt, the environment (nothing deployed
 * there), or the version (missing, hidden, or of another prompt). Not an outage: the server answered 404.
 */
export class PromptNotFoundError extends PromptregClientError {
  override name = "PromptNotFoundError";
  constructor(
    message: string,
    readonly promptId: string,
    readonly selection: { environment?: string | undefined; versionId?: string | undefined },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The prompt manager could not serve a body: the server is unreachable or failing, and there is neither a
 * last known good body nor a fallback for this prompt. `cause` is the outage.
 */
export class PromptUnavailableError extends PromptregClientError {
  override name = "PromptUnavailableError";
  constructor(
    message: string,
    readonly promptId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Whether an error means "the server cannot answer now" (serve from cache, retry later) rather than "the
 * server said no": no answer at all, a 5xx, or 429.
 */
export function isOutage(error: unknown): boolean {
  if (error instanceof PromptregNetworkError) return true;
  if (error instanceof PromptregApiError) return error.status >= 500 || error.status === 429;
  return false;
}
