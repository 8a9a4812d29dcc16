// The Server-Sent Events parser: line endings, chunk boundaries anywhere, comments, multi-line data.
import { describe, expect, it } from "vitest";
import { pumpSse, SseParser, type SseEvent } from "../src/sse.js";

function parse(chunks: string[]): { events: SseEvent[]; retries: number[]; activity: number } {
  const events: SseEvent[] = [];
  const retries: number[] = [];
  let activity = 0;
  const parser = new SseParser({ onEvent: (e) => events.push(e), onRetry: (ms) => retries.push(ms), onActivity: () => activity++ });
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return { events, retries, activity };
}

const stream = 'retry: 1000\nevent: ready\ndata: {}\n\n: keep-alive\n\nid: 42\nevent: deployment\ndata: {"a":1}\n\ndata: line one\ndata: line two\n\n';
const expected: SseEvent[] = [
  { event: "ready", data: "{}", id: undefined },
  { event: "deployment", data: '{"a":1}', id: "42" },
  { event: "message", data: "line one\nline two", id: "42" },
];

describe("SseParser", () => {
  it("parses events, ids, retry and comments", () => {
    const { events, retries } = parse([stream]);
    expect(events).toEqual(expected);
    expect(retries).toEqual([1000]);
  });

  it("gives the same events however the stream is cut", () => {
    for (let cut = 1; cut < stream.length; cut++) {
      expect(parse([stream.slice(0, cut), stream.slice(cut)]).events).toEqual(expected);
    }
    expect(parse([...stream]).events).toEqual(expected);
  });

  it("accepts CRLF and CR line endings, also split between chunks", () => {
    const crlf = stream.replace(/\n/g, "\r\n");
    expect(parse([crlf]).events).toEqual(expected);
    for (let cut = 1; cut < crlf.length; cut++) expect(parse([crlf.slice(0, cut), crlf.slice(cut)]).events).toEqual(expected);
    expect(parse([stream.replace(/\n/g, "\r")]).events).toEqual(expected);
  });

  it("drops an unterminated event at the end, and events without data", () => {
    expect(parse(["event: x\n\n", "data: half"]).events).toEqual([]);
  });

  it("counts comments as activity (heartbeats keep the connection alive)", () => {
    expect(parse([": keep-alive\n\n", ": keep-alive\n\n"]).activity).toBe(2);
  });

  it("reads a byte stream with multi-byte characters split across chunks", async () => {
    const bytes = new TextEncoder().encode('data: {"name":"café ☕"}\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    const events: SseEvent[] = [];
    await pumpSse(body, new SseParser({ onEvent: (e) => events.push(e) }));
    expect(events).toEqual([{ event: "message", data: '{"name":"café ☕"}', id: undefined }]);
  });
});
