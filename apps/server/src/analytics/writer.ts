// Writes one batch of one prompt's calls: the calls into insert-only chunks (one per minute, split when
// large), then the minute, hour and day rollups they fall in, read-modify-written under the prompt's
// analytics lock. The recorder calls it off the request path; benchmarks seed with it directly.
//
// Why the lock: several replicas flush the same prompt's rollups at once, and the embedded FerretDB
// applies an update as read, modify, write back (concurrent `$inc`s lose each other). Under the lock the
// rollups have one writer at a time on either database, and the writer may then read and replace whole
// documents by bare `_id` (FerretDB scans for any other filter). The lock costs two single-document
// operations per prompt per flush (one flush a second by default), not per call.
//
// Why retries are safe: a batch has a sequence number unique to its writer, and each rollup records the
// last one it applied per writer; the recorder retries a failed batch with the same number, before any
// later batch of the same prompt. Chunks have deterministic `_id`s, so a retried insert is a duplicate.
import { randomBytes } from "node:crypto";
import type { CallChunkDoc, CallInputsDoc, ChunkMeta, RollupDoc, RollupLevel, SeriesStats, StoredCall } from "../db/analytics-documents.js";
import { PERIOD_MS, rollupId, type AnalyticsRepository } from "../db/analytics.repository.js";
import type { TenantScope } from "../db/index.js";
import { addCall, emptySeries, mergeSeriesList, seriesKey } from "./rollups.js";

/** A call ready to store: its stored form and captured inputs (JSON text, redacted) if any. */
export interface PreparedCall {
  call: StoredCall;
  inputsJson: string | null;
  /** When those inputs expire (epoch ms). */
  inputsExpireAt: number | null;
}

export interface PromptBatch {
  orgId: string;
  promptId: string;
  /** Unique per writer and increasing: the idempotency key of this batch in each rollup. */
  seq: number;
  calls: PreparedCall[];
}

export interface BatchWriterOptions {
  /** Calls and minute rollups are kept this long. */
  recordRetentionMs: number;
  /** Hour and day rollups are kept this long. */
  rollupRetentionMs: number;
  /** Defaults: a random id per process. Tests give two writers their own. */
  writerId?: string;
  /** A chunk holds at most this many calls… */
  maxChunkCalls?: number;
  /** …and at most about this many bytes of captured inputs (MongoDB documents stop at 16 MB). */
  maxChunkInputBytes?: number;
}

const LEVELS: readonly RollupLevel[] = ["m", "h", "d"];

