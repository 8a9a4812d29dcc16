// Latency histograms with fixed log-scale buckets, so that histograms recorded by any replica in any
// minute merge by adding counts, and percentiles of any window come from the merged counts.
//
// Bucket i holds values in (2^((i-1)/8), 2^(i/8)] milliseconds: eight buckets per doubling, so a
// percentile read back as the bucket's geometric middle is within ±4.4 % of the true value. Indices run
// from -80 (about 1 µs; anything faster lands there) to 240 (about 12 days), i.e. at most 321 buckets,
// and a stored histogram holds only the buckets it uses (a few dozen for a real latency distribution).

/** Buckets per doubling. */
const RESOLUTION = 8;
export const MIN_BUCKET = -80;
export const MAX_BUCKET = 240;

/** Bucket index → count. Keys are the index as a string (valid field names on both databases). */
export type Histogram = Record<string, number>;

export function bucketOf(ms: number): number {
  if (!(ms > 0)) return MIN_BUCKET;
  const index = Math.ceil(Math.log2(ms) * RESOLUTION);
  return index < MIN_BUCKET ? MIN_BUCKET : index > MAX_BUCKET ? MAX_BUCKET : index;
}

/** The value a bucket stands for: the geometric middle of its bounds. */
export function bucketValue(index: number): number {
  return 2 ** ((index - 0.5) / RESOLUTION);
}

export function addSample(histogram: Histogram, ms: number, count = 1): void {
  const key = String(bucketOf(ms));
  histogram[key] = (histogram[key] ?? 0) + count;
}

/** Adds `from` into `into`. */
export function mergeInto(into: Histogram, from: Readonly<Histogram> | undefined): void {
  if (!from) return;
  for (const key in from) into[key] = (into[key] ?? 0) + (from[key] ?? 0);
}

/**
 * The values at each quantile `qs` (0 < q ≤ 1; nearest rank: the smallest value with at least q·n samples at
 * or below it), in milliseconds rounded to the microsecond; null for an empty histogram.
 */
export function quantiles(histogram: Readonly<Histogram>, qs: readonly number[]): Array<number | null> {
  const buckets = Object.keys(histogram)
    .map((key) => [Number(key), histogram[key] ?? 0] as const)
    .filter(([, count]) => count > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return qs.map(() => null);
  return qs.map((q) => {
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (const [index, count] of buckets) {
      seen += count;
      if (seen >= rank) return Math.round(bucketValue(index) * 1000) / 1000;
    }
    return Math.round(bucketValue(buckets[buckets.length - 1]![0]) * 1000) / 1000;
  });
}

export function percentiles(histogram: Readonly<Histogram>): { p50: number | null; p95: number | null; p99: number | null } {
  const [p50, p95, p99] = quantiles(histogram, [0.5, 0.95, 0.99]);
  return { p50: p50 ?? null, p95: p95 ?? null, p99: p99 ?? null };
}
