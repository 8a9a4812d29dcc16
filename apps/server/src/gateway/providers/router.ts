// The gateway's way upstream: route a call's `model` to its chain of (provider, model), try the members in
// order on 429, 5xx, timeouts and connection errors (never once anything was relayed: every decision is
// taken before the answer's first byte goes to the caller), skip providers whose circuit breaker is open,
// wait for a short `Retry-After` within a bounded budget, and hand back the answer in OpenAI's shape with a
// report of what happened (./call-report.ts).
//
// One undici Agent per provider, uncapped unless the operator sets `maxConnections`: LLM calls last seconds
// to minutes, and a cap makes calls past it wait without a word (the old default of 256 connections made
// 1,000 concurrent 2-s streams take 9 s instead of 2). Calls waiting for a connection show in /metrics.
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, errors as undiciErrors, request, type Dispatcher } from "undici";
import type { ProviderSettings, ProvidersConfig } from "../../config.js";
import {
  AnthropicStreamError,
  fromAnthropicMessage,
  statusOfStreamError,
  toOpenAiError,
  toOpenAiStatus,
  translateAnthropicBody,
  TranslationError,
  type AnthropicCallContext,
} from "./anthropic.js";
import { ANTHROPIC_RELAYED_HEADERS, OPENAI_RELAYED_HEADERS, prepareCall, type CallInput } from "./adapters.js";
import { CircuitBreaker, type BreakerState } from "./breaker.js";
import type { AttemptOutcome, CallReport, CallUsage } from "./call-report.js";
import { parseRoute, type RouteMember } from "./route.js";
import { SseParser, type SseEvent } from "./sse.js";

export type { CallReport } from "./call-report.js";

export interface ProviderCall {
  /** The request as parsed (a prompt call: the compiled body). */
  body: Record<string, unknown>;
  /** The caller's bytes when `body` is exactly what they said (pass-through). */
  raw: Buffer | undefined;
  accept: string | undefined;
  /** `x-upstream-authorization`: goes to the first member's provider only, never to a fallback of another. */
  callerAuthorization: string | undefined;
  /** The caller's `openai-organization` / `openai-project`; forwarded to openai providers only if the operator allows. */
  orgHeaders: Readonly<Record<string, string>>;
  signal: AbortSignal;
}

/** An answer in OpenAI's shape: a whole JSON body or an SSE stream of `chat.completion.chunk`s. */
export interface ProviderAnswer {
  status: number;
  /** Headers to relay (content-type included). */
  headers: Record<string, string>;
  body: Buffer | undefined;
  stream: AsyncIterable<Buffer | string> | undefined;
  report: CallReport;
}

