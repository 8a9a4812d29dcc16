// OpenAI chat completions <-> Anthropic Messages, as pure functions: a request to a request, an answer to an
// answer, an event stream to a chunk stream. No I/O here, so every mapping is unit-tested on its own
// (anthropic.test.ts) and costs what a few object copies cost.
//
// What maps to what (and what we refuse rather than silently drop):
// - system and developer messages, wherever they stand, become the top-level `system` (Anthropic has no
//   system turn); their text parts are kept as text blocks, in order.
// - `max_tokens` is always sent: the caller's `max_completion_tokens`, else `max_tokens`, else the provider's
//   `defaultMaxTokens` (Anthropic requires it; OpenAI does not).
// - assistant `tool_calls` become `tool_use` blocks; `tool` messages become `tool_result` blocks of one user
//   turn (consecutive ones merged, as Anthropic wants every result of a turn in the next user message, first).
// - images: `data:` URLs become base64 sources, http(s) URLs url sources.
// - `stop` -> `stop_sequences`, `user` -> `metadata.user_id`, `temperature`/`top_p` as they are (Anthropic
//   answers 400 for a temperature above 1, relayed in OpenAI's shape), `tool_choice` auto/none/required/named,
//   `parallel_tool_calls: false` -> `disable_parallel_tool_use`.
// - `response_format` json_object / json_schema: Anthropic has no JSON mode, so the gateway asks for one forced
//   tool whose input schema is the caller's schema and hands its input back as the message's text (finish
//   reason "stop"), streamed too. Refused with caller tools (the forced tool would shadow them).
// - refused with a 400: `n` > 1, `logprobs`, audio output, content parts other than text and images.
// - dropped (no Anthropic equivalent, harmless to leave out): penalties, seed, logit_bias, store, metadata,
//   service_tier, reasoning_effort, prediction, stream_options (the usage chunk is made here).
import { SseParser, type SseEvent } from "./sse.js";

type Json = Record<string, unknown>;

/** A request Anthropic cannot take; the caller gets a 400 naming it. */
export class TranslationError extends Error {
  override readonly name = "TranslationError";
}

export interface AnthropicRequestOptions {
  /** The model as the provider knows it (the route's, without `/provider`). */
  model: string;
  defaultMaxTokens: number;
}

/** What the answer's translation needs to know of the request. */
export interface AnthropicCallContext {
  /** The forced tool standing for `response_format` (its input is the answer's text). */
  jsonTool: string | undefined;
  stream: boolean;
  /** The caller's `stream_options.include_usage`: a final usage chunk, as OpenAI sends one. */
  includeUsage: boolean;
}

export interface TranslatedRequest {
  body: Json;
  context: AnthropicCallContext;
}

