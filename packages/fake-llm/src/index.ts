// A fake LLM provider on loopback that records what it receives, for tests, benchmarks and trying the gateway
// offline. It speaks two shapes, chosen by path:
// - OpenAI chat completions: `POST /v1/chat/completions` (also Azure's `/openai/deployments/{d}/chat/completions`
//   and `/openai/v1/chat/completions`);
// - Anthropic Messages: `POST /v1/messages` (answers, SSE events and errors in Anthropic's shape).
// By default it echoes the last user message, streamed as server-sent events when the request says
// `stream: true`; `behave()` sets other answers (statuses, tool calls, slow or cut streams, hangs).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the fake upstream received it. */
export interface RecordedRequest {
  method: string;
  /** Path and query string, as sent. */
  path: string;
  headers: IncomingMessage["headers"];
  /** Parsed JSON body (undefined if it was not JSON). `any` on purpose: tests reach into it freely. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  rawBody: string;
}

/** How a streamed answer goes. */
export interface StreamShape {
  /** The text pieces, one chunk each. Default: the echo, split into words. */
  chunks?: string[];
  /** Pause before each chunk, ms. */
  delayMs?: number;
  /** Cut the connection after this many chunks, without the end of the stream (a provider dying mid-way). */
  cutAfter?: number;
  /** Send an error event after this many chunks (Anthropic: `event: error`, overloaded_error; OpenAI: an error data line). */
  errorAfter?: number;
}

/** What to answer; the default is a completion echoing the last message (streamed when asked to). */
export type FakeBehaviour =
  | { kind: "complete" }
  | ({ kind: "stream" } & StreamShape)
  /** A tool call (streamed when the request streams): `arguments` is split into `pieces` chunks. */
  | { kind: "tool_call"; name: string; arguments: Record<string, unknown>; pieces?: number; delayMs?: number }
  /** This status and body, whatever the path (write the body in the shape of the provider you fake). */
  | { kind: "status"; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: "hang" }
  | { kind: "destroy" };

export interface FakeLlm {
  url: string;
  /** Base URL the way OPENAI_BASE_URL takes it. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Sets the answer to the next requests (until changed). */
  behave(behaviour: FakeBehaviour): void;
  /** Answers the next `count` requests with `behaviour`, then goes back to the current one. */
  behaveNext(behaviour: FakeBehaviour, count?: number): void;
  /** Resolves when a streaming response was cut off by the client. */
  streamAborted(): Promise<void>;
  /** Streams open right now. */
  readonly openStreams: number;
  reset(): void;
  close(): Promise<void>;
}

export interface FakeLlmOptions {
  port?: number;
  /** false keeps memory flat in long benchmarks. Default true. */
  record?: boolean;
  /** The default stream shape of `stream: true` calls (e.g. 20 chunks 100 ms apart for the slow-stream benchmark). */
  stream?: { chunks?: number; intervalMs?: number };
}

/** The fields of a request the fake looks at. */
interface RequestView {
  model?: unknown;
  messages?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown };
}

const modelOf = (body: RequestView | undefined) => (typeof body?.model === "string" ? body.model : "fake");

/** The last message's text (Anthropic text blocks and OpenAI text parts joined). */
function lastText(body: RequestView | undefined): string {
  const messages = (Array.isArray(body?.messages) ? body.messages : []) as Array<{ content?: unknown }>;
  const last = messages.at(-1)?.content;
  if (typeof last === "string") return last;
  if (Array.isArray(last)) {
    const texts = last.filter((p): p is { text: string } => typeof p === "object" && p !== null && typeof (p as { text?: unknown }).text === "string");
    if (texts.length > 0) return texts.map((t) => t.text).join(" ");
  }
  return JSON.stringify(last ?? null);
}

const echo = (body: RequestView | undefined) => `echo: ${lastText(body)}`;

