// Which cached pointer a request asks for, and its key in the cache. The gateway's rule: `environment`
// if given, else `version_id`, else production.
//
// Rollouts (a canary behind one environment, API.md) add one step after this one: the environment's
// pointer then holds a split (stable, candidate, weight), and the version is chosen per subject,
// deterministically, between `resolve` and `compile` in `PromptManager.getPromptBody` (index.ts). The
// selection and its key stay what they are here: the split is a property of the pointer, not of the key.
import { DEFAULT_ENVIRONMENT } from "@promptreg/template";
import type { PromptBodyRequest } from "./types.js";

export type Selection =
  | { kind: "environment"; promptId: string; environment: string }
  | { kind: "version"; promptId: string; versionId: string };

/** Environment keys cannot start with "@" (registry charset), so version keys never collide with them. */
export const environmentKey = (promptId: string, environment: string) => `${promptId}\n${environment}`;
const versionKey = (promptId: string, versionId: string) => `${promptId}\n@${versionId}`;
export const keyOf = (s: Selection) => (s.kind === "environment" ? environmentKey(s.promptId, s.environment) : versionKey(s.promptId, s.versionId));
/** Whether a cache key belongs to `promptId`. */
export const isKeyOf = (key: string, promptId: string) => key.startsWith(`${promptId}\n`);

function optionalName(request: PromptBodyRequest, field: "environment" | "version_id"): string | undefined {
  const value = request[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.trim() === "") throw new TypeError(`${field} must be a non-empty string`);
  return value;
}

/** Selection as the gateway makes it: environment if given, else version_id, else production. */
export function selectionOf(request: PromptBodyRequest): Selection {
  const promptId = request.prompt_id;
  if (typeof promptId !== "string" || promptId.trim() === "") throw new TypeError("prompt_id must be a non-empty string");
  const environment = optionalName(request, "environment");
  if (environment !== undefined) return { kind: "environment", promptId, environment };
  const versionId = optionalName(request, "version_id");
  if (versionId !== undefined) return { kind: "version", promptId, versionId };
  return { kind: "environment", promptId, environment: DEFAULT_ENVIRONMENT };
}

export function describeSelection(s: Selection): string {
  return s.kind === "environment" ? `environment ${s.environment} of prompt ${s.promptId}` : `version ${s.versionId} of prompt ${s.promptId}`;
}
