// Stored shapes of the request log and its rollups (apart from documents.ts so that the analytics work
// stays in files of its own). Every document is read and written by bare `_id` (the embedded FerretDB
// scans a collection for any other filter); the `_id`s encode what they are looked up by.
import type { Histogram } from "../analytics/histogram.js";

/**
 * One recorded call inside a chunk. Short keys: a million calls is a million of these, so the names are
 * stored a million times.
 */
export interface StoredCall {
  /** requestId */
  r: string;
  /** startedAt, epoch ms */
  t: number;
  /** versionId, majorVersion, minorVersion (null when no version was chosen) */
  v: string | null;
  mj: number | null;
  mn: number | null;
  /** environment */
  e: string | null;
  /** HTTP status */
  s: number;
  /** latency, upstream latency, time to first token (ms) */
  l: number;
  u: number | null;
  f: number | null;
  /** streamed */
  k: boolean;
  /** model, provider */
  m: string | null;
  p: string | null;
  /** input, output tokens; cost in USD */
  i: number | null;
  o: number | null;
  c: number | null;
  /** error code */
  x: string | null;
}

/**
 * The calls of one prompt that one writer flushed in one batch within one minute. Insert-only; the
 * minute's rollup lists it. `_id`: `org|prompt|minute|writer|seq|part`.
 */
export interface CallChunkDoc {
  _id: string;
  orgId: string;
  promptId: string;
  minute: number;
  calls: StoredCall[];
  /** Removed by a TTL index (MongoDB) or the sweeper (the embedded FerretDB) after this. */
  expiresAt: Date;
}

/**
 * Captured inputs of a chunk's calls, apart from the calls so that they can expire earlier (their own
 * retention). Same `_id` as the chunk. Inputs are JSON text: callers' keys may hold `.` or `$`.
 */
export interface CallInputsDoc {
  _id: string;
  orgId: string;
  promptId: string;
  inputs: Array<{ r: string; j: string }>;
  expiresAt: Date;
}

/** Counts of the calls of one (version, environment) in a period. */
export interface SeriesStats {
  /** versionId and its number (null: calls that failed before a version was chosen) */
  v: string | null;
  mj: number | null;
  mn: number | null;
  /** environment */
  e: string | null;
  /** calls, provider failures */
  n: number;
  err: number;
  /** tokens */
  tin: number;
  tout: number;
  /** cost of the priced calls, and how many were priced */
  cost: number;
  priced: number;
  lat: Histogram;
  /** streamed calls and their time-to-first-token histogram */
  sn: number;
  ttft: Histogram;
  /** status → count */
  st: Record<string, number>;
}

/** A chunk as its minute's rollup lists it. */
export interface ChunkMeta {
  id: string;
  n: number;
  /** oldest and newest call's startedAt */
  t0: number;
  t1: number;
  /** When its captured inputs expire (epoch ms); null: no inputs (or already removed). */
  ix: number | null;
}

export type RollupLevel = "m" | "h" | "d";

/**
 * A prompt's calls in one minute, hour or day, per (version, environment). `_id`: `org|prompt|level|epoch`
 * (epoch = start / the period's length). Updated by read-modify-write under the prompt's analytics lock,
 * so concurrent flushes of several replicas never lose each other's counts on either database.
 */
export interface RollupDoc {
  _id: string;
  orgId: string;
  promptId: string;
  level: RollupLevel;
  start: Date;
  expiresAt: Date;
  series: SeriesStats[];
  /** Hour: the minutes with calls; day: the hours with calls (epochs). Empty for minutes. */
  children: number[];
  /** Minute only: its chunks, for the request log. */
  chunks: ChunkMeta[];
  /** Hour and day: the earliest expiry of captured inputs beneath (null: none left). */
  ixMin: number | null;
  /** writer id → the last batch it applied here, so a retried flush never counts twice. */
  w: Record<string, number>;
}

/** One per prompt with recorded calls: where the request log starts and how far the sweeper got. */
export interface CallHeadDoc {
  /** `org|prompt` */
  _id: string;
  orgId: string;
  promptId: string;
  firstAt: number;
  recordsSweptTo: number;
  inputsSweptTo: number;
  rollupsSweptTo: number;
}

/** Input capture settings: `_id` `org|` for the organization, `org|prompt` for a prompt. */
export interface CaptureSettingsDoc {
  _id: string;
  orgId: string;
  promptId: string | null;
  enabled: boolean | null;
  redactVariables: string[];
  retentionDays: number | null;
  updatedAt: Date;
}
