// The call recorder: the gateway hands it each prompt call's record and moves on; records wait in a
// bounded in-memory queue and are written in batches (every `flushIntervalMs`, or sooner once
// `batchSize` are waiting), one flush at a time.
//
// - Never awaited by a request, never throws into one: `record` is a push onto an array.
// - Bounded: at most `queueLimit` records wait (queued or being retried). While the database is slow or
//   down the queue fills up to that bound; past it new records are dropped, counted (`/metrics`) and
//   reported in a warning at most every 10 s. Nothing already queued is dropped: when the database
//   answers again, the backlog is written in order.
// - Per prompt, batches are written in order and a failed batch is retried, with the same sequence
//   number, before any later one (see writer.ts: a retry never counts twice).
// - `close` flushes what it can within `shutdownMs` and reports what it could not write.
import type { TCallRecord } from "@promptreg/contracts";
import type { Logger } from "../logger.js";
import type { BatchWriter, PreparedCall, PromptBatch } from "./writer.js";

export interface RecorderOptions {
  queueLimit: number;
  flushIntervalMs: number;
  batchSize: number;
  shutdownMs: number;
  /** Captured inputs held in the queue at most (bytes of their request bodies); past it inputs are not kept. */
  inputBytesLimit?: number;
}

/** Turns a prompt's raw records into stored calls: capture settings, redaction, cost. May fail (database). */
export type PrepareCalls = (orgId: string, promptId: string, calls: readonly TCallRecord[]) => Promise<PreparedCall[]>;

/** Whether a prompt's inputs are captured, when this replica already knows (no database read). */
export type CaptureKnown = (orgId: string, promptId: string) => boolean | undefined;

export interface RecorderStats {
  /** Records waiting (queued or in a batch being retried). */
  depth: number;
  written: number;
  dropped: number;
  droppedAtShutdown: number;
  flushes: number;
  failedFlushes: number;
  /** Records whose inputs were not kept because too many input bytes were waiting. */
  inputsNotKept: number;
}

interface PendingPrompt {
  orgId: string;
  promptId: string;
  batches: Array<PromptBatch & { raw: TCallRecord[] | null; size: number }>;
}

const DROP_LOG_INTERVAL_MS = 10_000;
const DEFAULT_INPUT_BYTES_LIMIT = 64 * 1024 * 1024;
/** Prompts written at once in a flush. */
const PROMPT_CONCURRENCY = 8;

