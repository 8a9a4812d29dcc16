import {
  PRODUCTION_ENVIRONMENT,
  type TCreatePromptInput,
  type TCreatePromptOutput,
  type TListPromptsInput,
  type TListPromptsOutput,
  type TListPromptSummariesInput,
  type TListPromptSummariesOutput,
  type TPromptSummary,
  type TVersionNumberRef,
  type TPrompt,
  type TRenamePromptInput,
  type TSetTagsInput,
} from "@promptreg/contracts";
import type { DirtyPrompt, PromptDoc, VersionDoc } from "../db/documents.js";
import { isDuplicateKeyError, type Repositories } from "../db/index.js";
import { escapeRegExp, toPrompt } from "../db/prompts.repository.js";
import { AppError, notFound } from "../errors.js";
import type { EnvironmentsService } from "./environments.service.js";
import type { DeploymentEvents } from "./events.js";
import { generatePromptId, generateVersionId } from "./ids.js";
import { requireRole } from "./permissions.js";
import { announcePromptChange } from "./prompt-changes.js";
import type { RequestScope } from "./scope.js";
import { normalizeTags } from "./tags.js";
import { analyzeBodyForStorage } from "./template-analysis.js";
import { toPromptVersion } from "../db/versions.repository.js";
import type { VersionLookup } from "./version-lookup.js";

export const FIRST_COMMIT_MESSAGE = "First version.";

/** A list query; `sort` defaults to newest first (REST callers know no other order). */
type PromptListInput = Omit<TListPromptsInput, "sort"> & { sort?: TListPromptsInput["sort"] | undefined };

/** Prompts whose creation has not finished after this long died half-way and are swept. */
const ABANDONED_AFTER_MS = 10 * 60_000;

