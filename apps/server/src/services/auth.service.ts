import { timingSafeEqual } from "node:crypto";
import type {
  TApiKey,
  TCreateApiKeyInput,
  TCreatedApiKey,
  TCreatedOrganization,
  TCreateOrganizationInput,
  TWhoAmI,
} from "@promptreg/contracts";
import { LRUCache } from "lru-cache";
import type { Repositories } from "../db/index.js";
import { AppError, isDatabaseUnavailable } from "../errors.js";
import { generateApiKeyId, generateApiKeySecret, generateOrganizationId, hashApiKey } from "./ids.js";
import type { RequestScope } from "./scope.js";

/** The organization the bootstrap key (PROMPTREG_API_KEY) administers. */
export const DEFAULT_ORGANIZATION_ID = "default";

/**
 * How long a resolved key is trusted without asking the database. A revocation on this replica takes
 * effect at once; on other replicas within this bound.
 */
const KEY_CACHE_TTL_MS = 10_000;

export function createAuthService(repos: Repositories, bootstrapApiKey: string | undefined) {
  const bootstrapHash = bootstrapApiKey ? Buffer.from(hashApiKey(bootstrapApiKey), "hex") : undefined;
  // Expired entries are kept (no autopurge) so that a key seen before still works while the database is
  // unreachable; a revocation on this replica deletes the entry outright.
  const cache = new LRUCache<string, RequestScope>({ max: 10_000, ttl: KEY_CACHE_TTL_MS, allowStale: false, noDeleteOnStaleGet: true });

  const requireAdmin = (scope: RequestScope) => {
    if (scope.role !== "admin") throw new AppError("FORBIDDEN", "this API key may not manage API keys; use an admin key");
  };

  async function issueKey(orgId: string, input: { name: string; role: "admin" | "member" }): Promise<TCreatedApiKey> {
    const secret = generateApiKeySecret();
    const key = await repos.apiKeys.insert({
      _id: generateApiKeyId(),
      orgId,
      name: input.name,
      role: input.role,
      prefix: secret.slice(0, 10),
      hash: hashApiKey(secret),
      createdAt: new Date(),
      revokedAt: null,
    });
    return { key, secret };
  }

  return {
    /** Makes sure the default organization exists, so the bootstrap key has a tenant. */
    async bootstrap(): Promise<void> {
      await repos.organizations.ensure(DEFAULT_ORGANIZATION_ID, "Default organization");
    },

    /** The scope of an `Authorization: Bearer <key>` header; 401 with a reason when there is none. */
    async authenticate(authorization: string | undefined): Promise<RequestScope> {
      if (!authorization) {
        throw new AppError("UNAUTHORIZED", "missing API key: send it as 'Authorization: Bearer <key>'");
      }
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match) throw new AppError("UNAUTHORIZED", "malformed Authorization header: expected 'Bearer <key>'");
      const hashHex = hashApiKey(match[1]!);

      // Compared as hashes in constant time: the comparison time says nothing about the key.
      const hash = Buffer.from(hashHex, "hex");
      if (bootstrapHash && timingSafeEqual(hash, bootstrapHash)) {
        return { orgId: DEFAULT_ORGANIZATION_ID, keyId: null, role: "admin", instanceAdmin: true };
      }
      const cached = cache.get(hashHex);
      if (cached) return cached;
      // The lookup is by hash, so the database never sees the key, and timing reveals nothing about it.
      let doc;
      try {
        doc = await repos.apiKeys.findActiveByHash(hashHex);
      } catch (error) {
        const stale = isDatabaseUnavailable(error) ? cache.get(hashHex, { allowStale: true }) : undefined;
        if (stale) return stale;
        throw error;
      }
      if (!doc) throw new AppError("UNAUTHORIZED", "invalid or revoked API key");
      const scope: RequestScope = { orgId: doc.orgId, keyId: doc._id, role: doc.role, instanceAdmin: false };
      cache.set(hashHex, scope);
      return scope;
    },

    /** Any key may ask who it is (dashboards and CLIs show it). */
    async whoAmI(scope: RequestScope): Promise<TWhoAmI> {
      const [organization, key] = await Promise.all([
        repos.organizations.findById(scope.orgId),
        scope.keyId ? repos.apiKeys.findById(scope, scope.keyId) : Promise.resolve(null),
      ]);
      if (!organization) throw new AppError("NOT_FOUND", `organization ${scope.orgId} not found`);
      return { organization, key, role: scope.role, instanceAdmin: scope.instanceAdmin };
    },

    async createKey(scope: RequestScope, input: TCreateApiKeyInput): Promise<TCreatedApiKey> {
      requireAdmin(scope);
      return issueKey(scope.orgId, input);
    },

    async listKeys(scope: RequestScope): Promise<TApiKey[]> {
      requireAdmin(scope);
      return repos.apiKeys.list(scope);
    },

    async revokeKey(scope: RequestScope, keyId: string): Promise<void> {
      requireAdmin(scope);
      const hash = await repos.apiKeys.revoke(scope, keyId);
      if (hash) return void cache.delete(hash);
      // Revoking a revoked key succeeds (DELETE is idempotent, and the key is still listed as revoked).
      if ((await repos.apiKeys.findById(scope, keyId))?.revokedAt) return;
      throw new AppError("NOT_FOUND", `API key ${keyId} not found`);
    },

    /** A new tenant with its first admin key. Only the instance's bootstrap key may do this. */
    async createOrganization(scope: RequestScope, input: TCreateOrganizationInput): Promise<TCreatedOrganization> {
      if (!scope.instanceAdmin) {
        throw new AppError("FORBIDDEN", "only the instance's bootstrap key (PROMPTREG_API_KEY) may create organizations");
      }
      const organization = await repos.organizations.insert({
        _id: generateOrganizationId(),
        name: input.name,
        createdAt: new Date(),
      });
      // A new organization has no prompts to index; without this its first listing builds the index.
      await repos.promptIndex.createEmpty(organization.id).catch(() => undefined);
      return { organization, adminKey: await issueKey(organization.id, { name: "admin", role: "admin" }) };
    },
  };
}
export type AuthService = ReturnType<typeof createAuthService>;
