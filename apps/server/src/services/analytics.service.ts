// The rules of the request log and per-version metrics: input capture settings (who may change them,
// what applies to a prompt, redaction), how a recorded call is stored (cost, captured inputs), the
// queries (metrics of a window, time series, the paged request log), and retention (the sweeper).
//
// Queries read rollup documents by `_id` only (see db/analytics.repository.ts): a window is decomposed into
// the fewest whole days, hours and minutes that cover it, so 24 h read at most ~85 small documents
// whatever the number of calls; the request log walks days, hours and minutes newest first and skips
// whole periods by their counts, reading calls only for the page it answers.
import {
  REDACTED_VALUE,
  type TCallRecord,
  type TCaptureSettings,
  type TCaptureSettingsInput,
  type TCaptureSettingsView,
  type TLatencyPercentiles,
  type TMetricsInput,
  type TMetricsOutput,
  type TMetricsSeriesInput,
  type TMetricsSeriesOutput,
  type TPromptCaptureSettings,
  type TRequestRecord,
  type TRequestsInput,
  type TRequestsPage,
  type TSeriesGranularity,
  type TSetCaptureSettingsInput,
  type TVersionMetrics,
  MAX_SERIES_BUCKETS,
} from "@promptreg/contracts";
import { LRUCache } from "lru-cache";
import { createPriceTable } from "../analytics/cost.js";
import { percentiles } from "../analytics/histogram.js";
import { planWindow, type Plan } from "../analytics/window.js";
import { addCall, addSeries, callMatches, emptySeries, matchingCount, subtractSeries, type CallFilter } from "../analytics/rollups.js";
import type { PreparedCall } from "../analytics/writer.js";
import type { CallChunkDoc, CaptureSettingsDoc, RollupDoc, RollupLevel, SeriesStats, StoredCall } from "../db/analytics-documents.js";
import { PERIOD_MS, settingsId } from "../db/analytics.repository.js";
import type { Repositories, TenantScope } from "../db/index.js";
import { AppError, isDatabaseUnavailable, notFound } from "../errors.js";
import { ExpiringCache } from "../resolution/index.js";
import { requireRole } from "./permissions.js";
import type { RequestScope } from "./scope.js";
import type { VersionLookup } from "./version-lookup.js";

export interface AnalyticsOptions {
  /** Calls (and minute rollups) are kept this many days. */
  recordRetentionDays: number;
  /** Hour and day rollups are kept this many days. */
  rollupRetentionDays: number;
  /** Captured inputs are kept this many days unless a setting says fewer (or more, up to the calls'). */
  inputRetentionDays: number;
  /** The clock of queries and the sweeper (tests move it). */
  clock?: () => number;
}

/** What one sweep removed. */
export interface SweepResult {
  prompts: number;
  chunks: number;
  inputs: number;
  rollups: number;
}

/** Captured inputs larger than this (as JSON) are stored as a note saying so. */
const MAX_CAPTURED_INPUT_BYTES = 256 * 1024;
/** Other replicas' settings changes reach this replica within this long. */
const SETTINGS_CACHE_MS = 5000;
const DAY = PERIOD_MS.d;

const round3 = (ms: number) => Math.round(ms * 1000) / 1000;
const iso = (ms: number) => new Date(ms).toISOString();

