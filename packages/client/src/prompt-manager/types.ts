// The prompt manager's public types: what `getPromptBody` takes and returns, the options, and the events
// `onEvent` observes. Everything here is exported by the package (src/index.ts), except `Emit`.
import type { TInputError, TPromptBody } from "@promptreg/contracts";
import type { FetchLike, HeadersOption } from "../http.js";

/** Where a body came from. */
export type PromptSource =
  /** Fetched (or revalidated) from the server for this call. */
  | "network"
  /** From the cache, within `pointerTtlMs` of its last validation or confirmed by a pushed change. */
  | "cache"
  /** From the cache, older than `pointerTtlMs` but within `maxStaleMs`; a background revalidation was started. */
  | "stale"
  /** The server could not answer and the cached pointer is past `maxStaleMs` (or was moved to a version whose body could not be fetched): the last version known for this selection. */
  | "last-known-good"
  /** The server could not answer and nothing was cached for this selection: the caller's fallback body. */
  | "fallback";

/** What `getPromptBody` takes: Helicone's parameters plus any chat-completions parameter to merge. */
export interface PromptBodyRequest {
  prompt_id: string;
  /** Values of the template's variables. */
  inputs?: Record<string, unknown> | undefined;
  /** Environment to serve; wins over `version_id`. Default `production`. */
  environment?: string | undefined;
  /** A version of `prompt_id` to serve when no environment is given. */
  version_id?: string | undefined;
  /**
   * Who the call is for (a user, session or tenant id), for the environment's rollout: the same subject gets
   * the same arm as the gateway gives it (`x-prompt-subject`) for as long as the rollout lasts. Not sent
   * in `body`. Default: the `user`, else `safety_identifier` parameter, as the gateway; without any, each
   * call draws at random.
   */
  subject?: string | undefined;
  /** Any chat-completions parameter (messages, tools, temperature, …), merged over the template as the gateway does. */
  [parameter: string]: unknown;
}

export interface PromptBodyResult<TBody = TPromptBody> {
  /**
   * The request to send, e.g. `openai.chat.completions.create(body)`. Built from the frozen cached template:
   * treat it as read-only below the top level (the `messages` and `tools` arrays are fresh, the objects in
   * them may be frozen). Do not send it when `errors` is not empty.
   */
  body: TBody;
  /** Missing or invalid inputs and template problems, one entry per problem (the gateway answers 400 for these). */
  errors: TInputError[];
  /** Inputs no variable uses. */
  warnings: TInputError[];
  promptId: string;
  /** The version served; null for a fallback body. */
  versionId: string | null;
  /** `"major.minor"` of the version served; null for a fallback body. */
  version: string | null;
  source: PromptSource;
  /**
   * The environment's active rollout and the arm this call got (its version is `versionId`); null when the
   * selection has no active rollout (or names a version, or rollouts are off).
   */
  rollout: RolloutArm | null;
}

/** Which side of a rollout served a call. */
export interface RolloutArm {
  /** The rollout's id (the seed of the split; the gateway's `x-prompt-rollout`). */
  id: string;
  arm: "stable" | "candidate";
  /** The candidate's weight, percent, when the rollout was last fetched. */
  weight: number;
}

export type PromptManagerEvent =
  /** The deployment stream is live (after its catch-up poll). */
  | { type: "subscribed" }
  /** The deployment stream dropped or was refused; polling until it is back. */
  | { type: "subscription-lost"; error: unknown; retryInMs: number }
  | { type: "polling"; intervalMs: number }
  | { type: "poll-failed"; error: unknown }
  /** A pointer change was received; `effect` says what it did to the cache. */
  | {
      type: "deployment";
      promptId: string;
      environment: string;
      versionId: string | null;
      revision: number;
      via: "sse" | "poll";
      effect: "moved" | "removed" | "refetching" | "ignored";
    }
  /** A selection was fetched from the server; `bodyFetched` when the version's body was downloaded too. */
  | { type: "fetched"; promptId: string; key: string; versionId: string; bodyFetched: boolean }
  /** The server could not answer; what was served instead ("none": PromptUnavailableError was thrown). */
  | { type: "outage"; promptId: string; error: unknown; served: "last-known-good" | "fallback" | "none" }
  /** A background revalidation of a stale pointer failed; the pointer is kept. */
  | { type: "revalidation-failed"; promptId: string; key: string; error: unknown }
  /** The server answered 404 for a selection: its cached pointer (if any) was dropped. */
  | { type: "not-found"; promptId: string; key: string }
  /** A prompt was deleted or a version hidden (pushed by the server): the prompt's cached pointers were dropped. */
  | { type: "prompt-change"; promptId: string; action: "prompt-deleted" | "version-hidden"; versionId: string | null };

export interface PromptManagerOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8787`. */
  url: string;
  apiKey: string;
  /** `fetch` to use; default the global one. */
  fetch?: FetchLike;
  /** Extra headers for every request. */
  headers?: HeadersOption;
  /** Per-request timeout. Default 5 s. */
  timeoutMs?: number;
  /** How long a validated pointer is served without asking the server. Default 30 s. */
  pointerTtlMs?: number;
  /** How old a pointer may be and still be served (stale, revalidating in the background). Past it, a call waits for the server unless the server is down. Default 5 min. */
  maxStaleMs?: number;
  /** Listen to the server's deployment stream (SSE). Default true. */
  subscribe?: boolean;
  /** Polling interval of `GET /v1/deployments?since=` when the stream is off or down. Default 5 s. */
  pollIntervalMs?: number;
  /** After an outage, serve from the cache without asking the server for this long. Default 2 s. */
  outageBackoffMs?: number;
  /** Bodies to serve, by prompt id, when the server is down and the selection was never fetched. */
  fallbacks?: Record<string, TPromptBody>;
  /** Observes what the manager does (subscriptions, pushed changes, outages). Must not throw. */
  onEvent?: (event: PromptManagerEvent) => void;
  /**
   * Largest compiled body, bytes of JSON: past it `getPromptBody` throws CompiledSizeError before building
   * it (the size follows from the template's variable counts and the inputs' sizes). Default 4 MiB, as the
   * gateway's PROMPTREG_COMPILED_LIMIT_BYTES.
   */
  maxCompiledBytes?: number;
  /**
   * Apply environments' rollouts as the gateway does (each call's `subject` gets the gateway's arm). Costs
   * one more request when an environment is fetched. False serves the environment's stable version, as
   * Helicone-shaped reads do. Default true.
   */
  rollouts?: boolean;
}

/** Internal: reports an event to `onEvent`, never throwing (an observer's failure must not break serving). */
export type Emit = (event: PromptManagerEvent) => void;
