import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "./breaker.js";
import { parseRoute } from "./route.js";
import { SseParser } from "./sse.js";

const providers = new Set(["openai", "anthropic", "azure-eu"]);
const route = (model: string | undefined) => parseRoute(model, providers, "openai", 3);

describe("model strings", () => {
  it("routes model/provider to that provider and a bare model to the default", () => {
    expect(route("claude-sonnet-4/anthropic")).toEqual([{ provider: "anthropic", model: "claude-sonnet-4" }]);
    expect(route("gpt-4o-mini")).toEqual([{ provider: "openai", model: "gpt-4o-mini" }]);
    expect(route(undefined)).toEqual([{ provider: "openai", model: "" }]);
  });

  it("keeps a suffix that names no provider as part of the model", () => {
    expect(route("meta-llama/Llama-3-8b")).toEqual([{ provider: "openai", model: "meta-llama/Llama-3-8b" }]);
    expect(route("meta-llama/Llama-3-8b/azure-eu")).toEqual([{ provider: "azure-eu", model: "meta-llama/Llama-3-8b" }]);
    expect(route("/anthropic")).toEqual([{ provider: "openai", model: "/anthropic" }]);
    expect(route("x/Anthropic")).toEqual([{ provider: "openai", model: "x/Anthropic" }]);
  });

  it("reads comma-separated chains in order, and refuses empty members and chains too long", () => {
    expect(route("gpt-4o-mini/openai, claude-sonnet-4/anthropic,gpt-4o")).toEqual([
      { provider: "openai", model: "gpt-4o-mini" },
      { provider: "anthropic", model: "claude-sonnet-4" },
      { provider: "openai", model: "gpt-4o" },
    ]);
    expect(() => route("a,,b")).toThrow(/member 2 .* is empty/);
    expect(() => route("a,b,c,d")).toThrow(/at most 3/);
  });
});

describe("circuit breaker", () => {
  it("opens after N consecutive failures, lets one probe through after the cool-down, closes on its success", () => {
    let now = 0;
    const breaker = new CircuitBreaker(3, 1000, () => now);
    breaker.failure();
    breaker.failure();
    breaker.success(); // the count is of consecutive failures
    breaker.failure();
    breaker.failure();
    expect(breaker.allow()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe("open");
    expect(breaker.allow()).toBe(false);
    expect(breaker.retryInMs()).toBe(1000);
    now = 1000;
    expect(breaker.allow()).toBe(true); // the probe
    expect(breaker.state).toBe("half_open");
    expect(breaker.allow()).toBe(false); // only one at a time
    breaker.success();
    expect(breaker.state).toBe("closed");
    expect(breaker.allow()).toBe(true);
  });

  it("a failed probe opens it for another cool-down; a probe whose caller left frees the slot", () => {
    let now = 0;
    const breaker = new CircuitBreaker(1, 500, () => now);
    breaker.failure();
    now = 500;
    expect(breaker.allow()).toBe(true);
    breaker.release();
    expect(breaker.allow()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe("open");
    expect(breaker.allow()).toBe(false);
    now = 999;
    expect(breaker.allow()).toBe(false);
    now = 1000;
    expect(breaker.allow()).toBe(true);
  });

  it("threshold 0 never opens", () => {
    const breaker = new CircuitBreaker(0, 1000);
    for (let i = 0; i < 100; i++) breaker.failure();
    expect(breaker.allow()).toBe(true);
  });
});

describe("event-stream parser", () => {
  it("reads events split anywhere, with CRLF, comments and multi-line data", () => {
    const parser = new SseParser();
    const text = ": hello\r\nevent: a\r\ndata: 1\r\ndata: 2\r\n\r\ndata: x\n\nevent:b\rdata:y\r\r: more\n";
    const events = [];
    for (const ch of text) events.push(...parser.push(ch));
    expect(events).toEqual([
      { event: "a", data: "1\n2" },
      { event: "message", data: "x" },
      { event: "b", data: "y" },
    ]);
  });

  it("decodes UTF-8 split across chunks", () => {
    const parser = new SseParser();
    const bytes = new TextEncoder().encode("data: héllo ✓\n\n");
    const events = [];
    for (let i = 0; i < bytes.length; i++) events.push(...parser.push(bytes.subarray(i, i + 1)));
    expect(events).toEqual([{ event: "message", data: "héllo ✓" }]);
  });

  it("refuses a line past its bound instead of growing without end", () => {
    const parser = new SseParser(100);
    expect(() => parser.push(`data: ${"x".repeat(200)}`)).toThrow(/longer than 100 bytes/);
  });
});