export function createBatchWriter(repo: AnalyticsRepository, options: BatchWriterOptions) {
  const writerId = options.writerId ?? randomBytes(6).toString("base64url");
  const maxCalls = options.maxChunkCalls ?? 500;
  const maxInputBytes = options.maxChunkInputBytes ?? 4 * 1024 * 1024;
  // Heads this process has made sure of: a prompt's head is written once, on its first flush here.
  const knownHeads = new Set<string>();

  /** What one batch adds to one rollup. */
  interface RollupDelta {
    level: RollupLevel;
    epoch: number;
    series: Map<string, SeriesStats>;
    children: Set<number>;
    chunks: ChunkMeta[];
    ixMin: number | null;
  }

  function deltaFor(deltas: Map<string, RollupDelta>, level: RollupLevel, epoch: number): RollupDelta {
    const key = `${level}${epoch}`;
    let delta = deltas.get(key);
    if (!delta) {
      delta = { level, epoch, series: new Map(), children: new Set(), chunks: [], ixMin: null };
      deltas.set(key, delta);
    }
    return delta;
  }

  function splitIntoChunks(scope: TenantScope, batch: PromptBatch, minute: number, calls: PreparedCall[]) {
    const parts: Array<{ chunk: CallChunkDoc; inputs: CallInputsDoc | null; meta: ChunkMeta }> = [];
    const expiresAt = new Date((minute + 1) * PERIOD_MS.m + options.recordRetentionMs);
    let current: PreparedCall[] = [];
    let inputBytes = 0;
    const close = () => {
      if (current.length === 0) return;
      const id = `${scope.orgId}|${batch.promptId}|${minute}|${writerId}|${batch.seq}|${parts.length}`;
      const withInputs = current.filter((p) => p.inputsJson !== null);
      const ix = withInputs.length === 0 ? null : withInputs.reduce((max, p) => Math.max(max, p.inputsExpireAt ?? 0), 0);
      parts.push({
        chunk: { _id: id, orgId: scope.orgId, promptId: batch.promptId, minute, calls: current.map((p) => p.call), expiresAt },
        inputs:
          withInputs.length === 0
            ? null
            : { _id: id, orgId: scope.orgId, promptId: batch.promptId, inputs: withInputs.map((p) => ({ r: p.call.r, j: p.inputsJson! })), expiresAt: new Date(ix!) },
        meta: {
          id,
          n: current.length,
          t0: current.reduce((min, p) => Math.min(min, p.call.t), Infinity),
          t1: current.reduce((max, p) => Math.max(max, p.call.t), -Infinity),
          ix,
        },
      });
      current = [];
      inputBytes = 0;
    };
    for (const prepared of calls) {
      const bytes = prepared.inputsJson?.length ?? 0;
      if (current.length >= maxCalls || (current.length > 0 && inputBytes + bytes > maxInputBytes)) close();
      current.push(prepared);
      inputBytes += bytes;
    }
    close();
    return parts;
  }

  function applyDelta(existing: RollupDoc | null, scope: TenantScope, promptId: string, delta: RollupDelta, seq: number): RollupDoc {
    const start = delta.epoch * PERIOD_MS[delta.level];
    const retention = delta.level === "m" ? options.recordRetentionMs : options.rollupRetentionMs;
    const doc: RollupDoc = existing ?? {
      _id: rollupId(scope.orgId, promptId, delta.level, delta.epoch),
      orgId: scope.orgId,
      promptId,
      level: delta.level,
      start: new Date(start),
      expiresAt: new Date(start + PERIOD_MS[delta.level] + retention),
      series: [],
      children: [],
      chunks: [],
      ixMin: null,
      w: {},
    };
    mergeSeriesList(doc.series, [...delta.series.values()]);
    if (delta.children.size > 0) doc.children = [...new Set([...doc.children, ...delta.children])].sort((a, b) => a - b);
    if (delta.chunks.length > 0) doc.chunks.push(...delta.chunks);
    if (delta.ixMin !== null) doc.ixMin = doc.ixMin === null ? delta.ixMin : Math.min(doc.ixMin, delta.ixMin);
    doc.w[writerId] = seq;
    return doc;
  }

  return {
    writerId,

    /** Stores the batch; throws when the database fails (the caller retries the same batch later). */
    async write(batch: PromptBatch): Promise<void> {
      if (batch.calls.length === 0) return;
      const scope: TenantScope = { orgId: batch.orgId };
      const byMinute = new Map<number, PreparedCall[]>();
      for (const prepared of batch.calls) {
        const minute = Math.floor(prepared.call.t / PERIOD_MS.m);
        let list = byMinute.get(minute);
        if (!list) byMinute.set(minute, (list = []));
        list.push(prepared);
      }

      const deltas = new Map<string, RollupDelta>();
      const chunks: Array<{ chunk: CallChunkDoc; inputs: CallInputsDoc | null }> = [];
      for (const [minute, calls] of byMinute) {
        const hour = Math.floor((minute * PERIOD_MS.m) / PERIOD_MS.h);
        const day = Math.floor((minute * PERIOD_MS.m) / PERIOD_MS.d);
        const minuteDelta = deltaFor(deltas, "m", minute);
        const hourDelta = deltaFor(deltas, "h", hour);
        const dayDelta = deltaFor(deltas, "d", day);
        hourDelta.children.add(minute);
        dayDelta.children.add(hour);
        for (const { call } of calls) {
          for (const delta of [minuteDelta, hourDelta, dayDelta]) {
            const key = seriesKey(call.v, call.e);
            let series = delta.series.get(key);
            if (!series) delta.series.set(key, (series = emptySeries(call)));
            addCall(series, call);
          }
        }
        for (const part of splitIntoChunks(scope, batch, minute, calls)) {
          chunks.push(part);
          minuteDelta.chunks.push(part.meta);
          if (part.meta.ix !== null) {
            for (const delta of [hourDelta, dayDelta]) delta.ixMin = delta.ixMin === null ? part.meta.ix : Math.min(delta.ixMin, part.meta.ix);
          }
        }
      }

      // Chunks first, outside the lock (insert-only): a rollup never lists a chunk that is not stored.
      await Promise.all(chunks.map(({ chunk, inputs }) => Promise.all([repo.insertChunk(chunk), inputs ? repo.insertInputs(inputs) : undefined])));
      const headKey = `${batch.orgId}|${batch.promptId}`;
      if (!knownHeads.has(headKey)) {
        await repo.ensureHead(scope, batch.promptId, batch.calls.reduce((min, p) => Math.min(min, p.call.t), Infinity));
        knownHeads.add(headKey);
      }

      await repo.locked(scope, batch.promptId, async () => {
        const all = [...deltas.values()];
        const existing = await Promise.all(
          LEVELS.map((level) => {
            const ofLevel = all.filter((d) => d.level === level);
            return repo.readRollups(scope, batch.promptId, level, ofLevel.map((d) => d.epoch)).then((docs) => docs.map((doc, i) => [ofLevel[i]!, doc] as const));
          }),
        );
        await Promise.all(
          existing.flat().map(([delta, doc]) => {
            // Applied by an earlier attempt of this batch.
            if (doc && (doc.w[writerId] ?? -1) >= batch.seq) return Promise.resolve();
            return repo.replaceRollup(applyDelta(doc, scope, batch.promptId, delta, batch.seq));
          }),
        );
      });
    },
  };
}
export type BatchWriter = ReturnType<typeof createBatchWriter>;
