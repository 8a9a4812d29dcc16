// The client tests' own doubles, beside the real server every package's tests share
// (startTestServer from @promptreg/server/testing): a counting fetch, a server that answers 503 to
// everything, a proxy that can be switched to 503 or cut streams, and the prompt body they use.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TPromptBody } from "@promptreg/contracts";

/** A small valid prompt body (variables company and question) whose system message starts with `greeting`: tests tell versions apart by it. */
export function sampleBody(greeting = "Hello.", overrides: Partial<TPromptBody> = {}): TPromptBody {
  return {
    model: "gpt-4o-mini",
    temperature: 0.3,
    messages: [
      { role: "system", content: `${greeting} You support {{hc:company:string}}.` },
      { role: "user", content: "{{hc:question:string}}" },
    ],
    ...overrides,
  };
}

export interface RecordedCall {
  method: string;
  path: string;
}

/** A fetch that records every request (method and path) and can be made to fail. */
export interface CountingFetch {
  fetch: typeof fetch;
  calls: RecordedCall[];
  /** Requests whose path starts with `prefix`. */
  count(prefix: string, method?: string): number;
  reset(): void;
  /** The next `n` requests matching `filter` fail with a network error (TypeError, as fetch's). */
  failNext(n: number, filter?: (call: RecordedCall) => boolean): void;
  /** Cuts every open event stream (their bodies error), as a dropped connection would. */
  dropStreams(): void;
  /** While true, new event stream requests fail with a network error. */
  refuseStreams: boolean;
}

export function countingFetch(base: typeof fetch = fetch): CountingFetch {
  const calls: RecordedCall[] = [];
  let failures: Array<{ filter: (call: RecordedCall) => boolean }> = [];
  const streams = new Set<AbortController>();
  const state: CountingFetch = {
    calls,
    refuseStreams: false,
    count: (prefix, method) => calls.filter((c) => c.path.startsWith(prefix) && (method === undefined || c.method === method)).length,
    reset: () => {
      calls.length = 0;
    },
    failNext(n, filter = () => true) {
      for (let i = 0; i < n; i++) failures.push({ filter });
    },
    dropStreams() {
      for (const controller of streams) controller.abort(new TypeError("terminated"));
      streams.clear();
    },
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
      const call = { method: (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase(), path: url.pathname + url.search };
      calls.push(call);
      const failure = failures.find((f) => f.filter(call));
      if (failure) {
        failures = failures.filter((f) => f !== failure);
        throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
      }
      if (url.pathname === "/v1/deployments/stream") {
        if (state.refuseStreams) throw new TypeError("fetch failed");
        const controller = new AbortController();
        const signal = init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
        streams.add(controller);
        return base(input, { ...init, signal });
      }
      return base(input, init);
    },
  };
  return state;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A server that answers every request with 503 and the REST error envelope. */
export async function startUnavailableServer(): Promise<{ url: string; requests: number; close(): Promise<void> }> {
  const state = { url: "", requests: 0, close: async () => {} };
  const server = createServer((_req, res) => {
    state.requests++;
    res.writeHead(503, { "content-type": "application/json", "retry-after": "2" });
    res.end(JSON.stringify({ data: null, error: "database unavailable; try again shortly" }));
  });
  state.url = await listen(server);
  state.close = () => close(server);
  return state;
}

const HOP_BY_HOP = new Set(["host", "connection", "keep-alive", "content-length", "transfer-encoding"]);

/**
 * A reverse proxy to `target` that can be switched to answer 503 to everything, and that answers 404 to
 * the paths in `missing` (as a server of an older release, without those routes).
 */
export async function startSwitchableProxy(target: string): Promise<{ url: string; mode: "pass" | "503"; missing: Set<string>; close(): Promise<void> }> {
  const state = { url: "", mode: "pass" as "pass" | "503", missing: new Set<string>(), close: async () => {} };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (state.mode === "503") {
        res.writeHead(503, { "content-type": "application/json" });
        res.end(JSON.stringify({ data: null, error: "database unavailable; try again shortly" }));
        return;
      }
      if (state.missing.has(req.url ?? "")) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ data: null, error: `no route ${req.method} ${req.url}` }));
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string" && !HOP_BY_HOP.has(name)) headers[name] = value;
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      fetch(`${target}${req.url}`, { method: req.method, headers, body })
        .then(async (answer) => {
          const text = await answer.text();
          res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
          res.end(text);
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  state.url = await listen(server);
  state.close = () => close(server);
  return state;
}

/** Waits until `predicate` holds (polled every 10 ms) or fails after `timeoutMs`. */
export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000, what = "condition"): Promise<number> {
  const started = performance.now();
  while (!(await predicate())) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - started;
}
