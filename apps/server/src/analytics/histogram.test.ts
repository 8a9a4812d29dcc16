import { describe, expect, it } from "vitest";
import { addSample, bucketOf, bucketValue, mergeInto, percentiles, quantiles, type Histogram } from "./histogram.js";

describe("latency histogram", () => {
  it("reads any value back within 4.5 %", () => {
    for (const ms of [0.013, 0.25, 1, 1.7, 12.5, 99, 1234, 65_000, 3_600_000]) {
      const back = bucketValue(bucketOf(ms));
      expect(Math.abs(back - ms) / ms).toBeLessThan(0.045);
    }
  });

  it("gives nearest-rank percentiles of merged histograms", () => {
    const a: Histogram = {};
    const b: Histogram = {};
    for (let i = 1; i <= 500; i++) addSample(a, i);
    for (let i = 501; i <= 1000; i++) addSample(b, i);
    const merged: Histogram = {};
    mergeInto(merged, a);
    mergeInto(merged, b);
    const { p50, p95, p99 } = percentiles(merged);
    expect(p50! / 500).toBeGreaterThan(0.955);
    expect(p50! / 500).toBeLessThan(1.045);
    expect(Math.abs(p95! - 950) / 950).toBeLessThan(0.045);
    expect(Math.abs(p99! - 990) / 990).toBeLessThan(0.045);
  });

  it("answers null for an empty histogram and clamps extremes", () => {
    expect(percentiles({})).toEqual({ p50: null, p95: null, p99: null });
    const h: Histogram = {};
    addSample(h, 0);
    addSample(h, 1e12);
    expect(quantiles(h, [0.5, 1])[1]).toBeGreaterThan(1e8);
    expect(quantiles(h, [0.5])[0]).toBeLessThan(0.01);
  });
});
