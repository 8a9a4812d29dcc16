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

  it("reads the signing secrets as a list: the first signs, all verify", () => {
    const [a, b] = ["a".repeat(32), "b".repeat(40)];
    expect(parseConfig({ PROMPTREG_SIGNING_SECRET: a }).signingSecrets).toEqual([a]);
    expect(parseConfig({ PROMPTREG_SIGNING_SECRET: ` ${a} , ${b},` }).signingSecrets).toEqual([a, b]);
    expect(parseConfig({ PROMPTREG_SIGNING_SECRET: "" }).signingSecrets).toBeUndefined();
    expect(() => parseConfig({ PROMPTREG_SIGNING_SECRET: `${a},short` })).toThrow(/PROMPTREG_SIGNING_SECRET\.1: each secret must be at least 32 characters/);
  });
});
