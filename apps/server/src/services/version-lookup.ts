import type { TEnvironmentPointer } from "@promptreg/contracts";
import type { PromptDoc, VersionDoc } from "../db/documents.js";
import type { LiveEntry } from "../db/environments.repository.js";
import type { Repositories, TenantScope } from "../db/index.js";
import { AppError, notFound } from "../errors.js";

export interface VisibleVersion {
  version: VersionDoc;
  prompt: PromptDoc;
}

/** Reads shared by the version and environment services: what "visible" means lives here only. */
export function createVersionLookup(repos: Repositories) {
  async function visiblePrompt(scope: TenantScope, promptId: string): Promise<PromptDoc> {
    const prompt = await repos.prompts.findVisible(scope, promptId);
    if (!prompt) throw notFound(`prompt ${promptId}`);
    return prompt;
  }

  /** A version of the caller's organization whose prompt is visible and which was not deleted. */
  async function visibleVersion(scope: TenantScope, versionId: string): Promise<VisibleVersion> {
    const version = await repos.versions.findById(scope, versionId);
    if (!version) throw notFound(`prompt version ${versionId}`);
    const prompt = await repos.prompts.findVisible(scope, version.promptId);
    if (!prompt || prompt.hiddenVersionIds.includes(version._id)) throw notFound(`prompt version ${versionId}`);
    return { version, prompt };
  }

  /** As visibleVersion, and it must belong to `promptId` (a version of another prompt is refused). */
  async function versionOfPrompt(scope: TenantScope, promptId: string, versionId: string): Promise<VisibleVersion> {
    const found = await visibleVersion(scope, versionId);
    if (found.version.promptId !== promptId) {
      await visiblePrompt(scope, promptId);
      throw new AppError("BAD_REQUEST", `prompt version ${versionId} belongs to another prompt, not to ${promptId}`);
    }
    return found;
  }

  /**
   * The prompt's live pointers in name order (`except` left out): read by `_id` when the prompt lists its
   * environment names (any query but by `_id` scans every pointer of the registry on the embedded
   * database), by query for prompts created before it did.
   */
  async function pointersOf(scope: TenantScope, prompt: PromptDoc, except?: string): Promise<TEnvironmentPointer[]> {
    return (await livePointersOf(scope, prompt, except)).map((live) => live.pointer);
  }

  /** As pointersOf, with each environment's latest rollout. */
  async function livePointersOf(scope: TenantScope, prompt: PromptDoc, except?: string): Promise<LiveEntry[]> {
    if (prompt.environments === undefined) {
      const all = await repos.environments.liveForPrompt(scope, prompt._id);
      return except === undefined ? all : all.filter((live) => live.pointer.environment !== except);
    }
    return repos.environments.liveMany(scope, prompt._id, prompt.environments.filter((e) => e !== except));
  }

  /** The environments that point at `versionId` now, in name order. */
  async function environmentsOf(scope: TenantScope, prompt: PromptDoc, versionId: string): Promise<string[]> {
    return (await pointersOf(scope, prompt)).filter((p) => p.versionId === versionId).map((p) => p.environment);
  }

  /** The environments whose active rollout has `versionId` as its candidate, in name order. */
  async function rolloutsOf(scope: TenantScope, prompt: PromptDoc, versionId: string): Promise<string[]> {
    const live = await livePointersOf(scope, prompt);
    return live.filter((l) => l.rollout?.status === "active" && l.rollout.candidateVersionId === versionId).map((l) => l.pointer.environment);
  }

  return { visiblePrompt, visibleVersion, versionOfPrompt, pointersOf, environmentsOf, rolloutsOf };
}
export type VersionLookup = ReturnType<typeof createVersionLookup>;
