import { z } from "zod";
import { ZCommitMessage, ZEnvironmentName, ZIdRef, ZIsoDateTime, ZPage, ZPageSize } from "./common.js";
import { ZPromptBody } from "./prompt-body.js";
import { ZPromptPartialRef, ZTemplateVariable } from "./template.js";

/** Version metadata: numbering, commit message, and the environments that point at it now. */
export const ZPromptVersion = z.object({
  id: z.string(),
  promptId: z.string(),
  model: z.string(),
  majorVersion: z.number().int(),
  minorVersion: z.number().int(),
  commitMessage: z.string(),
  environments: z.array(z.string()),
  createdAt: ZIsoDateTime,
  /** Variables the body uses, so callers know which inputs it needs. */
  variables: z.array(ZTemplateVariable),
  /** Prompt partials the body uses. */
  partials: z.array(ZPromptPartialRef),
});
export type TPromptVersion = z.infer<typeof ZPromptVersion>;

export const ZPromptVersionWithBody = ZPromptVersion.extend({ body: ZPromptBody });
export type TPromptVersionWithBody = z.infer<typeof ZPromptVersionWithBody>;

/**
 * Creates a version from `baseVersionId`: a minor bump gives M.(highest minor in M + 1) where M is the base's
 * major; a major bump gives (highest major + 1).0. Deployed to `environment` when given.
 */
export const ZCreateVersionInput = z.object({
  promptId: ZIdRef,
  baseVersionId: ZIdRef,
  bump: z.enum(["minor", "major"]).default("minor"),
  commitMessage: ZCommitMessage.default(""),
  body: ZPromptBody,
  environment: ZEnvironmentName.optional(),
});
export type TCreateVersionInput = z.infer<typeof ZCreateVersionInput>;

export const DEFAULT_VERSION_PAGE_SIZE = 1000;

/** Newest first by creation time, ties in creation order; optionally one major only. */
export const ZListVersionsInput = z.object({
  promptId: ZIdRef,
  majorVersion: z.number().int().min(0).optional(),
  page: ZPage.default(0),
  pageSize: ZPageSize.default(DEFAULT_VERSION_PAGE_SIZE),
});
export type TListVersionsInput = z.infer<typeof ZListVersionsInput>;

export const ZVersionRef = z.object({ versionId: ZIdRef });
export type TVersionRef = z.infer<typeof ZVersionRef>;

export const ZDeleteVersionInput = z.object({ promptId: ZIdRef, versionId: ZIdRef });
export type TDeleteVersionInput = z.infer<typeof ZDeleteVersionInput>;

export const ZVersionTotals = z.object({
  totalVersions: z.number().int(),
  majorVersions: z.number().int(),
});
export type TVersionTotals = z.infer<typeof ZVersionTotals>;
