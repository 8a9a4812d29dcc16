import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.js";

describe("parseConfig", () => {
  it("has working defaults", () => {
    const config = parseConfig({});
    expect(config).toMatchObject({ port: 8787, host: "127.0.0.1", mongodbUri: undefined, mongodbDb: "promptreg", bodyLimitBytes: 1048576 });
    expect(config.dataDir).toMatch(/\.data$/);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("treats empty strings as unset", () => {
    expect(parseConfig({ MONGODB_URI: "", PROMPTREG_API_KEY: "" })).toMatchObject({ mongodbUri: undefined, bootstrapApiKey: undefined });
  });

  it("lists every bad variable in one message", () => {
    expect(() => parseConfig({ PORT: "eighty", MONGODB_URI: "postgres://x", PROMPTREG_API_KEY: "short" })).toThrow(
      /PORT[\s\S]*MONGODB_URI: must start with mongodb:\/\/[\s\S]*PROMPTREG_API_KEY: must be at least 16/,
    );
  });

  it("normalises the public URL", () => {
    expect(parseConfig({ PROMPTREG_PUBLIC_URL: "https://prompts.example.com/" }).publicUrl).toBe("https://prompts.example.com");
    expect(() => parseConfig({ PROMPTREG_PUBLIC_URL: "ftp://x" })).toThrow(/PROMPTREG_PUBLIC_URL/);
  });

  it("records calls by default, with bounded queue and retention settings", () => {
    expect(parseConfig({}).analytics).toEqual({
      enabled: true,
      queueLimit: 50_000,
      flushIntervalMs: 1000,
      batchSize: 2000,
      shutdownMs: 5000,
      sweepIntervalMs: 3_600_000,
      recordRetentionDays: 30,
      inputRetentionDays: 30,
      rollupRetentionDays: 400,
    });
    expect(parseConfig({ PROMPTREG_ANALYTICS: "false", PROMPTREG_INPUT_RETENTION_DAYS: "60", PROMPTREG_REQUEST_RETENTION_DAYS: "45" }).analytics).toMatchObject({
      enabled: false,
      // Inputs go with their call at the latest.
      inputRetentionDays: 45,
    });
    expect(() => parseConfig({ PROMPTREG_REQUEST_RETENTION_DAYS: "90", PROMPTREG_ROLLUP_RETENTION_DAYS: "30" })).toThrow(/PROMPTREG_ROLLUP_RETENTION_DAYS: must be at least/);
    // A flush at most every 4 s: a call is counted within 5 s of its answer.
    expect(() => parseConfig({ PROMPTREG_ANALYTICS_FLUSH_MS: "10000" })).toThrow(/PROMPTREG_ANALYTICS_FLUSH_MS/);
  });

  it("exports traces only when an OTLP endpoint is set, to <endpoint>/v1/traces unless the traces endpoint is given", () => {
    expect(parseConfig({}).otel).toBeUndefined();
    expect(parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/", OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=a%20b, tenant=t" }).otel).toEqual({
      tracesUrl: "http://collector:4318/v1/traces",
      headers: { "x-api-key": "a b", tenant: "t" },
      serviceName: "promptreg",
    });
    expect(parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://b/traces" }).otel?.tracesUrl).toBe("https://b/traces");
    expect(() => parseConfig({ OTEL_EXPORTER_OTLP_HEADERS: "novalue" })).toThrow(/OTEL_EXPORTER_OTLP_HEADERS/);
  });
});
