import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";

describe("loadConfig", () => {
  it("defaults to the local server and needs only the promptreg key with an offline upstream", () => {
    expect(loadConfig({ PROMPTREG_API_KEY: "k", OPENAI_BASE_URL: "http://127.0.0.1:8788/v1/" })).toEqual({
      url: "http://127.0.0.1:8787",
      apiKey: "k",
      openaiBaseURL: "http://127.0.0.1:8788/v1",
      openaiApiKey: "sk-not-needed-offline",
    });
  });

  it("names every bad variable", () => {
    expect(() => loadConfig({ PROMPTREG_URL: "ftp://x", PROMPTREG_API_KEY: " " })).toThrow(/PROMPTREG_URL must be an http\(s\) URL; PROMPTREG_API_KEY is required/);
  });

  it("requires OPENAI_API_KEY when calling OpenAI itself", () => {
    expect(() => loadConfig({ PROMPTREG_API_KEY: "k" })).toThrow(/OPENAI_API_KEY is required/);
    expect(loadConfig({ PROMPTREG_API_KEY: "k", OPENAI_API_KEY: "sk-1" })).toMatchObject({ openaiBaseURL: "https://api.openai.com/v1", openaiApiKey: "sk-1" });
  });
});