export function createPromptsService(
  repos: Repositories,
  lookup: VersionLookup,
  environments: EnvironmentsService,
  events: DeploymentEvents,
) {
  /**
   * The prompt's list entry follows its document. Should this fail, the change is stored and the prompt
   * stays marked: readers take its entry from the document until a later reader settles it.
   */
  const settle = (scope: RequestScope, mark: DirtyPrompt) => repos.promptIndex.settle(scope, mark).catch(() => undefined);

  /** A change of what the prompt list shows (name, tags, deletion): marked first, settled after. */
  async function listedChange<T>(scope: RequestScope, promptId: string, change: () => Promise<T>): Promise<T> {
    const mark = await repos.promptIndex.markDirty(scope, promptId);
    try {
      return await change();
    } finally {
      await settle(scope, mark);
    }
  }

  /**
   * A page of the organization's prompts, and how many match. Newest first and by name come from the prompt
   * index (reads by `_id`: flat at any registry size, see prompt-index.repository.ts); by last change only
   * the prompts themselves know (it moves with every version and deployment), so that order is a query.
   * `search` is a case-insensitive substring of the name, or a prompt's whole id; `tags` any of the tags.
   */
  async function listPage(scope: RequestScope, input: PromptListInput): Promise<{ ids: string[]; entries: TPrompt[]; total: number }> {
    const search = input.search?.trim() || undefined;
    // Written as tags are stored (trimmed, de-duplicated), so a filter spelled as the tags were sent finds them.
    const tagList = input.tags && input.tags.length > 0 ? normalizeTags(input.tags) : undefined;
    const skip = input.page * input.pageSize;
    if (input.sort === "updated") {
      const { items, total } = await repos.prompts.list(scope, { search, tags: tagList, sort: "updated", skip, limit: input.pageSize });
      return { ids: items.map((d) => d._id), entries: items.map(toPrompt), total };
    }
    const pattern = search ? new RegExp(escapeRegExp(search), "i") : undefined;
    const tags = tagList && new Set(tagList);
    const byName = input.sort === "name";
    const matching = (await repos.promptIndex.all(scope))
      .filter((p) => (!search || p.id === search || pattern!.test(p.name)) && (!tags || p.tags.some((t) => tags.has(t))))
      .sort((a, b) =>
        byName
          ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
          : b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
      );
    const page = matching.slice(skip, skip + input.pageSize);
    return { ids: page.map((p) => p.id), entries: page.map((p) => ({ id: p.id, name: p.name, tags: p.tags, createdAt: p.createdAt.toISOString() })), total: matching.length };
  }

  /**
   * What a prompt list shows of one prompt: its version count and newest version (from the version index),
   * its pointers and the numbers of the versions they name (all reads by `_id`).
   */
  async function summarize(scope: RequestScope, doc: PromptDoc): Promise<TPromptSummary> {
    const [{ count }, [newest], pointers] = await Promise.all([
      repos.versionIndex.totals(scope, doc),
      repos.versionIndex.list(scope, doc, { skip: 0, limit: 1 }),
      lookup.pointersOf(scope, doc),
    ]);
    const numbers = new Map<string, TVersionNumberRef>();
    if (newest) numbers.set(newest.id, { id: newest.id, majorVersion: newest.major, minorVersion: newest.minor });
    await Promise.all(
      [...new Set(pointers.map((p) => p.versionId))]
        .filter((id) => !numbers.has(id))
        .map(async (id) => {
          const number = await repos.versions.numberOf(scope, id);
          if (number) numbers.set(id, { id, majorVersion: number.major, minorVersion: number.minor });
        }),
    );
    const environments = pointers
      .filter((p) => numbers.has(p.versionId))
      .sort((a, b) => Number(b.environment === PRODUCTION_ENVIRONMENT) - Number(a.environment === PRODUCTION_ENVIRONMENT) || a.environment.localeCompare(b.environment))
      .map((p) => ({ environment: p.environment, version: numbers.get(p.versionId)! }));
    // Prompts stored before updatedAt existed: the latest of what is known of them.
    const known = [doc.createdAt.getTime(), newest?.createdAt.getTime() ?? 0, ...pointers.map((p) => Date.parse(p.updatedAt))];
    const updatedAt = doc.updatedAt ?? new Date(Math.max(...known));
    return {
      ...toPrompt(doc),
      updatedAt: updatedAt.toISOString(),
      versionCount: count,
      latestVersion: newest ? {
        id: newest.id,
        majorVersion: newest.major,
        minorVersion: newest.minor,
        commitMessage: newest.commitMessage,
        model: newest.model,
        createdAt: newest.createdAt.toISOString(),
      } : null,
      environments,
    };
  }

  return {
    /**
     * Creates the prompt, its version 1.0 and the production pointer. Without transactions, the prompt is
     * written first as `pending` (invisible), and only becomes visible once the rest is stored: a creation
     * that fails half-way leaves nothing anyone can see, and the sweeper removes its leftovers.
     */
    async create(scope: RequestScope, input: TCreatePromptInput): Promise<TCreatePromptOutput> {
      // Its 1.0 goes to production however production is protected: a new prompt serves no one yet.
      requireRole(scope, "member", "create prompts");
      const analysis = analyzeBodyForStorage(input.body);
      const now = new Date();
      let prompt: PromptDoc | undefined;
      for (let attempt = 0; attempt < 8 && !prompt; attempt++) {
        const candidate: PromptDoc = {
          _id: generatePromptId(),
          orgId: scope.orgId,
          name: input.name,
          tags: normalizeTags(input.tags ?? []),
          createdAt: now,
          updatedAt: now,
          state: "pending",
          deletedAt: null,
          versionSeq: 1,
          hiddenVersionIds: [],
          environments: [PRODUCTION_ENVIRONMENT],
        };
        try {
          await repos.prompts.insertPending(candidate);
          prompt = candidate;
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
        }
      }
      if (!prompt) throw new AppError("CONFLICT", "could not allocate a prompt id; try again");

      const version: VersionDoc = {
        _id: generateVersionId(),
        orgId: scope.orgId,
        promptId: prompt._id,
        major: 1,
        minor: 0,
        seq: 1,
        commitMessage: FIRST_COMMIT_MESSAGE,
        model: input.body.model,
        body: JSON.stringify(input.body),
        variables: analysis.variables,
        partials: analysis.partials,
        metadata: null,
        experimentId: null,
        createdAt: now,
        createdByKeyId: scope.keyId,
      };
      try {
        await repos.versions.insert(version);
        await repos.versionIndex.createForNewPrompt(scope, prompt._id, version);
        await environments.movePointer(scope, prompt._id, PRODUCTION_ENVIRONMENT, version, { recorded: true });
        const mark = await repos.promptIndex.markDirty(scope, prompt._id);
        await repos.prompts.activate(scope, prompt._id);
        await settle(scope, mark);
      } catch (error) {
        await discardAbandoned(repos, scope, prompt._id).catch(() => undefined);
        throw error;
      }
      await announcePromptChange(repos, events, scope, { promptId: prompt._id, action: "prompt-created", versionId: null });
      return { prompt: toPrompt({ ...prompt, state: "active" }), version: toPromptVersion(version, [PRODUCTION_ENVIRONMENT]) };
    },

    /** A page of prompts; see listPage for the orders and filters. */
    async list(scope: RequestScope, input: PromptListInput): Promise<TListPromptsOutput> {
      requireRole(scope, "member", "list prompts");
      const { entries, total } = await listPage(scope, input);
      return { items: entries, total, page: input.page, pageSize: input.pageSize };
    },

    /** A page of prompts, each with its newest version, version count, environments and last change. */
    async listSummaries(scope: RequestScope, input: TListPromptSummariesInput): Promise<TListPromptSummariesOutput> {
      requireRole(scope, "member", "list prompts");
      const { ids, total } = await listPage(scope, input);
      // By `_id`; a prompt deleted since the page was read is left out.
      const docs = await Promise.all(
        ids.map((id) =>
          lookup.visiblePrompt(scope, id).catch((error: unknown) => {
            if (error instanceof AppError && error.code === "NOT_FOUND") return null;
            throw error;
          }),
        ),
      );
      const items = await Promise.all(docs.filter((d): d is PromptDoc => d !== null).map((doc) => summarize(scope, doc)));
      return { items, total, page: input.page, pageSize: input.pageSize };
    },

    async byId(scope: RequestScope, promptId: string): Promise<TPrompt> {
      // Not a prompt fetch (that is an environment's or a version's): a runtime key reads only those.
      requireRole(scope, "member", "read prompts");
      return toPrompt(await lookup.visiblePrompt(scope, promptId));
    },

    async rename(scope: RequestScope, input: TRenamePromptInput): Promise<void> {
      requireRole(scope, "member", "rename prompts");
      if (!(await listedChange(scope, input.promptId, () => repos.prompts.rename(scope, input.promptId, input.name)))) throw notFound(`prompt ${input.promptId}`);
      await announcePromptChange(repos, events, scope, { promptId: input.promptId, action: "prompt-updated", versionId: null });
    },

    async setTags(scope: RequestScope, input: TSetTagsInput): Promise<string[]> {
      requireRole(scope, "member", "change tags");
      const tags = normalizeTags(input.tags);
      if (!(await listedChange(scope, input.promptId, () => repos.prompts.setTags(scope, input.promptId, tags)))) throw notFound(`prompt ${input.promptId}`);
      await announcePromptChange(repos, events, scope, { promptId: input.promptId, action: "prompt-updated", versionId: null });
      return tags;
    },

    /** Soft delete: the prompt and its versions leave every listing and lookup; nothing is erased. */
    async remove(scope: RequestScope, promptId: string): Promise<void> {
      requireRole(scope, "deployer", "delete prompts");
      if (!(await listedChange(scope, promptId, () => repos.prompts.markDeleted(scope, promptId)))) throw notFound(`prompt ${promptId}`);
      // Announced after the environments are marked too, so a replica reloading on it sees them gone; and
      // announced even if that fails, since the prompt itself is gone.
      try {
        await repos.environments.markPromptDeleted(scope, promptId);
      } finally {
        await announcePromptChange(repos, events, scope, { promptId, action: "prompt-deleted", versionId: null });
      }
    },

    async tags(scope: RequestScope): Promise<string[]> {
      requireRole(scope, "member", "list tags");
      const tags = new Set((await repos.promptIndex.all(scope)).flatMap((p) => p.tags));
      return [...tags].sort((a, b) => a.localeCompare(b));
    },

    async count(scope: RequestScope): Promise<number> {
      requireRole(scope, "member", "count prompts");
      return (await repos.promptIndex.all(scope)).length;
    },

    /** Removes what creations that died half-way left behind (they were never visible). */
    async sweepAbandoned(now = new Date()): Promise<number> {
      const abandoned = await repos.prompts.findAbandoned(new Date(now.getTime() - ABANDONED_AFTER_MS));
      for (const { id, orgId } of abandoned) await discardAbandoned(repos, { orgId }, id);
      return abandoned.length;
    },
  };
}

async function discardAbandoned(repos: Repositories, scope: { orgId: string }, promptId: string): Promise<void> {
  await repos.environments.deleteOfAbandonedPrompt(scope, promptId);
  await repos.pointerCopies.deleteOfAbandonedPrompt(scope, promptId);
  await repos.versionIndex.removeOfAbandonedPrompt(scope, promptId);
  await repos.versions.deleteOfAbandonedPrompt(scope, promptId);
  await repos.prompts.deletePending(scope, promptId);
}
export type PromptsService = ReturnType<typeof createPromptsService>;
