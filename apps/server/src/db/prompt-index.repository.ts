// An organization's prompt list, readable by `_id` only.
//
// Why: listing prompts (search, tags, pages), counting them and their distinct tags queried the `prompts`
// collection, which the embedded database (FerretDB v1) answers by reading every prompt of every
// organization. Here each organization has a head (`prompt_index`, `_id` = organization id) and `k`
// chunks (`prompt_index_chunks`, `_id` = `${orgId}:${build}:${i}`) holding every visible prompt's name,
// tags and creation time; prompt P lives in chunk hash(P) mod k. A listing reads the head and the k chunks
// (k = 1 up to ~MAX_CHUNK_ENTRIES prompts), then filters, sorts and pages in memory: the cost follows the
// organization's own prompts, never the registry's size. The same code runs on MongoDB.
//
// Consistency without transactions: a change of a prompt's listed fields (create, rename, tags, delete)
// marks the prompt dirty in the head first (write-ahead), changes the prompt, then writes its entry from
// the prompt as stored and removes its own mark. Readers re-read dirty prompts by `_id` and use what they
// find, so a writer that died half-way shows nothing stale; marks older than DIRTY_REPAIR_AFTER_MS are
// settled by the next reader. Every write of the head and chunks holds the organization's lock.
// Organizations that predate the index get one built by their first reader (one query of their prompts,
// under a fresh `build` name; the head names the build that counts).
import type { Collection, Db, Document } from "mongodb";
import { outsideRequestDeadline, untilDeadline } from "./deadline.js";
import type { DocumentLocks } from "./document-locks.js";
import type { DirtyPrompt, PromptDoc, PromptIndexChunkDoc, PromptIndexDoc, PromptIndexEntry } from "./documents.js";
import { isDuplicateKeyError } from "./duplicate-key.js";
import type { TenantScope } from "./scope.js";
import { BACKFILL_TIMEOUT_MS, fieldKey, newBuild } from "./version-index.repository.js";

/** Prompts per chunk a backfill or a resize aims at. */
const CHUNK_TARGET = 500;
/** Past this many entries a chunk is split (the chunk count doubles): bounds the document a write rewrites. */
const MAX_CHUNK_ENTRIES = 2000;
/** A dirty mark older than this belongs to a writer that died: readers settle it. Longer than any request. */
export const DIRTY_REPAIR_AFTER_MS = 60_000;