const JSON_TOOL = "json_response";

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** OpenAI chat completion request -> Anthropic Messages request. Throws TranslationError for what cannot map. */
export function toAnthropicRequest(request: Json, options: AnthropicRequestOptions): TranslatedRequest {
  if (!Array.isArray(request["messages"])) throw new TranslationError("messages must be an array of chat messages");
  const n = request["n"];
  if (n !== undefined && n !== null && n !== 1) throw new TranslationError("n greater than 1 is not supported by Anthropic providers");
  if (request["logprobs"] === true || (request["top_logprobs"] !== undefined && request["top_logprobs"] !== null)) {
    throw new TranslationError("logprobs are not supported by Anthropic providers");
  }
  const modalities = request["modalities"];
  if (Array.isArray(modalities) && modalities.some((m) => m !== "text")) throw new TranslationError("only text output is supported by Anthropic providers");

  const system: Json[] = [];
  const messages: Array<{ role: "user" | "assistant"; content: Json[] }> = [];
  // Consecutive turns of one role are merged into one (Anthropic alternates user and assistant).
  const append = (role: "user" | "assistant", blocks: Json[]) => {
    if (blocks.length === 0) return;
    const last = messages.at(-1);
    if (last && last.role === role) {
      last.content.push(...blocks);
    } else {
      messages.push({ role, content: blocks });
    }
  };

  for (const [index, message] of (request["messages"] as unknown[]).entries()) {
    if (!isObject(message)) throw new TranslationError(`messages[${index}] must be an object`);
    const role = message["role"];
    switch (role) {
      case "system":
      case "developer":
        system.push(...textBlocks(message["content"], `messages[${index}]`));
        break;
      case "user":
        append("user", userBlocks(message["content"], `messages[${index}]`));
        break;
      case "assistant":
        append("assistant", assistantBlocks(message, `messages[${index}]`));
        break;
      case "tool": {
        const id = message["tool_call_id"];
        if (typeof id !== "string" || id === "") throw new TranslationError(`messages[${index}].tool_call_id must be a string`);
        const content = message["content"];
        const result: Json = { type: "tool_result", tool_use_id: id, content: typeof content === "string" ? content : textBlocks(content, `messages[${index}]`) };
        const last = messages.at(-1);
        if (last && last.role === "user") {
          // Consecutive tool messages (one per parallel call) are one user turn; results go before any text.
          const firstText = last.content.findIndex((b) => b["type"] !== "tool_result");
          if (firstText === -1) last.content.push(result);
          else last.content.splice(firstText, 0, result);
        } else {
          messages.push({ role: "user", content: [result] });
        }
        break;
      }
      default:
        throw new TranslationError(`messages[${index}].role ${JSON.stringify(role)} is not supported by Anthropic providers`);
    }
  }

  const maxTokens = request["max_completion_tokens"] ?? request["max_tokens"] ?? options.defaultMaxTokens;
  const body: Json = { model: options.model, max_tokens: maxTokens, messages };
  if (system.length > 0) body["system"] = system.length === 1 ? system[0]!["text"] : system;
  for (const field of ["temperature", "top_p", "top_k"] as const) {
    if (request[field] !== undefined && request[field] !== null) body[field] = request[field];
  }
  const stop = request["stop"];
  if (typeof stop === "string") body["stop_sequences"] = [stop];
  else if (Array.isArray(stop) && stop.length > 0) body["stop_sequences"] = stop;
  if (typeof request["user"] === "string" && request["user"] !== "") body["metadata"] = { user_id: request["user"] };
  const stream = request["stream"] === true;
  if (stream) body["stream"] = true;

  const tools = request["tools"];
  if (Array.isArray(tools) && tools.length > 0) body["tools"] = tools.map((tool, i) => toAnthropicTool(tool, i));
  let toolChoice = toAnthropicToolChoice(request["tool_choice"]);
  if (request["parallel_tool_calls"] === false && body["tools"] !== undefined) toolChoice = { ...(toolChoice ?? { type: "auto" }), disable_parallel_tool_use: true };

  let jsonTool: string | undefined;
  const format = request["response_format"];
  if (isObject(format) && (format["type"] === "json_object" || format["type"] === "json_schema")) {
    if (body["tools"] !== undefined) throw new TranslationError("response_format together with tools is not supported by Anthropic providers");
    const spec = isObject(format["json_schema"]) ? format["json_schema"] : {};
    const schema = format["type"] === "json_schema" && isObject(spec["schema"]) ? spec["schema"] : { type: "object" };
    jsonTool = JSON_TOOL;
    body["tools"] = [{ name: JSON_TOOL, description: typeof spec["description"] === "string" ? spec["description"] : "Answer with this JSON object.", input_schema: schema }];
    toolChoice = { type: "tool", name: JSON_TOOL };
  }
  if (toolChoice !== undefined) body["tool_choice"] = toolChoice;

  const streamOptions = request["stream_options"];
  const includeUsage = stream && isObject(streamOptions) && streamOptions["include_usage"] === true;
  return { body, context: { jsonTool, stream, includeUsage } };
}

