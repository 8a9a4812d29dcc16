import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedDb } from "./server.js";

export interface TestDatabase {
  uri: string;
  stop: () => Promise<void>;
}

/**
 * The database one test run shares (each test file then uses a database name of its own): the MongoDB
 * at PROMPTREG_TEST_MONGODB_URI when set (run the suites against a real MongoDB), else a fresh embedded
 * FerretDB in a temporary directory, removed on stop. Every package's vitest global setup calls this.
 */
export async function startTestDatabase(label: string): Promise<TestDatabase> {
  const external = process.env["PROMPTREG_TEST_MONGODB_URI"];
  if (external) return { uri: external, stop: () => Promise.resolve() };
  const dataDir = await mkdtemp(join(tmpdir(), `promptreg-${label}-test-db-`));
  const db = await startEmbeddedDb({ dataDir });
  return {
    uri: db.uri,
    stop: async () => {
      await db.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
