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
import type { PromptDoc, VersionDoc } from "../db/documents.js";
import { isDuplicateKeyError, type Repositories } from "../db/index.js";
import { toPrompt } from "../db/prompts.repository.js";
import { AppError, notFound } from "../errors.js";
import type { EnvironmentsService } from "./environments.service.js";
import type { DeploymentEvents } from "./events.js";
import { generatePromptId, generateVersionId } from "./ids.js";
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
  function listDocs(scope: RequestScope, input: PromptListInput) {
    const search = input.search?.trim();
    return repos.prompts.list(scope, {
      search: search || undefined,
      // Written as tags are stored (trimmed, de-duplicated), so a filter spelled as the tags were sent finds them.
      tags: input.tags && normalizeTags(input.tags),
      sort: input.sort,
      skip: input.page * input.pageSize,
      limit: input.pageSize,
    });
  }

  /**
   * What a prompt list shows of one prompt: a count and the newest version (two queries), its pointers and
   * the numbers of the versions they name (reads by `_id`).
   */
  async function summarize(scope: RequestScope, doc: PromptDoc): Promise<TPromptSummary> {
    const [{ count, newest }, pointers] = await Promise.all([
      repos.versions.countAndNewest(scope, doc._id, doc.hiddenVersionIds),
      lookup.pointersOf(scope, doc),
    ]);
    const numbers = new Map<string, TVersionNumberRef>();
    if (newest) numbers.set(newest._id, { id: newest._id, majorVersion: newest.major, minorVersion: newest.minor });
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
      latestVersion: newest && {
        id: newest._id,
        majorVersion: newest.major,
        minorVersion: newest.minor,
        commitMessage: newest.commitMessage,
        model: newest.model,
        createdAt: newest.createdAt.toISOString(),
      },
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
        await environments.movePointer(scope, prompt._id, PRODUCTION_ENVIRONMENT, version, { recorded: true });
        await repos.prompts.activate(scope, prompt._id);
      } catch (error) {
        await discardAbandoned(repos, scope, prompt._id).catch(() => undefined);
        throw error;
      }
      await announcePromptChange(repos, events, scope, { promptId: prompt._id, action: "prompt-created", versionId: null });
      return { prompt: toPrompt({ ...prompt, state: "active" }), version: toPromptVersion(version, [PRODUCTION_ENVIRONMENT]) };
    },

    async list(scope: RequestScope, input: PromptListInput): Promise<TListPromptsOutput> {
      const { items, total } = await listDocs(scope, input);
      return { items: items.map(toPrompt), total, page: input.page, pageSize: input.pageSize };
    },

    /** A page of prompts, each with its newest version, version count, environments and last change. */
    async listSummaries(scope: RequestScope, input: TListPromptSummariesInput): Promise<TListPromptSummariesOutput> {
      const { items, total } = await listDocs(scope, input);
      return { items: await Promise.all(items.map((doc) => summarize(scope, doc))), total, page: input.page, pageSize: input.pageSize };
    },

    async byId(scope: RequestScope, promptId: string): Promise<TPrompt> {
      return toPrompt(await lookup.visiblePrompt(scope, promptId));
    },

    async rename(scope: RequestScope, input: TRenamePromptInput): Promise<void> {
      if (!(await repos.prompts.rename(scope, input.promptId, input.name))) throw notFound(`prompt ${input.promptId}`);
      await announcePromptChange(repos, events, scope, { promptId: input.promptId, action: "prompt-updated", versionId: null });
    },

    async setTags(scope: RequestScope, input: TSetTagsInput): Promise<string[]> {
      const tags = normalizeTags(input.tags);
      if (!(await repos.prompts.setTags(scope, input.promptId, tags))) throw notFound(`prompt ${input.promptId}`);
      await announcePromptChange(repos, events, scope, { promptId: input.promptId, action: "prompt-updated", versionId: null });
      return tags;
    },

    /** Soft delete: the prompt and its versions leave every listing and lookup; nothing is erased. */
    async remove(scope: RequestScope, promptId: string): Promise<void> {
      if (!(await repos.prompts.markDeleted(scope, promptId))) throw notFound(`prompt ${promptId}`);
      // Announced after the environments are marked too, so a replica reloading on it sees them gone; and
      // announced even if that fails, since the prompt itself is gone.
      try {
        await repos.environments.markPromptDeleted(scope, promptId);
      } finally {
        await announcePromptChange(repos, events, scope, { promptId, action: "prompt-deleted", versionId: null });
      }
    },

    async tags(scope: RequestScope): Promise<string[]> {
      return repos.prompts.distinctTags(scope);
    },

    async count(scope: RequestScope): Promise<number> {
      return repos.prompts.count(scope);
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
  await repos.versions.deleteOfAbandonedPrompt(scope, promptId);
  await repos.prompts.deletePending(scope, promptId);
}
export type PromptsService = ReturnType<typeof createPromptsService>;
