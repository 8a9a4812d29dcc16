import { timingSafeEqual } from "node:crypto";
import type {
  TApiKey,
  TApiKeyRole,
  TCreateApiKeyInput,
  TCreatedApiKey,
  TCreatedOrganization,
  TCreateOrganizationInput,
  TWhoAmI,
} from "@promptreg/contracts";
import { LRUCache } from "lru-cache";
import { effectiveRole, type Repositories } from "../db/index.js";
import { AppError, isDatabaseUnavailable } from "../errors.js";
import { generateApiKeyId, generateApiKeySecret, generateOrganizationId, hashApiKey } from "./ids.js";
import type { DeploymentEvents, KeyRevocation } from "./events.js";
import { requireRole } from "./permissions.js";
import type { RequestScope } from "./scope.js";

/** The organization the bootstrap key (PROMPTREG_API_KEY) administers. */
export const DEFAULT_ORGANIZATION_ID = "default";

/**
 * How long a resolved key is trusted without asking the database. A revocation takes effect at once on
 * this replica and within a poll of the deployment feed on the others (pushed); this bounds it when that
 * feed cannot run.
 */
const KEY_CACHE_TTL_MS = 10_000;
/** Default of PROMPTREG_AUTH_OUTAGE_GRACE_MS. */
export const DEFAULT_AUTH_OUTAGE_GRACE_MS = 300_000;
/** How long a key the database did not know is refused without asking it again. */
const UNKNOWN_KEY_TTL_MS = 10_000;

const invalidKey = () => new AppError("UNAUTHORIZED", "invalid or revoked API key");

/** The SHA-256 (hex) of the key in `Authorization: Bearer <key>`; 401 saying what is wrong with the header. */
function keyHashOf(authorization: string | undefined): string {
  if (!authorization) throw new AppError("UNAUTHORIZED", "missing API key: send it as 'Authorization: Bearer <key>'");
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) throw new AppError("UNAUTHORIZED", "malformed Authorization header: expected 'Bearer <key>'");
  return hashApiKey(match[1]!);
}

export interface AuthOptions {
  /** How long after the database last confirmed a key it is still accepted while the database is unavailable. */
  outageGraceMs?: number | undefined;
}

