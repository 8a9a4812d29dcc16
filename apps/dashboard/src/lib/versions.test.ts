import { describe, expect, it } from "vitest";
import { byNumberDesc, environmentNameProblem, environmentOrder, nextVersion, relativeTime, truncate, versionLabel, versionOptionLabel } from "./versions";

const v = (majorVersion: number, minorVersion: number) => ({ majorVersion, minorVersion });

describe("version numbers", () => {
  it("labels and sorts", () => {
    expect(versionLabel(v(2, 10))).toBe("v2.10");
    expect([v(1, 2), v(2, 0), v(1, 10)].sort(byNumberDesc)).toEqual([v(2, 0), v(1, 10), v(1, 2)]);
  });

  it("predicts the next number as the registry numbers", () => {
    const all = [v(1, 0), v(1, 1), v(1, 2), v(2, 0)];
    expect(nextVersion(all, v(1, 0), "minor")).toEqual(v(1, 3));
    expect(nextVersion(all, v(2, 0), "minor")).toEqual(v(2, 1));
    expect(nextVersion(all, v(1, 1), "major")).toEqual(v(3, 0));
    expect(nextVersion([], v(1, 0), "minor")).toEqual(v(1, 1));
  });
});

describe("relativeTime", () => {
  const now = Date.parse("2025-06-10T12:00:00Z");
  it("reads as a person would say it", () => {
    expect(relativeTime("2025-06-10T11:59:50Z", now)).toBe("just now");
    expect(relativeTime("2025-06-10T11:55:00Z", now)).toBe("5 minutes ago");
    expect(relativeTime("2025-06-09T12:00:00Z", now)).toBe("yesterday");
    expect(relativeTime("2025-05-20T12:00:00Z", now)).toBe("3 weeks ago");
  });
});

describe("environments", () => {
  it("orders production, staging, development, then others", () => {
    expect(["qa", "development", "production", "beta", "staging"].sort(environmentOrder)).toEqual(["production", "staging", "development", "beta", "qa"]);
  });

  it("checks names as the registry does", () => {
    expect(environmentNameProblem("canary-eu.1")).toBeNull();
    expect(environmentNameProblem(" ")).toMatch(/Enter/);
    expect(environmentNameProblem("my env")).toMatch(/letters/);
    expect(environmentNameProblem("-x")).toMatch(/letters/);
  });
});

describe("truncate / versionOptionLabel", () => {
  it("cuts long text with an ellipsis, never inside an emoji", () => {
    expect(truncate("short", 60)).toBe("short");
    expect(truncate("x".repeat(60), 60)).toBe("x".repeat(60));
    expect(truncate("x".repeat(61), 60)).toBe(`${"x".repeat(59)}…`);
    const emoji = `${"a".repeat(58)}🚀🚀🚀`;
    expect(truncate(emoji, 60)).toBe(`${"a".repeat(58)}🚀…`);
    expect(truncate("word ".repeat(20), 10)).toBe("word word…");
  });

  it("labels a version for a select: number, environments, then the start of the commit message", () => {
    const long = `fix partials ${"x".repeat(60)}`;
    expect(versionOptionLabel({ ...v(2, 0), environments: ["staging"], commitMessage: long })).toBe(`v2.0 (staging) — ${truncate(long, 60)}`);
    expect(versionOptionLabel({ ...v(1, 0), environments: [], commitMessage: "" })).toBe("v1.0");
  });
});
