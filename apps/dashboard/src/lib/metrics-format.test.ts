import { describe, expect, it } from "vitest";
import { formatCost, formatCount, formatMs, formatRate, valuesFromCapturedInputs } from "./metrics-format";

describe("metric formats", () => {
  it("formats latencies, costs, counts and rates", () => {
    expect([formatMs(4.23), formatMs(812.4), formatMs(1903), formatMs(12_500), formatMs(null)]).toEqual(["4.2 ms", "812 ms", "1.90 s", "12.5 s", "—"]);
    expect([formatCost(null), formatCost(0), formatCost(0.0012345), formatCost(0.17333), formatCost(12.345), formatCost(7.5e-7)]).toEqual(["—", "$0", "$0.0012", "$0.17", "$12.35", "$0.00000075"]);
    expect([formatCount(950), formatCount(12_345), formatCount(4_100_000)]).toEqual(["950", "12k", "4.1M"]);
    expect([formatRate(0), formatRate(0.003), formatRate(0.042), formatRate(0.5)]).toEqual(["0 %", "0.30 %", "4.2 %", "50 %"]);
  });

  it("turns captured inputs into playground values, redacted ones left to fill in", () => {
    expect(valuesFromCapturedInputs(JSON.stringify({ company: "Acme", n: 3, vip: true, customer: "[redacted]", extra: { a: 1 } }))).toEqual({
      company: "Acme",
      n: "3",
      vip: true,
      customer: "",
      extra: '{"a":1}',
    });
    expect(valuesFromCapturedInputs("not json")).toEqual({});
    expect(valuesFromCapturedInputs(undefined)).toEqual({});
  });
});
