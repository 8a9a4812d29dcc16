// One gateway prompt call as the request log records it: the gateway notes what it learns as the call goes
// (prompt, version, what it sent upstream, the answer) and, once the answer is over (`close`), the record is
// handed to the call sink (analytics/index.ts) and the request moves on: nothing here is awaited by the
// request or can fail it.
//
// Which calls are recorded: every call with `prompt_id` naming a prompt of the caller's organization, what
// ever happened to it (400 invalid inputs, 404 unknown environment, upstream 5xx, a stream cut mid-way, the
// caller hanging up: 499). A call whose `prompt_id` names no prompt of the organization is not: there is
// no prompt to list it under (and recording it would let callers fill the log with made-up ids); the
// Prometheus totals on /metrics and the request log line still count it.
import type { IncomingMessage, ServerResponse } from "node:http";
import { CLIENT_CLOSED_STATUS, type TCallRecord } from "@promptreg/contracts";
import type { CallSink } from "../analytics/index.js";
import type { ResolvedVersion } from "../resolution/index.js";
import type { RequestScope } from "../services/index.js";
import { factsOfJson, noFacts, StreamWatcher, type AnswerFacts } from "./call-facts.js";
import type { CallReport } from "./providers/call-report.js";

/** The error code of an answer the gateway wrote itself (set by its error writer, read at `close`). */
const errorCodes = new WeakMap<ServerResponse, string>();
export const noteErrorCode = (res: ServerResponse, code: string): void => void errorCodes.set(res, code);

/** Checks, off the request path, whether a prompt the call did not resolve exists (to record the call). */
export type PromptExists = (scope: RequestScope, promptId: string) => Promise<boolean>;

export class CallRecording {
  #scope: RequestScope | undefined;
  #promptId: string | undefined;
  #environment: string | null = null;
  #resolved: ResolvedVersion | undefined;
  #inputs: Record<string, unknown> | null = null;
  #bodyBytes = 0;
  #requestModel: string | null = null;
  #stream = false;
  #provider: string | null = null;
  #servedModel: string | null = null;
  #upstreamStart: number | undefined;
  #upstreamEnd: number | undefined;
  #firstByte: number | undefined;
  #facts: AnswerFacts = noFacts();
  #watcher: StreamWatcher | undefined;

  constructor(
    private readonly sink: CallSink,
    private readonly promptExists: PromptExists,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly requestId: string,
    /** performance.now() when the call arrived. */
    private readonly start: number,
  ) {}

  /**
   * The call names a prompt (its selection validated: ids of bounded length): from here on it is recorded
   * when the answer is over.
   */
  prompt(scope: RequestScope, selection: { promptId: string; environment?: string | undefined; versionId?: string | undefined }, inputs: unknown, bodyBytes: number): void {
    this.#scope = scope;
    this.#promptId = selection.promptId;
    // As the gateway selects: environment if given, else version_id, else production.
    this.#environment = selection.environment ?? (selection.versionId === undefined ? "production" : null);
    if (typeof inputs === "object" && inputs !== null && !Array.isArray(inputs)) this.#inputs = inputs as Record<string, unknown>;
    this.#bodyBytes = bodyBytes;
    this.res.once("close", () => {
      // A 'close' listener that threw would take the process down: recording must never cost a call.
      try {
        this.#finish();
      } catch {
        // Nothing to answer to: the call is over; the record is lost.
      }
    });
  }

  version(resolved: ResolvedVersion): void {
    this.#resolved = resolved;
  }