export function createAnalyticsService(repos: Repositories, lookup: VersionLookup, options: AnalyticsOptions) {
  const clock = options.clock ?? Date.now;
  const prices = createPriceTable(clock);
  const recordRetentionMs = options.recordRetentionDays * DAY;
  const rollupRetentionMs = options.rollupRetentionDays * DAY;
  // The settings that apply to each prompt, for the recorder's flushes (and its per-call check).
  const effectiveCache = new ExpiringCache<TCaptureSettings>({ maxEntries: 10_000, ttlMs: SETTINGS_CACHE_MS, staleOnError: isDatabaseUnavailable });

  // ---- input capture settings -------------------------------------------------------------------------

  const organizationSettings = (doc: CaptureSettingsDoc | null): TCaptureSettings => ({
    enabled: doc?.enabled ?? false,
    redactVariables: doc?.redactVariables ?? [],
    retentionDays: Math.min(doc?.retentionDays ?? options.inputRetentionDays, options.recordRetentionDays),
  });
  const promptSettings = (doc: CaptureSettingsDoc | null): TPromptCaptureSettings => ({
    enabled: doc?.enabled ?? null,
    redactVariables: doc?.redactVariables ?? [],
    retentionDays: doc?.retentionDays ?? null,
  });
  const effectiveOf = (org: TCaptureSettings, prompt: TPromptCaptureSettings | null): TCaptureSettings => ({
    enabled: prompt?.enabled ?? org.enabled,
    redactVariables: [...new Set([...org.redactVariables, ...(prompt?.redactVariables ?? [])])],
    // Inputs go at the latest with their call.
    retentionDays: Math.min(prompt?.retentionDays ?? org.retentionDays, options.recordRetentionDays),
  });

  async function loadEffective(scope: TenantScope, promptId: string): Promise<TCaptureSettings> {
    const [org, prompt] = await Promise.all([repos.analytics.getSettings(scope, null), repos.analytics.getSettings(scope, promptId)]);
    return effectiveOf(organizationSettings(org), promptSettings(prompt));
  }
  const effective = (scope: TenantScope, promptId: string) => effectiveCache.getOrLoad(settingsId(scope.orgId, promptId), () => loadEffective(scope, promptId));

  async function settingsView(scope: TenantScope, promptId: string | undefined): Promise<TCaptureSettingsView> {
    if (promptId !== undefined) await lookup.visiblePrompt(scope, promptId);
    const [orgDoc, promptDoc] = await Promise.all([
      repos.analytics.getSettings(scope, null),
      promptId === undefined ? Promise.resolve(null) : repos.analytics.getSettings(scope, promptId),
    ]);
    const organization = organizationSettings(orgDoc);
    const prompt = promptId === undefined ? null : promptSettings(promptDoc);
    return { organization, prompt, effective: effectiveOf(organization, prompt) };
  }

  /** Redacted variables are replaced at the top level of `inputs`, where template variables live. */
  function captured(inputs: Record<string, unknown>, settings: TCaptureSettings): string {
    const redacted: Record<string, unknown> = { ...inputs };
    for (const name of settings.redactVariables) if (Object.hasOwn(redacted, name)) redacted[name] = REDACTED_VALUE;
    const json = JSON.stringify(redacted);
    return json.length <= MAX_CAPTURED_INPUT_BYTES ? json : JSON.stringify({ "[not captured]": `inputs of ${json.length} bytes (more than ${MAX_CAPTURED_INPUT_BYTES})` });
  }

  function stored(record: TCallRecord): StoredCall {
    return {
      r: record.requestId,
      // Whole milliseconds, as the ISO times the API answers (a page pinned with `to` = a call's time keeps it).
      t: Math.floor(record.startedAt),
      v: record.versionId,
      mj: record.majorVersion,
      mn: record.minorVersion,
      e: record.environment,
      s: record.status,
      l: round3(record.latencyMs),
      u: record.upstreamLatencyMs === null ? null : round3(record.upstreamLatencyMs),
      f: record.ttftMs === null ? null : round3(record.ttftMs),
      k: record.stream,
      m: record.model,
      p: record.provider,
      i: record.inputTokens,
      o: record.outputTokens,
      c: prices.costOf(record),
      x: record.errorCode,
    };
  }

  // ---- windows ----------------------------------------------------------------------------------------

  /**
   * Once a start's minute is this long over, its calls are all written (the recorder flushes within seconds;
   * an outage's queue is bounded and drops rather than waits): what callsBeforeStart found is final.
   */
  const START_MINUTE_SETTLED_MS = 2 * PERIOD_MS.m;
  // Keyed by what a rollout asks (prompt, version, environment, start): one entry per rollout, bounded anyway.
  const beforeStartCache = new LRUCache<string, { part: SeriesStats | null }>({ max: 10_000 });

  /**
   * The version's calls in the minute of `since` but before it: rollups are per minute, so a window that
   * starts mid-minute would count them (a rollout started seconds after another of the same candidate ended
   * would inherit its failures). Read from that minute's raw calls, by `_id`, to be taken out.
   */
  async function callsBeforeStart(scope: TenantScope, input: { promptId: string; versionId: string; environment?: string | undefined; since: Date }): Promise<SeriesStats | null> {
    const since = input.since.getTime();
    const minute = Math.floor(since / PERIOD_MS.m) * PERIOD_MS.m;
    if (minute === since) return null;
    const key = `${scope.orgId}:${input.promptId}:${input.versionId}:${input.environment ?? ""}:${since}`;
    const cached = beforeStartCache.get(key);
    if (cached) return cached.part;
    const filter: CallFilter = { versionId: input.versionId, environment: input.environment };
    const [doc] = await repos.analytics.readRollups(scope, input.promptId, "m", [minute / PERIOD_MS.m]);
    let part: SeriesStats | null = null;
    if (doc && matchingCount(doc.series, filter) > 0) {
      const chunks = await repos.analytics.readChunks(scope, doc.chunks.filter((meta) => meta.t0 < since).map((meta) => meta.id));
      for (const chunk of chunks) {
        for (const call of chunk?.calls ?? []) {
          if (call.t >= since || call.t < minute || !callMatches(call, filter)) continue;
          part ??= emptySeries({ ...call, e: null });
          addCall(part, call);
        }
      }
    }
    if (clock() >= minute + START_MINUTE_SETTLED_MS) beforeStartCache.set(key, { part });
    return part;
  }

  /** The window asked for, from rounded down and to rounded up to the minute. */
  function windowOf(input: { from?: string | undefined; to?: string | undefined }): { from: number; to: number; now: number } {
    const now = clock();
    const toMs = input.to === undefined ? now : Date.parse(input.to);
    let from = input.from === undefined ? toMs - DAY : Date.parse(input.from);
    from = Math.floor(from / PERIOD_MS.m) * PERIOD_MS.m;
    // Minute rollups go with the calls: an older start is measured from its hour.
    if (from < now - recordRetentionMs) from = Math.floor(from / PERIOD_MS.h) * PERIOD_MS.h;
    return { from, to: Math.ceil(toMs / PERIOD_MS.m) * PERIOD_MS.m, now };
  }

  const LEVELS: readonly RollupLevel[] = ["d", "h", "m"];
  async function readPlan(scope: TenantScope, promptId: string, plan: Plan): Promise<{ plus: RollupDoc[]; minus: RollupDoc[] }> {
    const read = (epochs: Record<RollupLevel, number[]>) =>
      Promise.all(LEVELS.map((level) => repos.analytics.readRollups(scope, promptId, level, epochs[level]))).then((docs) =>
        docs.flat().filter((doc): doc is RollupDoc => doc !== null),
      );
    const [plus, minus] = await Promise.all([read(plan.plus), read(plan.minus)]);
    return { plus, minus };
  }

  /** Series of a window merged per version (calls without a version are the request log's only). */
  function perVersion(docs: { plus: readonly RollupDoc[]; minus?: readonly RollupDoc[] }, filter: { environment?: string | undefined; versionId?: string | undefined }): Map<string, SeriesStats> {
    const merged = new Map<string, SeriesStats>();
    const apply = (list: readonly RollupDoc[] | undefined, sign: 1 | -1) => {
      for (const doc of list ?? []) {
        for (const series of doc.series) {
          if (series.v === null) continue;
          if (filter.environment !== undefined && series.e !== filter.environment) continue;
          if (filter.versionId !== undefined && series.v !== filter.versionId) continue;
          let target = merged.get(series.v);
          if (!target) merged.set(series.v, (target = emptySeries({ ...series, e: null })));
          if (sign === 1) addSeries(target, series);
          else subtractSeries(target, series);
        }
      }
    };
    apply(docs.plus, 1);
    apply(docs.minus, -1);
    for (const [versionId, series] of merged) if (series.n <= 0) merged.delete(versionId);
    return merged;
  }

  const costOf = (s: SeriesStats) => (s.priced === 0 ? null : s.cost);

  function toVersionMetrics(s: SeriesStats): TVersionMetrics {
    return {
      versionId: s.v!,
      majorVersion: s.mj ?? 0,
      minorVersion: s.mn ?? 0,
      requests: s.n,
      errors: s.err,
      errorRate: s.n === 0 ? 0 : s.err / s.n,
      inputTokens: s.tin,
      outputTokens: s.tout,
      costUsd: costOf(s),
      pricedRequests: s.priced,
      latencyMs: percentiles(s.lat),
      streamedRequests: s.sn,
      ttftMs: s.sn === 0 ? null : percentiles(s.ttft),
    };
  }

  const byVersionNumber = (a: { majorVersion: number; minorVersion: number }, b: { majorVersion: number; minorVersion: number }) =>
    b.majorVersion - a.majorVersion || b.minorVersion - a.minorVersion;

  async function versionOfPrompt(scope: TenantScope, promptId: string, versionId: string): Promise<void> {
    const version = await repos.versions.findById(scope, versionId);
    if (!version || version.promptId !== promptId) throw notFound(`prompt version ${versionId}`);
  }

  // ---- request log ------------------------------------------------------------------------------------

  function toRequestRecord(call: StoredCall, inputs: Record<string, unknown> | null): TRequestRecord {
    return {
      requestId: call.r,
      createdAt: iso(call.t),
      versionId: call.v,
      majorVersion: call.mj,
      minorVersion: call.mn,
      environment: call.e,
      status: call.s,
      latencyMs: call.l,
      upstreamLatencyMs: call.u,
      timeToFirstTokenMs: call.f,
      stream: call.k,
      model: call.m,
      provider: call.p,
      inputTokens: call.i,
      outputTokens: call.o,
      costUsd: call.c,
      errorCode: call.x,
      inputs,
    };
  }

  const newestFirst = (a: StoredCall, b: StoredCall) => b.t - a.t || (a.r < b.r ? 1 : a.r > b.r ? -1 : 0);

  async function requestLog(scope: RequestScope, input: TRequestsInput): Promise<TRequestsPage> {
    requireRole(scope, "member", "read the request log");
    const { promptId, page, pageSize } = input;
    await lookup.visiblePrompt(scope, promptId);
    if (input.versionId !== undefined) await versionOfPrompt(scope, promptId, input.versionId);
    const filter: CallFilter = { versionId: input.versionId, environment: input.environment, status: input.status };
    const empty: TRequestsPage = { requests: [], total: 0, page, pageSize };
    const head = await repos.analytics.readHead(scope, promptId);
    if (!head) return empty;
    const now = clock();
    // With `to`, calls after it are left out; without, every call so far (none is after now).
    const to = input.to === undefined ? Infinity : Date.parse(input.to);
    const newest = Math.min(to, now);
    const oldest = Math.max(head.firstAt, head.recordsSweptTo, now - recordRetentionMs);
    if (newest < oldest) return empty;

    let skip = page * pageSize;
    let need = pageSize;
    let total = 0;
    const picked: Array<{ call: StoredCall; chunkId: string; hasInputs: boolean }> = [];

    // Periods reaching past `to` or before `oldest` (calls the sweeper has not removed yet) are partial: their
    // counts include calls left out, so they are read down to the calls.
    const isWhole = (start: number, level: RollupLevel) => start + PERIOD_MS[level] <= to + 1 && start >= oldest;
    const inRange = (call: StoredCall) => call.t <= to && call.t >= oldest;

    // Chunks read ahead for the minutes a page will need (their counts say which), all at once.
    const prefetched = new Map<string, Promise<CallChunkDoc | null>>();
    const chunkMetas = (doc: RollupDoc) => doc.chunks.filter((m) => m.t0 <= to && m.t1 >= oldest).sort((a, b) => b.t1 - a.t1);
    const readChunkGroup = (ids: string[]) =>
      Promise.all(
        ids.map((id) => {
          const ahead = prefetched.get(id);
          if (ahead) return ahead;
          return repos.analytics.readChunks(scope, [id]).then(([doc]) => doc ?? null);
        }),
      );
    function prefetchMinutes(minutes: ReadonlyArray<RollupDoc | null>): void {
      let s = skip;
      let n = need;
      for (const doc of minutes) {
        if (!doc) continue;
        const count = matchingCount(doc.series, filter);
        if (count === 0) continue;
        const whole = isWhole(doc.start.getTime(), "m");
        if (whole) {
          if (n <= 0) break;
          if (s >= count) {
            s -= count;
            continue;
          }
          n -= Math.min(count - s, n);
          s = 0;
        }
        for (const meta of chunkMetas(doc).slice(0, 2)) {
          if (!prefetched.has(meta.id)) prefetched.set(meta.id, repos.analytics.readChunks(scope, [meta.id]).then(([c]) => c ?? null));
        }
      }
    }

    async function visitMinute(doc: RollupDoc, counted: boolean): Promise<void> {
      const whole = isWhole(doc.start.getTime(), "m");
      if (whole && need === 0) return;
      const metas = chunkMetas(doc);
      const found: Array<{ call: StoredCall; chunkId: string; hasInputs: boolean }> = [];
      let read = 0;
      // Chunks hold up to 500 calls: read a few, then more as needed (a page usually needs one or two).
      let groupSize = 2;
      while (read < metas.length) {
        const group = metas.slice(read, read + groupSize);
        groupSize = Math.min(8, groupSize * 2);
        read += group.length;
        const chunks = await readChunkGroup(group.map((m) => m.id));
        chunks.forEach((chunk, i) => {
          if (!chunk) return;
          const meta = group[i]!;
          for (const call of chunk.calls) if (inRange(call) && callMatches(call, filter)) found.push({ call, chunkId: meta.id, hasInputs: meta.ix !== null });
        });
        if (!whole) continue;
        // Calls newer than every unread chunk's newest call are in their final order already.
        const unreadNewest = read < metas.length ? metas[read]!.t1 : -Infinity;
        if (found.filter((f) => f.call.t > unreadNewest).length >= skip + need) break;
      }
      found.sort((a, b) => newestFirst(a.call, b.call));
      if (!whole && !counted) total += found.length;
      const take = found.slice(skip, skip + need);
      skip = Math.max(0, skip - found.length);
      need -= take.length;
      picked.push(...take);
    }

    async function visit(doc: RollupDoc, counted: boolean): Promise<void> {
      const level = doc.level;
      const whole = isWhole(doc.start.getTime(), level);
      const count = matchingCount(doc.series, filter);
      if (count === 0) return;
      if (whole) {
        if (!counted) total += count;
        if (need === 0) return;
        if (skip >= count) {
          skip -= count;
          return;
        }
      }
      if (level === "m") return visitMinute(doc, counted || whole);
      const childLevel: RollupLevel = level === "d" ? "h" : "m";
      const size = PERIOD_MS[childLevel];
      const children = doc.children.filter((epoch) => epoch * size <= to && (epoch + 1) * size > oldest).sort((a, b) => b - a);
      // In growing slices, so that a page found in the newest hour or minutes reads little of the rest.
      let slice = childLevel === "m" ? 4 : 2;
      for (let start = 0; start < children.length; start += slice, slice = Math.min(childLevel === "m" ? 20 : 6, slice * 3)) {
        if (need === 0 && whole) return;
        const kids = await repos.analytics.readRollups(scope, promptId, childLevel, children.slice(start, start + slice));
        if (childLevel === "m") prefetchMinutes(kids);
        for (const kid of kids) if (kid) await visit(kid, counted || whole);
      }
    }

    const days: number[] = [];
    for (let day = Math.floor(newest / DAY); day >= Math.floor(oldest / DAY); day--) days.push(day);
    const dayDocs = await repos.analytics.readRollups(scope, promptId, "d", days);
    for (const doc of dayDocs) if (doc) await visit(doc, false);

    const withInputs = [...new Set(picked.filter((p) => p.hasInputs).map((p) => p.chunkId))];
    const inputsByRequest = new Map<string, Record<string, unknown>>();
    if (withInputs.length > 0) {
      for (const doc of await repos.analytics.readInputs(scope, withInputs)) {
        for (const entry of doc?.inputs ?? []) inputsByRequest.set(entry.r, JSON.parse(entry.j) as Record<string, unknown>);
      }
    }
    return { requests: picked.map((p) => toRequestRecord(p.call, inputsByRequest.get(p.call.r) ?? null)), total, page, pageSize };
  }

  // ---- retention --------------------------------------------------------------------------------------

  async function sweepPrompt(head: Awaited<ReturnType<typeof repos.analytics.allHeads>>[number], now: number, result: SweepResult): Promise<void> {
    const scope: TenantScope = { orgId: head.orgId };
    const { promptId } = head;
    const read = (level: RollupLevel, epochs: number[]) => repos.analytics.readRollups(scope, promptId, level, epochs);
    const daysBetween = (fromMs: number, toMs: number) => {
      const out: number[] = [];
      for (let day = Math.floor(fromMs / DAY); day <= Math.floor(toMs / DAY); day++) out.push(day);
      return out;
    };

    // Calls and minute rollups older than the request retention.
    const recordCutoff = Math.floor((now - recordRetentionMs) / PERIOD_MS.m) * PERIOD_MS.m;
    let recordsSweptTo = head.recordsSweptTo;
    if (head.recordsSweptTo < recordCutoff) {
      for (const dayDoc of await read("d", daysBetween(head.recordsSweptTo, recordCutoff - 1))) {
        if (!dayDoc) continue;
        const hours = dayDoc.children.filter((h) => h * PERIOD_MS.h < recordCutoff && (h + 1) * PERIOD_MS.h > head.recordsSweptTo);
        for (const hourDoc of await read("h", hours)) {
          if (!hourDoc) continue;
          const minutes = hourDoc.children.filter((m) => (m + 1) * PERIOD_MS.m <= recordCutoff && (m + 1) * PERIOD_MS.m > head.recordsSweptTo);
          for (const minuteDoc of await read("m", minutes)) {
            if (!minuteDoc) continue;
            await Promise.all(minuteDoc.chunks.map((chunk) => repos.analytics.deleteChunk(scope, chunk.id)));
            result.chunks += minuteDoc.chunks.length;
            await repos.analytics.deleteRollup(scope, promptId, "m", minuteDoc.start.getTime() / PERIOD_MS.m);
            result.rollups += 1;
          }
        }
      }
      recordsSweptTo = recordCutoff;
    }

    // Captured inputs past their own expiry (a setting may keep them shorter than the calls). The pointer
    // moves past a day once none of its inputs is left, and only a day after it ended (a backlog flushed late
    // may still add to it).
    let inputsSweptTo = Math.max(head.inputsSweptTo, recordsSweptTo);
    let advancing = true;
    const advance = (day: number) => {
      const end = (day + 1) * DAY;
      if (advancing && end <= now - DAY) inputsSweptTo = Math.max(inputsSweptTo, end);
      else advancing = false;
    };
    const inputDays = daysBetween(inputsSweptTo, now);
    const inputDayDocs = await read("d", inputDays);
    for (const [i, dayDoc] of inputDayDocs.entries()) {
      const day = inputDays[i]!;
      if (!dayDoc || dayDoc.ixMin === null) {
        advance(day);
        continue;
      }
      if (dayDoc.ixMin > now) {
        advancing = false;
        continue;
      }
      for (const hour of dayDoc.children) {
        await repos.analytics.locked(scope, promptId, async () => {
          const [hourDoc] = await read("h", [hour]);
          if (!hourDoc || hourDoc.ixMin === null || hourDoc.ixMin > now) return;
          let next: number | null = null;
          for (const minuteDoc of await read("m", hourDoc.children)) {
            if (!minuteDoc) continue;
            let changed = false;
            for (const meta of minuteDoc.chunks) {
              if (meta.ix !== null && meta.ix <= now) {
                await repos.analytics.deleteInputs(scope, meta.id);
                meta.ix = null;
                changed = true;
                result.inputs += 1;
              } else if (meta.ix !== null) next = next === null ? meta.ix : Math.min(next, meta.ix);
            }
            if (changed) await repos.analytics.replaceRollup(minuteDoc);
          }
          hourDoc.ixMin = next;
          await repos.analytics.replaceRollup(hourDoc);
        });
      }
      // The day's earliest remaining expiry, from its hours as they are now (a flush may have added some).
      await repos.analytics.locked(scope, promptId, async () => {
        const [fresh] = await read("d", [day]);
        if (!fresh) return;
        const hourDocs = await read("h", fresh.children);
        const left = hourDocs.map((h) => h?.ixMin ?? null).filter((m): m is number => m !== null);
        fresh.ixMin = left.length === 0 ? null : Math.min(...left);
        await repos.analytics.replaceRollup(fresh);
        if (fresh.ixMin === null) advance(day);
        else advancing = false;
      });
    }

    // Hour and day rollups older than their retention.
    const rollupCutoff = Math.floor((now - rollupRetentionMs) / DAY) * DAY;
    let rollupsSweptTo = head.rollupsSweptTo;
    if (head.rollupsSweptTo < rollupCutoff) {
      for (const dayDoc of await read("d", daysBetween(head.rollupsSweptTo, rollupCutoff - 1))) {
        if (!dayDoc) continue;
        await Promise.all(dayDoc.children.map((hour) => repos.analytics.deleteRollup(scope, promptId, "h", hour)));
        await repos.analytics.deleteRollup(scope, promptId, "d", dayDoc.start.getTime() / DAY);
        result.rollups += dayDoc.children.length + 1;
      }
      rollupsSweptTo = rollupCutoff;
    }

    if (recordsSweptTo !== head.recordsSweptTo || inputsSweptTo !== head.inputsSweptTo || rollupsSweptTo !== head.rollupsSweptTo) {
      await repos.analytics.locked(scope, promptId, async () => {
        const current = (await repos.analytics.readHead(scope, promptId)) ?? head;
        await repos.analytics.replaceHead({
          ...current,
          recordsSweptTo: Math.max(current.recordsSweptTo, recordsSweptTo),
          inputsSweptTo: Math.max(current.inputsSweptTo, inputsSweptTo),
          rollupsSweptTo: Math.max(current.rollupsSweptTo, rollupsSweptTo),
        });
      });
    }
    result.prompts += 1;
  }

  return {
    // ---- recording (called by the recorder, off the request path) ----

    /** Whether this replica knows that a prompt's inputs are not captured (lets the recorder drop them at once). */
    captureKnown(orgId: string, promptId: string): boolean | undefined {
      return effectiveCache.get(settingsId(orgId, promptId))?.enabled;
    },

    /** Stored form of a prompt's records: cost priced, inputs captured (redacted) where capture is on. */
    async prepare(orgId: string, promptId: string, records: readonly TCallRecord[]): Promise<PreparedCall[]> {
      const scope: TenantScope = { orgId };
      const settings = records.some((r) => r.inputs !== null) ? await effective(scope, promptId) : null;
      return records.map((record) => ({
        call: stored(record),
        inputsJson: settings?.enabled && record.inputs !== null ? captured(record.inputs, settings) : null,
        inputsExpireAt: settings?.enabled && record.inputs !== null ? record.startedAt + settings.retentionDays * DAY : null,
      }));
    },

    /** The cost of a call as stored (for tracing). */
    costOf: (record: TCallRecord) => prices.costOf(record),

    // ---- queries ----

    async metrics(scope: RequestScope, input: TMetricsInput): Promise<TMetricsOutput> {
      requireRole(scope, "member", "read metrics");
      await lookup.visiblePrompt(scope, input.promptId);
      const { from, to, now } = windowOf(input);
      const docs = await readPlan(scope, input.promptId, planWindow(from, to, now));
      const versions = [...perVersion(docs, { environment: input.environment }).values()].map(toVersionMetrics).sort(byVersionNumber);
      return { from: iso(from), to: iso(to), versions };
    },

    /**
     * One version's calls (optionally in one environment) since `since`, as `metrics` counts them: what a
     * rollout's automatic rollback decides on. Reads at most ~85 rollups by `_id` for a day-long rollout.
     */
    async versionWindow(
      scope: TenantScope,
      input: { promptId: string; versionId: string; environment?: string | undefined; since: Date; until?: Date | undefined },
    ): Promise<{ requests: number; errors: number; errorRate: number; latencyMs: TLatencyPercentiles }> {
      const { from, to, now } = windowOf({ from: input.since.toISOString(), to: input.until?.toISOString() });
      const [docs, before] = await Promise.all([readPlan(scope, input.promptId, planWindow(from, to, now)), callsBeforeStart(scope, input)]);
      const stats = perVersion(docs, { environment: input.environment, versionId: input.versionId }).get(input.versionId);
      if (stats && before) subtractSeries(stats, before);
      if (!stats || stats.n <= 0) return { requests: 0, errors: 0, errorRate: 0, latencyMs: { p50: null, p95: null, p99: null } };
      return { requests: stats.n, errors: stats.err, errorRate: stats.err / stats.n, latencyMs: percentiles(stats.lat) };
    },

    async series(scope: RequestScope, input: TMetricsSeriesInput): Promise<TMetricsSeriesOutput> {
      requireRole(scope, "member", "read metrics");
      await lookup.visiblePrompt(scope, input.promptId);
      if (input.versionId !== undefined) await versionOfPrompt(scope, input.promptId, input.versionId);
      const window = windowOf(input);
      const span = window.to - window.from;
      const granularity: TSeriesGranularity = input.granularity ?? (span <= 3 * PERIOD_MS.h ? "minute" : span <= 3 * DAY ? "hour" : "day");
      const level: RollupLevel = granularity === "minute" ? "m" : granularity === "hour" ? "h" : "d";
      const size = PERIOD_MS[level];
      const from = Math.floor(window.from / size) * size;
      const to = Math.ceil(window.to / size) * size;
      const buckets = (to - from) / size;
      if (buckets > MAX_SERIES_BUCKETS) {
        throw new AppError("BAD_REQUEST", `a ${granularity} series of this window has ${buckets} buckets; at most ${MAX_SERIES_BUCKETS}: ask for a coarser granularity`);
      }
      if (level === "m" && from < window.now - recordRetentionMs) {
        throw new AppError("BAD_REQUEST", `minute series reach back ${options.recordRetentionDays} days at most; ask for hours or days`);
      }
      const epochs = Array.from({ length: buckets }, (_, i) => from / size + i);
      const docs = await repos.analytics.readRollups(scope, input.promptId, level, epochs);
      const byVersion = new Map<string, TMetricsSeriesOutput["versions"][number]>();
      for (const doc of docs) {
        if (!doc) continue;
        for (const stats of perVersion({ plus: [doc] }, input).values()) {
          let entry = byVersion.get(stats.v!);
          if (!entry) byVersion.set(stats.v!, (entry = { versionId: stats.v!, majorVersion: stats.mj ?? 0, minorVersion: stats.mn ?? 0, points: [] }));
          const { p50, p95, p99 } = percentiles(stats.lat);
          entry.points.push({
            t: doc.start.toISOString(),
            requests: stats.n,
            errors: stats.err,
            inputTokens: stats.tin,
            outputTokens: stats.tout,
            costUsd: costOf(stats),
            latencyMs: { p50, p95, p99 },
          });
        }
      }
      return { from: iso(from), to: iso(to), granularity, versions: [...byVersion.values()].sort(byVersionNumber) };
    },

    requests: requestLog,

    // ---- settings ----

    async captureSettings(scope: RequestScope, input: TCaptureSettingsInput): Promise<TCaptureSettingsView> {
      requireRole(scope, "member", "read capture settings");
      return settingsView(scope, input.promptId);
    },

    async setCaptureSettings(scope: RequestScope, input: TSetCaptureSettingsInput): Promise<TCaptureSettingsView> {
      // Capturing inputs stores what callers send (personal data, often): an admin decision.
      requireRole(scope, "admin", "change input capture settings");
      const promptId = input.promptId ?? null;
      if (promptId !== null) await lookup.visiblePrompt(scope, promptId);
      else if (input.enabled === null) throw new AppError("BAD_REQUEST", "enabled must be true or false for the organization (null means inherit, for a prompt)");
      await repos.analytics.lockedSettings(scope, promptId, async () => {
        const current = await repos.analytics.getSettings(scope, promptId);
        await repos.analytics.putSettings({
          _id: settingsId(scope.orgId, promptId),
          orgId: scope.orgId,
          promptId,
          enabled: input.enabled !== undefined ? input.enabled : (current?.enabled ?? (promptId === null ? false : null)),
          redactVariables: input.redactVariables !== undefined ? [...new Set(input.redactVariables)] : (current?.redactVariables ?? []),
          retentionDays: input.retentionDays !== undefined ? input.retentionDays : (current?.retentionDays ?? null),
          updatedAt: new Date(),
        });
      });
      // This replica at once; the others within SETTINGS_CACHE_MS.
      effectiveCache.clear();
      return settingsView(scope, input.promptId);
    },

    // ---- retention ----

    /** Removes calls, captured inputs and rollups past their retention; returns what it removed. */
    async sweep(now = clock()): Promise<SweepResult> {
      const result: SweepResult = { prompts: 0, chunks: 0, inputs: 0, rollups: 0 };
      for (const head of await repos.analytics.allHeads()) await sweepPrompt(head, now, result);
      return result;
    },
  };
}
export type AnalyticsService = ReturnType<typeof createAnalyticsService>;
