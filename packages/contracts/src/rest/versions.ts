import { z } from "zod";
import { ZCommitMessage, ZEnvironmentName, ZIdRef, ZIsoDateTime, ZPage, ZPageSize } from "../common.js";
import { ZPromptBody } from "../prompt-body.js";
import { ZPromptPartialRef, ZTemplateVariable } from "../template.js";

/** A version's metadata as Helicone's API answers it; `s3_url` is our signed, expiring body URL. */
export const ZRestPromptVersion = z.object({
  id: z.string(),
  prompt_id: z.string(),
  model: z.string(),
  major_version: z.number().int(),
  minor_version: z.number().int(),
  commit_message: z.string(),
  environments: z.array(z.string()),
  created_at: ZIsoDateTime,
  s3_url: z.string(),
  /** Extension: the variables the body needs. */
  variables: z.array(ZTemplateVariable),
  /** Extension: the prompt partials the body uses. */
  partials: z.array(ZPromptPartialRef),
});
export type TRestPromptVersion = z.infer<typeof ZRestPromptVersion>;

/** The `/v2/...` answers: metadata plus the body. */
export const ZRestPromptVersionWithBody = ZRestPromptVersion.extend({ prompt_body: ZPromptBody });
export type TRestPromptVersionWithBody = z.infer<typeof ZRestPromptVersionWithBody>;

/** `POST /v1/prompt-2025/update`: a new version based on `promptVersionId`. */
export const ZRestCreateVersionRequest = z.object({
  promptId: ZIdRef,
  promptVersionId: ZIdRef,
  newMajorVersion: z.boolean({ error: "newMajorVersion must be a boolean" }).optional(),
  environment: ZEnvironmentName.optional(),
  commitMessage: ZCommitMessage.optional(),
  promptBody: ZPromptBody,
});
export const ZRestCreateVersionData = z.object({ id: z.string() });

/** `POST /v1/prompt-2025/query/versions`; `page`/`pageSize` are our extension. */
export const ZRestQueryVersionsRequest = z.object({
  promptId: ZIdRef,
  majorVersion: z.number().int().min(0).optional(),
  /** Paging is our extension: without `page` and `pageSize` every version is answered, as Helicone does. */
  page: ZPage.optional(),
  pageSize: ZPageSize.optional(),
});

/** `POST /v1/prompt-2025/query/version` and `/v2/...` */
export const ZRestVersionRefRequest = z.object({ promptVersionId: ZIdRef });

/** `POST /v1/prompt-2025/query/total-versions`, `.../production-version` */
export const ZRestPromptRefRequest = z.object({ promptId: ZIdRef });

export const ZRestTotalVersionsData = z.object({
  totalVersions: z.number().int(),
  majorVersions: z.number().int(),
});

/** `POST /v1/prompt/version/{promptVersionId}/subversion` (legacy). The template may come as a JSON string. */
export const ZRestSubversionRequest = z.object({
  newHeliconeTemplate: z.union([z.string(), z.record(z.string(), z.unknown())], {
    error: "newHeliconeTemplate must be an object or a JSON string",
  }),
  isMajorVersion: z.boolean().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  experimentId: z.string().max(128).optional(),
  bumpForMajorPromptVersionId: ZIdRef.optional(),
});

export const ZRestSubversionData = z.object({
  id: z.string(),
  minor_version: z.number().int(),
  major_version: z.number().int(),
  prompt_v2: z.string(),
  model: z.string(),
  helicone_template: z.string(),
  created_at: ZIsoDateTime,
  metadata: z.record(z.string(), z.unknown()),
  experiment_id: z.string().nullable(),
});