  /**
   * The body to send to the provider router. A streamed call asks the provider for usage
   * (`stream_options.include_usage`, before the provider layer: the Anthropic adapter sends the usage event
   * when it is set) so that it has token counts; when the caller did not ask for it, the extra usage event is
   * cut from the relayed stream (see `watch`).
   */
  outgoing(body: Record<string, unknown>): Record<string, unknown> {
    this.#requestModel = typeof body["model"] === "string" ? body["model"] : null;
    this.#stream = body["stream"] === true;
    if (!this.#stream) return body;
    const options = body["stream_options"];
    const callerOptions = typeof options === "object" && options !== null && !Array.isArray(options) ? (options as Record<string, unknown>) : {};
    const callerAsked = callerOptions["include_usage"] === true;
    this.#watcher = new StreamWatcher(!callerAsked);
    return callerAsked ? body : { ...body, stream_options: { ...callerOptions, include_usage: true } };
  }

  /** The call goes to the provider router now (upstream latency is counted from here, fallbacks included). */
  sending(): void {
    this.#upstreamStart = performance.now();
  }

  /** What the provider router reports: the provider and model that answered, else the last one tried. */
  served(report: CallReport): void {
    const last = report.attempts.at(-1);
    this.#provider = report.provider ?? last?.provider ?? null;
    this.#servedModel = report.model ?? last?.model ?? null;
  }

  /** A whole JSON answer, once written to the caller. */
  answered(body: Buffer): void {
    this.#upstreamEnd = performance.now();
    this.#facts = factsOfJson(body);
  }

  /** The relayed stream: cuts the usage event the gateway asked for, notes usage and time to first token. */
  async *watch(body: AsyncIterable<Buffer | string>): AsyncIterable<Buffer> {
    const watcher = this.#watcher ?? (this.#watcher = new StreamWatcher(false));
    this.#stream = true;
    try {
      for await (const chunk of body) {
        // Translated streams (Anthropic) come as text.
        const out = watcher.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
        if (out.length === 0) continue;
        this.#firstByte ??= performance.now();
        yield out;
      }
      const rest = watcher.end();
      if (rest.length > 0) yield rest;
    } finally {
      this.#upstreamEnd = performance.now();
      this.#facts = watcher.facts;
    }
  }

  #finish(): void {
    const scope = this.#scope;
    const promptId = this.#promptId;
    if (!scope || !promptId) return;
    const res = this.res;
    const resolved = this.#resolved;
    const facts = this.#facts;
    const end = performance.now();
    const finished = res.writableFinished;
    let errorCode = errorCodes.get(res) ?? null;
    if (errorCode === null && res.statusCode >= 400) errorCode = facts.errorCode ?? `http_${res.statusCode}`;
    const record: TCallRecord = {
      requestId: this.requestId,
      startedAt: performance.timeOrigin + this.start,
      orgId: scope.orgId,
      promptId: resolved?.promptId ?? promptId,
      versionId: resolved?.versionId ?? null,
      majorVersion: resolved?.major ?? null,
      minorVersion: resolved?.minor ?? null,
      environment: this.#environment,
      // A caller who hung up before the answer was over got no status it could read.
      status: finished ? res.statusCode : CLIENT_CLOSED_STATUS,
      latencyMs: end - this.start,
      upstreamLatencyMs: this.#upstreamStart === undefined ? null : (this.#upstreamEnd ?? end) - this.#upstreamStart,
      ttftMs: this.#stream && this.#firstByte !== undefined ? this.#firstByte - this.start : null,
      stream: this.#stream,
      requestModel: this.#requestModel,
      // The provider's own answer names its exact model (a dated snapshot); else the model the router sent.
      model: facts.model ?? this.#servedModel ?? this.#requestModel,
      provider: this.#provider,
      providerType: null,
      providerUrl: null,
      inputTokens: facts.inputTokens,
      outputTokens: facts.outputTokens,
      cachedInputTokens: facts.cachedInputTokens,
      errorCode: finished ? errorCode : "client_closed_request",
      finishReasons: facts.finishReasons,
      responseId: facts.responseId,
      inputs: this.#inputs,
      bodyBytes: this.#bodyBytes,
      traceparent: headerOf(this.req, "traceparent"),
    };
    if (resolved) return this.sink.record(record);
    // No version: recorded only when the prompt exists (an unknown environment or version of a real prompt).
    this.promptExists(scope, promptId).then(
      (exists) => {
        if (exists) this.sink.record(record);
      },
      () => undefined,
    );
  }
}

const headerOf = (req: IncomingMessage, name: string): string | null => {
  const value = req.headers[name];
  return typeof value === "string" ? value : null;
};
