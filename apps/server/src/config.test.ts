import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

  it("bounds how long a cached key is trusted without the database: 5 minutes unless set, 0 for never", () => {
    expect(parseConfig({}).cache.authOutageGraceMs).toBe(300_000);
    expect(parseConfig({ PROMPTREG_AUTH_OUTAGE_GRACE_MS: "0" }).cache.authOutageGraceMs).toBe(0);
    expect(() => parseConfig({ PROMPTREG_AUTH_OUTAGE_GRACE_MS: "-1" })).toThrow(/PROMPTREG_AUTH_OUTAGE_GRACE_MS/);
  });

  it("reads the signing secrets as a list: the first signs, all verify", () => {
    const [a, b] = ["a".repeat(32), "b".repeat(40)];
    expect(parseConfig({ PROMPTREG_SIGNING_SECRET: a }).signingSecrets).toEqual([a]);
    expect(parseConfig({ PROMPTREG_SIGNING_SECRET: ` ${a} , ${b},` }).signingSecrets).toEqual([a, b]);
    expect(parseConfig({ PROMPTREG_SIGNING_SECRET: "" }).signingSecrets).toBeUndefined();
    expect(() => parseConfig({ PROMPTREG_SIGNING_SECRET: `${a},short` })).toThrow(/PROMPTREG_SIGNING_SECRET\.1: each secret must be at least 32 characters/);
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

describe("providers", () => {
  const file = (content: string, ext = "json") => {
    const path = join(mkdtempSync(join(tmpdir(), "promptreg-config-")), `providers.${ext}`);
    writeFileSync(path, content);
    return path;
  };

  it("without a file: one provider, openai, from OPENAI_BASE_URL and its fallbacks, uncapped, the default", () => {
    const { providers } = parseConfig({ OPENAI_BASE_URL: "http://a.example/v1/", PROMPTREG_UPSTREAM_FALLBACK_URLS: "http://b.example/v1", OPENAI_API_KEY: "sk-x" });
    expect(providers.defaultProvider).toBe("openai");
    expect(providers.providers).toEqual([expect.objectContaining({ name: "openai", type: "openai", baseUrls: ["http://a.example/v1", "http://b.example/v1"], apiKey: "sk-x", maxConnections: undefined })]);
    expect(providers.forwardOpenAiOrgHeaders).toBe(false);
    expect(parseConfig({ PROMPTREG_UPSTREAM_CONNECTIONS: "500" }).providers.providers[0]!.maxConnections).toBe(500);
  });

  it("reads a JSON file: providers by name, keys from the variables they name, the default it sets", () => {
    const path = file(
      JSON.stringify({
        defaultProvider: "claude",
        providers: {
          claude: { type: "anthropic", baseUrl: "https://api.anthropic.com/v1", apiKeyEnv: "ANTHROPIC_API_KEY", maxConnections: 50 },
          az: { type: "azure", baseUrl: "https://res.openai.azure.com/openai", apiKeyEnv: "AZ_KEY", apiVersion: "v1" },
        },
        breaker: { failureThreshold: 3 },
      }),
    );
    const { providers } = parseConfig({ PROMPTREG_PROVIDERS_FILE: path, ANTHROPIC_API_KEY: "sk-ant", AZ_KEY: "k" });
    expect(providers.defaultProvider).toBe("claude");
    expect(providers.providers.map((p) => p.name)).toEqual(["openai", "claude", "az"]);
    expect(providers.providers[1]).toMatchObject({ type: "anthropic", baseUrls: ["https://api.anthropic.com"], apiKey: "sk-ant", maxConnections: 50, anthropicVersion: "2023-06-01", defaultMaxTokens: 4096 });
    expect(providers.providers[2]).toMatchObject({ type: "azure", baseUrls: ["https://res.openai.azure.com"], apiVersion: "v1" });
    expect(providers.breaker).toEqual({ failureThreshold: 3, cooldownMs: 30_000 });
  });

  it("a file that defines openai replaces the environment's", () => {
    const path = file("providers:\n  openai: { type: openai, baseUrl: 'http://local:11434/v1' }\n", "yaml");
    expect(parseConfig({ PROMPTREG_PROVIDERS_FILE: path }).providers.providers).toEqual([expect.objectContaining({ name: "openai", baseUrls: ["http://local:11434/v1"], apiKey: undefined })]);
  });

  it("a bad file stops start-up naming each problem", () => {
    const path = file(
      JSON.stringify({
        defaultProvider: "nope",
        providers: { "Bad Name": { type: "openai", baseUrl: "http://x" }, claude: { type: "anthropic", baseUrl: "not a url", timeoutMs: 5 }, az: { type: "gcp", baseUrl: "http://x" } },
        extra: true,
      }),
    );
    let message = "";
    try {
      parseConfig({ PROMPTREG_PROVIDERS_FILE: path });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/providers\.Bad Name.*lowercase/);
    expect(message).toMatch(/providers\.claude\.baseUrl: must be an http\(s\) URL/);
    expect(message).toMatch(/providers\.claude\.timeoutMs/);
    expect(message).toMatch(/providers\.az\.type: type must be "openai", "anthropic" or "azure"/);
    expect(message).toMatch(/extra/);
  });

  it("a missing file, a syntax error, an unknown default or an unset key variable are each named", () => {
    expect(() => parseConfig({ PROMPTREG_PROVIDERS_FILE: "/nonexistent/providers.yaml" })).toThrow(/PROMPTREG_PROVIDERS_FILE: cannot read \/nonexistent\/providers.yaml/);
    expect(() => parseConfig({ PROMPTREG_PROVIDERS_FILE: file("providers: [unclosed", "yaml") })).toThrow(/not valid JSON or YAML/);
    expect(() => parseConfig({ PROMPTREG_PROVIDERS_FILE: file('{"defaultProvider": "groq"}') })).toThrow(/defaultProvider: groq is not a declared provider/);
    expect(() => parseConfig({ PROMPTREG_PROVIDERS_FILE: file('{"providers": {"c": {"type": "anthropic", "baseUrl": "http://x", "apiKeyEnv": "UNSET_KEY_VAR"}}}') })).toThrow(
      /UNSET_KEY_VAR: not set, but provider c reads its key from it/,
    );
  });
});