/** No provider of the chain gave an answer to relay. `detail` is for the log only (it may name addresses). */
export class ProviderCallError extends Error {
  override readonly name = "ProviderCallError";
  constructor(
    readonly status: 400 | 502 | 503 | 504,
    readonly code: "upstream_unreachable" | "upstream_timeout" | "provider_unavailable" | "unsupported_by_provider",
    message: string,
    readonly report: CallReport,
    readonly detail: string | undefined,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** What /metrics reads of the providers at each scrape (labels: configured provider names only). */
export interface ProviderStats {
  provider: string;
  breaker: BreakerState;
  /** Connections open. */
  connected: number;
  /** Requests being answered. */
  running: number;
  /** Requests waiting for a connection (only ever non-zero under an operator's `maxConnections`). */
  waiting: number;
}

/** Called once per attempt (at response headers or failure) and once per answer body's end. */
export interface ProviderObserver {
  attempt(provider: string, outcome: AttemptOutcome, seconds: number): void;
  complete(provider: string, status: number, seconds: number): void;
}

/** undici's timeouts: no headers in time, a body silent too long, no connection in time. */
export const isUpstreamTimeout = (error: unknown) =>
  error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError || error instanceof undiciErrors.ConnectTimeoutError;

const retryable = (status: number) => status === 429 || status >= 500;

/** Retry-After (seconds or an HTTP date) or OpenAI's retry-after-ms, in ms; undefined when absent or unreadable. */
export function retryAfterMs(headers: Dispatcher.ResponseData["headers"], now = Date.now()): number | undefined {
  const ms = headers["retry-after-ms"];
  if (typeof ms === "string" && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms);
  const value = headers["retry-after"];
  if (typeof value !== "string") return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

interface ProviderRuntime {
  settings: ProviderSettings;
  agent: Agent;
  breaker: CircuitBreaker;
}

/** A failed attempt kept to answer with if the chain runs out: an HTTP answer, or a failure without one. */
type Failure =
  | { kind: "answer"; status: number; headers: Record<string, string>; body: Buffer; retryAfterMs: number | undefined; member: RouteMember }
  | { kind: "error"; outcome: "timeout" | "unreachable" | "circuit_open" | "unsupported"; message: string; detail?: string; member: RouteMember; retryInMs?: number };

export interface ProviderRouter {
  send(call: ProviderCall): Promise<ProviderAnswer>;
  /** Configured provider names, the default first. */
  readonly names: readonly string[];
  stats(): ProviderStats[];
  close(): Promise<void>;
}

export function createProviderRouter(config: ProvidersConfig, observer?: ProviderObserver): ProviderRouter {
  const runtimes = new Map<string, ProviderRuntime>();
  for (const settings of config.providers) {
    runtimes.set(settings.name, {
      settings,
      agent: new Agent({
        connections: settings.maxConnections ?? null,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        headersTimeout: settings.timeoutMs,
        bodyTimeout: settings.timeoutMs,
        connect: { timeout: Math.min(settings.timeoutMs, 10_000) },
        // undici 8 negotiates HTTP/2 over TLS by default; the relay (streaming, header copying, the
        // connection budget above) is built and tested on HTTP/1.1, so keep it until h2 is tested.
        allowH2: false,
      }),
      breaker: new CircuitBreaker(config.breaker.failureThreshold, config.breaker.cooldownMs),
    });
  }
  const names = new Set(runtimes.keys());

  async function send(call: ProviderCall): Promise<ProviderAnswer> {
    const started = performance.now();
    let settle!: (report: CallReport) => void;
    const report: CallReport = {
      provider: undefined,
      model: undefined,
      attempts: [],
      upstreamLatencyMs: undefined,
      firstTokenMs: undefined,
      usage: undefined,
      settled: new Promise<CallReport>((r) => (settle = r)),
    };
    const done = () => settle(report);
    settlers.set(report, done);

    const model = call.body["model"];
    let chain: RouteMember[];
    try {
      chain = parseRoute(typeof model === "string" && model !== "" ? model : undefined, names, config.defaultProvider, config.maxChainLength);
    } catch (error) {
      done();
      throw new ProviderCallError(400, "unsupported_by_provider", (error as Error).message, report, undefined);
    }
    // The caller's own key belongs to the provider it was meant for: the chain's first. A fallback to
    // another provider uses that provider's configured key, never the caller's.
    const keyOwner = chain[0]!.provider;

    try {
      let budget = config.retryAfterBudgetMs;
      let failure: Failure | undefined;
      let queue = chain;
      for (let round = 0; round < 3; round++) {
        for (const member of queue) {
          const runtime = runtimes.get(member.provider)!;
          if (!runtime.breaker.allow()) {
            report.attempts.push({ provider: member.provider, model: member.model, outcome: "circuit_open", durationMs: 0 });
            observer?.attempt(member.provider, "circuit_open", 0);
            failure = { kind: "error", outcome: "circuit_open", message: `provider ${member.provider} is failing and skipped for a while`, member, retryInMs: runtime.breaker.retryInMs() };
            continue;
          }
          const input: CallInput = {
            body: call.body,
            raw: call.raw,
            accept: call.accept,
            callerAuthorization: member.provider === keyOwner ? call.callerAuthorization : undefined,
            orgHeaders: config.forwardOpenAiOrgHeaders && runtime.settings.type === "openai" ? call.orgHeaders : {},
          };
          const result = await attempt(runtime, member, input, call.signal, report, started);
          if (result.kind === "answer") {
            settleWhenRead(result.answer, report, done);
            return result.answer;
          }
          failure = result.failure;
        }
        // The chain ran out. A short Retry-After on its last answer is worth waiting for, within the budget.
        const wait = failure?.kind === "answer" ? failure.retryAfterMs : undefined;
        if (failure?.kind !== "answer" || wait === undefined || wait > budget || !retryable(failure.status)) break;
        budget -= wait;
        await sleep(wait, undefined, { signal: call.signal });
        queue = [failure.member];
      }
      return finish(failure!, report, done);
    } catch (error) {
      // The caller hung up (or something failed) mid-chain: the report is final as it is.
      done();
      throw error;
    }
  }

  /** Hooks the report's settling to the answer's end. */
  function settleWhenRead(answer: ProviderAnswer, report: CallReport, done: () => void) {
    if (answer.stream === undefined) {
      // Usage of a relayed JSON answer: read after the answer went out (setImmediate runs after the gateway's write).
      const body = answer.body;
      if (report.usage === undefined && body !== undefined && answer.status < 300) {
        setImmediate(() => {
          report.usage = usageOfJson(body);
          done();
        });
      } else {
        done();
      }
    }
  }

  function finish(failure: Failure, report: CallReport, done: () => void): ProviderAnswer {
    done();
    if (failure.kind === "answer") {
      report.provider = failure.member.provider;
      report.model = failure.member.model;
      return { status: failure.status, headers: failure.headers, body: failure.body, stream: undefined, report };
    }
    switch (failure.outcome) {
      case "timeout":
        throw new ProviderCallError(504, "upstream_timeout", failure.message, report, failure.detail);
      case "unreachable":
        throw new ProviderCallError(502, "upstream_unreachable", failure.message, report, failure.detail);
      case "circuit_open":
        throw new ProviderCallError(503, "provider_unavailable", failure.message, report, undefined, Math.max(1, Math.ceil((failure.retryInMs ?? 1000) / 1000)));
      case "unsupported":
        throw new ProviderCallError(400, "unsupported_by_provider", failure.message, report, undefined);
    }
  }

  type AttemptResult = { kind: "answer"; answer: ProviderAnswer } | { kind: "failure"; failure: Failure };

  async function attempt(runtime: ProviderRuntime, member: RouteMember, input: CallInput, signal: AbortSignal, report: CallReport, callStart: number): Promise<AttemptResult> {
    const { settings, breaker } = runtime;
    const record = (outcome: AttemptOutcome, since: number) => {
      const ms = performance.now() - since;
      report.attempts.push({ provider: member.provider, model: member.model, outcome, durationMs: Math.round(ms * 1000) / 1000 });
      observer?.attempt(member.provider, outcome, ms / 1000);
      return ms;
    };
    let lastError: Failure | undefined;
    // An openai provider's mirrors (OPENAI_BASE_URL + PROMPTREG_UPSTREAM_FALLBACK_URLS) are one chain member.
    for (const [index, baseUrl] of settings.baseUrls.entries()) {
      const last = index === settings.baseUrls.length - 1;
      let outgoing;
      try {
        outgoing = prepareCall(settings, member, baseUrl, input);
      } catch (error) {
        // Nothing was sent: a half-open breaker's probe slot is free again.
        breaker.release();
        if (!(error instanceof TranslationError)) throw error;
        record("unsupported", performance.now());
        return { kind: "failure", failure: { kind: "error", outcome: "unsupported", message: `${error.message} (provider ${member.provider})`, member } };
      }
      const since = performance.now();
      let response: Dispatcher.ResponseData;
      try {
        response = await request(outgoing.url, { method: "POST", headers: outgoing.headers, body: outgoing.body, signal, dispatcher: runtime.agent });
      } catch (error) {
        if (signal.aborted) {
          record("aborted", since);
          breaker.release();
          throw error;
        }
        const timeout = isUpstreamTimeout(error);
        record(timeout ? "timeout" : "unreachable", since);
        breaker.failure();
        lastError = timeout
          ? { kind: "error", outcome: "timeout", message: `provider ${member.provider} did not answer within ${settings.timeoutMs} ms`, member }
          : { kind: "error", outcome: "unreachable", message: `could not reach the upstream provider "${member.provider}"`, detail: describe(error), member };
        continue;
      }

      const status = response.statusCode;
      if (status >= 500 && !last) {
        // The next mirror of the same provider, before the chain's next member.
        record(status, since);
        breaker.failure();
        await response.body.dump().catch(() => undefined);
        continue;
      }

      if (outgoing.anthropic) {
        return anthropicAnswer(runtime, member, response, outgoing.anthropic, since, callStart, report, record);
      }

      const headers = relayed(response.headers, OPENAI_RELAYED_HEADERS);
      const contentType = header(response.headers, "content-type") ?? "application/json";
      headers["content-type"] = contentType;
      if (status < 300 && contentType.startsWith("text/event-stream")) {
        const ms = record(status, since);
        breaker.success();
        serving(report, member, ms);
        return { kind: "answer", answer: { status, headers, body: undefined, stream: observeOpenAiStream(response.body, report, member.provider, callStart, since), report } };
      }
      let body: Buffer;
      try {
        body = Buffer.from(await response.body.arrayBuffer());
      } catch (error) {
        if (signal.aborted) {
          record("aborted", since);
          breaker.release();
          throw error;
        }
        record(isUpstreamTimeout(error) ? "timeout" : "unreachable", since);
        breaker.failure();
        lastError = { kind: "error", outcome: isUpstreamTimeout(error) ? "timeout" : "unreachable", message: `provider ${member.provider} broke off its answer`, detail: describe(error), member };
        continue;
      }
      const ms = record(status, since);
      observer?.complete(member.provider, status, ms / 1000);
      if (status >= 500) breaker.failure();
      else breaker.success();
      if (retryable(status)) {
        return { kind: "failure", failure: { kind: "answer", status, headers, body, retryAfterMs: retryAfterMs(response.headers), member } };
      }
      serving(report, member, ms);
      return { kind: "answer", answer: { status, headers, body, stream: undefined, report } };
    }
    return { kind: "failure", failure: lastError! };
  }

  async function anthropicAnswer(
    runtime: ProviderRuntime,
    member: RouteMember,
    response: Dispatcher.ResponseData,
    context: AnthropicCallContext,
    since: number,
    callStart: number,
    report: CallReport,
    record: (outcome: AttemptOutcome, since: number) => number,
  ): Promise<AttemptResult> {
    const { breaker } = runtime;
    const status = response.statusCode;
    const headers = relayed(response.headers, ANTHROPIC_RELAYED_HEADERS);
    const requestId = header(response.headers, "request-id");
    if (requestId) headers["x-upstream-request-id"] = requestId;

    if (status < 300 && context.stream) {
      // Read up to the first event: an `error` before the answer began is a failed attempt the chain can
      // pass over (nothing has reached the caller yet).
      const reads = (response.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      const parser = new SseParser();
      let firstEvents: SseEvent[] = [];
      try {
        while (firstEvents.length === 0) {
          const read = await reads.next();
          if (read.done) break;
          firstEvents = parser.push(read.value);
        }
      } catch (error) {
        record(isUpstreamTimeout(error) ? "timeout" : "unreachable", since);
        breaker.failure();
        return { kind: "failure", failure: { kind: "error", outcome: isUpstreamTimeout(error) ? "timeout" : "unreachable", message: `provider ${member.provider} broke off its answer`, detail: describe(error), member } };
      }
      const first = firstEvents[0];
      if (first !== undefined && (first.event === "error" || first.data.includes('"type":"error"'))) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(first.data);
        } catch {
          parsed = undefined;
        }
        if (parsed !== undefined && typeof parsed === "object" && (parsed as { type?: unknown }).type === "error") {
          const errorStatus = statusOfStreamError(parsed);
          record(errorStatus, since);
          await response.body.dump().catch(() => undefined);
          // The provider answered: only its own failures count against it (a half-open probe ends either way).
          if (errorStatus >= 500) breaker.failure();
          else breaker.success();
          const failure = new AnthropicStreamError(parsed, errorStatus);
          const body = Buffer.from(JSON.stringify(toOpenAiError(failure.body, errorStatus)));
          const answer = { kind: "answer" as const, status: toOpenAiStatus(errorStatus), headers: { ...headers, "content-type": "application/json" }, body, retryAfterMs: undefined, member };
          if (retryable(errorStatus)) return { kind: "failure", failure: answer };
          serving(report, member, performance.now() - since);
          return { kind: "answer", answer: { status: answer.status, headers: answer.headers, body, stream: undefined, report } };
        }
      }
      const ms = record(status, since);
      breaker.success();
      serving(report, member, ms);
      const rest: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => reads };
      const translated = translateAnthropicBody(firstEvents, parser, rest, context, { usage: (u) => (report.usage = u) });
      return {
        kind: "answer",
        answer: { status, headers: { ...headers, "content-type": "text/event-stream; charset=utf-8" }, body: undefined, stream: observeTranslatedStream(translated, report, member.provider, callStart, since, response.body), report },
      };
    }

    let raw: Buffer;
    try {
      raw = Buffer.from(await response.body.arrayBuffer());
    } catch (error) {
      record(isUpstreamTimeout(error) ? "timeout" : "unreachable", since);
      breaker.failure();
      return { kind: "failure", failure: { kind: "error", outcome: isUpstreamTimeout(error) ? "timeout" : "unreachable", message: `provider ${member.provider} broke off its answer`, detail: describe(error), member } };
    }
    const ms = record(status, since);
    observer?.complete(member.provider, status, ms / 1000);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString("utf8"));
    } catch {
      parsed = undefined;
    }
    if (status < 300 && parsed !== undefined && typeof parsed === "object" && parsed !== null) {
      breaker.success();
      serving(report, member, ms);
      const completion = fromAnthropicMessage(parsed as Record<string, unknown>, context);
      report.usage = completion["usage"] as CallUsage | undefined;
      return { kind: "answer", answer: { status, headers: { ...headers, "content-type": "application/json" }, body: Buffer.from(JSON.stringify(completion)), stream: undefined, report } };
    }
    if (status >= 500) breaker.failure();
    else breaker.success();
    const body = Buffer.from(JSON.stringify(toOpenAiError(parsed, status)));
    const failure = { kind: "answer" as const, status: toOpenAiStatus(status < 300 ? 502 : status), headers: { ...headers, "content-type": "application/json" }, body, retryAfterMs: retryAfterMs(response.headers), member };
    if (retryable(failure.status)) return { kind: "failure", failure };
    serving(report, member, ms);
    return { kind: "answer", answer: { status: failure.status, headers: failure.headers, body, stream: undefined, report } };
  }

  /** The report's serving provider and latency; the answer's headers say the same. */
  function serving(report: CallReport, member: RouteMember, ms: number) {
    report.provider = member.provider;
    report.model = member.model;
    report.upstreamLatencyMs = Math.round(ms * 1000) / 1000;
  }

  /** Relays the provider's SSE bytes as they are, noting the first chunk's time and the usage chunk. */
  async function* observeOpenAiStream(body: Dispatcher.ResponseData["body"], report: CallReport, provider: string, callStart: number, since: number): AsyncGenerator<Buffer> {
    let tail = "";
    let status = 200;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        report.firstTokenMs ??= Math.round((performance.now() - callStart) * 1000) / 1000;
        // The usage chunk is the last event but one: keep the stream's last few KB to read it at the end.
        tail = (tail + chunk.toString("latin1")).slice(-8192);
        yield chunk;
      }
      report.usage = usageOfSseTail(tail);
    } catch (error) {
      status = 0;
      throw error;
    } finally {
      observer?.complete(provider, status, (performance.now() - since) / 1000);
      settleReport(report);
    }
  }

  async function* observeTranslatedStream(
    chunks: AsyncGenerator<string>,
    report: CallReport,
    provider: string,
    callStart: number,
    since: number,
    body: Dispatcher.ResponseData["body"],
  ): AsyncGenerator<string> {
    let status = 200;
    let sawContent = false;
    try {
      for await (const chunk of chunks) {
        // The first chunk is the role-only one; the first token is the next.
        if (sawContent) report.firstTokenMs ??= Math.round((performance.now() - callStart) * 1000) / 1000;
        sawContent = true;
        yield chunk;
      }
    } catch (error) {
      status = 0;
      throw error;
    } finally {
      if (!body.destroyed) body.destroy();
      observer?.complete(provider, status, (performance.now() - since) / 1000);
      settleReport(report);
    }
  }

  return {
    send,
    names: [config.defaultProvider, ...[...names].filter((n) => n !== config.defaultProvider)],
    stats: () =>
      [...runtimes.values()].map(({ settings, agent, breaker }) => {
        let connected = 0;
        let running = 0;
        let waiting = 0;
        for (const pool of Object.values(agent.stats)) {
          // An Agent makes a Pool per origin (a single Client when capped at 1 connection, whose stats differ).
          if (typeof pool.connected === "boolean") {
            connected += pool.connected ? 1 : 0;
            running += pool.running;
            waiting += Math.max(0, pool.size - pool.running);
          } else {
            const stats = pool as { connected: number; running: number; queued: number };
            connected += stats.connected;
            running += stats.running;
            waiting += stats.queued;
          }
        }
        return { provider: settings.name, breaker: breaker.state, connected, running, waiting };
      }),
    close: async () => {
      await Promise.all([...runtimes.values()].map((r) => r.agent.close()));
    },
  };
}

