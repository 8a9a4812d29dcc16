// One real MongoDB-protocol server for the whole run (embedded FerretDB, or PROMPTREG_TEST_MONGODB_URI);
// every test file then works in a database of its own.
import { startTestDatabase } from "@promptreg/embedded-db";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    mongoUri: string;
  }
}

export default async function setup(project: TestProject) {
  const db = await startTestDatabase("cli");
  project.provide("mongoUri", db.uri);
  return db.stop;
}