/** FNV-1a: stable across processes and versions, which is all the placement needs. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const chunkIndex = (promptId: string, k: number) => hash(promptId) % k;
const chunkId = (orgId: string, build: string, i: number) => `${orgId}:${build}:${i}`;
const chunkCountFor = (prompts: number) => {
  let k = 1;
  while (k * CHUNK_TARGET < prompts) k *= 2;
  return k;
};

const isVisible = (orgId: string, doc: PromptDoc | null): doc is PromptDoc =>
  doc !== null && doc.orgId === orgId && doc.state === "active" && doc.deletedAt === null;
const toEntry = (doc: PromptDoc): PromptIndexEntry => ({ id: doc._id, name: doc.name, tags: doc.tags, createdAt: doc.createdAt });
const encodeEntry = (entry: PromptIndexEntry): string => JSON.stringify(entry);
function decodeEntry(text: string): PromptIndexEntry {
  const entry = JSON.parse(text) as Omit<PromptIndexEntry, "createdAt"> & { createdAt: string };
  return { ...entry, createdAt: new Date(entry.createdAt) };
}
const entriesOf = (chunk: PromptIndexChunkDoc | null): PromptIndexEntry[] => Object.values(chunk?.entries ?? {}).map(decodeEntry);

export function createPromptIndexRepository(db: Db, locks: DocumentLocks) {
  const heads: Collection<PromptIndexDoc> = db.collection("prompt_index");
  const chunks: Collection<PromptIndexChunkDoc> = db.collection("prompt_index_chunks");
  const prompts: Collection<PromptDoc> = db.collection("prompts");
  const locked = <T>(orgId: string, task: () => Promise<T>) => locks.run(`prompt-index:${orgId}`, task);
  const building = new Map<string, Promise<void>>();

  const readHead = async (scope: TenantScope) => {
    const head = await heads.findOne({ _id: scope.orgId });
    return head && head.orgId === scope.orgId ? head : null;
  };

  /** Writes each prompt's entry (or its absence) as its document says, into the chunks of `build`/`k`. */
  async function apply(orgId: string, build: string, k: number, docs: ReadonlyMap<string, PromptDoc | null>): Promise<number> {
    const byChunk = new Map<number, { $set: Document; $unset: Document }>();
    for (const [id, doc] of docs) {
      const i = chunkIndex(id, k);
      let update = byChunk.get(i);
      if (!update) byChunk.set(i, (update = { $set: { orgId }, $unset: {} }));
      if (isVisible(orgId, doc)) update.$set[`entries.${fieldKey("p", id)}`] = encodeEntry(toEntry(doc));
      else update.$unset[`entries.${fieldKey("p", id)}`] = "";
    }
    let largest = 0;
    for (const [i, update] of byChunk) {
      const stored = await chunks.findOneAndUpdate(
        { _id: chunkId(orgId, build, i) },
        Object.keys(update.$unset).length > 0 ? update : { $set: update.$set },
        { upsert: true, returnDocument: "after" },
      );
      largest = Math.max(largest, Object.keys(stored?.entries ?? {}).length);
    }
    return largest;
  }

  const readDocs = async (ids: Iterable<string>) => {
    const unique = [...new Set(ids)];
    const docs = await Promise.all(unique.map((id) => prompts.findOne({ _id: id })));
    return new Map(unique.map((id, i) => [id, docs[i] ?? null]));
  };

  /** Doubles the chunk count until every chunk fits (a new build; readers of the old one retry). Caller holds the lock. */
  async function resize(head: PromptIndexDoc & { build: string }): Promise<void> {
    const old = await Promise.all(Array.from({ length: head.k }, (_, i) => chunks.findOne({ _id: chunkId(head.orgId, head.build, i) })));
    const entries = old.flatMap(entriesOf);
    const k = Math.max(head.k * 2, chunkCountFor(entries.length));
    const build = newBuild();
    await writeBuild(head.orgId, build, k, entries);
    await heads.updateOne({ _id: head._id }, { $set: { build, k } });
    await Promise.all(Array.from({ length: head.k }, (_, i) => chunks.deleteOne({ _id: chunkId(head.orgId, head.build, i) })));
  }

  async function writeBuild(orgId: string, build: string, k: number, entries: readonly PromptIndexEntry[]): Promise<void> {
    const docs: PromptIndexChunkDoc[] = Array.from({ length: k }, (_, i) => ({ _id: chunkId(orgId, build, i), orgId, entries: {} }));
    for (const e of entries) docs[chunkIndex(e.id, k)]!.entries[fieldKey("p", e.id)] = encodeEntry(e);
    for (let i = 0; i < docs.length; i += 20) await chunks.insertMany(docs.slice(i, i + 20), { ordered: false });
  }

  /** Builds the index of an organization that predates it (see the top of this file). */
  function backfill(scope: TenantScope): Promise<void> {
    let running = building.get(scope.orgId);
    if (!running) {
      running = outsideRequestDeadline(() => build(scope)).finally(() => building.delete(scope.orgId));
      building.set(scope.orgId, running);
    }
    return running;
  }

  async function build(scope: TenantScope): Promise<void> {
    const entries: PromptIndexEntry[] = [];
    const cursor = prompts.find({ orgId: scope.orgId, state: "active", deletedAt: null }, { projection: { name: 1, tags: 1, createdAt: 1 }, batchSize: 1000, signal: AbortSignal.timeout(BACKFILL_TIMEOUT_MS) });
    for await (const doc of cursor) entries.push({ id: doc._id, name: doc.name, tags: doc.tags, createdAt: doc.createdAt });
    const buildName = newBuild();
    const k = chunkCountFor(entries.length);
    await writeBuild(scope.orgId, buildName, k, entries);
    const won = await locked(scope.orgId, async () => {
      const head = await heads.findOne({ _id: scope.orgId });
      if (head?.build) return false;
      // Prompts changed while this build read were marked dirty: their entries come from their documents.
      const dirty = head?.dirty ?? [];
      if (dirty.length > 0) await apply(scope.orgId, buildName, k, await readDocs(dirty.map((d) => d.id)));
      // A mark stays while its writer may still be changing the prompt (the read above may predate its
      // change), unless the writer said it finished, or it is older than any writer lives.
      const finished = new Set((head?.settled ?? []).map((d) => `${d.id}\u0000${d.at.getTime()}`));
      const young = dirty.filter((d) => !finished.has(`${d.id}\u0000${d.at.getTime()}`) && Date.now() - d.at.getTime() <= DIRTY_REPAIR_AFTER_MS);
      try {
        await heads.updateOne({ _id: scope.orgId }, { $set: { orgId: scope.orgId, build: buildName, k, dirty: young, settled: [] } }, { upsert: true });
      } catch (error) {
        if (isDuplicateKeyError(error)) return false;
        throw error;
      }
      return true;
    });
    if (!won) await Promise.all(Array.from({ length: k }, (_, i) => chunks.deleteOne({ _id: chunkId(scope.orgId, buildName, i) }))).catch(() => undefined);
  }

  /** Settles dirty marks whose writers died: their entries are written from the prompts as stored. */
  async function repair(scope: TenantScope): Promise<void> {
    await locked(scope.orgId, async () => {
      const head = await readHead(scope);
      if (!head?.build) return;
      const old = head.dirty.filter((d) => Date.now() - d.at.getTime() > DIRTY_REPAIR_AFTER_MS);
      if (old.length === 0) return;
      await apply(scope.orgId, head.build, head.k, await readDocs(old.map((d) => d.id)));
      await heads.updateOne({ _id: head._id }, { $set: { dirty: head.dirty.filter((d) => !old.includes(d)) } });
    });
  }

  /** Every visible prompt of the organization, from the index (built first when the organization predates it). */
  async function all(scope: TenantScope): Promise<PromptIndexEntry[]> {
    for (let attempt = 0; ; attempt++) {
      let head = await readHead(scope);
      if (!head?.build) {
        await untilDeadline(backfill(scope));
        head = await readHead(scope);
        if (!head?.build) throw new Error(`prompt index of organization ${scope.orgId} missing after its backfill`);
      }
      const { build: buildName } = head;
      const [stored, dirty] = await Promise.all([
        Promise.all(Array.from({ length: head.k }, (_, i) => chunks.findOne({ _id: chunkId(scope.orgId, buildName, i) }))),
        head.dirty.length > 0 ? readDocs(head.dirty.map((d) => d.id)) : Promise.resolve(new Map<string, PromptDoc | null>()),
      ]);
      // A chunk of the head's build is gone: a resize replaced the build after the head was read.
      if (stored.some((c) => c === null) && attempt < 3) continue;
      const entries = new Map<string, PromptIndexEntry>();
      for (const chunk of stored) for (const e of entriesOf(chunk)) entries.set(e.id, e);
      for (const [id, doc] of dirty) {
        if (isVisible(scope.orgId, doc)) entries.set(id, toEntry(doc));
        else entries.delete(id);
      }
      if (head.dirty.some((d) => Date.now() - d.at.getTime() > DIRTY_REPAIR_AFTER_MS)) void outsideRequestDeadline(() => repair(scope)).catch(() => undefined);
      return [...entries.values()];
    }
  }

  return {
    async ensureIndexes(): Promise<void> {
      // Read by `_id` only.
    },

    /** The empty index of a new organization (no backfill needed). */
    async createEmpty(orgId: string): Promise<void> {
      const buildName = newBuild();
      await chunks.insertOne({ _id: chunkId(orgId, buildName, 0), orgId, entries: {} });
      await heads.insertOne({ _id: orgId, orgId, build: buildName, k: 1, dirty: [] });
    },

    /** Step 1 of a change of a prompt's listed fields: mark it dirty. Returns the mark for `settle`. */
    async markDirty(scope: TenantScope, promptId: string): Promise<DirtyPrompt> {
      const mark: DirtyPrompt = { id: promptId, at: new Date() };
      await locked(scope.orgId, () =>
        heads.updateOne({ _id: scope.orgId }, { $push: { dirty: mark }, $setOnInsert: { orgId: scope.orgId, build: null, k: 0 } }, { upsert: true }),
      );
      return mark;
    },

    /** Step 3: the prompt's entry as its document now says, and its mark removed. */
    async settle(scope: TenantScope, mark: DirtyPrompt): Promise<void> {
      await locked(scope.orgId, async () => {
        const head = await readHead(scope);
        // Not built yet: the build reads the prompt, and drops the mark since its writer is done.
        if (!head?.build) {
          if (head) await heads.updateOne({ _id: head._id }, { $push: { settled: mark } as never });
          return;
        }
        const largest = await apply(scope.orgId, head.build, head.k, await readDocs([mark.id]));
        await heads.updateOne({ _id: head._id }, { $pullAll: { dirty: [{ id: mark.id, at: mark.at }] } });
        if (largest > MAX_CHUNK_ENTRIES) await resize({ ...head, build: head.build });
      });
    },

    all,
  };
}
export type PromptIndexRepository = ReturnType<typeof createPromptIndexRepository>;