function textBlocks(content: unknown, where: string): Json[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  if (content === null || content === undefined) return [];
  if (!Array.isArray(content)) throw new TranslationError(`${where}.content must be a string or an array of parts`);
  return content.map((part, i) => {
    if (isObject(part) && part["type"] === "text" && typeof part["text"] === "string") return { type: "text", text: part["text"] };
    throw new TranslationError(`${where}.content[${i}] must be a text part here`);
  });
}

function userBlocks(content: unknown, where: string): Json[] {
  // Anthropic refuses empty text blocks.
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  if (!Array.isArray(content)) throw new TranslationError(`${where}.content must be a string or an array of parts`);
  return content.map((part, i) => {
    if (!isObject(part)) throw new TranslationError(`${where}.content[${i}] must be an object`);
    if (part["type"] === "text" && typeof part["text"] === "string") return { type: "text", text: part["text"] };
    if (part["type"] === "image_url") return imageBlock(part["image_url"], `${where}.content[${i}]`);
    throw new TranslationError(`${where}.content[${i}]: content parts of type ${JSON.stringify(part["type"])} are not supported by Anthropic providers`);
  });
}

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+);base64,(.*)$/s;

function imageBlock(image: unknown, where: string): Json {
  const url = isObject(image) ? image["url"] : image;
  if (typeof url !== "string") throw new TranslationError(`${where}.image_url.url must be a string`);
  const data = DATA_URL.exec(url);
  if (data) return { type: "image", source: { type: "base64", media_type: data[1], data: data[2] } };
  if (/^https?:\/\//i.test(url)) return { type: "image", source: { type: "url", url } };
  throw new TranslationError(`${where}.image_url.url must be an http(s) URL or a base64 data: URL`);
}

function assistantBlocks(message: Json, where: string): Json[] {
  const blocks = textBlocks(
    Array.isArray(message["content"]) ? (message["content"] as unknown[]).filter((p) => !(isObject(p) && p["type"] === "refusal")) : message["content"],
    where,
  );
  const calls = message["tool_calls"];
  if (Array.isArray(calls)) {
    for (const [i, call] of calls.entries()) {
      const fn = isObject(call) ? call["function"] : undefined;
      if (!isObject(call) || !isObject(fn) || typeof fn["name"] !== "string" || typeof call["id"] !== "string") {
        throw new TranslationError(`${where}.tool_calls[${i}] must have an id and a function name`);
      }
      let input: unknown = {};
      const args = fn["arguments"];
      if (typeof args === "string" && args.trim() !== "") {
        try {
          input = JSON.parse(args);
        } catch {
          throw new TranslationError(`${where}.tool_calls[${i}].function.arguments is not valid JSON`);
        }
      }
      blocks.push({ type: "tool_use", id: call["id"], name: fn["name"], input: isObject(input) ? input : {} });
    }
  }
  return blocks;
}

function toAnthropicTool(tool: unknown, index: number): Json {
  const fn = isObject(tool) ? tool["function"] : undefined;
  if (!isObject(tool) || tool["type"] !== "function" || !isObject(fn) || typeof fn["name"] !== "string") {
    throw new TranslationError(`tools[${index}] must be a function tool with a name (other tool types are not supported by Anthropic providers)`);
  }
  const out: Json = { name: fn["name"], input_schema: isObject(fn["parameters"]) ? fn["parameters"] : { type: "object", properties: {} } };
  if (typeof fn["description"] === "string") out["description"] = fn["description"];
  return out;
}

function toAnthropicToolChoice(choice: unknown): Json | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === "auto") return { type: "auto" };
  if (choice === "none") return { type: "none" };
  if (choice === "required") return { type: "any" };
  if (isObject(choice) && isObject(choice["function"]) && typeof choice["function"]["name"] === "string") return { type: "tool", name: choice["function"]["name"] };
  throw new TranslationError('tool_choice must be "auto", "none", "required" or {"type": "function", "function": {"name"}}');
}

