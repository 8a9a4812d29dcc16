import { MongoServerSelectionError } from "mongodb";
import { describe, expect, it } from "vitest";
import { AppError, appErrorTable, errorHeaders, toAppError } from "./errors.js";
import { toHttpError } from "./http/errors.js";

describe("error mapping", () => {
  it("maps every code to a 4xx/5xx status and a tRPC code", () => {
    for (const [code, { http, trpc }] of Object.entries(appErrorTable)) {
      expect(new AppError(code as keyof typeof appErrorTable, "m").httpStatus).toBe(http);
      expect(trpc).toMatch(/^[A-Z_]+$/);
    }
    expect(appErrorTable.UNPROCESSABLE.http).toBe(422);
    expect(appErrorTable.UNAVAILABLE.http).toBe(503);
  });

  it("turns database outages into 503 and anything unknown into a generic 500", () => {
    const outage = new MongoServerSelectionError("Server selection timed out after 3000 ms", { type: "Unknown", servers: new Map(), stale: false, compatible: true, heartbeatFrequencyMS: 10000, localThresholdMS: 15, setName: null, maxElectionId: null, maxSetVersion: null, commonWireVersion: 0, logicalSessionTimeoutMinutes: null } as never);
    expect(toAppError(outage)).toMatchObject({ code: "UNAVAILABLE", httpStatus: 503 });
    const bug = toAppError(new TypeError("x is undefined at secret/path.ts:12"));
    expect(bug).toMatchObject({ code: "INTERNAL", message: "internal server error" });
  });

  it("maps Express's own 4xx errors (http-errors) to a plain 400, and anything else as toAppError", () => {
    expect(toHttpError({ status: 400, message: "Failed to decode param '%E0%A4%A'" })).toMatchObject({ httpStatus: 400, message: "malformed request" });
    expect(toHttpError({ status: 404 })).toMatchObject({ httpStatus: 400 });
    expect(toHttpError({ status: 500 })).toMatchObject({ httpStatus: 500, message: "internal server error" });
    expect(toHttpError(new AppError("CONFLICT", "taken"))).toMatchObject({ httpStatus: 409, message: "taken" });
  });

  it("tells every transport when to retry a 429 or a 503", () => {
    expect(errorHeaders(new AppError("TOO_MANY_REQUESTS", "slow down", undefined, 7))).toEqual({ "retry-after": "7" });
    expect(errorHeaders(new AppError("UNAVAILABLE", "down"))).toEqual({ "retry-after": "2" });
    expect(errorHeaders(new AppError("NOT_FOUND", "gone"))).toEqual({});
  });
});
