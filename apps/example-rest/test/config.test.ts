import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";

describe("loadConfig", () => {
  it("defaults to the local server", () => {
    expect(loadConfig({ PROMPTREG_API_KEY: "k" })).toEqual({ url: "http://127.0.0.1:8787", apiKey: "k" });
    expect(loadConfig({ PROMPTREG_API_KEY: "k", PROMPTREG_URL: "https://reg.example.com/" }).url).toBe("https://reg.example.com");
  });

  it("names every bad variable", () => {
    expect(() => loadConfig({ PROMPTREG_URL: "ftp://x" })).toThrow(/PROMPTREG_URL must be an http\(s\) URL; PROMPTREG_API_KEY is required/);
  });
});
