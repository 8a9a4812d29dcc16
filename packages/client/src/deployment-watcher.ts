/**
 * Learns of environment pointer changes of the caller's organization, for the prompt manager's cache:
 *
 * - Server-Sent Events from `GET /v1/deployments/stream` while it is up: a change arrives within
 *   milliseconds of being stored.
 * - Polling `GET /v1/deployments?since=` when the stream is disabled, refused, or down; while polling, the
 *   stream is retried with exponential backoff, and polling stops once it is live again.
 * - After every (re)connect, one catch-up poll covers the changes made while no stream was open.
 *
 * The polling cursor is in the server's clock: the largest `at` seen, or the server's `Date` header time of
 * the last stream activity, minus an overlap for clock skew between replicas. Replays are harmless: the
 * manager ignores a change whose revision it has already applied.
 */
import type { TDeployment, TPromptChangeEvent, TRegistryChangeEvent } from "@promptreg/contracts";
import { PromptregApiError } from "./errors.js";
import type { Transport } from "./http.js";
import { pumpSse, SseParser } from "./sse.js";

/**
 * One pointer change as the stream and the polling endpoint both give it. The stream's payload is this
 * subset of the contract's TDeployment with the entry's id as `deploymentId`.
 */
export type DeploymentChange = Pick<TDeployment, "promptId" | "environment" | "versionId" | "revision"> & {
  deploymentId: string;
  /**
   * What the change did, when the server says: `set` / `remove` move the pointer, `rollout-…` start,
   * re-weight, promote, abort or roll back a rollout. Servers before rollouts leave it out.
   */
  action?: string | undefined;
  /** The rollout the change started, changed or ended (a move that ended a rollout names it too). */
  rolloutId?: string | undefined;
};

export type WatcherEvent =
  | { type: "connected" }
  | { type: "disconnected"; error: unknown; retryInMs: number }
  | { type: "polling"; intervalMs: number }
  | { type: "poll-failed"; error: unknown };

export interface WatcherOptions {
  subscribe: boolean;
  pollIntervalMs: number;
  /** Longest silence (no event, no heartbeat) before the stream is considered dead. Server heartbeats every 15 s. */
  idleTimeoutMs: number;
  /** Longest wait between two reconnection attempts. */
  maxReconnectDelayMs: number;
}

/** Margin subtracted from the polling cursor: replicas' clocks, and the `Date` header's 1 s resolution. */
const CURSOR_OVERLAP_MS = 6_000;
const POLL_PAGE = 1000;

interface Timer {
  unref?: () => void;
}
/** Timers must not keep a Node process alive; browsers have no unref. */
function unref<T>(timer: T): T {
  (timer as Timer).unref?.();
  return timer;
}

export class DeploymentWatcher {
  #stopped = true;
  #connected = false;
  /** The catch-up poll after the stream's `ready` succeeded: from then on the stream alone moves the cursor. */
  #caughtUp = false;
  #streamAbort: AbortController | undefined;
  #pollTimer: ReturnType<typeof setTimeout> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #idleTimer: ReturnType<typeof setInterval> | undefined;
  #polling = false;
  #pollInFlight: Promise<boolean> | undefined;
  #reconnectDelayMs = 1000;
  #serverRetryMs = 1000;
  #lastActivity = 0;
  /** Server time (ms) up to which changes are known, or undefined (the endpoint's default: the last minute). */
  #cursorMs: number | undefined;
  /** Server clock minus ours, from `Date` headers (undefined until one is seen). */
  #clockOffsetMs: number | undefined;
  #readyWaiters: Array<(live: boolean) => void> = [];
  #live = false;

  constructor(
    private readonly http: Transport,
    private readonly options: WatcherOptions,
    private readonly onChange: (change: DeploymentChange, via: "sse" | "poll") => void,
    private readonly onEvent: (event: WatcherEvent) => void,
    /** A prompt was deleted or one of its versions hidden (pushed over the stream only). */
    private readonly onPromptChange: (change: TPromptChangeEvent) => void = () => undefined,
    /** The server could not replay the changes a resumed stream missed. */
    private readonly onResync: () => void = () => undefined,
    /** A prompt created, renamed or retagged, or a version created (pushed over the stream only). */
    private readonly onRegistryChange: (change: TRegistryChangeEvent) => void = () => undefined,
  ) {}

  get connected(): boolean {
    return this.#connected;
  }

