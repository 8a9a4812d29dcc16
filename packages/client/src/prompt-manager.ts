/**
 * PromptManager: Helicone's `HeliconePromptManager.getPromptBody` shape, compiling with the same
 * `@promptreg/template` engine as the gateway (resolve -> expandPartials -> compile), over a cache that:
 *
 * - keeps version bodies forever: a version is immutable, so its body is fetched once, keyed by version id;
 * - keeps selections (prompt + environment, or prompt + version id) as pointers with stale-while-revalidate:
 *   fresh for `pointerTtlMs`, then served while one background request revalidates, and past `maxStaleMs`
 *   not served without revalidation, unless the server is down;
 * - applies pointer changes pushed by the server (Server-Sent Events, polling as the fallback), so a moved
 *   or removed environment is not served past the push latency (or one poll interval);
 * - serves through outages (no answer, 5xx, 429): the last known good version of the selection, else the
 *   caller's fallback body for the prompt, reporting which in `source` and `onEvent`. Only when it has
 *   neither does it throw (PromptUnavailableError).
 *
 * What the server says "no" to is not an outage: an unknown prompt, environment or version (404) throws
 * PromptNotFoundError, a refused key throws PromptregApiError; input problems are returned in `errors`, as
 * Helicone's SDK and our gateway (400) report them.
 *
 * Transport: the REST endpoints (API.md), not tRPC: `/v2/.../environment-version` answers metadata and body
 * in one round trip on a cold miss; `/v1/.../environment-version` (metadata only) revalidates a pointer
 * without downloading a body we already hold. REST keeps the manager free of the tRPC runtime, so a browser
 * bundle that only uses the manager stays small.
 */
import type { TInputError, TPromptBody, TPromptChangeEvent } from "@promptreg/contracts";
import type { TRestPromptVersion } from "@promptreg/contracts/rest";
import {
  compilePrepared,
  compilePrompt,
  DEFAULT_MAX_COMPILED_BYTES,
  DEFAULT_ENVIRONMENT,
  expandPartials,
  prepareTemplate,
  type CompileResult,
  type PartialLoader,
  type PreparedTemplate,
} from "@promptreg/template";
import { DeploymentWatcher, type DeploymentChange } from "./deployment-watcher.js";
import { isOutage, PromptNotFoundError, PromptregApiError, PromptUnavailableError } from "./errors.js";
import { createTransport, type FetchLike, type HeadersOption } from "./http.js";
import { restClientOn, type RestClient } from "./rest.js";

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
}

interface VersionEntry {
  readonly id: string | null;
  readonly promptId: string;
  readonly version: string | null;
  /** Frozen body, analysed once. */
  readonly prepared: PreparedTemplate;
  readonly hasPartials: boolean;
}

type Selection =
  | { kind: "environment"; promptId: string; environment: string }
  | { kind: "version"; promptId: string; versionId: string };

interface Pointer {
  readonly selection: Selection;
  target: VersionEntry;
  /** `performance.now()` of the last validation (a fetch, or a pushed change to a version we hold). */
  validatedAt: number;
  /** A pushed change moved it to a version whose body we do not hold yet: `target` is only last known good. */
  invalidated: boolean;
  /** Revision of the last pushed change applied (-1: none), so replays and late changes are ignored. */
  revision: number;
}

interface Resolved {
  version: VersionEntry;
  source: PromptSource;
}

const SOURCE_RANK: Record<PromptSource, number> = { network: 0, cache: 0, stale: 1, "last-known-good": 2, fallback: 3 };

/** Environment keys cannot start with "@" (registry charset), so version keys never collide with them. */
const environmentKey = (promptId: string, environment: string) => `${promptId}\n${environment}`;
const versionKey = (promptId: string, versionId: string) => `${promptId}\n@${versionId}`;
const keyOf = (s: Selection) => (s.kind === "environment" ? environmentKey(s.promptId, s.environment) : versionKey(s.promptId, s.versionId));

function optionalName(request: PromptBodyRequest, field: "environment" | "version_id"): string | undefined {
  const value = request[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.trim() === "") throw new TypeError(`${field} must be a non-empty string`);
  return value;
}

/** Selection as the gateway makes it: environment if given, else version_id, else production. */
function selectionOf(request: PromptBodyRequest): Selection {
  const promptId = request.prompt_id;
  if (typeof promptId !== "string" || promptId.trim() === "") throw new TypeError("prompt_id must be a non-empty string");
  const environment = optionalName(request, "environment");
  if (environment !== undefined) return { kind: "environment", promptId, environment };
  const versionId = optionalName(request, "version_id");
  if (versionId !== undefined) return { kind: "version", promptId, versionId };
  return { kind: "environment", promptId, environment: DEFAULT_ENVIRONMENT };
}