// ---- answers ---------------------------------------------------------------------------------------------

export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
}

/** Anthropic's stop reason -> OpenAI's finish reason. */
export function finishReason(stopReason: unknown, context: Pick<AnthropicCallContext, "jsonTool">): string {
  switch (stopReason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return context.jsonTool ? "stop" : "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      // end_turn, stop_sequence, pause_turn, and anything newer
      return "stop";
  }
}

/** Anthropic's usage -> OpenAI's: cache writes and reads are prompt tokens too. */
export function toOpenAiUsage(usage: unknown): OpenAiUsage | undefined {
  if (!isObject(usage)) return undefined;
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  const cached = num(usage["cache_read_input_tokens"]);
  const prompt = num(usage["input_tokens"]) + num(usage["cache_creation_input_tokens"]) + cached;
  const completion = num(usage["output_tokens"]);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, ...(cached > 0 ? { prompt_tokens_details: { cached_tokens: cached } } : {}) };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Anthropic message -> OpenAI `chat.completion`. */
export function fromAnthropicMessage(message: Json, context: Pick<AnthropicCallContext, "jsonTool">): Json {
  const texts: string[] = [];
  const toolCalls: Json[] = [];
  for (const block of Array.isArray(message["content"]) ? (message["content"] as unknown[]) : []) {
    if (!isObject(block)) continue;
    if (block["type"] === "text" && typeof block["text"] === "string") texts.push(block["text"]);
    else if (block["type"] === "tool_use") {
      if (context.jsonTool && block["name"] === context.jsonTool) texts.push(JSON.stringify(block["input"] ?? {}));
      else toolCalls.push({ id: block["id"], type: "function", function: { name: block["name"], arguments: JSON.stringify(block["input"] ?? {}) } });
    }
    // thinking / redacted_thinking blocks have no place in OpenAI's message: left out.
  }
  const assistant: Json = { role: "assistant", content: texts.length > 0 ? texts.join("") : null, refusal: null };
  if (toolCalls.length > 0) assistant["tool_calls"] = toolCalls;
  const usage = toOpenAiUsage(message["usage"]);
  return {
    id: typeof message["id"] === "string" ? message["id"] : "msg_unknown",
    object: "chat.completion",
    created: nowSeconds(),
    model: message["model"],
    choices: [{ index: 0, message: assistant, logprobs: null, finish_reason: finishReason(message["stop_reason"], context) }],
    ...(usage ? { usage } : {}),
  };
}

/** OpenAI's error `type` for an Anthropic error type (the Anthropic type is kept as `code`). */
const ERROR_TYPES: Record<string, string> = {
  invalid_request_error: "invalid_request_error",
  authentication_error: "authentication_error",
  permission_error: "permission_error",
  not_found_error: "not_found_error",
  request_too_large: "invalid_request_error",
  rate_limit_error: "rate_limit_error",
  api_error: "server_error",
  overloaded_error: "server_error",
  timeout_error: "server_error",
};

/** An OpenAI-shaped error object from an Anthropic error body (or whatever a proxy in between answered). */
export function toOpenAiError(body: unknown, status: number): { error: { message: string; type: string; code: string; param: null } } {
  const error = isObject(body) && isObject(body["error"]) ? body["error"] : undefined;
  const kind = typeof error?.["type"] === "string" ? error["type"] : undefined;
  const message = typeof error?.["message"] === "string" ? error["message"] : `the provider answered ${status} without an error message`;
  return { error: { message, type: (kind && ERROR_TYPES[kind]) ?? (status >= 500 ? "server_error" : "invalid_request_error"), code: kind ?? `http_${status}`, param: null } };
}

/**
 * Anthropic's status -> what the caller gets: 529 (overloaded) is Anthropic's own; OpenAI's SDKs and most
 * clients know 503 for it.
 */
export const toOpenAiStatus = (status: number) => (status === 529 ? 503 : status);

