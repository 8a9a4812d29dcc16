import type { TPromptBody, TPromptPartialRef, TPromptVersion } from "@promptreg/contracts";
import { prepareTemplate, type PreparedTemplate } from "@promptreg/template";
import type { RolloutStateDoc, VersionDoc } from "../db/documents.js";
import type { Repositories, TenantScope } from "../db/index.js";
import { toPromptVersion } from "../db/versions.repository.js";

/**
 * A version ready to serve and compile: parsed and analysed once, frozen, shared by every request that
 * resolves to it. Versions never change, so one stays valid for as long as memory allows.
 */
export interface ResolvedVersion {
  readonly orgId: string;
  readonly promptId: string;
  readonly versionId: string;
  readonly major: number;
  readonly minor: number;
  /** Its metadata as answered, but for `environments` (those change; the answer adds them). */
  readonly metadata: Readonly<Omit<TPromptVersion, "environments">>;
  readonly partials: readonly TPromptPartialRef[];
  readonly body: Readonly<TPromptBody>;
  /** The body as the JSON text it is stored as: answers splice it in rather than serialise it again. */
  readonly bodyJson: string;
  /** Analysed once per version, so each gateway call only substitutes. */
  readonly prepared: PreparedTemplate;
}

/**
 * What a prompt's selections resolve through, as of one read: whether it is visible, its hidden versions
 * and where each of its environments points. Replaced as a whole when anything about the prompt changes.
 */
export interface PromptSnapshot {
  readonly orgId: string;
  readonly promptId: string;
  readonly hidden: ReadonlySet<string>;
  /** Environment name → the version it points at (live pointers only). */
  readonly pointers: ReadonlyMap<string, string>;
  /** Environment name → its active rollout (environments without one are absent). */
  readonly rollouts: ReadonlyMap<string, SnapshotRollout>;
}

/**
 * An environment's active rollout as the gateway splits on it: built once per snapshot read, with the
 * answer headers of both arms ready, so a call allocates nothing for them.
 */
export interface SnapshotRollout {
  readonly id: string;
  readonly candidateVersionId: string;
  readonly weight: number;
  /** `x-prompt-rollout` of each arm. */
  readonly stableHeader: string;
  readonly candidateHeader: string;
}

function toSnapshotRollout(rollout: RolloutStateDoc): SnapshotRollout {
  return Object.freeze({
    id: rollout.id,
    candidateVersionId: rollout.candidateVersionId,
    weight: rollout.weight,
    stableHeader: `${rollout.id};arm=stable`,
    candidateHeader: `${rollout.id};arm=candidate`,
  });
}

export function toResolvedVersion(doc: VersionDoc): ResolvedVersion {
  const prepared = prepareTemplate(JSON.parse(doc.body) as TPromptBody);
  return Object.freeze({
    orgId: doc.orgId,
    promptId: doc.promptId,
    versionId: doc._id,
    major: doc.major,
    minor: doc.minor,
    metadata: Object.freeze(toPromptVersion(doc, [])),
    partials: doc.partials,
    body: prepared.body,
    bodyJson: doc.body,
    prepared,
  });
}

/**
 * Reads a prompt's snapshot, by `_id` only (any other query scans the collection on the embedded
 * database). With `environment` (the selection being resolved), the first round trip also reads that
 * pointer and the version copied beside it (pointer-copies), so resolving an environment usually costs
 * one round trip, plus one when the prompt has other environments. The copy is handed back when it is
 * the version the pointer names, for the caller to cache.
 */
export async function readSnapshot(
  repos: Repositories,
  scope: TenantScope,
  promptId: string,
  environment: string | undefined,
): Promise<{ snapshot: PromptSnapshot | null; copy: VersionDoc | null }> {
  const [prompt, live, copy] = await Promise.all([
    repos.prompts.findVisible(scope, promptId),
    environment === undefined ? null : repos.environments.live(scope, promptId, environment),
    environment === undefined ? null : repos.pointerCopies.get(scope, promptId, environment),
  ]);
  if (!prompt) return { snapshot: null, copy: null };
  const pointer = live?.pointer ?? null;
  // Prompts record their environment names (read by `_id`); those stored before did not, and are read by
  // query.
  const others =
    prompt.environments === undefined
      ? (await repos.environments.liveForPrompt(scope, promptId)).filter((p) => p.pointer.environment !== environment)
      : await repos.environments.liveMany(scope, promptId, prompt.environments.filter((e) => e !== environment));
  const pointers = new Map<string, string>();
  const rollouts = new Map<string, SnapshotRollout>();
  const all = [...(pointer ? [{ pointer, rollout: live?.rollout ?? null }] : []), ...others].sort((a, b) => (a.pointer.environment < b.pointer.environment ? -1 : 1));
  for (const { pointer: p, rollout } of all) {
    pointers.set(p.environment, p.versionId);
    if (rollout?.status === "active") rollouts.set(p.environment, toSnapshotRollout(rollout));
  }
  const hidden = new Set(prompt.hiddenVersionIds);
  const snapshot: PromptSnapshot = Object.freeze({ orgId: scope.orgId, promptId, hidden, pointers, rollouts });
  const usable = copy !== null && pointer !== null && copy._id === pointer.versionId && copy.promptId === promptId && !hidden.has(copy._id);
  return { snapshot, copy: usable ? copy : null };
}
