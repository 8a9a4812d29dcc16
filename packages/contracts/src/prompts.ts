import { z } from "zod";
import { ZIdRef, ZIsoDateTime, ZPage, ZPageSize, ZPromptName, ZTagList } from "./common.js";
import { ZPromptBody } from "./prompt-body.js";
import { ZPromptVersion } from "./versions.js";

/** A prompt: a named, tagged series of immutable versions. */
export const ZPrompt = z.object({
  id: z.string(),
  name: z.string(),
  tags: z.array(z.string()),
  createdAt: ZIsoDateTime,
});
export type TPrompt = z.infer<typeof ZPrompt>;

/** Creates a prompt with version 1.0 (commit "First version.") and points `production` at it. */
export const ZCreatePromptInput = z.object({
  name: ZPromptName,
  tags: ZTagList.optional(),
  body: ZPromptBody,
});
export type TCreatePromptInput = z.infer<typeof ZCreatePromptInput>;

export const ZCreatePromptOutput = z.object({ prompt: ZPrompt, version: ZPromptVersion });
export type TCreatePromptOutput = z.infer<typeof ZCreatePromptOutput>;

export const DEFAULT_PROMPT_PAGE_SIZE = 100;

/**
 * The order of a prompt list: `created`, newest first (the default); `updated`, the most recently changed
 * first (a version created or deleted, a deployment, a rename, new tags); `name`, A to Z by character code.
 */
export const ZPromptSort = z.enum(["created", "updated", "name"], { error: 'sort must be "created", "updated" or "name"' });
export type TPromptSort = z.infer<typeof ZPromptSort>;

/**
 * `search` is literal text matched case-insensitively in the name, or a prompt's id (whole, as written);
 * `tags` matches any tag.
 */
export const ZListPromptsInput = z.object({
  search: z.string().max(200).optional(),
  tags: z.array(z.string().max(64)).max(50).optional(),
  sort: ZPromptSort.default("created"),
  page: ZPage.default(0),
  pageSize: ZPageSize.default(DEFAULT_PROMPT_PAGE_SIZE),
});
export type TListPromptsInput = z.infer<typeof ZListPromptsInput>;

export const ZListPromptsOutput = z.object({
  items: z.array(ZPrompt),
  page: z.number().int(),
  pageSize: z.number().int(),
  total: z.number().int(),
});
export type TListPromptsOutput = z.infer<typeof ZListPromptsOutput>;

export const ZPromptRef = z.object({ promptId: ZIdRef });
export type TPromptRef = z.infer<typeof ZPromptRef>;

export const ZRenamePromptInput = z.object({ promptId: ZIdRef, name: ZPromptName });
export type TRenamePromptInput = z.infer<typeof ZRenamePromptInput>;

export const ZSetTagsInput = z.object({ promptId: ZIdRef, tags: ZTagList });
export type TSetTagsInput = z.infer<typeof ZSetTagsInput>;

export const ZTagsOutput = z.array(z.string());
export const ZCountOutput = z.number().int();

/** A version as a prompt list names it. */
export const ZVersionNumberRef = z.object({
  id: z.string(),
  majorVersion: z.number().int(),
  minorVersion: z.number().int(),
});
export type TVersionNumberRef = z.infer<typeof ZVersionNumberRef>;

/** A prompt with what a list of prompts shows of it: its newest version, how many, where it is deployed. */
export const ZPromptSummary = ZPrompt.extend({
  /** Its last change: a version created or deleted, a deployment, a rename or new tags. */
  updatedAt: ZIsoDateTime,
  /** Versions not deleted. */
  versionCount: z.number().int(),
  /** The most recently created version (null only while none is visible). */
  latestVersion: ZVersionNumberRef.extend({ commitMessage: z.string(), model: z.string(), createdAt: ZIsoDateTime }).nullable(),
  /** Each environment and the version it serves, production first, then by name. */
  environments: z.array(z.object({ environment: z.string(), version: ZVersionNumberRef })),
});
export type TPromptSummary = z.infer<typeof ZPromptSummary>;

export const MAX_PROMPT_SUMMARY_PAGE_SIZE = 100;

/** As ZListPromptsInput; pages of at most 100, since each prompt's summary takes a few reads. */
export const ZListPromptSummariesInput = ZListPromptsInput.extend({
  pageSize: ZPageSize.max(MAX_PROMPT_SUMMARY_PAGE_SIZE, `pageSize must be at most ${MAX_PROMPT_SUMMARY_PAGE_SIZE}`).default(20),
});
export type TListPromptSummariesInput = z.infer<typeof ZListPromptSummariesInput>;

export const ZListPromptSummariesOutput = ZListPromptsOutput.extend({ items: z.array(ZPromptSummary) });
export type TListPromptSummariesOutput = z.infer<typeof ZListPromptSummariesOutput>;