/** Resolves a report's `settled` (streams call it when they end). */
const settlers = new WeakMap<CallReport, () => void>();
function settleReport(report: CallReport) {
  settlers.get(report)?.();
}

function relayed(headers: Dispatcher.ResponseData["headers"], names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = headers[name];
    if (typeof value === "string") out[name] = value;
  }
  const upstreamId = headers["x-request-id"];
  if (typeof upstreamId === "string") out["x-upstream-request-id"] = upstreamId;
  return out;
}

const header = (headers: Dispatcher.ResponseData["headers"], name: string): string | undefined => {
  const value = headers[name];
  return typeof value === "string" ? value : Array.isArray(value) ? value[0] : undefined;
};

/** The error's own words and its cause's (e.g. `connect ECONNREFUSED 10.0.0.5:443`): for the log, never the caller. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}

function usageOfJson(body: Buffer): CallUsage | undefined {
  if (body.indexOf('"usage"') === -1) return undefined;
  try {
    return pickUsage((JSON.parse(body.toString("utf8")) as { usage?: unknown }).usage);
  } catch {
    return undefined;
  }
}

function usageOfSseTail(tail: string): CallUsage | undefined {
  const at = tail.lastIndexOf('"usage":{');
  if (at === -1) return undefined;
  const start = tail.lastIndexOf("data:", at);
  const end = tail.indexOf("\n", at);
  if (start === -1 || end === -1) return undefined;
  try {
    return pickUsage((JSON.parse(Buffer.from(tail.slice(start + 5, end), "latin1").toString("utf8")) as { usage?: unknown }).usage);
  } catch {
    return undefined;
  }
}

function pickUsage(usage: unknown): CallUsage | undefined {
  if (typeof usage !== "object" || usage === null) return undefined;
  const u = usage as Record<string, unknown>;
  if (typeof u["prompt_tokens"] !== "number" || typeof u["completion_tokens"] !== "number") return undefined;
  return { prompt_tokens: u["prompt_tokens"], completion_tokens: u["completion_tokens"], total_tokens: typeof u["total_tokens"] === "number" ? u["total_tokens"] : u["prompt_tokens"] + u["completion_tokens"] };
}
