import {
  ZPromptBody,
  type TCreateVersionInput,
  type TDeleteVersionInput,
  type TListVersionsInput,
  type TPromptBody,
  type TPromptRef,
  type TPromptVersion,
  type TVersionTotals,
} from "@promptreg/contracts";
import type { PendingVersion, PromptDoc, VersionDoc } from "../db/documents.js";
import { isDuplicateKeyError, type Repositories } from "../db/index.js";
import { entryToPromptVersion, toPromptVersion } from "../db/versions.repository.js";
import { AppError, notFound } from "../errors.js";
import type { EnvironmentsService } from "./environments.service.js";
import type { DeploymentEvents } from "./events.js";
import { generateVersionId } from "./ids.js";
import { NumberFloors } from "./numbering.js";
import { requireRole } from "./permissions.js";
import type { ProtectionService } from "./protection.service.js";
import { announcePromptChange } from "./prompt-changes.js";
import type { RequestScope } from "./scope.js";
import { analyzeBodyForStorage } from "./template-analysis.js";
import type { VersionLookup } from "./version-lookup.js";

/** Attempts at a free number before giving up; only reached when many replicas race on one prompt. */
const MAX_NUMBERING_ATTEMPTS = 50;
/** Duplicates in a row before asking the database for the highest number (see NumberFloors). */
const PROBES_BEFORE_ASKING = 3;

export interface NewVersion {
  bump: "minor" | "major";
  commitMessage: string;
  body: TPromptBody;
  environment?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  experimentId?: string | undefined;
}

/** What Helicone's legacy subversion endpoint answers of the version it created. */
export interface CreatedSubversion {
  id: string;
  promptId: string;
  major: number;
  minor: number;
  model: string;
  /** The template, as JSON text (Helicone's `helicone_template` is a string). */
  templateJson: string;
  createdAt: string;
  metadata: Record<string, unknown>;
  experimentId: string | null;
}

