import { PRODUCTION_ENVIRONMENT, type TPromptBody, type TPromptPartialRef } from "@promptreg/contracts";
import { prepareTemplate, type PreparedTemplate } from "@promptreg/template";
import type { Repositories, TenantScope } from "../db/index.js";
import { AppError, isDatabaseUnavailable } from "../errors.js";
import { ExpiringCache } from "./expiring-cache.js";
import type { DeploymentEvents } from "./events.js";

/** A version ready to compile: parsed once, frozen, shared by every request that resolves to it. */
export interface ResolvedVersion {
  orgId: string;
  promptId: string;
  versionId: string;
  major: number;
  minor: number;
  body: Readonly<TPromptBody>;
  /** The body as stored (JSON text), for answers that hand it out as is. */
  bodyText: string;
  partials: readonly TPromptPartialRef[];
  /** Analysed once per version (the version is immutable), so each request only substitutes. */
  prepared: PreparedTemplate;
}

export interface ResolveRequest {
  promptId: string;
  environment?: string | undefined;
  versionId?: string | undefined;
}

export interface ResolutionOptions {
  /** Safety net for pointers and prompt state; changes on this replica invalidate at once. */
  pointerTtlMs: number;
  versionCacheSize: number;
}

interface PromptState {
  visible: boolean;
  hiddenVersionIds: ReadonlySet<string>;
}

const VERSION_TTL_MS = 24 * 3600_000;

/**
 * Resolves (prompt, environment | version) to a compiled-ready version with no database read on the hot
 * path once warm. Version bodies never change, so they are cached for as long as memory allows (LRU);
 * environment pointers and prompt visibility change, so they are invalidated the moment a change is
 * published (local writes at once, other replicas' writes through the DeploymentFeed) and expire after
 * `pointerTtlMs` whatever happens.
 */
export function createResolutionService(repos: Repositories, events: DeploymentEvents, options: ResolutionOptions) {
  // While the database is unreachable, the last known pointers and prompt states keep serving: an outage
  // must not take down the LLM calls of prompts this replica already knows.
  const versions = new ExpiringCache<ResolvedVersion | null>(options.versionCacheSize, VERSION_TTL_MS, isDatabaseUnavailable);
  const pointers = new ExpiringCache<string | null>(100_000, options.pointerTtlMs, isDatabaseUnavailable);
  const prompts = new ExpiringCache<PromptState>(100_000, options.pointerTtlMs, isDatabaseUnavailable);
  const pointerKey = (orgId: string, promptId: string, environment: string) => `${orgId}\u0000${promptId}\u0000${environment}`;
  const promptKey = (orgId: string, promptId: string) => `${orgId}\u0000${promptId}`;

  events.subscribe((c) => pointers.delete(pointerKey(c.orgId, c.promptId, c.environment)));
  events.subscribePromptChanges((c) => prompts.delete(promptKey(c.orgId, c.promptId)));

  const promptState = (scope: TenantScope, promptId: string) =>
    prompts.getOrLoad(promptKey(scope.orgId, promptId), async () => {
      const doc = await repos.prompts.findVisible(scope, promptId);
      return { visible: doc !== null, hiddenVersionIds: new Set(doc?.hiddenVersionIds ?? []) };
    });

  const pointer = (scope: TenantScope, promptId: string, environment: string) =>
    pointers.getOrLoad(pointerKey(scope.orgId, promptId, environment), async () => {
      return (await repos.environments.get(scope, promptId, environment))?.versionId ?? null;
    });

  // Keyed by version id alone and loaded whatever its organization: callers compare `orgId` with their
  // own on every use. (A tenant-scoped load would cache another organization's miss under the same key.)
  const version = (versionId: string) =>
    versions.getOrLoad(versionId, async () => {
      const doc = await repos.versions.findByIdAnyOrganization(versionId);
      if (!doc) return null;
      const prepared = prepareTemplate(JSON.parse(doc.body) as TPromptBody);
      return Object.freeze({
        orgId: doc.orgId,
        promptId: doc.promptId,
        versionId: doc._id,
        major: doc.major,
        minor: doc.minor,
        body: prepared.body,
        bodyText: doc.body,
        partials: doc.partials,
        prepared,
      });
    });

  return {
    async resolve(scope: TenantScope, request: ResolveRequest): Promise<ResolvedVersion> {
      const { promptId } = request;
      const state = await promptState(scope, promptId);
      if (!state.visible) throw new AppError("NOT_FOUND", `prompt ${promptId} not found`);

      let versionId: string;
      if (request.environment !== undefined || request.versionId === undefined) {
        const environment = request.environment ?? PRODUCTION_ENVIRONMENT;
        const pointed = await pointer(scope, promptId, environment);
        if (!pointed) {
          throw new AppError("NOT_FOUND", `environment ${environment} of prompt ${promptId} has no version deployed`);
        }
        versionId = pointed;
      } else {
        versionId = request.versionId;
      }
      const resolved = state.hiddenVersionIds.has(versionId) ? null : await version(versionId);
      // A cached version of another organization is as absent as a missing one.
      if (!resolved || resolved.orgId !== scope.orgId || resolved.promptId !== promptId) {
        throw new AppError("NOT_FOUND", `version ${versionId} of prompt ${promptId} not found`);
      }
      return resolved;
    },

    /** Whether the prompt exists and is visible to the caller (cached as resolve caches it). */
    async promptVisible(scope: TenantScope, promptId: string): Promise<boolean> {
      return (await promptState(scope, promptId)).visible;
    },

    /**
     * The body a signed body URL names (the URL's signature, checked by the caller, is the credential), if
     * the version is visible: the second request of Helicone's SDK on every prompt fetch, so cached too.
     */
    async bodyForSignedUrl(versionId: string): Promise<string> {
      const resolved = await version(versionId);
      const state = resolved ? await promptState({ orgId: resolved.orgId }, resolved.promptId) : undefined;
      if (!resolved || !state?.visible || state.hiddenVersionIds.has(versionId)) {
        throw new AppError("NOT_FOUND", `prompt version ${versionId} not found`);
      }
      return resolved.bodyText;
    },

    stats() {
      const total = (c: ExpiringCache<unknown>) => ({ hits: c.hits, misses: c.misses, staleServed: c.staleServed, size: c.size });
      return { versions: total(versions), pointers: total(pointers), prompts: total(prompts) };
    },
  };
}
export type ResolutionService = ReturnType<typeof createResolutionService>;