function describeSelection(s: Selection): string {
  return s.kind === "environment" ? `environment ${s.environment} of prompt ${s.promptId}` : `version ${s.versionId} of prompt ${s.promptId}`;
}

export class PromptManager {
  readonly #rest: RestClient;
  readonly #watcher: DeploymentWatcher;
  readonly #ttl: number;
  readonly #maxStale: number;
  readonly #outageBackoff: number;
  readonly #fallbackBodies: Record<string, TPromptBody>;
  readonly #onEvent: ((event: PromptManagerEvent) => void) | undefined;
  readonly #compileOptions: { maxBytes: number };

  /** Version id -> version: immutable, kept for the manager's life. */
  readonly #versions = new Map<string, VersionEntry>();
  /** Prompts with at least one version held (a miss then asks metadata first, to reuse a held body). */
  readonly #knownPrompts = new Set<string>();
  readonly #pointers = new Map<string, Pointer>();
  /** Fetches in flight, one per key. */
  readonly #inflight = new Map<string, Promise<VersionEntry>>();
  /**
   * The latest change pushed for a key while its fetch was in flight ("invalidated": dropped by
   * `invalidate`). The fetch's answer may predate it: unless it agrees with the change, it asks again.
   */
  readonly #raced = new Map<string, DeploymentChange | "invalidated">();
  readonly #fallbacks = new Map<string, VersionEntry>();
  #downUntil = 0;
  /** The error that started the current outage backoff: the cause of what is refused during it. */
  #outage: unknown = undefined;
  #started = false;
  #closed = false;