export function createVersionsService(
  repos: Repositories,
  lookup: VersionLookup,
  environments: EnvironmentsService,
  events: DeploymentEvents,
  protection: ProtectionService,
) {
  const floors = new NumberFloors();

  /**
   * Creates a version numbered from `base` without transactions: the unique index on
   * (org, prompt, major, minor) makes a taken number fail, and we retry with the next one, so concurrent
   * creators never share a number and, since a number exists only once its version is stored, never leave
   * a gap. The first number tried is a lower bound (NumberFloors), so the common case is one insert and no
   * query for the highest number.
   */
  async function createFrom(scope: RequestScope, base: VersionDoc, input: NewVersion): Promise<VersionDoc> {
    const analysis = analyzeBodyForStorage(input.body);
    const bodyText = JSON.stringify(input.body);
    const major = input.bump === "major";
    const floorKey = major ? `${scope.orgId}\u0000${base.promptId}` : `${scope.orgId}\u0000${base.promptId}\u0000${base.major}`;
    // One id for every attempt: it is recorded as pending (the version index's write-ahead) with the first
    // creation counter taken, before anything is stored.
    const pending: PendingVersion = { id: generateVersionId(), at: new Date() };
    // The creation counter is reserved by a single-document update by bare `_id` (with any other filter
    // FerretDB scans every prompt); it is also the existence check: null when the prompt is not visible.
    const doc = await repos.versionIndex.create(scope, base.promptId, pending, async (nextSeq) => {
      for (let attempt = 0; attempt < MAX_NUMBERING_ATTEMPTS; attempt++) {
        // After a few duplicates in a row this replica's floor is far behind (others created many
        // versions): ask the database for the highest number once instead of walking up to it.
        if (attempt === PROBES_BEFORE_ASKING) {
          const highest = major
            ? await repos.versions.highestMajor(scope, base.promptId)
            : await repos.versions.highestMinor(scope, base.promptId, base.major);
          if (highest !== null) floors.taken(floorKey, highest);
        }
        const seq = await nextSeq();
        if (seq === null) throw notFound(`prompt ${base.promptId}`);
        const number = major
          ? { major: floors.candidate(floorKey, base.major + 1), minor: 0 }
          : { major: base.major, minor: floors.candidate(floorKey, base.minor + 1) };
        const taken = major ? number.major : number.minor;
        const candidate: VersionDoc = {
          _id: pending.id,
          orgId: scope.orgId,
          promptId: base.promptId,
          major: number.major,
          minor: number.minor,
          seq,
          commitMessage: input.commitMessage,
          model: input.body.model,
          body: bodyText,
          variables: analysis.variables,
          partials: analysis.partials,
          metadata: input.metadata ? JSON.stringify(input.metadata) : null,
          experimentId: input.experimentId ?? null,
          createdAt: new Date(),
          createdByKeyId: scope.keyId,
        };
        try {
          await repos.versions.insert(candidate);
          floors.taken(floorKey, taken);
          return candidate;
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
          floors.taken(floorKey, taken);
        }
      }
      throw new AppError("CONFLICT", "too many concurrent version creations on this prompt; try again");
    });

    if (input.environment) {
      try {
        await environments.movePointer(scope, doc.promptId, input.environment, doc);
      } catch (error) {
        // The request failed as a whole: hide the version so no half-done change is visible.
        await repos.prompts.hideVersion(scope, doc.promptId, doc._id).catch(() => undefined);
        throw error;
      }
    }
    await announcePromptChange(repos, events, scope, { promptId: doc.promptId, action: "version-created", versionId: doc._id });
    return doc;
  }

  /** `limit` 0: no limit. */
  async function listVersions(scope: RequestScope, promptId: string, major: number | undefined, page: { skip: number; limit: number }): Promise<TPromptVersion[]> {
    requireRole(scope, "member", "list versions");
    const prompt = await lookup.visiblePrompt(scope, promptId);
    const [entries, pointers] = await Promise.all([
      repos.versionIndex.list(scope, prompt, { major, ...page }),
      lookup.pointersOf(scope, prompt),
    ]);
    const envsByVersion = new Map<string, string[]>();
    for (const p of pointers) envsByVersion.set(p.versionId, [...(envsByVersion.get(p.versionId) ?? []), p.environment]);
    return entries.map((entry) => entryToPromptVersion(promptId, entry, envsByVersion.get(entry.id) ?? []));
  }

  return {
    async create(scope: RequestScope, input: TCreateVersionInput): Promise<TPromptVersion> {
      // Deploying it is a move: refused before the version exists, so a refusal leaves nothing behind.
      if (input.environment) await protection.requireMove(scope, input.environment, "deploy a version to");
      else requireRole(scope, "member", "create versions");
      const { version: base } = await lookup.versionOfPrompt(scope, input.promptId, input.baseVersionId);
      const created = await createFrom(scope, base, input);
      return toPromptVersion(created, input.environment ? [input.environment] : []);
    },

    /**
     * Helicone's legacy subversion endpoint: a new version of the prompt owning `sourceVersionId`; with
     * `bumpForVersionId` (another version of the same prompt) a minor bump within that version's major.
     */
    async createSubversion(
      scope: RequestScope,
      sourceVersionId: string,
      input: {
        template: unknown;
        isMajorVersion: boolean;
        bumpForVersionId?: string | undefined;
        metadata?: Record<string, unknown> | undefined;
        experimentId?: string | undefined;
      },
    ): Promise<CreatedSubversion> {
      // It never deploys (Helicone's legacy endpoint has no environment): a member's.
      requireRole(scope, "member", "create versions");
      const { version: source } = await lookup.visibleVersion(scope, sourceVersionId);
      let base = source;
      let bump: "minor" | "major" = input.isMajorVersion ? "major" : "minor";
      if (input.bumpForVersionId) {
        base = (await lookup.versionOfPrompt(scope, source.promptId, input.bumpForVersionId)).version;
        bump = "minor";
      }
      const parsed = ZPromptBody.safeParse(input.template);
      if (!parsed.success) {
        const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "template"}: ${i.message}`).join("; ");
        throw new AppError("BAD_REQUEST", `newHeliconeTemplate is not a valid prompt body: ${detail}`);
      }
      const changelog = input.metadata?.["commitMessage"] ?? input.metadata?.["changelog"];
      const doc = await createFrom(scope, base, {
        bump,
        body: parsed.data,
        commitMessage: typeof changelog === "string" ? changelog.slice(0, 2000) : "",
        metadata: input.metadata ?? {},
        experimentId: input.experimentId,
      });
      return {
        id: doc._id,
        promptId: doc.promptId,
        major: doc.major,
        minor: doc.minor,
        model: doc.model,
        templateJson: doc.body,
        createdAt: doc.createdAt.toISOString(),
        metadata: doc.metadata ? (JSON.parse(doc.metadata) as Record<string, unknown>) : {},
        experimentId: doc.experimentId,
      };
    },

    /** A page of a prompt's versions, newest first. */
    list: (scope: RequestScope, input: TListVersionsInput): Promise<TPromptVersion[]> =>
      listVersions(scope, input.promptId, input.majorVersion, { skip: input.page * input.pageSize, limit: input.pageSize }),

    /** Every version of a prompt, newest first: Helicone's query/versions, which does not page. */
    listAll: (scope: RequestScope, input: Pick<TListVersionsInput, "promptId" | "majorVersion">): Promise<TPromptVersion[]> =>
      listVersions(scope, input.promptId, input.majorVersion, { skip: 0, limit: 0 }),

    async totals(scope: RequestScope, input: TPromptRef): Promise<TVersionTotals> {
      requireRole(scope, "member", "count versions");
      const prompt = await lookup.visiblePrompt(scope, input.promptId);
      const { count, highestMajor } = await repos.versionIndex.totals(scope, prompt);
      return { totalVersions: count, majorVersions: highestMajor };
    },

    /** Hides a version; refused while an environment points at it. Its number is never given again. */
    async remove(scope: RequestScope, input: TDeleteVersionInput): Promise<void> {
      requireRole(scope, "deployer", "delete versions");
      const { prompt } = await lookup.versionOfPrompt(scope, input.promptId, input.versionId);
      // The check after hiding reads the prompt again: a move onto this version meanwhile may have added
      // its environment's name (names are recorded before their pointer; see environments.service set).
      // A rollout's candidate is as deployed as a pointer's version: it serves calls.
      const deployedTo = async (loaded?: PromptDoc) => {
        const current = loaded ?? (await repos.prompts.findVisible(scope, input.promptId));
        if (!current) return { environments: [], rollouts: [] };
        const [environments, rollouts] = await Promise.all([lookup.environmentsOf(scope, current, input.versionId), lookup.rolloutsOf(scope, current, input.versionId)]);
        return { environments, rollouts };
      };
      const before = await deployedTo(prompt);
      if (before.environments.length > 0) throw deployedConflict(input.versionId, before.environments);
      if (before.rollouts.length > 0) throw candidateConflict(input.versionId, before.rollouts);
      await repos.prompts.hideVersion(scope, input.promptId, input.versionId);
      try {
        // An environment may have been moved onto it (or a rollout of it started) meanwhile: then the
        // delete loses and is undone.
        const after = await deployedTo();
        if (after.environments.length > 0 || after.rollouts.length > 0) {
          await repos.prompts.unhideVersion(scope, input.promptId, input.versionId);
          throw after.environments.length > 0 ? deployedConflict(input.versionId, after.environments) : candidateConflict(input.versionId, after.rollouts);
        }
      } finally {
        // Announced once the outcome is stored, even when undone: a cache that loaded the version as
        // hidden in between must reload it as well.
        await announcePromptChange(repos, events, scope, { promptId: input.promptId, action: "version-hidden", versionId: input.versionId });
      }
    },
  };
}

function deployedConflict(versionId: string, environments: string[]): AppError {
  return new AppError(
    "CONFLICT",
    `prompt version ${versionId} is deployed to ${environments.join(", ")}; move those environments to another version first`,
  );
}
function candidateConflict(versionId: string, environments: string[]): AppError {
  return new AppError(
    "CONFLICT",
    `prompt version ${versionId} is the candidate of the active rollout of ${environments.join(", ")}; promote or abort the rollout first`,
  );
}
export type VersionsService = ReturnType<typeof createVersionsService>;