  /**
   * Resolves true once changes flow (the stream said `ready` and its catch-up poll succeeded, or a poll
   * succeeded), false when the next attempt fails (the watcher keeps trying in the background).
   */
  ready(): Promise<boolean> {
    if (this.#live) return Promise.resolve(true);
    if (this.#stopped) return Promise.resolve(false);
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Records the server's clock from any answer's `Date` header. */
  observe(response: Response): void {
    const date = response.headers.get("date");
    if (date === null) return;
    const serverMs = Date.parse(date);
    if (!Number.isNaN(serverMs)) this.#clockOffsetMs = serverMs - Date.now();
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    if (this.options.subscribe) this.#connect();
    else this.#startPolling();
  }

  stop(): void {
    this.#stopped = true;
    this.#connected = false;
    this.#streamAbort?.abort();
    this.#streamAbort = undefined;
    this.#stopPolling();
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#idleTimer);
    this.#live = false;
    this.#settle(false);
  }

  #markLive(): void {
    this.#live = true;
    this.#settle(true);
  }

  #settle(live: boolean): void {
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const resolve of waiters) resolve(live);
  }

  #advanceCursor(serverMs: number): void {
    if (this.#cursorMs === undefined || serverMs > this.#cursorMs) this.#cursorMs = serverMs;
  }

