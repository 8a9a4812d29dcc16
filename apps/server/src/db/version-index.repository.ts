// A prompt's versions as listings need them, readable by `_id` only.
//
// Why: the embedded database (FerretDB v1) pushes only bare `{_id}` filters down to SQLite; listing a
// prompt's versions with a query read and decoded the whole `versions` collection, ~0.2-0.4 ms per version
// stored in the registry, for every prompt (a 503 past ~100k versions), and counting them exhausted memory
// at 1M. Here each prompt has a head document (`version_index`, `_id` = prompt id: its chunks and their
// sizes) and chunks of up to VERSION_CHUNK_SIZE listing entries (`version_index_chunks`, `_id` =
// `${promptId}:${build}:${chunk}`), chunk = floor(seq / size) of the prompt's creation counter. Listing a
// page reads the head and the newest chunk or two; counting reads the head. The same code runs on MongoDB
// (one code path; a few single-document operations per version created).
//
// Consistency without transactions (every write below holds the prompt's lock, or the prompt is not
// visible yet):
// - write-ahead: a creator records the version's id in the prompt's `pendingVersions` in the same
//   single-document update that reserves its creation counter, inserts the version, then indexes it and
//   removes the id. Readers merge the pending versions that exist (normally none), so a creator that died
//   between its insert and the index loses nothing; pending ids older than PENDING_REPAIR_AFTER_MS are
//   indexed (or dropped, when no such version was ever stored) by the next reader.
// - entries are written with `$set` of one field keyed by the version id: writing one twice is harmless;
//   a chunk's stats in the head are recomputed from the chunk as stored.
// - prompts stored before this index have no head: the first reader builds one (a backfill: one query of
//   the prompt's versions, written under a fresh `build` name so that two replicas building at once never
//   mix; the head, written last under the lock, names the build that counts, merging what was created
//   meanwhile from `pendingVersions`).
import { randomBytes } from "node:crypto";
import type { Collection, Db, Document } from "mongodb";
import { findOwnedById } from "./by-id.js";
import { outsideRequestDeadline, untilDeadline } from "./deadline.js";
import type { DocumentLocks } from "./document-locks.js";
import type {
  PendingVersion,
  PromptDoc,
  VersionChunkDoc,
  VersionChunkStats,
  VersionDoc,
  VersionIndexDoc,
  VersionIndexEntry,
} from "./documents.js";
import { AppError } from "../errors.js";
import { isDuplicateKeyError } from "./duplicate-key.js";
import type { TenantScope } from "./scope.js";

/** Entries per chunk: a page of 50 reads one to three chunks (in parallel); a create rewrites one. */
export const VERSION_CHUNK_SIZE = 50;
/**
 * A pending version older than this was not indexed by its creator (it died, or its request failed after
 * the insert): readers index it. Longer than any request lives, so a creation in flight is never touched.
 */
export const PENDING_REPAIR_AFTER_MS = 60_000;
/** A backfill reads a prompt's versions for at most this long (a whole collection, on the embedded database). */
export const BACKFILL_TIMEOUT_MS = 30 * 60_000;
/** Chunks read at once when a listing needs several. */
const PARALLEL_CHUNK_READS = 16;

export const chunkOf = (seq: number): number => Math.max(0, Math.floor(seq / VERSION_CHUNK_SIZE));
export const versionChunkId = (promptId: string, build: string, chunk: number): string => `${promptId}:${build}:${chunk}`;
/** A field name for an id: `.` and `$` are not allowed in field paths, `%` escapes. */
export const fieldKey = (prefix: string, id: string): string =>
  prefix + id.replace(/[%.$]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
export const newBuild = (): string => randomBytes(6).toString("base64url");

export function toIndexEntry(doc: VersionDoc): VersionIndexEntry {
  return {
    id: doc._id,
    major: doc.major,
    minor: doc.minor,
    seq: doc.seq,
    commitMessage: doc.commitMessage,
    model: doc.model,
    createdAt: doc.createdAt,
    variables: doc.variables,
    partials: doc.partials,
  };
}

export const encodeEntry = (entry: VersionIndexEntry): string => JSON.stringify(entry);

export function decodeEntry(text: string): VersionIndexEntry {
  const entry = JSON.parse(text) as Omit<VersionIndexEntry, "createdAt"> & { createdAt: string };
  return { ...entry, createdAt: new Date(entry.createdAt) };
}

const encodeRefs = (refs: Iterable<ChunkRef>): string => JSON.stringify([...refs].sort((a, b) => a.chunk - b.chunk).map((r) => [r.chunk, r.n, r.lo, r.hi]));

const entriesOfChunk = (chunk: VersionChunkDoc | null): VersionIndexEntry[] => Object.values(chunk?.entries ?? {}).map(decodeEntry);

function statsOf(entries: Iterable<VersionIndexEntry>): VersionChunkStats {
  let n = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const e of entries) {
    n++;
    if (e.major < lo) lo = e.major;
    if (e.major > hi) hi = e.major;
  }
  return n === 0 ? { n: 0, lo: 0, hi: 0 } : { n, lo, hi };
}

