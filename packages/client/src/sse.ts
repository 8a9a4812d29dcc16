/**
 * A Server-Sent Events parser (the WHATWG "event stream interpretation" rules) over a fetch body, so the
 * stream can carry an Authorization header, which the browser's EventSource cannot send.
 */

export interface SseEvent {
  /** `event:` field; "message" when absent. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
  /** `id:` field, when the event set one. */
  id: string | undefined;
}

export interface SseHandlers {
  onEvent(event: SseEvent): void;
  /** `retry:` field: the server's reconnection delay. */
  onRetry?(ms: number): void;
  /** Any bytes arrived (comments and heartbeats included): the connection is alive. */
  onActivity?(): void;
}

/** Incremental parser: feed it decoded text chunks in order. */
export class SseParser {
  #buffer = "";
  #data: string[] = [];
  #event = "";
  #id: string | undefined;

  constructor(private readonly handlers: SseHandlers) {}

  push(chunk: string): void {
    this.handlers.onActivity?.();
    this.#buffer += chunk;
    let start = 0;
    const text = this.#buffer;
    for (;;) {
      let end = -1;
      let next = -1;
      for (let i = start; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 10 /* \n */) {
          end = i;
          next = i + 1;
          break;
        }
        if (c === 13 /* \r */) {
          // "\r\n" is one line end; a "\r" at the end of the chunk may be followed by "\n" in the next.
          if (i + 1 === text.length) break;
          end = i;
          next = text.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
          break;
        }
      }
      if (end === -1) break;
      this.#line(text.slice(start, end));
      start = next;
    }
    this.#buffer = text.slice(start);
  }

  /** The stream ended: a last "\r" ends its line; an unterminated event is dropped, as the spec says. */
  end(): void {
    if (this.#buffer.endsWith("\r")) this.#line(this.#buffer.slice(0, -1));
    this.#buffer = "";
    this.#data = [];
    this.#event = "";
  }

  #line(line: string): void {
    if (line === "") {
      this.#dispatch();
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) return; // comment (heartbeat)
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* space */) value = value.slice(1);
    switch (field) {
      case "data":
        this.#data.push(value);
        break;
      case "event":
        this.#event = value;
        break;
      case "id":
        if (!value.includes("\u0000")) this.#id = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.handlers.onRetry?.(Number(value));
        break;
      default:
        break;
    }
  }

  #dispatch(): void {
    if (this.#data.length === 0) {
      this.#event = "";
      return;
    }
    const event: SseEvent = { event: this.#event || "message", data: this.#data.join("\n"), id: this.#id };
    this.#data = [];
    this.#event = "";
    this.handlers.onEvent(event);
  }
}

/** Reads `body` to its end through `parser`. Resolves when the stream ends; rejects when it breaks. */
export async function pumpSse(body: ReadableStream<Uint8Array>, parser: SseParser): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
    const rest = decoder.decode();
    if (rest) parser.push(rest);
  } finally {
    parser.end();
    reader.releaseLock();
  }
}
