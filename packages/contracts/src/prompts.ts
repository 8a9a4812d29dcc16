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

/** Newest first. `search` is literal text matched case-insensitively in the name; `tags` matches any tag. */
export const ZListPromptsInput = z.object({
  search: z.string().max(200).optional(),
  tags: z.array(z.string().max(64)).max(50).optional(),
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