/** Newest first: by creation counter, then time and id (versions stored before the counter was locked may share one). */
const newestFirst = (a: VersionIndexEntry, b: VersionIndexEntry): number =>
  b.seq - a.seq || b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

interface ChunkRef extends VersionChunkStats {
  chunk: number;
}

export interface VersionIndexQuery {
  major?: number | undefined;
  skip: number;
  /** 0: every version. */
  limit: number;
}

/** What a reader knows of a prompt's index: its chunks and the pending versions that exist but are not in it. */
interface IndexView {
  head: VersionIndexDoc;
  chunks: ChunkRef[];
  /** Existing versions named in `pendingVersions` and missing from their chunk, by chunk. */
  extras: Map<number, VersionIndexEntry[]>;
  /** Chunks already read (those of pending versions). */
  loaded: Map<number, VersionChunkDoc | null>;
}

export function createVersionIndexRepository(db: Db, locks: DocumentLocks) {
  const heads: Collection<VersionIndexDoc> = db.collection("version_index");
  const chunks: Collection<VersionChunkDoc> = db.collection("version_index_chunks");
  const prompts: Collection<PromptDoc> = db.collection("prompts");
  const versions: Collection<VersionDoc> = db.collection("versions");
  // The same key as every other update of the prompt (prompts.repository.ts): one writer at a time.
  const locked = <T>(promptId: string, task: () => Promise<T>) => locks.run(`prompts:${promptId}`, task);
  /** Backfills running on this replica, so concurrent readers of one legacy prompt wait for the same one. */
  const building = new Map<string, Promise<void>>();

  /**
   * Removes pending entries as read (or as pushed): `$pullAll` of the exact elements, since FerretDB's
   * `$pull` matches exact values only. Caller holds the prompt's lock.
   */
  const forget = async (promptId: string, pending: readonly PendingVersion[]) => {
    if (pending.length > 0) await prompts.updateOne({ _id: promptId }, { $pullAll: { pendingVersions: pending.map(({ id, at }) => ({ id, at })) } });
  };

  const readChunk = (promptId: string, build: string, chunk: number) => chunks.findOne({ _id: versionChunkId(promptId, build, chunk) });

  /** Indexes a version its creator just stored, then forgets it as pending. Caller holds the prompt's lock. */
  async function index(scope: TenantScope, promptId: string, doc: VersionDoc, pending: PendingVersion): Promise<void> {
    const head = await findOwnedById(heads, scope, promptId);
    // No index yet (the prompt predates indexes): the version stays pending; the backfill indexes it.
    if (!head) return;
    // A version id is new: its entry is not in the chunk yet, so the chunk's stats move by one (no read back).
    // Should the head's update fail, the version stays pending and a reader's repair recomputes them.
    const chunk = chunkOf(doc.seq);
    await chunks.updateOne(
      { _id: versionChunkId(promptId, head.build, chunk) },
      { $set: { orgId: scope.orgId, promptId, chunk, [`entries.${fieldKey("v", doc._id)}`]: encodeEntry(toIndexEntry(doc)) } },
      { upsert: true },
    );
    const refs = new Map(chunkRefs(head).map((ref) => [ref.chunk, ref]));
    const before = refs.get(chunk);
    refs.set(chunk, before ? { chunk, n: before.n + 1, lo: Math.min(before.lo, doc.major), hi: Math.max(before.hi, doc.major) } : { chunk, n: 1, lo: doc.major, hi: doc.major });
    await heads.updateOne({ _id: promptId }, { $set: { chunks: encodeRefs(refs.values()) } });
    await forget(promptId, [pending]);
  }

  /** Writes `docs` into their chunks of `head`'s build and records the chunks' stats as stored. Caller holds the lock. */
  async function put(head: VersionIndexDoc, promptId: string, docs: readonly VersionDoc[]): Promise<void> {
    const byChunk = new Map<number, VersionDoc[]>();
    for (const doc of docs) byChunk.set(chunkOf(doc.seq), [...(byChunk.get(chunkOf(doc.seq)) ?? []), doc]);
    const current = (await heads.findOne({ _id: head._id })) ?? head;
    const refs = new Map(chunkRefs(current).map((ref) => [ref.chunk, ref]));
    for (const [chunk, list] of byChunk) {
      const set: Document = { orgId: head.orgId, promptId, chunk };
      for (const doc of list) set[`entries.${fieldKey("v", doc._id)}`] = encodeEntry(toIndexEntry(doc));
      const stored = await chunks.findOneAndUpdate({ _id: versionChunkId(promptId, head.build, chunk) }, { $set: set }, { upsert: true, returnDocument: "after" });
      refs.set(chunk, { chunk, ...statsOf(entriesOfChunk(stored)) });
    }
    await heads.updateOne({ _id: head._id }, { $set: { chunks: encodeRefs(refs.values()) } });
  }

  const chunkRefs = (head: VersionIndexDoc): ChunkRef[] =>
    (JSON.parse(head.chunks) as Array<[number, number, number, number]>)
      .map(([chunk, n, lo, hi]) => ({ chunk, n, lo, hi }))
      .sort((a, b) => b.chunk - a.chunk);

  /** Versions of `prompt` named in its pendingVersions that are stored; `max age` filters by age. */
  async function storedPending(prompt: PromptDoc, pending: readonly PendingVersion[]): Promise<VersionDoc[]> {
    const docs = await Promise.all(pending.map((p) => versions.findOne({ _id: p.id })));
    return docs.filter((d): d is VersionDoc => d !== null && d.orgId === prompt.orgId && d.promptId === prompt._id);
  }

  async function view(prompt: PromptDoc, head: VersionIndexDoc): Promise<IndexView> {
    const refs = new Map(chunkRefs(head).map((ref) => [ref.chunk, ref]));
    const extras = new Map<number, VersionIndexEntry[]>();
    const loaded = new Map<number, VersionChunkDoc | null>();
    const pending = prompt.pendingVersions ?? [];
    if (pending.length > 0) {
      const stored = await storedPending(prompt, pending);
      const touched = [...new Set(stored.map((d) => chunkOf(d.seq)))];
      const docs = await Promise.all(touched.map((chunk) => readChunk(prompt._id, head.build, chunk)));
      touched.forEach((chunk, i) => loaded.set(chunk, docs[i]!));
      for (const chunk of touched) {
        const inChunk = entriesOfChunk(loaded.get(chunk)!);
        const missing = stored.filter((d) => chunkOf(d.seq) === chunk && !inChunk.some((e) => e.id === d._id)).map(toIndexEntry);
        if (missing.length > 0) extras.set(chunk, missing);
        // The chunk as read, not the head's stats of it: a writer may have written one and not yet the other.
        refs.set(chunk, { chunk, ...statsOf([...inChunk, ...missing]) });
      }
      // Versions whose creator died between storing and indexing them: index them now (in the background;
      // this answer already includes them).
      if (pending.some((p) => Date.now() - p.at.getTime() > PENDING_REPAIR_AFTER_MS)) {
        void outsideRequestDeadline(() => repairPending({ orgId: prompt.orgId }, prompt._id)).catch(() => undefined);
      }
    }
    return { head, chunks: [...refs.values()].sort((a, b) => b.chunk - a.chunk), extras, loaded };
  }

  /** The index of a visible prompt, built first when the prompt predates it. */
  async function open(scope: TenantScope, prompt: PromptDoc): Promise<IndexView> {
    let head = await findOwnedById(heads, scope, prompt._id);
    if (!head) {
      await untilDeadline(backfill(scope, prompt._id));
      head = await findOwnedById(heads, scope, prompt._id);
      if (!head) throw new Error(`version index of prompt ${prompt._id} missing after its backfill`);
      prompt = (await prompts.findOne({ _id: prompt._id })) ?? prompt;
    }
    return view(prompt, head);
  }

  async function entriesOf(v: IndexView, promptId: string, ref: ChunkRef): Promise<VersionIndexEntry[]> {
    const stored = v.loaded.has(ref.chunk) ? v.loaded.get(ref.chunk)! : await readChunk(promptId, v.head.build, ref.chunk);
    return [...entriesOfChunk(stored), ...(v.extras.get(ref.chunk) ?? [])];
  }

  /**
   * Indexes the versions a creator stored and left pending (it died), and forgets pending ids of versions
   * that were never stored, once they are old enough that no creator can still be storing them.
   */
  async function repairPending(scope: TenantScope, promptId: string): Promise<void> {
    await locked(promptId, async () => {
      const [prompt, head] = await Promise.all([prompts.findOne({ _id: promptId }), heads.findOne({ _id: promptId })]);
      if (!prompt || prompt.orgId !== scope.orgId || !head) return;
      const old = (prompt.pendingVersions ?? []).filter((p) => Date.now() - p.at.getTime() > PENDING_REPAIR_AFTER_MS);
      if (old.length === 0) return;
      const stored = await storedPending(prompt, old);
      if (stored.length > 0) await put(head, promptId, stored);
      await forget(promptId, old);
    });
  }

  /**
   * Builds the index of a prompt stored before indexes existed: its versions (one query; on the embedded
   * database a read of the whole collection, once per such prompt) into chunks of a fresh build, then,
   * under the lock, the versions created meanwhile (pending) and the head. Another replica's build that
   * finished first wins; this one's chunks are deleted.
   */
  function backfill(scope: TenantScope, promptId: string): Promise<void> {
    let running = building.get(promptId);
    if (!running) {
      // Not bound to the request that asked: on the embedded database a large registry takes a while to read.
      running = outsideRequestDeadline(() => build(scope, promptId)).finally(() => building.delete(promptId));
      building.set(promptId, running);
    }
    return running;
  }

  async function build(scope: TenantScope, promptId: string): Promise<void> {
    const buildName = newBuild();
    const entries = new Map<number, Map<string, VersionIndexEntry>>();
    // On MongoDB this query is served by the prompt_number_unique index; FerretDB reads the whole collection.
    const cursor = versions.find({ orgId: scope.orgId, promptId }, { projection: { body: 0 }, batchSize: 1000, signal: AbortSignal.timeout(BACKFILL_TIMEOUT_MS) });
    for await (const doc of cursor) {
      const chunk = chunkOf(doc.seq);
      let map = entries.get(chunk);
      if (!map) entries.set(chunk, (map = new Map<string, VersionIndexEntry>()));
      map.set(fieldKey("v", doc._id), toIndexEntry(doc));
    }
    const written: string[] = [];
    const docs = [...entries].map(([chunk, map]): VersionChunkDoc => ({
      _id: versionChunkId(promptId, buildName, chunk),
      orgId: scope.orgId,
      promptId,
      chunk,
      entries: Object.fromEntries([...map].map(([key, entry]) => [key, encodeEntry(entry)])),
    }));
    for (let i = 0; i < docs.length; i += 50) {
      const batch = docs.slice(i, i + 50);
      await chunks.insertMany(batch, { ordered: false });
      written.push(...batch.map((d) => d._id));
    }
    const won = await locked(promptId, async () => {
      if (await heads.findOne({ _id: promptId })) return false;
      const prompt = await prompts.findOne({ _id: promptId });
      if (!prompt || prompt.orgId !== scope.orgId) return false;
      const head: VersionIndexDoc = {
        _id: promptId,
        orgId: scope.orgId,
        build: buildName,
        chunks: encodeRefs([...entries].map(([chunk, map]) => ({ chunk, ...statsOf(map.values()) }))),
      };
      try {
        await heads.insertOne(head);
      } catch (error) {
        if (isDuplicateKeyError(error)) return false;
        throw error;
      }
      // Created while this build read: they waited in pendingVersions for an index to go into.
      const pending = prompt.pendingVersions ?? [];
      const stored = await storedPending(prompt, pending);
      if (stored.length > 0) await put(head, promptId, stored);
      const settled = pending.filter((p) => stored.some((d) => d._id === p.id) || Date.now() - p.at.getTime() > PENDING_REPAIR_AFTER_MS);
      await forget(promptId, settled);
      return true;
    });
    if (!won) await Promise.all(written.map((id) => chunks.deleteOne({ _id: id }))).catch(() => undefined);
  }

  return {
    async ensureIndexes(): Promise<void> {
      // Read by `_id` only.
    },

    /** The index of a prompt being created (not visible yet): its first version. */
    async createForNewPrompt(scope: TenantScope, promptId: string, first: VersionDoc): Promise<void> {
      const head: VersionIndexDoc = { _id: promptId, orgId: scope.orgId, build: newBuild(), chunks: "[]" };
      await heads.insertOne(head);
      await put(head, promptId, [first]);
    },

    /**
     * Creates a version under the prompt's lock: `store` reserves creation counters with `nextSeq` (null:
     * the prompt is not visible; the first call also records `pending`, the write-ahead) and stores the
     * version; it is then indexed and forgotten as pending. Should indexing fail, the version stays pending:
     * readers list it from there and index it later (failing now would make the caller create it twice).
     * Should `store` fail with an AppError (a refusal: nothing stored), `pending` is forgotten; with any
     * other error the insert's outcome is unknown and it stays pending.
     */
    async create(
      scope: TenantScope,
      promptId: string,
      pending: PendingVersion,
      store: (nextSeq: () => Promise<number | null>) => Promise<VersionDoc>,
    ): Promise<VersionDoc> {
      return locked(promptId, async () => {
        let recorded = false;
        const nextSeq = async () => {
          // The version's creation is the prompt's last change (set here, in the update it takes anyway).
          const touched = { $inc: { versionSeq: 1 }, $set: { updatedAt: new Date() } };
          const update = recorded ? touched : { ...touched, $push: { pendingVersions: pending } };
          const doc = await prompts.findOneAndUpdate({ _id: promptId }, update, { returnDocument: "after" });
          recorded = true;
          return doc && doc.orgId === scope.orgId && doc.state === "active" && doc.deletedAt === null ? doc.versionSeq : null;
        };
        let doc: VersionDoc;
        try {
          doc = await store(nextSeq);
        } catch (error) {
          if (recorded && error instanceof AppError) await forget(promptId, [pending]).catch(() => undefined);
          throw error;
        }
        await index(scope, promptId, doc, pending).catch(() => undefined);
        return doc;
      });
    },

    /** A page of a visible prompt's versions (hidden ones left out), newest first (by creation counter). */
    async list(scope: TenantScope, prompt: PromptDoc, query: VersionIndexQuery): Promise<VersionIndexEntry[]> {
      const v = await open(scope, prompt);
      const hidden = new Set(prompt.hiddenVersionIds);
      const { major } = query;
      const wanted = query.limit === 0 ? Number.POSITIVE_INFINITY : query.skip + query.limit;
      const candidates = v.chunks.filter((c) => c.n > 0 && (major === undefined || (c.lo <= major && major <= c.hi)));
      const found: VersionIndexEntry[] = [];
      for (let i = 0; i < candidates.length && found.length < wanted; ) {
        // Enough chunks at once to fill the page if none of their entries were hidden or of another major.
        const batch: ChunkRef[] = [];
        for (let covered = 0; i < candidates.length && batch.length < PARALLEL_CHUNK_READS && (batch.length === 0 || covered < wanted - found.length); i++) {
          batch.push(candidates[i]!);
          covered += candidates[i]!.n;
        }
        for (const entries of await Promise.all(batch.map((ref) => entriesOf(v, prompt._id, ref)))) {
          found.push(...entries.filter((e) => !hidden.has(e.id) && (major === undefined || e.major === major)).sort(newestFirst));
        }
      }
      return query.limit === 0 ? found.slice(query.skip) : found.slice(query.skip, query.skip + query.limit);
    },

    /** Number of visible versions and the highest major among them: the head, plus a chunk when hidden versions are about. */
    async totals(scope: TenantScope, prompt: PromptDoc): Promise<{ count: number; highestMajor: number }> {
      const v = await open(scope, prompt);
      const hidden = new Set(prompt.hiddenVersionIds);
      const count = Math.max(0, v.chunks.reduce((sum, c) => sum + c.n, 0) - hidden.size);
      const byTop = v.chunks.filter((c) => c.n > 0).sort((a, b) => b.hi - a.hi);
      if (hidden.size === 0) return { count, highestMajor: byTop[0]?.hi ?? 0 };
      let best = 0;
      for (const ref of byTop) {
        if (ref.hi <= best) break;
        for (const e of await entriesOf(v, prompt._id, ref)) if (!hidden.has(e.id) && e.major > best) best = e.major;
      }
      return { count, highestMajor: best };
    },

    /** Removes the index of a prompt whose creation never finished. */
    async removeOfAbandonedPrompt(scope: TenantScope, promptId: string): Promise<void> {
      const head = await findOwnedById(heads, scope, promptId);
      if (!head) return;
      await Promise.all(chunkRefs(head).map((ref) => chunks.deleteOne({ _id: versionChunkId(promptId, head.build, ref.chunk) })));
      await heads.deleteOne({ _id: promptId });
    },

    /** For benchmarks and tests: indexes versions inserted straight into the collection (nothing else may write the prompt meanwhile). */
    async addStored(scope: TenantScope, promptId: string, docs: readonly VersionDoc[]): Promise<void> {
      const head = await findOwnedById(heads, scope, promptId);
      if (!head) throw new Error(`prompt ${promptId} has no version index`);
      await put(head, promptId, docs);
    },
  };
}
export type VersionIndexRepository = ReturnType<typeof createVersionIndexRepository>;