export function createRecorder(writer: BatchWriter, prepare: PrepareCalls, logger: Logger, options: RecorderOptions, captureKnown: CaptureKnown = () => undefined) {
  let queue: TCallRecord[] = [];
  const pending = new Map<string, PendingPrompt>();
  let pendingCount = 0;
  let inputBytes = 0;
  const inputBytesLimit = options.inputBytesLimit ?? DEFAULT_INPUT_BYTES_LIMIT;
  let seq = 0;
  let flushing: Promise<boolean> | null = null;
  let soonScheduled = false;
  let closed = false;
  const stats: RecorderStats = { depth: 0, written: 0, dropped: 0, droppedAtShutdown: 0, flushes: 0, failedFlushes: 0, inputsNotKept: 0 };
  let droppedSinceLog = 0;
  let lastDropLog = 0;
  let lastFailureLog = 0;
  const listeners: Array<(record: TCallRecord) => void> = [];

  const depth = () => queue.length + pendingCount;

  function noteDrop(): void {
    stats.dropped += 1;
    droppedSinceLog += 1;
    const now = Date.now();
    if (now - lastDropLog >= DROP_LOG_INTERVAL_MS) {
      logger.warn({ dropped: droppedSinceLog, droppedTotal: stats.dropped, queueLimit: options.queueLimit }, "analytics queue full: call records dropped");
      lastDropLog = now;
      droppedSinceLog = 0;
    }
  }

  /** Moves the queue into per-prompt batches, each with its own sequence number. */
  function batchQueue(): void {
    if (queue.length === 0) return;
    const taken = queue;
    queue = [];
    const byPrompt = new Map<string, TCallRecord[]>();
    for (const record of taken) {
      const key = `${record.orgId}|${record.promptId}`;
      let list = byPrompt.get(key);
      if (!list) byPrompt.set(key, (list = []));
      list.push(record);
    }
    for (const [key, raw] of byPrompt) {
      let entry = pending.get(key);
      if (!entry) pending.set(key, (entry = { orgId: raw[0]!.orgId, promptId: raw[0]!.promptId, batches: [] }));
      for (let start = 0; start < raw.length; start += options.batchSize) {
        const slice = raw.slice(start, start + options.batchSize);
        entry.batches.push({ orgId: entry.orgId, promptId: entry.promptId, seq: seq++, calls: [], raw: slice, size: slice.length });
      }
      pendingCount += raw.length;
    }
  }

  const releaseInputs = (records: readonly TCallRecord[]) => {
    for (const record of records) if (record.inputs !== null) inputBytes -= record.bodyBytes;
  };

  /** Writes a prompt's batches in order; stops at the first failure (kept for the next flush). */
  async function writePrompt(key: string, entry: PendingPrompt): Promise<boolean> {
    while (entry.batches.length > 0) {
      const batch = entry.batches[0]!;
      if (batch.raw !== null) {
        batch.calls = await prepare(batch.orgId, batch.promptId, batch.raw);
        releaseInputs(batch.raw);
        batch.raw = null;
      }
      await writer.write(batch);
      entry.batches.shift();
      pendingCount -= batch.size;
      stats.written += batch.size;
    }
    pending.delete(key);
    return true;
  }

  /** True when everything waiting was written. */
  async function flushOnce(): Promise<boolean> {
    batchQueue();
    if (pending.size === 0) return true;
    stats.flushes += 1;
    const entries = [...pending.entries()];
    let failure: unknown;
    for (let start = 0; start < entries.length; start += PROMPT_CONCURRENCY) {
      await Promise.all(
        entries.slice(start, start + PROMPT_CONCURRENCY).map(([key, entry]) =>
          writePrompt(key, entry).catch((error: unknown) => {
            failure = error;
          }),
        ),
      );
    }
    if (failure !== undefined) {
      stats.failedFlushes += 1;
      const now = Date.now();
      if (now - lastFailureLog >= DROP_LOG_INTERVAL_MS) {
        logger.warn({ err: failure, waiting: depth() }, "analytics flush failed; the records wait and are retried");
        lastFailureLog = now;
      }
      return false;
    }
    return true;
  }

  /** One flush at a time; callers share the one under way. */
  function flush(): Promise<boolean> {
    flushing ??= flushOnce().finally(() => {
      flushing = null;
    });
    return flushing;
  }

  const timer = setInterval(() => void flush(), options.flushIntervalMs);
  timer.unref();

  return {
    /**
     * Queues one call's record. Synchronous and cheap: the request never waits for it, and nothing it does
     * can fail the request.
     */
    record(record: TCallRecord): void {
      for (const listener of listeners) listener(record);
      if (closed || depth() >= options.queueLimit) {
        if (closed) stats.droppedAtShutdown += 1;
        else noteDrop();
        return;
      }
      if (record.inputs !== null) {
        // Inputs are dropped at once where capture is known to be off; kept (bounded) until the flush
        // decides where it is not known yet.
        if (captureKnown(record.orgId, record.promptId) === false) record.inputs = null;
        else if (inputBytes + record.bodyBytes > inputBytesLimit) {
          record.inputs = null;
          stats.inputsNotKept += 1;
        } else inputBytes += record.bodyBytes;
      }
      queue.push(record);
      if (queue.length >= options.batchSize && !soonScheduled) {
        soonScheduled = true;
        setImmediate(() => {
          soonScheduled = false;
          void flush();
        });
      }
    },

    /** Called with every record as it is recorded (before any drop): OpenTelemetry, Prometheus totals. */
    onRecord(listener: (record: TCallRecord) => void): void {
      listeners.push(listener);
    },

    /** Writes everything waiting now; false when a write failed (what failed keeps waiting). */
    async drain(): Promise<boolean> {
      for (;;) {
        if (!(await flush())) return false;
        if (depth() === 0) return true;
      }
    },

    stats(): RecorderStats {
      return { ...stats, depth: depth() };
    },

    /** Stops the timer and writes what it can within `shutdownMs`; what is left is reported, then dropped. */
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      const deadline = Date.now() + options.shutdownMs;
      while (depth() > 0 && Date.now() < deadline) {
        const before = stats.written;
        await Promise.race([flush(), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref())]);
        if (stats.written === before && depth() > 0) await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, deadline - Date.now()))));
      }
      const left = depth();
      if (left > 0) {
        stats.droppedAtShutdown += left;
        logger.error({ lost: left }, "analytics: call records not written before shutdown");
      }
      queue = [];
      pending.clear();
      pendingCount = 0;
    },
  };
}
export type Recorder = ReturnType<typeof createRecorder>;
