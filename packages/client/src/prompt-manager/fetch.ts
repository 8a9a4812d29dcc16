// What the manager asks the server for a selection. Transport: the REST endpoints (API.md), not tRPC:
// `/v2/.../environment-version` answers metadata and body in one round trip on a cold miss;
// `/v1/.../environment-version` (metadata only) revalidates a pointer without downloading a body we
// already hold. REST keeps the manager free of the tRPC runtime, so a browser bundle that only uses the
// manager stays small.
import type { TRestPromptVersion } from "@promptreg/contracts/rest";
import { PromptregApiError } from "../errors.js";
import type { RestClient } from "../rest.js";
import type { PromptCache, Split, VersionEntry } from "./cache.js";
import { describeSelection, type Selection } from "./selection.js";

export interface Fetched {
  version: VersionEntry;
  bodyFetched: boolean;
  /** The environment's active rollout (null: none, or a version selection, or rollouts off). */
  split: Split | null;
}

/**
 * The version a selection points at now, and for an environment its active rollout. A cold prompt costs
 * one request (metadata with body), plus the rollout's, asked at the same time; otherwise metadata only,
 * plus the body when this version was never held (the candidate's too).
 */
export async function fetchSelection(rest: RestClient, cache: PromptCache, selection: Selection, rollouts: boolean): Promise<Fetched> {
  if (selection.kind !== "environment" || !rollouts) return { ...(await fetchVersion(rest, cache, selection)), split: null };
  const [fetched, rollout] = await Promise.all([
    fetchVersion(rest, cache, selection),
    // The version's answer decides whether the selection exists: a 404 here beside a version is a server
    // without rollouts (an older release), or a prompt deleted a moment ago (its push drops it): no split.
    rest.queryRollout({ promptId: selection.promptId, environment: selection.environment }).catch((error: unknown) => {
      if (error instanceof PromptregApiError && error.status === 404) return null;
      throw error;
    }),
  ]);
  if (rollout === null || rollout.status !== "active") return { ...fetched, split: null };
  let candidate = cache.versions.get(rollout.candidate_version_id);
  let bodyFetched = fetched.bodyFetched;
  if (candidate === undefined) {
    const withBody = await rest.queryVersionWithBody({ promptVersionId: rollout.candidate_version_id });
    checkOwner(withBody, selection);
    candidate = cache.remember(withBody, withBody.prompt_body);
    bodyFetched = true;
  }
  return { version: fetched.version, bodyFetched, split: { id: rollout.id, weight: rollout.weight, stableVersionId: rollout.stable_version_id, candidate } };
}

/**
 * The version a selection points at now. A cold prompt costs one request (metadata with body); otherwise
 * metadata only, plus the body when this version was never held.
 */
async function fetchVersion(rest: RestClient, cache: PromptCache, selection: Selection): Promise<{ version: VersionEntry; bodyFetched: boolean }> {
  const { promptId } = selection;
  const cold = !cache.knownPrompts.has(promptId);
  let meta: TRestPromptVersion;
  if (selection.kind === "environment") {
    const request = { promptId, environment: selection.environment };
    if (cold) {
      const withBody = await rest.environmentVersionWithBody(request);
      return { version: cache.remember(withBody, withBody.prompt_body), bodyFetched: true };
    }
    meta = await rest.environmentVersion(request);
  } else {
    const request = { promptVersionId: selection.versionId };
    if (!cache.versions.has(selection.versionId)) {
      const withBody = await rest.queryVersionWithBody(request);
      checkOwner(withBody, selection);
      return { version: cache.remember(withBody, withBody.prompt_body), bodyFetched: true };
    }
    meta = await rest.queryVersion(request);
    checkOwner(meta, selection);
  }
  const held = cache.versions.get(meta.id);
  if (held !== undefined) return { version: held, bodyFetched: false };
  return { version: cache.remember(meta, await rest.promptBody(meta.id)), bodyFetched: true };
}

/** A version id of another prompt is as absent as a missing one (the gateway answers 404 too). */
function checkOwner(meta: TRestPromptVersion, selection: Selection): void {
  if (meta.prompt_id !== selection.promptId) {
    throw new PromptregApiError(404, `${describeSelection(selection)} not found`, "POST /v1/prompt-2025/query/version");
  }
}
