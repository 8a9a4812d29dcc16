// Contract (camelCase) objects to Helicone's snake_case wire shapes.
import type { TPrompt, TPromptVersion } from "@promptreg/contracts";
import type { TRestPrompt, TRestPromptVersion } from "@promptreg/contracts/rest";
import type { VersionAnswer } from "../resolution/index.js";
import type { Services } from "../services/index.js";
import { RawJson } from "./route.js";

export const toRestPrompt = (p: TPrompt): TRestPrompt => ({
  id: p.id,
  name: p.name,
  tags: p.tags,
  created_at: p.createdAt,
});

export function toRestVersion(v: TPromptVersion, services: Services, baseUrl: string): TRestPromptVersion {
  return {
    id: v.id,
    prompt_id: v.promptId,
    model: v.model,
    major_version: v.majorVersion,
    minor_version: v.minorVersion,
    commit_message: v.commitMessage,
    environments: v.environments,
    created_at: v.createdAt,
    s3_url: services.bodyUrls.sign(baseUrl, v.id),
    variables: v.variables,
    partials: v.partials,
  };
}

/**
 * The `/v2` answers: a version's metadata with its body, `ZRestPromptVersionWithBody`. The body is spliced
 * in as the JSON text it was stored as: no parse and re-serialisation of a possibly large template on
 * every fetch.
 */
export function toRestVersionWithBody(answer: VersionAnswer, services: Services, baseUrl: string): RawJson {
  const meta = JSON.stringify(toRestVersion(answer.version, services, baseUrl));
  return new RawJson(`${meta.slice(0, -1)},"prompt_body":${answer.bodyJson}}`);
}
