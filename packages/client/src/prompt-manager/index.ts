/**
 * PromptManager: Helicone's `HeliconePromptManager.getPromptBody` shape, compiling with the same
 * `@promptreg/template` engine as the gateway (resolve -> expandPartials -> compile). Where each part lives:
 *
 * - `types.ts`: the public types (request, result, options, events);
 * - `selection.ts`: which pointer a request asks for (environment, else version_id, else production);
 * - `cache.ts`: bodies kept forever, pointers with stale-while-revalidate, one fetch per key;
 * - `fetch.ts`: the REST requests a fetch makes (one round trip on a cold miss);
 * - `outage.ts`: what is served while the server cannot answer (last known good, fallback, backoff);
 * - `push.ts`: pointer changes pushed by the server (SSE, polling as the fallback) applied to the cache;
 * - `partials.ts`: prompt partials resolved through the same cache, and the fallback when they cannot be.
 *
 * What the server says "no" to is not an outage: an unknown prompt, environment or version (404) throws
 * PromptNotFoundError, a refused key throws PromptregApiError; input problems are returned in `errors`, as
 * Helicone's SDK and our gateway (400) report them.
 */
import type { TPromptBody } from "@promptreg/contracts";
import { rolloutSubject, servesCandidate } from "@promptreg/contracts/rollout-hash";
import { compilePrepared, DEFAULT_MAX_COMPILED_BYTES, type CompileResult } from "@promptreg/template";
import type { DeploymentWatcher } from "../deployment-watcher.js";
import { createTransport } from "../http.js";
import { restClientOn } from "../rest.js";
import { PromptCache, type Resolved, type VersionEntry } from "./cache.js";
import { OutagePolicy } from "./outage.js";
import { compileWithPartials, type PartialContext } from "./partials.js";
import { watchDeployments } from "./push.js";
import { selectionOf } from "./selection.js";
import type { Emit, PromptBodyRequest, PromptBodyResult, PromptManagerEvent, PromptManagerOptions, PromptSource, RolloutArm } from "./types.js";

export type { PromptBodyRequest, PromptBodyResult, PromptManagerEvent, PromptManagerOptions, PromptSource, RolloutArm } from "./types.js";

export class PromptManager {
  readonly #cache: PromptCache;
  readonly #watcher: DeploymentWatcher;
  readonly #partials: PartialContext;
  readonly #onEvent: ((event: PromptManagerEvent) => void) | undefined;
  #started = false;
  #closed = false;

  constructor(options: PromptManagerOptions) {
    this.#onEvent = options.onEvent;
    const emit: Emit = (event) => this.#emit(event);
    const http = createTransport(
      { url: options.url, apiKey: options.apiKey, fetch: options.fetch, headers: options.headers, timeoutMs: options.timeoutMs ?? 5_000 },
      // Every answer's Date header keeps the watcher's estimate of the server clock current.
      (response) => this.#watcher.observe(response),
    );
    const outage = new OutagePolicy(options.outageBackoffMs ?? 2_000, options.fallbacks ?? {}, emit);
    this.#cache = new PromptCache(
      restClientOn(http),
      { pointerTtlMs: options.pointerTtlMs ?? 30_000, maxStaleMs: options.maxStaleMs ?? 300_000, rollouts: options.rollouts ?? true },
      outage,
      emit,
    );
    this.#watcher = watchDeployments(http, { subscribe: options.subscribe ?? true, pollIntervalMs: options.pollIntervalMs ?? 5_000 }, this.#cache, emit);
    this.#partials = {
      resolve: (selection) => this.#cache.cached(selection) ?? this.#cache.remote(selection),
      outage,
      emit,
      compile: { maxBytes: options.maxCompiledBytes ?? DEFAULT_MAX_COMPILED_BYTES },
    };
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
    // 1. select: which pointer the request asks for.
    const selection = selectionOf(request);
    const subject = subjectOf(request);
    // `subject` is ours, not a chat-completions parameter: it must not reach the body.
    const parameters = request.subject === undefined ? request : withoutSubject(request);
    if (!this.#started) this.#start();
    // 2. resolve: the version that pointer serves, from the cache when it may, else the server or the outage policy.
    const resolved = this.#cache.cached(selection) ?? (await this.#cache.remote(selection));
    // 3. split: during a rollout, the subject's arm, by the gateway's hash (same subject, same version).
    const { served, rollout } = split(resolved, subject);
    // 4. compile, expanding partials when the body has any.
    const { version } = served;
    if (!version.hasPartials) return resultOf<TBody>(compilePrepared(version.prepared, parameters, this.#partials.compile), version, served.source, rollout);
    const expanded = await compileWithPartials(served, parameters, selection.promptId, this.#partials);
    return resultOf<TBody>(expanded.compiled, expanded.version, expanded.source, rollout);
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
    this.#cache.invalidate(promptId);
  }

  /** Stops the deployment stream and polling. The cache keeps serving, with `pointerTtlMs` as its only bound. */
  close(): void {
    this.#closed = true;
    this.#started = true;
    this.#watcher.stop();
  }

  /** Sizes of the caches, for tests and metrics. */
  stats(): { versions: number; pointers: number; subscribed: boolean } {
    return { versions: this.#cache.versions.size, pointers: this.#cache.pointers.size, subscribed: this.#watcher.connected };
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
}

/** A prompt manager (same as `new PromptManager(options)`). */
export function createPromptManager(options: PromptManagerOptions): PromptManager {
  return new PromptManager(options);
}

/**
 * The rollout's subject of a request, as the gateway takes it: `subject` (its `x-prompt-subject`), else the
 * `user`, else the `safety_identifier` parameter; an empty string counts as none (null: a random draw).
 */
function subjectOf(request: PromptBodyRequest): string | null {
  const { subject } = request;
  if (subject !== undefined && subject !== null && typeof subject !== "string") throw new TypeError("subject must be a string");
  return rolloutSubject(subject, request);
}

function withoutSubject(request: PromptBodyRequest): PromptBodyRequest {
  const { subject: _subject, ...rest } = request;
  return rest;
}

/** The arm of `subject` in the selection's active rollout (stable: the environment's version). */
function split(resolved: Resolved, subject: string | null): { served: Resolved; rollout: RolloutArm | null } {
  const active = resolved.split;
  if (active === undefined || active === null) return { served: resolved, rollout: null };
  const candidate = servesCandidate(active.id, subject, active.weight);
  return {
    served: candidate ? { version: active.candidate, source: resolved.source } : resolved,
    rollout: { id: active.id, arm: candidate ? "candidate" : "stable", weight: active.weight },
  };
}

function resultOf<TBody>(compiled: CompileResult, version: VersionEntry, source: PromptSource, rollout: RolloutArm | null): PromptBodyResult<TBody> {
  return {
    body: compiled.body as TBody,
    errors: compiled.errors,
    warnings: compiled.warnings,
    promptId: version.promptId,
    versionId: version.id,
    version: version.version,
    source,
    rollout,
  };
}
