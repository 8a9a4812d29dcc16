import { describe, expect, it } from "vitest";
import { describeError, isUnauthorized } from "./errors";

describe("describeError", () => {
  it("says the server could not be reached for network failures", () => {
    expect(describeError(new TypeError("Failed to fetch")).message).toMatch(/Could not reach the promptreg server/);
  });

  it("says the server was too slow for timeouts", () => {
    const timeout = new DOMException("signal timed out", "TimeoutError");
    expect(describeError(timeout).message).toMatch(/took too long/);
  });

  it("keeps other messages, capitalized", () => {
    expect(describeError(new Error("boom")).message).toBe("Boom");
    expect(describeError("???").message).toBe("Something went wrong.");
    expect(isUnauthorized(new Error("x"))).toBe(false);
  });
});