  #connect(): void {
    if (this.#stopped) return;
    const abort = new AbortController();
    this.#streamAbort = abort;
    void this.#stream(abort).then(
      () => this.#dropped(abort, new Error("the deployment stream ended")),
      (error: unknown) => this.#dropped(abort, error),
    );
  }

  async #stream(abort: AbortController): Promise<void> {
    const headers = await this.http.headers();
    // Only the time to the answer's headers is bounded here; the stream itself is watched for silence.
    const connectTimeout = unref(setTimeout(() => abort.abort(new Error("connecting the stream timed out")), this.http.timeoutMs));
    let response: Response;
    try {
      response = await this.http.fetch(`${this.http.baseUrl}/v1/deployments/stream`, {
        headers: { ...headers, accept: "text/event-stream", "cache-control": "no-cache" },
        signal: abort.signal,
      });
    } finally {
      clearTimeout(connectTimeout);
    }
    this.observe(response);
    if (!response.ok || response.body === null) {
      const text = await response.text().catch(() => "");
      throw new PromptregApiError(response.status, `deployment stream refused: ${response.status} ${text.slice(0, 200)}`, "GET /v1/deployments/stream");
    }
    const body = response.body;
    this.#lastActivity = Date.now();
    clearInterval(this.#idleTimer);
    this.#idleTimer = unref(
      setInterval(() => {
        if (Date.now() - this.#lastActivity > this.options.idleTimeoutMs) abort.abort(new Error("the deployment stream went silent"));
      }, Math.max(50, Math.floor(this.options.idleTimeoutMs / 4))),
    );
    const parser = new SseParser({
      onActivity: () => {
        this.#lastActivity = Date.now();
        // Everything stored up to now has been pushed to us (the stream is in order).
        if (this.#connected && this.#caughtUp && this.#clockOffsetMs !== undefined) this.#advanceCursor(Date.now() + this.#clockOffsetMs);
      },
      onRetry: (ms) => {
        this.#serverRetryMs = ms;
      },
      onEvent: (event) => {
        if (event.event === "ready") this.#onReady();
        else if (event.event === "deployment") {
          const change = parseChange(event.data);
          if (change) this.onChange(change, "sse");
        } else if (event.event === "resync") {
          // The server could not replay what this stream missed: nothing cached can be trusted to be current.
          this.onResync();
        } else if (event.event === "prompt") {
          const change = parsePromptChange(event.data);
          if (change) this.onPromptChange(change);
        } else if (event.event === "registry") {
          const change = parseRegistryChange(event.data);
          if (change) this.onRegistryChange(change);
        }
      },
    });
    await pumpSse(body, parser);
  }

  #onReady(): void {
    this.#connected = true;
    this.#caughtUp = false;
    this.#reconnectDelayMs = this.#serverRetryMs;
    this.#stopPolling();
    this.onEvent({ type: "connected" });
    this.#catchUp(this.#streamAbort);
  }

  /**
   * Changes made while no stream was open (or before this one started) come from one poll sent after the
   * stream is live (not one already in flight, which may predate it). Retried until it succeeds.
   */
  #catchUp(stream: AbortController | undefined): void {
    const previous = this.#pollInFlight ?? Promise.resolve(true);
    void previous
      .then(() => this.#pollOnce())
      .then((ok) => {
        if (this.#stopped || this.#streamAbort !== stream || !this.#connected) return;
        if (ok) {
          this.#caughtUp = true;
          this.#markLive();
        } else {
          this.#pollTimer = unref(setTimeout(() => this.#catchUp(stream), this.options.pollIntervalMs));
        }
      });
  }

  #dropped(abort: AbortController, error: unknown): void {
    clearInterval(this.#idleTimer);
    if (this.#stopped || this.#streamAbort !== abort) return;
    this.#connected = false;
    this.#live = false;
    this.#streamAbort = undefined;
    this.#settle(false);
    // A refused key or a server without the stream: retry rarely, poll meanwhile.
    const refused = error instanceof PromptregApiError && error.status >= 400 && error.status < 500;
    const delay = refused ? this.options.maxReconnectDelayMs : this.#reconnectDelayMs;
    this.#reconnectDelayMs = Math.min(this.options.maxReconnectDelayMs, Math.max(this.#serverRetryMs, this.#reconnectDelayMs * 2));
    this.onEvent({ type: "disconnected", error, retryInMs: delay });
    this.#startPolling();
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = unref(setTimeout(() => this.#connect(), delay));
  }

  #startPolling(): void {
    if (this.#polling || this.#stopped) return;
    this.#polling = true;
    this.onEvent({ type: "polling", intervalMs: this.options.pollIntervalMs });
    const loop = () => {
      if (!this.#polling) return;
      void this.#pollOnce().then((ok) => {
        if (ok) this.#markLive();
        else if (!this.#connected) this.#settle(false);
        if (this.#polling) this.#pollTimer = unref(setTimeout(loop, this.options.pollIntervalMs));
      });
    };
    loop();
  }

  #stopPolling(): void {
    this.#polling = false;
    clearTimeout(this.#pollTimer);
  }

  /** One poll (pages until the answer is short); concurrent calls share it. Never rejects; false when it failed. */
  #pollOnce(): Promise<boolean> {
    this.#pollInFlight ??= this.#poll().finally(() => {
      this.#pollInFlight = undefined;
    });
    return this.#pollInFlight;
  }

  async #poll(): Promise<boolean> {
    try {
      for (let page = 0; page < 100; page++) {
        const since = this.#cursorMs === undefined ? undefined : new Date(this.#cursorMs - CURSOR_OVERLAP_MS).toISOString();
        const askedAt = this.#clockOffsetMs === undefined ? undefined : Date.now() + this.#clockOffsetMs;
        const changes = await this.http.envelope<TDeployment[]>("GET", "/v1/deployments", undefined, { query: { since } });
        if (this.#stopped) return true;
        for (const entry of changes) {
          this.onChange(
            {
              deploymentId: entry.id,
              promptId: entry.promptId,
              environment: entry.environment,
              versionId: entry.versionId,
              revision: entry.revision,
              ...rolloutFacts(entry),
            },
            "poll",
          );
          const at = Date.parse(entry.at);
          if (!Number.isNaN(at)) this.#advanceCursor(at);
        }
        if (changes.length < POLL_PAGE) {
          // Nothing else was stored before the request: the cursor may move to when it was asked.
          if (askedAt !== undefined) this.#advanceCursor(askedAt);
          return true;
        }
        // A full page: there may be more after the last one (its `at` is now the cursor).
        this.#cursorMs = Date.parse(changes[changes.length - 1]!.at) + CURSOR_OVERLAP_MS;
      }
      return true;
    } catch (error) {
      this.onEvent({ type: "poll-failed", error });
      return false;
    }
  }
}

// Checked by hand, as parseChange: the client carries no schema library at run time.
function parsePromptChange(data: string): TPromptChangeEvent | undefined {
  try {
    const value = JSON.parse(data) as Partial<TPromptChangeEvent>;
    if (typeof value.promptId !== "string" || (value.action !== "prompt-deleted" && value.action !== "version-hidden")) return undefined;
    return { promptId: value.promptId, action: value.action, versionId: typeof value.versionId === "string" ? value.versionId : null };
  } catch {
    return undefined;
  }
}

const REGISTRY_ACTIONS: ReadonlySet<string> = new Set<TRegistryChangeEvent["action"]>(["prompt-created", "prompt-updated", "version-created"]);

function parseRegistryChange(data: string): TRegistryChangeEvent | undefined {
  try {
    const value = JSON.parse(data) as Partial<TRegistryChangeEvent>;
    if (typeof value.promptId !== "string" || typeof value.action !== "string" || !REGISTRY_ACTIONS.has(value.action)) return undefined;
    return { promptId: value.promptId, action: value.action, versionId: typeof value.versionId === "string" ? value.versionId : null };
  } catch {
    return undefined;
  }
}

function parseChange(data: string): DeploymentChange | undefined {
  try {
    const value = JSON.parse(data) as Partial<DeploymentChange>;
    if (typeof value.promptId !== "string" || typeof value.environment !== "string" || typeof value.revision !== "number") return undefined;
    return {
      deploymentId: String(value.deploymentId ?? ""),
      promptId: value.promptId,
      environment: value.environment,
      versionId: typeof value.versionId === "string" ? value.versionId : null,
      revision: value.revision,
      ...rolloutFacts(value),
    };
  } catch {
    return undefined;
  }
}

/** `action` and `rolloutId` of an event or history entry, when it has them (strings only). */
function rolloutFacts(value: Partial<DeploymentChange>): Pick<DeploymentChange, "action" | "rolloutId"> {
  return {
    ...(typeof value.action === "string" ? { action: value.action } : {}),
    ...(typeof value.rolloutId === "string" ? { rolloutId: value.rolloutId } : {}),
  };
}