// ---- streams ---------------------------------------------------------------------------------------------

/** An `error` event before the answer began (the provider failed the call: the chain may go on). */
export class AnthropicStreamError extends Error {
  override readonly name = "AnthropicStreamError";
  constructor(
    readonly body: unknown,
    /** The HTTP status Anthropic gives the same error as a plain answer. */
    readonly status: number,
  ) {
    super(toOpenAiError(body, status).error.message);
  }
}

/** The stream ended without `message_stop`: cut mid-way. */
export class StreamCutError extends Error {
  override readonly name = "StreamCutError";
}

const STATUS_OF_ERROR: Record<string, number> = { overloaded_error: 529, api_error: 500, rate_limit_error: 429, invalid_request_error: 400, timeout_error: 504, request_too_large: 413 };
export const statusOfStreamError = (body: unknown): number => {
  const kind = isObject(body) && isObject(body["error"]) ? body["error"]["type"] : undefined;
  return (typeof kind === "string" && STATUS_OF_ERROR[kind]) || 500;
};

/** Everything the stream translation reports as it goes (for the call's report). */
export interface StreamObserver {
  usage?(usage: OpenAiUsage): void;
}

/**
 * Anthropic's events -> OpenAI `chat.completion.chunk` events, as SSE text, ending `data: [DONE]`. Synchronous
 * and incremental: `event()` takes one Anthropic event and returns the SSE text it becomes ("" for none), so
 * all the events of one network read are translated into one write (an async step per event would cost
 * more than the translation). An `error` event becomes an OpenAI-shaped error event (the SDKs raise it) and
 * ends the stream; `done` says the stream is over (message_stop or error): a source that ends before that
 * was cut mid-way.
 */
export class AnthropicStreamTranslator {
  done = false;
  private id = "msg_unknown";
  private model: unknown = null;
  private readonly created = nowSeconds();
  private inputUsage: Json = {};
  private outputTokens = 0;
  private stopReason: unknown = null;
  /** Anthropic block index -> OpenAI tool call index (text blocks have none). */
  private readonly toolIndex = new Map<number, number>();
  private readonly jsonBlocks = new Set<number>();
  private tools = 0;
  private readonly usageField: { usage?: null };

  constructor(
    private readonly context: AnthropicCallContext,
    private readonly observer: StreamObserver = {},
  ) {
    this.usageField = context.includeUsage ? { usage: null } : {};
  }

  private chunk(delta: Json, finish: string | null = null): string {
    return `data: ${JSON.stringify({ id: this.id, object: "chat.completion.chunk", created: this.created, model: this.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...this.usageField })}\n\n`;
  }

