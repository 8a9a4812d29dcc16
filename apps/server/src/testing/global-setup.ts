// Vitest global setup shared by every package whose tests boot a server: one real MongoDB-protocol
// server for the whole run (a fresh embedded FerretDB, or the MongoDB at PROMPTREG_TEST_MONGODB_URI),
// whose address test files get with inject("mongoUri"); each test file then works in databases of its
// own (startTestServer). In a vitest config: `globalSetup: [TEST_GLOBAL_SETUP]` from "@promptreg/server/testing".
import "./context.js";
import { basename } from "node:path";
import { startTestDatabase } from "@promptreg/embedded-db";
import type { TestProject } from "vitest/node";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The package directory names the run: the embedded database's temporary directory and the prefix of
  // the databases its test servers create (so a shared MongoDB shows which package left what).
  const label = basename(project.config.root);
  const db = await startTestDatabase(label);
  project.provide("mongoUri", db.uri);
  project.provide("testDbPrefix", label.replace(/[^A-Za-z0-9]/g, "_"));
  return db.stop;
}
