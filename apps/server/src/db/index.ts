// The data layer: the only code that talks to MongoDB. Plain driver calls, nothing specific to the
// embedded FerretDB, so a MongoDB replica set or Atlas works unchanged.
import { MongoClient, type Db } from "mongodb";
import { createActiveRolloutsRepository } from "./active-rollouts.repository.js";
import { createAnalyticsRepository } from "./analytics.repository.js";
import { createApiKeysRepository } from "./api-keys.repository.js";
import { createDeploymentClockRepository } from "./deployment-clock.repository.js";
import { withDeadlines } from "./deadline.js";
import { createDeploymentsRepository } from "./deployments.repository.js";
import { createDocumentLocks } from "./document-locks.js";
import { createEnvironmentsRepository } from "./environments.repository.js";
import { createOrganizationSettingsRepository } from "./organization-settings.repository.js";
import { createOrganizationsRepository } from "./organizations.repository.js";
import { createPointerCopiesRepository } from "./pointer-copies.repository.js";
import { createPromptChangesRepository } from "./prompt-changes.repository.js";
import { createPromptIndexRepository } from "./prompt-index.repository.js";
import { createPromptsRepository } from "./prompts.repository.js";
import { createSettingsRepository } from "./settings.repository.js";
import { BACKFILL_TIMEOUT_MS, createVersionIndexRepository } from "./version-index.repository.js";
import { createVersionsRepository } from "./versions.repository.js";

export type { TenantScope } from "./scope.js";
export { notCountingTowardsDeadline, outsideRequestDeadline, remainingMs, withOwnDeadline, withRequestDeadline } from "./deadline.js";
export { isDuplicateKeyError } from "./duplicate-key.js";
export { effectiveRole } from "./api-keys.repository.js";

export interface RepositoryOptions {
  /** The database timeout: a lock is held at most that long by a live holder (document-locks.ts). */
  dbTimeoutMs?: number;
}

export function createRepositories(db: Db, options: RepositoryOptions = {}) {
  const lockOptions = options.dbTimeoutMs === undefined ? {} : { leaseMs: options.dbTimeoutMs + 1000, waitMs: 2 * options.dbTimeoutMs + 5000 };
  // One set of locks for every repository, so this replica's writers of one key queue in memory.
  const locks = createDocumentLocks(db, lockOptions);
  return {
    organizations: createOrganizationsRepository(db),
    apiKeys: createApiKeysRepository(db),
    prompts: createPromptsRepository(db, locks),
    promptIndex: createPromptIndexRepository(db, locks),
    versions: createVersionsRepository(db),
    versionIndex: createVersionIndexRepository(db, locks),
    environments: createEnvironmentsRepository(db),
    activeRollouts: createActiveRolloutsRepository(db),
    pointerCopies: createPointerCopiesRepository(db),
    deployments: createDeploymentsRepository(db),
    deploymentClock: createDeploymentClockRepository(db),
    promptChanges: createPromptChangesRepository(db),
    settings: createSettingsRepository(db),
    organizationSettings: createOrganizationSettingsRepository(db, locks),
    analytics: createAnalyticsRepository(db, lockOptions),
  };
}
export type Repositories = ReturnType<typeof createRepositories>;

/** Creates every index the API's queries need; idempotent, run at start-up. */
export async function ensureIndexes(repositories: Repositories): Promise<void> {
  await Promise.all(Object.values(repositories).map((repository) => repository.ensureIndexes()));
}

export interface DatabaseConnection {
  client: MongoClient;
  db: Db;
  /** True when the database answers a ping within the timeout. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** One database command as the driver's command monitoring saw it (for metrics; no command contents). */
export interface DatabaseCommandEvent {
  commandName: string;
  durationMs: number;
  ok: boolean;
}

export interface DatabaseHooks {
  /** Called after every command; turns on the driver's command monitoring. */
  onCommand?: (event: DatabaseCommandEvent) => void;
}

export async function connectDatabase(uri: string, dbName: string, timeoutMs: number, hooks: DatabaseHooks = {}): Promise<DatabaseConnection> {
  const client = new MongoClient(uri, {
    // Fail fast when the database is gone, so requests answer 503 instead of hanging.
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    // Every operation carries an AbortSignal (deadline.ts): a request's deadline, a default bound outside
    // requests, or its own (an index backfill). The socket timeout is only a last resort past those.
    socketTimeoutMS: BACKFILL_TIMEOUT_MS + 60_000,
    // Version writes must survive a primary failover on a real replica set.
    writeConcern: { w: "majority" },
    retryWrites: true,
    appName: "promptreg",
    monitorCommands: hooks.onCommand !== undefined,
  });
  const { onCommand } = hooks;
  if (onCommand) {
    client.on("commandSucceeded", (e) => onCommand({ commandName: e.commandName, durationMs: e.duration, ok: true }));
    client.on("commandFailed", (e) => onCommand({ commandName: e.commandName, durationMs: e.duration, ok: false }));
  }
  await client.connect();
  // Every collection honours the deadline of the request it is used in (deadline.ts); outside requests,
  // what the socket timeout used to bound.
  const db = withDeadlines(client.db(dbName), Math.max(timeoutMs * 6, 30_000));
  return {
    client,
    db,
    async ping() {
      try {
        await db.command({ ping: 1 }, { signal: AbortSignal.timeout(timeoutMs) });
        return true;
      } catch {
        return false;
      }
    },
    close: () => client.close(),
  };
}
