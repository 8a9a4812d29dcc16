/** Numbers of the request log and metrics as the dashboard shows them. */

/** `812 ms`, `4.2 ms`, `1.90 s`; "—" when unknown. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)} s`;
  return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

/** `$0.17`, `$0.0012`, `$0`; "—" when no call's price is known (unknown is not free). */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return "—";
  if (usd === 0) return "$0";
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  // Two significant digits, written out ($0.00000075, not $7.5e-7).
  const decimals = Math.min(12, -Math.floor(Math.log10(usd)) + 1);
  return `$${usd.toFixed(decimals)}`;
}

/** `950`, `12.3k`, `4.1M`. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${Number((n / 1000).toFixed(n < 10_000 ? 1 : 0))}k`;
  return `${Number((n / 1_000_000).toFixed(1))}M`;
}

/** `0.3 %`, `12 %`; "0 %" without errors. */
export function formatRate(rate: number): string {
  if (rate === 0) return "0 %";
  const percent = rate * 100;
  return `${percent < 1 ? percent.toFixed(2) : percent < 10 ? percent.toFixed(1) : percent.toFixed(0)} %`;
}

/** The playground's form values from a recorded call's captured inputs; redacted values are left empty to fill in. */
export function valuesFromCapturedInputs(json: string | undefined): Record<string, string | boolean> {
  if (!json) return {};
  let inputs: unknown;
  try {
    inputs = JSON.parse(json);
  } catch {
    return {};
  }
  if (typeof inputs !== "object" || inputs === null || Array.isArray(inputs)) return {};
  const values: Record<string, string | boolean> = {};
  for (const [name, value] of Object.entries(inputs)) {
    if (value === "[redacted]") values[name] = "";
    else if (typeof value === "boolean") values[name] = value;
    else if (typeof value === "string") values[name] = value;
    else if (typeof value === "number") values[name] = String(value);
    else values[name] = JSON.stringify(value);
  }
  return values;
}
