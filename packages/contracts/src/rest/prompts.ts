import { z } from "zod";
import { ZIsoDateTime, ZPage, ZPageSize, ZPromptName, ZTagList } from "../common.js";
import { ZPromptBody } from "../prompt-body.js";

/** `POST /v1/prompt-2025` */
export const ZRestCreatePromptRequest = z.object({
  name: ZPromptName,
  tags: ZTagList.optional(),
  promptBody: ZPromptBody,
});
export const ZRestCreatePromptData = z.object({ id: z.string(), versionId: z.string() });

/** `POST /v1/prompt-2025/query`; pages start at 0. */
export const ZRestQueryPromptsRequest = z.object({
  search: z.string().max(200).optional(),
  tagsFilter: z.array(z.string().max(64)).max(50).optional(),
  page: ZPage.optional(),
  pageSize: ZPageSize.optional(),
});

/** A prompt as Helicone's API answers it. */
export const ZRestPrompt = z.object({
  id: z.string(),
  name: z.string(),
  tags: z.array(z.string()),
  created_at: ZIsoDateTime,
});
export type TRestPrompt = z.infer<typeof ZRestPrompt>;

/** `POST /v1/prompt-2025/id/{promptId}/rename` */
export const ZRestRenameRequest = z.object({ name: ZPromptName });

/** `PATCH /v1/prompt-2025/id/{promptId}/tags` */
export const ZRestSetTagsRequest = z.object({ tags: ZTagList });