export function createAuthService(repos: Repositories, events: DeploymentEvents, bootstrapApiKey: string | undefined, options: AuthOptions = {}) {
  const bootstrapHash = bootstrapApiKey ? Buffer.from(hashApiKey(bootstrapApiKey), "hex") : undefined;
  const outageGraceMs = options.outageGraceMs ?? DEFAULT_AUTH_OUTAGE_GRACE_MS;
  // Keys the database confirmed, with when. Fresh (KEY_CACHE_TTL_MS) they need no read; older, they still
  // stand in for the database while it is unavailable, up to outageGraceMs after that confirmation, and no
  // longer: an outage must not make a key good forever. A revocation deletes the entry outright.
  const cache = new LRUCache<string, { scope: RequestScope; confirmedAt: number }>({ max: 10_000 });
  const fresh = (hashHex: string) => {
    const entry = cache.get(hashHex);
    return entry && Date.now() - entry.confirmedAt <= KEY_CACHE_TTL_MS ? entry.scope : undefined;
  };
  // Keys this replica heard were revoked: a lookup that read the key just before its revocation must not
  // put it back in the cache. Bounded by the revocations admins make, not by what callers send.
  const revoked = new LRUCache<string, true>({ max: 10_000 });
  // Revocations on this replica and, through the deployment feed, on every other one.
  events.subscribeKeyRevocations(({ hash }) => {
    revoked.set(hash, true);
    cache.delete(hash);
  });
  // Keys the database did not know, briefly: a client repeating a wrong key costs a hash, not a read. Keys
  // are 192-bit random, so a key created later was never among them. Its own bound: wrong keys are
  // whatever callers send, and must not evict the keys real traffic uses.
  const unknown = new LRUCache<string, true>({ max: 10_000, ttl: UNKNOWN_KEY_TTL_MS });

  async function issueKey(orgId: string, input: { name: string; role: TApiKeyRole }): Promise<TCreatedApiKey> {
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
      roleScheme: 2,
    });
    return { key, secret };
  }

  /**
   * A revocation, once stored: this replica drops the key and ends its streams at once; a tick of the
   * deployment clock brings the key's revokedAt to other replicas' feeds within one poll.
   */
  async function announceRevocation(revocation: KeyRevocation): Promise<void> {
    events.publishKeyRevocation(revocation);
    // The revocation is stored: failing the request now would not undo it. Other replicas then refuse the
    // key within KEY_CACHE_TTL_MS instead of the next poll (or with the next clock tick of anything).
    await repos.deploymentClock.tick().catch(() => undefined);
  }

  /** The bootstrap key's scope, or a key's this replica knows (no database read); undefined otherwise. */
  const knownScope = (hashHex: string): RequestScope | undefined => {
    // Compared as hashes in constant time: the comparison time says nothing about the key.
    if (bootstrapHash && timingSafeEqual(Buffer.from(hashHex, "hex"), bootstrapHash)) {
      return { orgId: DEFAULT_ORGANIZATION_ID, keyId: null, role: "admin", instanceAdmin: true };
    }
    return fresh(hashHex);
  };

  return {
    /**
     * The scope of a key this replica has seen lately (or the bootstrap key), without asking the database;
     * undefined for any other header. Lets a known key through while its address is throttled for others'
     * failed guesses (many clients share an address behind NAT).
     */
    knownScope(authorization: string | undefined): RequestScope | undefined {
      try {
        return knownScope(keyHashOf(authorization));
      } catch {
        return undefined;
      }
    },

    /** Makes sure the default organization exists, so the bootstrap key has a tenant. */
    async bootstrap(): Promise<void> {
      await repos.organizations.ensure(DEFAULT_ORGANIZATION_ID, "Default organization");
    },

    /** The scope of an `Authorization: Bearer <key>` header; 401 with a reason when there is none. */
    async authenticate(authorization: string | undefined): Promise<RequestScope> {
      const hashHex = keyHashOf(authorization);
      const known = knownScope(hashHex);
      if (known) return known;
      if (unknown.has(hashHex) || revoked.has(hashHex)) throw invalidKey();
      // The lookup is by hash, so the database never sees the key, and timing reveals nothing about it.
      let doc;
      try {
        doc = await repos.apiKeys.findActiveByHash(hashHex);
      } catch (error) {
        const entry = isDatabaseUnavailable(error) ? cache.get(hashHex) : undefined;
        if (entry && Date.now() - entry.confirmedAt <= outageGraceMs) return entry.scope;
        throw error;
      }
      if (!doc) {
        unknown.set(hashHex, true);
        throw invalidKey();
      }
      // Revoked while it was being read.
      if (revoked.has(hashHex)) throw invalidKey();
      const scope: RequestScope = { orgId: doc.orgId, keyId: doc._id, role: effectiveRole(doc), instanceAdmin: false };
      cache.set(hashHex, { scope, confirmedAt: Date.now() });
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
      requireRole(scope, "admin", "create API keys");
      // Not today (only admins create keys, and admin is the top role), but the rule the table promises:
      // a key never hands out more than it holds.
      requireRole(scope, input.role, `create a key with the ${input.role} role`);
      return issueKey(scope.orgId, input);
    },

    async listKeys(scope: RequestScope): Promise<TApiKey[]> {
      requireRole(scope, "admin", "list API keys");
      return repos.apiKeys.list(scope);
    },

    async revokeKey(scope: RequestScope, keyId: string): Promise<void> {
      requireRole(scope, "admin", "revoke API keys");
      const hash = await repos.apiKeys.revoke(scope, keyId);
      if (hash) return announceRevocation({ keyId, orgId: scope.orgId, hash });
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
