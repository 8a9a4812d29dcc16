import type { TPromptBody, TPromptPartialRef, TPromptVersion } from "@promptreg/contracts";
import { prepareTemplate, type PreparedTemplate } from "@promptreg/template";
import type { VersionDoc } from "../db/documents.js";
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
  const [prompt, pointer, copy] = await Promise.all([
    repos.prompts.findVisible(scope, promptId),
    environment === undefined ? null : repos.environments.get(scope, promptId, environment),
    environment === undefined ? null : repos.pointerCopies.get(scope, promptId, environment),
  ]);
  if (!prompt) return { snapshot: null, copy: null };
  // Prompts record their environment names (read by `_id`); those stored before did not, and are read by
  // query.
  const others =
    prompt.environments === undefined
      ? (await repos.environments.listForPrompt(scope, promptId)).filter((p) => p.environment !== environment)
      : await repos.environments.getMany(scope, promptId, prompt.environments.filter((e) => e !== environment));
  const pointers = new Map<string, string>();
  for (const p of [...(pointer ? [pointer] : []), ...others].sort((a, b) => (a.environment < b.environment ? -1 : 1))) {
    pointers.set(p.environment, p.versionId);
  }
  const hidden = new Set(prompt.hiddenVersionIds);
  const snapshot: PromptSnapshot = Object.freeze({ orgId: scope.orgId, promptId, hidden, pointers });
  const usable = copy !== null && pointer !== null && copy._id === pointer.versionId && copy.promptId === promptId && !hidden.has(copy._id);
  return { snapshot, copy: usable ? copy : null };
}
