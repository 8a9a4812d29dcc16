// One real MongoDB-protocol server for the whole run: FerretDB, unless PROMPTREG_TEST_MONGODB_URI points
// at another (e.g. a real MongoDB). Every test file then boots its own promptreg server on its own database.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedDb } from "@promptreg/embedded-db";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    mongoUri: string;
  }
}

export default async function setup(project: TestProject) {
  const external = process.env["PROMPTREG_TEST_MONGODB_URI"];
  if (external) {
    project.provide("mongoUri", external);
    return;
  }
  const dataDir = await mkdtemp(join(tmpdir(), "promptreg-example-rest-test-db-"));
  const db = await startEmbeddedDb({ dataDir });
  project.provide("mongoUri", db.uri);
  return async () => {
    await db.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
