// Pure arithmetic of the rollups: a call added to its (version, environment) series, series merged, and
// the count of calls a request-log filter matches. Shared by the writer (apply a batch) and the queries.
import { isProviderFailure, type TStatusFilter } from "@promptreg/contracts";
import type { SeriesStats, StoredCall } from "../db/analytics-documents.js";
import { addSample, mergeInto } from "./histogram.js";

export const seriesKey = (versionId: string | null, environment: string | null) => `${versionId ?? ""}\u0000${environment ?? ""}`;

export function emptySeries(call: Pick<StoredCall, "v" | "mj" | "mn" | "e">): SeriesStats {
  return { v: call.v, mj: call.mj, mn: call.mn, e: call.e, n: 0, err: 0, tin: 0, tout: 0, cost: 0, priced: 0, lat: {}, sn: 0, ttft: {}, st: {} };
}

export function addCall(series: SeriesStats, call: StoredCall): void {
  series.n += 1;
  if (isProviderFailure(call.s, call.x)) series.err += 1;
  series.tin += call.i ?? 0;
  series.tout += call.o ?? 0;
  if (call.c !== null) {
    series.cost += call.c;
    series.priced += 1;
  }
  addSample(series.lat, call.l);
  if (call.k) {
    series.sn += 1;
    if (call.f !== null) addSample(series.ttft, call.f);
  }
  const status = String(call.s);
  series.st[status] = (series.st[status] ?? 0) + 1;
}

export function addSeries(into: SeriesStats, from: SeriesStats): void {
  into.n += from.n;
  into.err += from.err;
  into.tin += from.tin;
  into.tout += from.tout;
  into.cost += from.cost;
  into.priced += from.priced;
  mergeInto(into.lat, from.lat);
  into.sn += from.sn;
  mergeInto(into.ttft, from.ttft);
  for (const status in from.st) into.st[status] = (into.st[status] ?? 0) + (from.st[status] ?? 0);
}

/**
 * Takes `part` (a rollup contained in the one `from` was added from, e.g. a minute of an hour) away from
 * `from`. Counts never go below zero: a part read after a flush added to it may hold a little more.
 */
export function subtractSeries(from: SeriesStats, part: SeriesStats): void {
  const minus = (a: number, b: number) => Math.max(0, a - b);
  from.n = minus(from.n, part.n);
  from.err = minus(from.err, part.err);
  from.tin = minus(from.tin, part.tin);
  from.tout = minus(from.tout, part.tout);
  from.cost = Math.max(0, from.cost - part.cost);
  from.priced = minus(from.priced, part.priced);
  from.sn = minus(from.sn, part.sn);
  for (const [into, of] of [[from.lat, part.lat], [from.ttft, part.ttft], [from.st, part.st]] as const) {
    for (const key in of) {
      const left = minus(into[key] ?? 0, of[key] ?? 0);
      if (left === 0) delete into[key];
      else into[key] = left;
    }
  }
}

/** Merges `from` into `into` by (version, environment); returns `into`. */
export function mergeSeriesList(into: SeriesStats[], from: readonly SeriesStats[]): SeriesStats[] {
  const byKey = new Map(into.map((s) => [seriesKey(s.v, s.e), s]));
  for (const series of from) {
    const key = seriesKey(series.v, series.e);
    let target = byKey.get(key);
    if (!target) {
      target = emptySeries(series);
      byKey.set(key, target);
      into.push(target);
    }
    addSeries(target, series);
  }
  return into;
}

/** The request log's filters, on calls and on rollups. */
export interface CallFilter {
  versionId?: string | undefined;
  environment?: string | undefined;
  status?: TStatusFilter | undefined;
}

const seriesMatches = (series: SeriesStats, filter: CallFilter) =>
  (filter.versionId === undefined || series.v === filter.versionId) && (filter.environment === undefined || series.e === filter.environment);

/** How many calls of these series the filter matches, from their counts alone. */
export function matchingCount(seriesList: readonly SeriesStats[], filter: CallFilter): number {
  let count = 0;
  for (const series of seriesList) {
    if (!seriesMatches(series, filter)) continue;
    const { status } = filter;
    if (status === undefined) count += series.n;
    else if (status === "error") count += series.err;
    else if (typeof status === "number") count += series.st[String(status)] ?? 0;
    else {
      const first = status[0]!;
      for (const code in series.st) if (code[0] === first && code.length === 3) count += series.st[code] ?? 0;
    }
  }
  return count;
}

export function callMatches(call: StoredCall, filter: CallFilter): boolean {
  if (filter.versionId !== undefined && call.v !== filter.versionId) return false;
  if (filter.environment !== undefined && call.e !== filter.environment) return false;
  const { status } = filter;
  if (status === undefined) return true;
  if (status === "error") return isProviderFailure(call.s, call.x);
  if (typeof status === "number") return call.s === status;
  return String(call.s)[0] === status[0];
}