export function completionFor(body: RequestView | undefined, id = "chatcmpl-fake") {
  return {
    id,
    object: "chat.completion",
    created: 1_700_000_000,
    model: modelOf(body),
    choices: [{ index: 0, message: { role: "assistant", content: echo(body) }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

/** Anthropic's Messages answer echoing the last message. */
export function messageFor(body: RequestView | undefined, id = "msg_fake") {
  return {
    id,
    type: "message",
    role: "assistant",
    model: modelOf(body),
    content: [{ type: "text", text: echo(body) }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 3, output_tokens: 2 },
  };
}

function openAiChunk(model: string, delta: Record<string, unknown>, finish: string | null, usage: boolean) {
  return { id: "chatcmpl-fake", object: "chat.completion.chunk", created: 1_700_000_000, model, choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage: null } : {}) };
}

/** The events of one streamed answer, each `[event name or null, data]`, in the caller's dialect. */
type Event = [string | null, unknown];

function streamEvents(anthropic: boolean, body: RequestView | undefined, pieces: string[], tool: { name: string; args: string[] } | undefined): Event[] {
  const model = modelOf(body);
  const includeUsage = body?.stream_options?.include_usage === true;
  if (anthropic) {
    const events: Event[] = [
      ["message_start", { type: "message_start", message: { id: "msg_fake", type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } }],
      ["content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }],
      ["ping", { type: "ping" }],
      ...pieces.map((text): Event => ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } }]),
      ["content_block_stop", { type: "content_block_stop", index: 0 }],
    ];
    if (tool) {
      events.push(["content_block_start", { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_fake", name: tool.name, input: {} } }]);
      for (const part of tool.args) events.push(["content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: part } }]);
      events.push(["content_block_stop", { type: "content_block_stop", index: 1 }]);
    }
    events.push(["message_delta", { type: "message_delta", delta: { stop_reason: tool ? "tool_use" : "end_turn", stop_sequence: null }, usage: { output_tokens: pieces.length + 1 } }]);
    events.push(["message_stop", { type: "message_stop" }]);
    return events;
  }
  const events: Event[] = pieces.map((content): Event => [null, openAiChunk(model, { content }, null, includeUsage)]);
  if (tool) {
    events.push([null, openAiChunk(model, { tool_calls: [{ index: 0, id: "call_fake", type: "function", function: { name: tool.name, arguments: "" } }] }, null, includeUsage)]);
    for (const part of tool.args) events.push([null, openAiChunk(model, { tool_calls: [{ index: 0, function: { arguments: part } }] }, null, includeUsage)]);
  }
  events.push([null, openAiChunk(model, {}, tool ? "tool_calls" : "stop", includeUsage)]);
  if (includeUsage) events.push([null, { id: "chatcmpl-fake", object: "chat.completion.chunk", created: 1_700_000_000, model, choices: [], usage: { prompt_tokens: 3, completion_tokens: pieces.length + 1, total_tokens: pieces.length + 4 } }]);
  return events;
}

function split(text: string, pieces: number): string[] {
  if (pieces <= 1 || text.length < 2) return [text];
  const size = Math.ceil(text.length / pieces);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Starts the fake on 127.0.0.1 (port 0 by default). */
export async function startFakeLlm(options: FakeLlmOptions = {}): Promise<FakeLlm> {
  const record = options.record ?? true;
  const requests: RecordedRequest[] = [];
  let behaviour: FakeBehaviour = { kind: "complete" };
  const next: FakeBehaviour[] = [];
  let abortWaiters: Array<() => void> = [];
  let openStreams = 0;

  const stream = (req: IncomingMessage, res: ServerResponse, anthropic: boolean, events: Event[], shape: StreamShape) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...(anthropic ? { "request-id": "req_fake" } : { "x-request-id": "req_fake" }) });
    openStreams++;
    let i = 0;
    let sentPieces = 0;
    let finished = false;
    res.on("close", () => {
      openStreams--;
      if (!finished) {
        for (const w of abortWaiters) w();
        abortWaiters = [];
      }
    });
    const isPiece = (e: Event) => {
      const data = e[1] as { type?: string; choices?: Array<{ delta?: { content?: unknown; tool_calls?: Array<{ function?: { arguments?: unknown } }> } }> };
      if (anthropic) return data.type === "content_block_delta";
      const delta = data.choices?.[0]?.delta;
      return (typeof delta?.content === "string" && delta.content !== "") || (typeof delta?.tool_calls?.[0]?.function?.arguments === "string" && delta.tool_calls[0].function.arguments !== "");
    };
    // Pauses come after each text piece (N pieces at D ms take N x D), as a model emits tokens.
    const write = () => {
      for (;;) {
        if (res.destroyed) return;
        if (shape.cutAfter !== undefined && sentPieces >= shape.cutAfter) {
          // Close the connection after what was written (flushed), without the end of the chunked body.
          finished = true;
          req.socket.end();
          return;
        }
        if (shape.errorAfter !== undefined && sentPieces >= shape.errorAfter) {
          finished = true;
          const error = anthropic
            ? `event: error\ndata: ${JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } })}\n\n`
            : `data: ${JSON.stringify({ error: { message: "The server had an error while processing your request.", type: "server_error", code: null } })}\n\n`;
          res.end(error);
          return;
        }
        if (i >= events.length) {
          finished = true;
          res.end(anthropic ? "" : "data: [DONE]\n\n");
          return;
        }
        const event = events[i++]!;
        res.write(`${event[0] ? `event: ${event[0]}\n` : ""}data: ${JSON.stringify(event[1])}\n\n`);
        if (isPiece(event)) {
          sentPieces++;
          if ((shape.delayMs ?? 0) > 0) {
            setTimeout(write, shape.delayMs);
            return;
          }
        }
      }
    };
    write();
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    let body: RequestView | undefined;
    try {
      body = JSON.parse(raw) as RequestView;
    } catch {
      body = undefined;
    }
    if (record) requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body, rawBody: raw });
    const path = (req.url ?? "").split("?")[0]!;
    const anthropic = path.endsWith("/messages");
    if (!anthropic && !path.endsWith("/chat/completions")) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `no route ${path}`, type: "invalid_request_error" } }));
      return;
    }
    const current = next.shift() ?? behaviour;
    const streaming = body?.stream === true;
    const defaultShape: StreamShape = options.stream?.chunks
      ? { chunks: Array.from({ length: options.stream.chunks }, (_, k) => `t${k} `), delayMs: options.stream.intervalMs ?? 0 }
      : {};
    switch (current.kind) {
      case "complete": {
        if (streaming) {
          const pieces = defaultShape.chunks ?? echo(body).split(/(?<= )/);
          stream(req, res, anthropic, streamEvents(anthropic, body, pieces, undefined), defaultShape);
          return;
        }
        const json = JSON.stringify(anthropic ? messageFor(body) : completionFor(body));
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(json), ...(anthropic ? { "request-id": "req_fake" } : { "x-request-id": "req_fake" }) });
        res.end(json);
        return;
      }
      case "stream": {
        const pieces = current.chunks ?? defaultShape.chunks ?? echo(body).split(/(?<= )/);
        stream(req, res, anthropic, streamEvents(anthropic, body, pieces, undefined), { ...defaultShape, ...current });
        return;
      }
      case "tool_call": {
        const args = JSON.stringify(current.arguments);
        if (streaming) {
          stream(req, res, anthropic, streamEvents(anthropic, body, [], { name: current.name, args: split(args, current.pieces ?? 3) }), { delayMs: current.delayMs ?? 0 });
          return;
        }
        const json = JSON.stringify(
          anthropic
            ? { ...messageFor(body), content: [{ type: "tool_use", id: "toolu_fake", name: current.name, input: current.arguments }], stop_reason: "tool_use" }
            : {
                ...completionFor(body),
                choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [{ id: "call_fake", type: "function", function: { name: current.name, arguments: args } }] }, finish_reason: "tool_calls" }],
              },
        );
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
        res.end(json);
        return;
      }
      case "status": {
        const json = typeof current.body === "string" ? current.body : JSON.stringify(current.body);
        res.writeHead(current.status, { "content-type": "application/json", ...current.headers });
        res.end(json);
        return;
      }
      case "hang":
        return;
      case "destroy":
        req.socket.destroy();
        return;
    }
  };

  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => handle(req, res, Buffer.concat(parts).toString("utf8")));
  });
  server.keepAliveTimeout = 60_000;
  // Thousands of concurrent streams in the benchmarks: no per-server cap on sockets or requests.
  server.maxHeadersCount = 0;
  server.requestTimeout = 0;
  await new Promise<void>((r) => server.listen({ port: options.port ?? 0, host: "127.0.0.1", backlog: 8192 }, r));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    baseUrl: `${url}/v1`,
    requests,
    behave(b) {
      behaviour = b;
    },
    behaveNext(b, count = 1) {
      for (let k = 0; k < count; k++) next.push(b);
    },
    streamAborted: () => new Promise<void>((r) => abortWaiters.push(r)),
    get openStreams() {
      return openStreams;
    },
    reset() {
      requests.length = 0;
      next.length = 0;
      behaviour = { kind: "complete" };
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