  constructor(options: PromptManagerOptions) {
    this.#ttl = options.pointerTtlMs ?? 30_000;
    this.#maxStale = Math.max(this.#ttl, options.maxStaleMs ?? 300_000);
    this.#outageBackoff = options.outageBackoffMs ?? 2_000;
    this.#fallbackBodies = options.fallbacks ?? {};
    this.#onEvent = options.onEvent;
    this.#compileOptions = { maxBytes: options.maxCompiledBytes ?? DEFAULT_MAX_COMPILED_BYTES };
    const http = createTransport(
      { url: options.url, apiKey: options.apiKey, fetch: options.fetch, headers: options.headers, timeoutMs: options.timeoutMs ?? 5_000 },
      // Every answer's Date header keeps the watcher's estimate of the server clock current.
      (response) => this.#watcher.observe(response),
    );
    this.#rest = restClientOn(http);
    const pollIntervalMs = options.pollIntervalMs ?? 5_000;
    this.#watcher = new DeploymentWatcher(
      http,
      { subscribe: options.subscribe ?? true, pollIntervalMs, idleTimeoutMs: 35_000, maxReconnectDelayMs: 30_000 },
      (change, via) => this.#applyChange(change, via),
      (event) => {
        switch (event.type) {
          case "connected":
            return this.#emit({ type: "subscribed" });
          case "disconnected":
            return this.#emit({ type: "subscription-lost", error: event.error, retryInMs: event.retryInMs });
          case "polling":
            return this.#emit({ type: "polling", intervalMs: event.intervalMs });
          case "poll-failed":
            return this.#emit({ type: "poll-failed", error: event.error });
        }
      },
      (change) => this.#applyPromptChange(change),
      () => this.invalidate(),
    );
  }

  /**
   * The compiled body for `request`, ready for `openai.chat.completions.create(body)`. `TBody` lets you name
   * the SDK's type (`getPromptBody<ChatCompletionCreateParamsNonStreaming>(…)`); it is not checked.
   *
   * Throws PromptNotFoundError (404), PartialError (a prompt partial cannot be resolved: the gateway's 422),
   * CompiledSizeError (the body would be larger than `maxCompiledBytes`: the gateway's 413),
   * PromptUnavailableError (outage with nothing to serve), PromptregApiError (e.g. 401), TypeError (bad
   * prompt_id / environment / version_id).
   */
  async getPromptBody<TBody = TPromptBody>(request: PromptBodyRequest): Promise<PromptBodyResult<TBody>> {
    const selection = selectionOf(request);
    if (!this.#started) this.#start();
    const resolved = this.#resolveCached(selection) ?? (await this.#resolveRemote(selection));
    const { version } = resolved;
    if (!version.hasPartials) return this.#result<TBody>(compilePrepared(version.prepared, request, this.#compileOptions), version, resolved.source);
    try {
      return await this.#compileWithPartials<TBody>(resolved, request);
    } catch (error) {
      // A partial could not be served through the outage: the prompt's fallback, if any, still can be.
      const fallback = error instanceof PromptUnavailableError && resolved.source !== "fallback" ? this.#fallback(selection.promptId) : undefined;
      if (fallback === undefined) throw error;
      this.#emit({ type: "outage", promptId: selection.promptId, error, served: "fallback" });
      if (!fallback.hasPartials) return this.#result<TBody>(compilePrepared(fallback.prepared, request, this.#compileOptions), fallback, "fallback");
      return this.#compileWithPartials<TBody>({ version: fallback, source: "fallback" }, request).catch((inner: unknown) => {
        if (!(inner instanceof PromptUnavailableError)) throw inner;
        // Its own partials cannot be served either: compiled unexpanded, they are reported in `errors`.
        return this.#result<TBody>(compilePrepared(fallback.prepared, request, this.#compileOptions), fallback, "fallback");
      });
    }
  }

  #result<TBody>(compiled: CompileResult, version: VersionEntry, source: PromptSource): PromptBodyResult<TBody> {
    return {
      body: compiled.body as TBody,
      errors: compiled.errors,
      warnings: compiled.warnings,
      promptId: version.promptId,
      versionId: version.id,
      version: version.version,
      source,
    };
  }

  /**
   * Starts the deployment subscription (getPromptBody starts it too). Resolves true once changes flow (stream
   * live, or polling working), false if the first attempt fails: it keeps trying in the background, and
   * getPromptBody works either way.
   */
  ready(): Promise<boolean> {
    if (!this.#started) this.#start();
    return this.#watcher.ready();
  }

  /** Drops cached pointers (of one prompt, or all) so the next call asks the server. Bodies are kept. */
  invalidate(promptId?: string): void {
    for (const [key, pointer] of this.#pointers) {
      if (promptId === undefined || pointer.selection.promptId === promptId) this.#pointers.delete(key);
    }
    for (const key of this.#inflight.keys()) {
      if (promptId === undefined || key.startsWith(`${promptId}\n`)) this.#raced.set(key, "invalidated");
    }
  }

  /** Stops the deployment stream and polling. The cache keeps serving, with `pointerTtlMs` as its only bound. */
  close(): void {
    this.#closed = true;
    this.#started = true;
    this.#watcher.stop();
  }

  /** Sizes of the caches, for tests and metrics. */
  stats(): { versions: number; pointers: number; subscribed: boolean } {
    return { versions: this.#versions.size, pointers: this.#pointers.size, subscribed: this.#watcher.connected };
  }

  #start(): void {
    this.#started = true;
    if (!this.#closed) this.#watcher.start();
  }

  #emit(event: PromptManagerEvent): void {
    if (this.#onEvent === undefined) return;
    try {
      this.#onEvent(event);
    } catch {
      // An observer's failure must not break serving.
    }
  }

  /** The cached answer when the cache may serve it without waiting for the server (the hot path). */
  #resolveCached(selection: Selection): Resolved | undefined {
    const pointer = this.#pointers.get(keyOf(selection));
    if (pointer === undefined || pointer.invalidated) return undefined;
    const age = performance.now() - pointer.validatedAt;
    if (age <= this.#ttl) return { version: pointer.target, source: "cache" };
    if (age <= this.#maxStale) {
      this.#revalidate(pointer);
      return { version: pointer.target, source: "stale" };
    }
    return undefined;
  }

  /** Asks the server (unless it is known to be down), or serves through the outage. */
  async #resolveRemote(selection: Selection): Promise<Resolved> {
    const key = keyOf(selection);
    if (performance.now() < this.#downUntil) return this.#serveThroughOutage(selection, key, this.#outage);
    try {
      return { version: await this.#load(selection, key), source: "network" };
    } catch (error) {
      if (!isOutage(error)) throw error;
      this.#backOff(error);
      return this.#serveThroughOutage(selection, key, error);
    }
  }

  /** The server is down: no request goes out for `outageBackoffMs`. */
  #backOff(error: unknown): void {
    this.#downUntil = performance.now() + this.#outageBackoff;
    this.#outage = error;
  }

  #serveThroughOutage(selection: Selection, key: string, error: unknown): Resolved {
    const pointer = this.#pointers.get(key);
    if (pointer !== undefined) {
      this.#emit({ type: "outage", promptId: selection.promptId, error, served: "last-known-good" });
      return { version: pointer.target, source: "last-known-good" };
    }
    const fallback = this.#fallback(selection.promptId);
    if (fallback !== undefined) {
      this.#emit({ type: "outage", promptId: selection.promptId, error, served: "fallback" });
      return { version: fallback, source: "fallback" };
    }
    this.#emit({ type: "outage", promptId: selection.promptId, error, served: "none" });
    throw new PromptUnavailableError(
      `${describeSelection(selection)} cannot be served: the server is unavailable${error instanceof Error ? ` (${error.message})` : ""}, and there is no cached or fallback body`,
      selection.promptId,
      { cause: error },
    );
  }

  #fallback(promptId: string): VersionEntry | undefined {
    let entry = this.#fallbacks.get(promptId);
    if (entry === undefined && Object.hasOwn(this.#fallbackBodies, promptId)) {
      const prepared = prepareTemplate(this.#fallbackBodies[promptId]!);
      entry = { id: null, promptId, version: null, prepared, hasPartials: prepared.partials.length > 0 };
      this.#fallbacks.set(promptId, entry);
    }
    return entry;
  }

  #revalidate(pointer: Pointer): void {
    const key = keyOf(pointer.selection);
    if (this.#inflight.has(key) || performance.now() < this.#downUntil) return;
    this.#load(pointer.selection, key).catch((error: unknown) => {
      if (isOutage(error)) this.#backOff(error);
      // 404s already dropped the pointer (and were reported); anything else is reported here.
      if (!(error instanceof PromptNotFoundError)) this.#emit({ type: "revalidation-failed", promptId: pointer.selection.promptId, key, error });
    });
  }

  /** One fetch per key at a time. */
  #load(selection: Selection, key: string): Promise<VersionEntry> {
    let pending = this.#inflight.get(key);
    if (pending === undefined) {
      pending = this.#fetch(selection, key).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  async #fetch(selection: Selection, key: string): Promise<VersionEntry> {
    for (let attempt = 0; ; attempt++) {
      this.#raced.delete(key);
      let fetched: { version: VersionEntry; bodyFetched: boolean };
      try {
        fetched = await this.#fetchVersion(selection);
      } catch (error) {
        if (error instanceof PromptregApiError && error.status === 404) {
          this.#pointers.delete(key);
          this.#emit({ type: "not-found", promptId: selection.promptId, key });
          throw new PromptNotFoundError(
            error.message,
            selection.promptId,
            selection.kind === "environment" ? { environment: selection.environment } : { versionId: selection.versionId },
            { cause: error },
          );
        }
        throw error;
      }
      // A change was pushed while we asked: unless the answer agrees with it, it may predate it; ask again.
      const raced = this.#raced.get(key);
      this.#raced.delete(key);
      if (raced !== undefined && (raced === "invalidated" || raced.versionId !== fetched.version.id) && attempt < 2) continue;
      const previous = this.#pointers.get(key);
      this.#pointers.set(key, {
        selection,
        target: fetched.version,
        validatedAt: performance.now(),
        invalidated: false,
        revision: Math.max(previous?.revision ?? -1, raced !== undefined && raced !== "invalidated" ? raced.revision : -1),
      });
      this.#emit({ type: "fetched", promptId: selection.promptId, key, versionId: fetched.version.id!, bodyFetched: fetched.bodyFetched });
      return fetched.version;
    }
  }

  /**
   * The version a selection points at now. A cold prompt costs one request (metadata with body); otherwise
   * metadata only, plus the body when this version was never held.
   */
  async #fetchVersion(selection: Selection): Promise<{ version: VersionEntry; bodyFetched: boolean }> {
    const { promptId } = selection;
    const cold = !this.#knownPrompts.has(promptId);
    let meta: TRestPromptVersion;
    if (selection.kind === "environment") {
      const request = { promptId, environment: selection.environment };
      if (cold) {
        const withBody = await this.#rest.environmentVersionWithBody(request);
        return { version: this.#remember(withBody, withBody.prompt_body), bodyFetched: true };
      }
      meta = await this.#rest.environmentVersion(request);
    } else {
      const request = { promptVersionId: selection.versionId };
      if (!this.#versions.has(selection.versionId)) {
        const withBody = await this.#rest.queryVersionWithBody(request);
        this.#checkOwner(withBody, selection);
        return { version: this.#remember(withBody, withBody.prompt_body), bodyFetched: true };
      }
      meta = await this.#rest.queryVersion(request);
      this.#checkOwner(meta, selection);
    }
    const held = this.#versions.get(meta.id);
    if (held !== undefined) return { version: held, bodyFetched: false };
    return { version: this.#remember(meta, await this.#rest.promptBody(meta.id)), bodyFetched: true };
  }

  /** A version id of another prompt is as absent as a missing one (the gateway answers 404 too). */
  #checkOwner(meta: TRestPromptVersion, selection: Selection): void {
    if (meta.prompt_id !== selection.promptId) {
      throw new PromptregApiError(404, `${describeSelection(selection)} not found`, "POST /v1/prompt-2025/query/version");
    }
  }

  #remember(meta: TRestPromptVersion, body: TPromptBody): VersionEntry {
    const held = this.#versions.get(meta.id);
    if (held !== undefined) return held;
    const prepared = prepareTemplate(body);
    const entry: VersionEntry = {
      id: meta.id,
      promptId: meta.prompt_id,
      version: `${meta.major_version}.${meta.minor_version}`,
      prepared,
      hasPartials: prepared.partials.length > 0,
    };
    this.#versions.set(meta.id, entry);
    this.#knownPrompts.add(meta.prompt_id);
    return entry;
  }

  /**
   * A prompt deleted, or one of its versions hidden: nothing of it is served again from memory, not even
   * through an outage; the next call asks the server (which answers 404 for what is gone).
   */
  #applyPromptChange(change: TPromptChangeEvent): void {
    this.invalidate(change.promptId);
    if (change.action === "prompt-deleted") {
      for (const [id, entry] of this.#versions) if (entry.promptId === change.promptId) this.#versions.delete(id);
    } else if (change.versionId !== null) {
      this.#versions.delete(change.versionId);
    }
    this.#emit({ type: "prompt-change", promptId: change.promptId, action: change.action, versionId: change.versionId });
  }

  #applyChange(change: DeploymentChange, via: "sse" | "poll"): void {
    const key = environmentKey(change.promptId, change.environment);
    const pointer = this.#pointers.get(key);
    const base = { type: "deployment", promptId: change.promptId, environment: change.environment, versionId: change.versionId, revision: change.revision, via } as const;
    if ((pointer === undefined && !this.#inflight.has(key)) || (pointer !== undefined && change.revision <= pointer.revision)) {
      if (via === "sse") this.#emit({ ...base, effect: "ignored" });
      return;
    }
    if (this.#inflight.has(key)) {
      const raced = this.#raced.get(key);
      if (raced === undefined || (raced !== "invalidated" && raced.revision < change.revision)) this.#raced.set(key, change);
    }
    if (change.versionId === null) {
      // Removed: never served again, not even as last known good.
      this.#pointers.delete(key);
      this.#emit({ ...base, effect: "removed" });
      return;
    }
    if (pointer === undefined) return; // the fetch in flight asks again
    pointer.revision = change.revision;
    const target = this.#versions.get(change.versionId);
    if (target !== undefined && target.promptId === change.promptId) {
      pointer.target = target;
      pointer.validatedAt = performance.now();
      pointer.invalidated = false;
      this.#emit({ ...base, effect: "moved" });
      return;
    }
    pointer.invalidated = true;
    this.#emit({ ...base, effect: "refetching" });
    this.#revalidate(pointer);
  }

  async #compileWithPartials<TBody>(resolved: Resolved, request: PromptBodyRequest): Promise<PromptBodyResult<TBody>> {
    const { version } = resolved;
    let source = resolved.source;
    const load: PartialLoader = async (ref) => {
      const selection: Selection = { kind: "environment", promptId: ref.promptId, environment: ref.environment };
      try {
        const partial = this.#resolveCached(selection) ?? (await this.#resolveRemote(selection));
        if (SOURCE_RANK[partial.source] > SOURCE_RANK[source]) source = partial.source;
        return { versionId: partial.version.id ?? `fallback:${ref.promptId}`, body: partial.version.prepared.body };
      } catch (error) {
        if (error instanceof PromptNotFoundError) return null;
        throw error;
      }
    };
    if (!version.hasPartials) return this.#result<TBody>(compilePrepared(version.prepared, request, this.#compileOptions), version, source);
    const expanded = await expandPartials(version.prepared.body, load, { maxTotalLength: this.#compileOptions.maxBytes });
    return this.#result<TBody>(compilePrompt(expanded, request, this.#compileOptions), version, source);
  }
}

/** A prompt manager (same as `new PromptManager(options)`). */
export function createPromptManager(options: PromptManagerOptions): PromptManager {
  return new PromptManager(options);
}