  event(event: SseEvent): string {
    if (this.done) return "";
    let data: Json;
    try {
      data = JSON.parse(event.data) as Json;
    } catch {
      return ""; // not JSON: nothing Anthropic documents; skip rather than fail the answer
    }
    switch (data["type"] ?? event.event) {
      case "message_start": {
        const message = isObject(data["message"]) ? data["message"] : {};
        if (typeof message["id"] === "string") this.id = message["id"];
        this.model = message["model"] ?? null;
        if (isObject(message["usage"])) {
          this.inputUsage = message["usage"];
          if (typeof this.inputUsage["output_tokens"] === "number") this.outputTokens = this.inputUsage["output_tokens"];
        }
        return this.chunk({ role: "assistant", content: "" });
      }
      case "content_block_start": {
        const block = isObject(data["content_block"]) ? data["content_block"] : {};
        const index = Number(data["index"]);
        if (block["type"] === "tool_use") {
          if (this.context.jsonTool && block["name"] === this.context.jsonTool) {
            this.jsonBlocks.add(index);
            return "";
          }
          this.toolIndex.set(index, this.tools);
          return this.chunk({ tool_calls: [{ index: this.tools++, id: block["id"], type: "function", function: { name: block["name"], arguments: "" } }] });
        }
        if (block["type"] === "text" && typeof block["text"] === "string" && block["text"] !== "") return this.chunk({ content: block["text"] });
        return "";
      }
      case "content_block_delta": {
        const delta = isObject(data["delta"]) ? data["delta"] : {};
        const index = Number(data["index"]);
        if (delta["type"] === "text_delta" && typeof delta["text"] === "string") return this.chunk({ content: delta["text"] });
        if (delta["type"] === "input_json_delta" && typeof delta["partial_json"] === "string" && delta["partial_json"] !== "") {
          if (this.jsonBlocks.has(index)) return this.chunk({ content: delta["partial_json"] });
          const call = this.toolIndex.get(index);
          if (call !== undefined) return this.chunk({ tool_calls: [{ index: call, function: { arguments: delta["partial_json"] } }] });
        }
        // thinking_delta, signature_delta, citations_delta: nothing in OpenAI's chunk for them.
        return "";
      }
      case "message_delta": {
        const delta = isObject(data["delta"]) ? data["delta"] : {};
        if (delta["stop_reason"] !== undefined) this.stopReason = delta["stop_reason"];
        const usage = isObject(data["usage"]) ? data["usage"] : {};
        if (typeof usage["output_tokens"] === "number") this.outputTokens = usage["output_tokens"];
        // Newer API versions repeat the input counts here; take them when they come.
        for (const key of ["input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"]) {
          if (typeof usage[key] === "number") this.inputUsage = { ...this.inputUsage, [key]: usage[key] };
        }
        return "";
      }
      case "message_stop": {
        this.done = true;
        let out = this.chunk({}, finishReason(this.stopReason, this.context));
        const usage = toOpenAiUsage({ ...this.inputUsage, output_tokens: this.outputTokens })!;
        this.observer.usage?.(usage);
        if (this.context.includeUsage) out += `data: ${JSON.stringify({ id: this.id, object: "chat.completion.chunk", created: this.created, model: this.model, choices: [], usage })}\n\n`;
        return `${out}data: [DONE]\n\n`;
      }
      case "error":
        // Mid-stream failure (e.g. overloaded): the status is long sent, so it goes as an error event.
        this.done = true;
        return `data: ${JSON.stringify(toOpenAiError(data, statusOfStreamError(data)))}\n\n`;
      default:
        return ""; // ping, and event types added later
    }
  }
}

/** The translation of a stream of parsed events, one string per event that becomes something. */
export async function* translateAnthropicStream(events: AsyncIterable<SseEvent>, context: AnthropicCallContext, observer: StreamObserver = {}): AsyncGenerator<string> {
  const translator = new AnthropicStreamTranslator(context, observer);
  for await (const event of events) {
    const out = translator.event(event);
    if (out) yield out;
    if (translator.done) return;
  }
  throw new StreamCutError("the provider's stream ended before message_stop");
}

/**
 * The translation of Anthropic's SSE body, one string per network read: `first` are the events already
 * parsed (the router reads up to the first to see whether the call began), `parser` holds what is left of
 * a partial line, `rest` the body's remaining reads.
 */
export async function* translateAnthropicBody(
  first: SseEvent[],
  parser: SseParser,
  rest: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  context: AnthropicCallContext,
  observer: StreamObserver = {},
): AsyncGenerator<string> {
  const translator = new AnthropicStreamTranslator(context, observer);
  let out = "";
  for (const event of first) out += translator.event(event);
  if (out) yield out;
  if (translator.done) return;
  for await (const chunk of rest) {
    out = "";
    for (const event of parser.push(chunk)) out += translator.event(event);
    if (out) yield out;
    if (translator.done) return;
  }
  throw new StreamCutError("the provider's stream ended before message_stop");
}

/** Parses an SSE byte stream into events. */
export async function* sseEvents(body: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const parser = new SseParser();
  for await (const chunk of body) yield* parser.push(chunk);
}
