import { MongoServerSelectionError } from "mongodb";
import { describe, expect, it } from "vitest";
import { AppError, appErrorTable, toAppError } from "./errors.js";
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

  it("maps body-parser errors to 400/413", () => {
    expect(toHttpError({ type: "entity.too.large", status: 413 }, 1024)).toMatchObject({ httpStatus: 413, message: "request body is larger than 1024 bytes" });
    expect(toHttpError({ type: "entity.parse.failed", status: 400 }, 1)).toMatchObject({ httpStatus: 400 });
    expect(toHttpError({ type: "something.else", status: 400 }, 1)).toMatchObject({ httpStatus: 400 });
  });
});
