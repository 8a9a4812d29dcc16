// What one gateway call did upstream: the provider and model that served it, every attempt of its fallback
// chain, upstream latency, time to first token and usage. The router fills it in as the call goes; the
// request log (analytics) reads it once `settled` resolves. This is the one place that shape lives.

/** How one attempt ended: the provider's HTTP status, or why there was none. */
export type AttemptOutcome =
  | number
  /** No response headers within the provider's timeout (or a stream that stalled before it began). */
  | "timeout"
  /** Connection refused, reset, DNS failure... */
  | "unreachable"
  /** The caller hung up. */
  | "aborted"
  /** Skipped: the provider's circuit breaker is open. */
  | "circuit_open"
  /** Skipped: the request cannot be translated for this provider (e.g. `n: 2` to Anthropic). */
  | "unsupported";

export interface CallAttempt {
  /** A configured provider's name (never caller input). */
  provider: string;
  /** The model as sent to the provider. */
  model: string;
  outcome: AttemptOutcome;
  /** From sending to the response headers (or the failure), ms. 0 for skipped members. */
  durationMs: number;
}

export interface CallUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface CallReport {
  /** The provider whose answer the caller got (success or error); undefined when none answered. */
  provider: string | undefined;
  /** The model as sent to that provider. */
  model: string | undefined;
  /** Every attempt, in order (fallbacks and Retry-After retries included). */
  attempts: CallAttempt[];
  /** Time to the serving attempt's response headers, ms from its start. */
  upstreamLatencyMs: number | undefined;
  /** Streams: time from the call's start (first attempt) to the first content chunk, ms. */
  firstTokenMs: number | undefined;
  /** As the provider reported it, when the answer carried it (streams: once the stream ended). */
  usage: CallUsage | undefined;
  /** Resolves once the answer's body was relayed to its end, broke off or was abandoned: fields are final then. */
  settled: Promise<CallReport>;
}
