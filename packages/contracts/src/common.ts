import { z } from "zod";

/** Prompt ids are 6 alphanumerics, as Helicone's are (prompt partials can only name ids of this form). */
export const PROMPT_ID_PATTERN = /^[a-zA-Z0-9]{6}$/;

/** A newly generated prompt id. Lookups take {@link ZIdRef} instead: an id of another form is a 404, not a 400. */
export const ZPromptId = z.string().regex(PROMPT_ID_PATTERN, "must be 6 letters or digits");
export type TPromptId = z.infer<typeof ZPromptId>;

/**
 * An id used to look something up. Any non-empty string is accepted, because an id that does not exist in
 * the caller's organization answers 404 whatever its form; objects such as `{"$gt": ""}` are refused here.
 */
export const ZIdRef = z
  .string({ error: "must be a string id" })
  .trim()
  .min(1, "must not be empty")
  .max(128, "must be at most 128 characters");
export type TIdRef = z.infer<typeof ZIdRef>;

/**
 * An environment name such as `production`, `staging` or a custom one. Letters, digits, `_`, `-`, `.`: the
 * name must fit inside a prompt partial `{{hcp:<id>:<index>:<environment>}}`, so no `:` or braces.
 */
export const ZEnvironmentName = z
  .string({ error: "environment must be a string" })
  .trim()
  .min(1, "environment must not be empty")
  .max(64, "environment must be at most 64 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "environment must start with a letter or digit and hold only letters, digits, '_', '-' and '.'");
export type TEnvironmentName = z.infer<typeof ZEnvironmentName>;

/** The environment every prompt has from its first version on; it can be moved but never removed. */
export const PRODUCTION_ENVIRONMENT = "production";

/** ISO 8601 timestamp in UTC, as every response carries it. */
export const ZIsoDateTime = z.iso.datetime();

/**
 * The forms of the ids the server generates. Lookups accept any {@link ZIdRef} (an id of another form is
 * simply not found); these only tell whether a path segment could be an id at all, so that an unknown
 * endpoint (`POST /v1/prompt-2025/query/metrics`) answers 404 instead of matching `/:promptId/:versionId`.
 */
export const ID_SHAPES = {
  promptId: PROMPT_ID_PATTERN,
  versionId: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  keyId: /^key_[A-Za-z0-9_-]{12}$/,
} as const;

/** Most items one page holds, on every paged endpoint. */
export const MAX_PAGE_SIZE = 1000;

/** Most procedure calls one tRPC batch request may carry (the server refuses more; the client splits). */
export const MAX_TRPC_BATCH_SIZE = 50;

// Each check names its rule: in Zod 4 a schema-level `error` would otherwise be the message of every
// check too ("pageSize must be a number" for 5000).
/** Zero-based page number. */
export const ZPage = z
  .number({ error: "page must be a number" })
  .int("page must be a whole number")
  .min(0, "page must be 0 or more")
  .max(1_000_000, "page must be at most 1000000");
/** Page size; each list endpoint names its own default. */
export const ZPageSize = z
  .number({ error: "pageSize must be a number" })
  .int("pageSize must be a whole number")
  .min(1, "pageSize must be 1 or more")
  .max(MAX_PAGE_SIZE, `pageSize must be at most ${MAX_PAGE_SIZE}`);

export const ZPromptName = z
  .string({ error: "name must be a string" })
  .trim()
  .min(1, "name must not be empty")
  .max(200, "name must be at most 200 characters");

/** Tags as sent: stored trimmed, with empty ones dropped and duplicates removed (order kept). */
export const ZTagList = z
  .array(z.string({ error: "each tag must be a string" }).max(64, "a tag must be at most 64 characters"), {
    error: "tags must be an array of strings",
  })
  .max(50, "at most 50 tags");

export const ZCommitMessage = z
  .string({ error: "commitMessage must be a string" })
  .max(2000, "commitMessage must be at most 2000 characters");
