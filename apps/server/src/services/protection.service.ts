// Protected environments (issue 14): per organization, the environments only deployer and admin keys may
// move or remove. Stored in the organization's settings document; read on every move through a cache here.
// Changes reach this replica's cache at once and other replicas' within one poll of the deployment feed
// (PROMPTREG_DEPLOYMENT_POLL_MS, 250 ms by default): a change ticks the deployment clock, and the feed of
// each replica then reads the settings changed lately and drops those organizations' entries. When the feed
// cannot run, the cache's TTL bounds it (PROTECTION_CACHE_TTL_MS).
import {
  DEFAULT_PROTECTED_ENVIRONMENTS,
  MAX_PROTECTED_ENVIRONMENTS,
  type TSetEnvironmentProtectionInput,
} from "@promptreg/contracts";
import { LRUCache } from "lru-cache";
import type { Repositories } from "../db/index.js";
import { AppError } from "../errors.js";
import type { DeploymentEvents } from "./events.js";
import { requireRole } from "./permissions.js";
import type { RequestScope } from "./scope.js";

/** The longest a replica whose deployment feed cannot run keeps using a protection set it read. */
export const PROTECTION_CACHE_TTL_MS = 10_000;

export function createProtectionService(repos: Repositories, events: DeploymentEvents) {
  // Keyed by organization id (one entry per tenant with moves, not per caller input): bounded anyway.
  const cache = new LRUCache<string, readonly string[]>({ max: 10_000, ttl: PROTECTION_CACHE_TTL_MS });
  // Bumped by every invalidation: a read that started before one must not put its (older) answer back.
  let generation = 0;
  const invalidate = (orgId: string) => {
    generation++;
    cache.delete(orgId);
  };
  events.subscribeProtectionChanges(({ orgId }) => invalidate(orgId));

  async function protectedSet(scope: RequestScope): Promise<readonly string[]> {
    const cached = cache.get(scope.orgId);
    if (cached) return cached;
    const startedAt = generation;
    const doc = await repos.organizationSettings.find(scope);
    const environments = Object.freeze([...(doc?.protectedEnvironments ?? DEFAULT_PROTECTED_ENVIRONMENTS)]);
    if (generation === startedAt) cache.set(scope.orgId, environments);
    return environments;
  }

  return {
    /** The organization's protected environments, sorted. Every role may read them (clients grey out moves). */
    async list(scope: RequestScope): Promise<string[]> {
      return [...(await protectedSet(scope))];
    },

    /** Whether moving `environment` needs the deployer role in this organization. */
    async isProtected(scope: RequestScope, environment: string): Promise<boolean> {
      return (await protectedSet(scope)).includes(environment);
    },

    /**
     * Refuses (403) a key that may not `action` (move, remove, deploy a version to) this environment:
     * member for any environment, deployer for a protected one. Called before anything is written.
     */
    async requireMove(scope: RequestScope, environment: string, action: string): Promise<void> {
      requireRole(scope, "member", `${action} environment ${environment}`);
      if (scope.role === "member" && (await protectedSet(scope)).includes(environment)) {
        requireRole(scope, "deployer", `${action} the protected environment ${environment}`);
      }
    },

    /** Marks an environment protected or not (admin keys); answers the new set. */
    async set(scope: RequestScope, input: TSetEnvironmentProtectionInput): Promise<string[]> {
      requireRole(scope, "admin", "change which environments are protected");
      const updated = await repos.organizationSettings.locked(scope, async () => {
        const current = new Set((await repos.organizationSettings.find(scope))?.protectedEnvironments ?? DEFAULT_PROTECTED_ENVIRONMENTS);
        if (input.protected) current.add(input.environment);
        else current.delete(input.environment);
        if (current.size > MAX_PROTECTED_ENVIRONMENTS) {
          throw new AppError("BAD_REQUEST", `at most ${MAX_PROTECTED_ENVIRONMENTS} environments may be protected`);
        }
        const protectedEnvironments = [...current].sort();
        await repos.organizationSettings.put(scope, { protectedEnvironments, updatedAt: new Date() });
        return protectedEnvironments;
      });
      // This replica at once; the others when the feed sees the clock move (or the TTL, without the feed).
      // The change is stored: failing now would not undo it.
      events.publishProtectionChange({ orgId: scope.orgId });
      await repos.deploymentClock.tick().catch(() => undefined);
      return updated;
    },
  };
}
export type ProtectionService = ReturnType<typeof createProtectionService>;
