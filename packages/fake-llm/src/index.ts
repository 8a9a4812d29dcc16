import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the fake upstream received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** Parsed JSON body (undefined if it was not JSON). `any` on purpose: tests reach into it freely. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  rawBody: string;
}

/** What to answer; the default is a normal completion echoing the last message. */
export type FakeBehaviour =
  | { kind: "complete" }
  | { kind: "stream"; chunks: string[]; delayMs?: number }
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
  /** Resolves when a streaming response was cut off by the client. */
  streamAborted(): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

/** The fields of a request the fake looks at. */
interface RequestView {
  model?: unknown;
  messages?: unknown;
  stream_options?: { include_usage?: unknown };
}

const modelOf = (body: RequestView | undefined) => (typeof body?.model === "string" ? body.model : "fake");

export function completionFor(body: RequestView | undefined, id = "chatcmpl-fake") {
  const messages = (Array.isArray(body?.messages) ? body.messages : []) as Array<{ content?: unknown }>;
  const last = messages.at(-1)?.content;
  return {
    id,
    object: "chat.completion",
    created: 1_700_000_000,
    model: modelOf(body),
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: `echo: ${typeof last === "string" ? last : JSON.stringify(last ?? null)}` },
        finish_reason: "stop",
      },
    ],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

function chunk(model: string, content: string | null, finish: string | null, usage: boolean) {
  return {
    id: "chatcmpl-fake",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }],
    // As OpenAI: with stream_options.include_usage, every chunk has `usage: null` and a last one the usage.
    ...(usage ? { usage: null } : {}),
  };
}

/**
 * Starts the fake on 127.0.0.1 (port 0 by default). `record: false` keeps memory flat in long benchmarks.
 */
export async function startFakeLlm(options: { port?: number; record?: boolean } = {}): Promise<FakeLlm> {
  const record = options.record ?? true;
  const requests: RecordedRequest[] = [];
  let behaviour: FakeBehaviour = { kind: "complete" };
  let abortWaiters: Array<() => void> = [];

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    let body: RequestView | undefined;
    try {
      body = JSON.parse(raw) as RequestView;
    } catch {
      body = undefined;
    }
    if (record) requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body, rawBody: raw });
    const current = behaviour;
    switch (current.kind) {
      case "complete": {
        const json = JSON.stringify(completionFor(body));
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(json), "x-request-id": "req_fake" });
        res.end(json);
        return;
      }
      case "status": {
        const json = JSON.stringify(current.body);
        res.writeHead(current.status, { "content-type": "application/json", ...current.headers });
        res.end(json);
        return;
      }
      case "hang":
        return;
      case "destroy":
        req.socket.destroy();
        return;
      case "stream": {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        const model = modelOf(body);
        const includeUsage = body?.stream_options?.include_usage === true;
        const events: unknown[] = [...current.chunks.map((c) => chunk(model, c, null, includeUsage)), chunk(model, null, "stop", includeUsage)];
        if (includeUsage) {
          const n = current.chunks.length;
          events.push({ id: "chatcmpl-fake", object: "chat.completion.chunk", created: 1_700_000_000, model, choices: [], usage: { prompt_tokens: 3, completion_tokens: n + 1, total_tokens: n + 4 } });
        }
        let i = 0;
        let finished = false;
        res.on("close", () => {
          if (!finished) {
            for (const w of abortWaiters) w();
            abortWaiters = [];
          }
        });
        const next = () => {
          if (res.destroyed) return;
          if (i < events.length) {
            res.write(`data: ${JSON.stringify(events[i++])}\n\n`);
            setTimeout(next, current.delayMs ?? 0);
          } else {
            finished = true;
            res.end("data: [DONE]\n\n");
          }
        };
        next();
        return;
      }
    }
  };

  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => handle(req, res, Buffer.concat(parts).toString("utf8")));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(options.port ?? 0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    baseUrl: `${url}/v1`,
    requests,
    behave(next) {
      behaviour = next;
    },
    streamAborted: () => new Promise<void>((r) => abortWaiters.push(r)),
    reset() {
      requests.length = 0;
      behaviour = { kind: "complete" };
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
