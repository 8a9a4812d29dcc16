// Which rollups cover a time window: the query plan of per-version metrics (and of a rollout's window).
import type { RollupLevel } from "../db/analytics-documents.js";
import { PERIOD_MS } from "../db/analytics.repository.js";

/** Rollups to add up, and rollups to take away from them, that together cover a window exactly. */
export interface Plan {
  plus: Record<RollupLevel, number[]>;
  minus: Record<RollupLevel, number[]>;
}

/**
 * Few rollups covering [from, to): whole days, hours and minutes, and where a period is mostly inside the
 * window, the period minus its part outside (an hour minus the 10 minutes before `from` is 11 reads where
 * the 50 minutes after it are 50). A period reaching past `now` counts as inside a window that reaches
 * `now`: nothing is recorded after now, so the day in progress is one read. The last 24 h read at most
 * about 45 rollups.
 */
export function planWindow(from: number, to: number, now: number): Plan {
  const plan: Plan = { plus: { m: [], h: [], d: [] }, minus: { m: [], h: [], d: [] } };
  const { m: M, h: H, d: D } = PERIOD_MS;
  const fits = (end: number) => end <= to || to >= now;
  const takeAway = (level: RollupLevel, start: number, end: number) => {
    for (let x = start; x < end; x += PERIOD_MS[level]) plan.minus[level].push(x / PERIOD_MS[level]);
  };
  for (let t = from; t < to; ) {
    if (t % D === 0 && fits(t + D)) {
      plan.plus.d.push(t / D);
      t += D;
    } else if (t % H === 0) {
      const day = Math.floor(t / D) * D;
      if (fits(day + D) && 1 + (t - day) / H < (day + D - t) / H) {
        plan.plus.d.push(day / D);
        takeAway("h", day, t);
        t = day + D;
      } else if (fits(t + H)) {
        plan.plus.h.push(t / H);
        t += H;
      } else if (1 + (t + H - to) / M < (to - t) / M) {
        // The window ends inside this hour, in the past: the hour minus its minutes from `to` on.
        plan.plus.h.push(t / H);
        takeAway("m", to, t + H);
        t = to;
      } else {
        plan.plus.m.push(t / M);
        t += M;
      }
    } else {
      const hour = Math.floor(t / H) * H;
      if (fits(hour + H) && 1 + (t - hour) / M < (hour + H - t) / M) {
        plan.plus.h.push(hour / H);
        takeAway("m", hour, t);
        t = hour + H;
      } else {
        plan.plus.m.push(t / M);
        t += M;
      }
    }
  }
  return plan;
}
