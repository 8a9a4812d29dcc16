import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planWindow } from "./window.js";

const M = 60_000;
const H = 3_600_000;
const D = 86_400_000;

/** Minute epoch → how many times the plan counts it (plus adds, minus takes away). */
function coverage(from: number, to: number, now: number): Map<number, number> {
  const plan = planWindow(from, to, now);
  const counts = new Map<number, number>();
  const add = (start: number, length: number, sign: number) => {
    for (let t = start; t < start + length; t += M) counts.set(t / M, (counts.get(t / M) ?? 0) + sign);
  };
  for (const [level, size] of [["m", M], ["h", H], ["d", D]] as const) {
    for (const e of plan.plus[level]) add(e * size, size, 1);
    for (const e of plan.minus[level]) add(e * size, size, -1);
  }
  return counts;
}

describe("window plan", () => {
  it("counts every minute of the window once and nothing else (before now)", () => {
    const base = Date.UTC(2026, 10, 1);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 * 1440 }), fc.integer({ min: 1, max: 4 * 1440 }), fc.integer({ min: -2000, max: 3000 }), (start, length, nowOffset) => {
        const from = base + start * M;
        const to = from + length * M;
        const now = to + nowOffset * M;
        const counts = coverage(from, to, now);
        const wrong: string[] = [];
        for (const [minute, count] of counts) {
          const t = minute * M;
          // Minutes after now hold nothing yet: a plan may count them (the day in progress, in one read).
          const ok = t >= now && to >= now ? count === 0 || count === 1 : count === (t >= from && t < to ? 1 : 0);
          if (!ok) wrong.push(`${new Date(t).toISOString()} counted ${count}`);
        }
        for (let t = from; t < Math.min(to, now); t += M) if ((counts.get(t / M) ?? 0) !== 1) wrong.push(`${new Date(t).toISOString()} missing`);
        expect(wrong.slice(0, 5)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it("reads few rollups for the last 24 h, whatever the time of day", () => {
    for (let minute = 0; minute < 1440; minute += 7) {
      const now = Date.UTC(2026, 10, 2) + minute * M + 12_345;
      const to = Math.ceil(now / M) * M;
      const plan = planWindow(to - D, to, now);
      const reads = Object.values(plan.plus).flat().length + Object.values(plan.minus).flat().length;
      expect(reads).toBeLessThanOrEqual(46);
    }
  });
});
