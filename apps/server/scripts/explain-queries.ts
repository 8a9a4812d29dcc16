// Prints the query-plan audit: every query shape the API sends, its plan and the index that serves it.
// Usage: MONGODB_URI=mongodb://… pnpm --filter @promptreg/server explain   (default: a fresh embedded FerretDB)
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedDb } from "@promptreg/embedded-db";
import { auditQueryPlans } from "./query-plans.js";

// eslint-disable-next-line no-restricted-properties -- a developer script, not the server's configuration
const given = process.env["MONGODB_URI"];
const dataDir = given ? undefined : await mkdtemp(join(tmpdir(), "promptreg-plans-"));
const embedded = dataDir ? await startEmbeddedDb({ dataDir }) : undefined;
try {
  const { verdicts, server } = await auditQueryPlans(given ?? embedded!.uri);
  console.log(`\nQuery-plan audit against ${server}: ${verdicts.length} query shapes\n`);
  console.log("| ok | query shape | index | plan |");
  console.log("|---|---|---|---|");
  for (const v of verdicts) console.log(`| ${v.ok ? "yes" : "NO"} | ${v.shape.signature} | ${v.coveringIndex ?? "none"} | ${v.plan} |`);
  if (server === "ferretdb") {
    console.log("\nFerretDB pushes only _id filters down to SQLite: the plans above are FerretDB's; coverage is checked against the declared indexes. Run with MONGODB_URI for MongoDB's own plans.");
  }
  const bad = verdicts.filter((v) => !v.ok);
  if (bad.length > 0) {
    console.error(`\n${bad.length} query shape(s) not served by an index`);
    process.exitCode = 1;
  }
} finally {
  await embedded?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}
