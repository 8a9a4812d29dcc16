// Query-plan audit: runs every service the API calls (the same code, in-process) against a database
// with command monitoring, collects each distinct query shape the repositories send, and explains it.
// On MongoDB it fails any shape whose winning plan scans the collection. FerretDB (the embedded
// database) pushes only `_id` filters down to SQLite, so there it reports the plan and checks instead
// that a declared index covers the shape (equality fields first, then sort and range fields).
import { randomBytes } from "node:crypto";
import { MongoClient, type Document } from "mongodb";
import { createBatchWriter } from "../src/analytics/writer.js";
import { createRepositories, ensureIndexes } from "../src/db/index.js";
import { createServices } from "../src/services/index.js";
import type { RequestScope } from "../src/services/scope.js";

const QUERY_COMMANDS = new Set(["find", "count", "distinct", "findAndModify", "update", "delete", "aggregate"]);

export interface QueryShape {
  collection: string;
  command: string;
  filter: Document;
  sort: Document | undefined;
  /** e.g. `versions find {orgId:eq, promptId:eq, major:eq} sort {minor:-1}` */
  signature: string;
}

export interface PlanVerdict {
  shape: QueryShape;
  /** The winning plan's stages (MongoDB) or FerretDB's plan lines. */
  plan: string;
  /** The declared index that covers the shape, `_id`, or null. */
  coveringIndex: string | null;
  /** MongoDB only: the winning plan scans the whole collection. */
  collectionScan: boolean;
  ok: boolean;
}

const isOperatorObject = (v: unknown): v is Document =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).some((k) => k.startsWith("$"));

function describeFilter(filter: Document): string {
  return Object.entries(filter)
    .map(([k, v]) => `${k}:${isOperatorObject(v) ? Object.keys(v).join("") : v === null ? "null" : "eq"}`)
    .join(", ");
}

/** The driver sends sorts as Maps; make them plain documents. */
const plainSort = (sort: unknown): Document | undefined =>
  sort instanceof Map ? (Object.fromEntries(sort) as Document) : (sort as Document | undefined);

function shapeOf(commandName: string, command: Document): QueryShape | undefined {
  const collection = command[commandName] as string;
  let filter: Document | undefined;
  let sort: Document | undefined;
  switch (commandName) {
    case "find":
      filter = command["filter"] as Document;
      sort = command["sort"] as Document | undefined;
      break;
    case "count":
      filter = command["query"] as Document;
      break;
    case "distinct":
      filter = command["query"] as Document;
      break;
    case "findAndModify":
      filter = command["query"] as Document;
      sort = command["sort"] as Document | undefined;
      break;
    case "update":
      filter = (command["updates"] as Document[])[0]?.["q"] as Document;
      break;
    case "delete":
      filter = (command["deletes"] as Document[])[0]?.["q"] as Document;
      break;
    case "aggregate": {
      const match = (command["pipeline"] as Document[]).find((s) => "$match" in s);
      filter = match?.["$match"] as Document | undefined;
      break;
    }
  }
  if (!filter) return undefined;
  sort = plainSort(sort);
  if (sort && Object.keys(sort).length === 0) sort = undefined;
  const signature = `${collection} ${commandName} {${describeFilter(filter)}}${sort ? ` sort ${JSON.stringify(sort)}` : ""}`;
  return { collection, command: commandName, filter, sort, signature };
}

/**
 * Whether an index can serve the shape without scanning the collection: its leading field is an equality
 * field of the filter (its bounds then narrow the scan; further filter fields are checked on the fetched
 * documents), or, with no equality field, a range or sort field. When the shape sorts, the sort fields
 * must follow the index's equality prefix, so the index also gives the order (no in-memory sort).
 */
function covers(indexKey: Document, shape: QueryShape): boolean {
  const fields = Object.keys(indexKey);
  const equality = new Set(Object.entries(shape.filter).filter(([, v]) => !isOperatorObject(v)).map(([k]) => k));
  const ranged = Object.entries(shape.filter).filter(([, v]) => isOperatorObject(v)).map(([k]) => k);
  let prefix = 0;
  while (prefix < fields.length && equality.has(fields[prefix]!)) prefix++;
  const sortFields = Object.keys(shape.sort ?? {});
  if (prefix === 0 && !(ranged.includes(fields[0]!) || sortFields[0] === fields[0])) return false;
  return sortFields.every((f, i) => fields[prefix + i] === f || equality.has(f));
}

function planStages(plan: Document | undefined): string[] {
  if (!plan) return [];
  const stage = (plan["stage"] as string | undefined) ?? "";
  const children = [plan["inputStage"], ...((plan["inputStages"] as Document[] | undefined) ?? [])].filter(Boolean) as Document[];
  const name = stage === "IXSCAN" || stage === "EXPRESS_IXSCAN" ? `${stage}(${(plan["indexName"] as string) ?? ""})` : stage;
  return [name, ...children.flatMap(planStages)];
}

function explainCommand(shape: QueryShape): Document {
  switch (shape.command) {
    case "find":
      return { find: shape.collection, filter: shape.filter, ...(shape.sort ? { sort: shape.sort } : {}), limit: 1 };
    case "count":
      return { count: shape.collection, query: shape.filter };
    case "distinct":
      return { distinct: shape.collection, key: "_id", query: shape.filter };
    case "findAndModify":
      return { findAndModify: shape.collection, query: shape.filter, ...(shape.sort ? { sort: shape.sort } : {}), update: { $set: { __explain: 1 } } };
    case "update":
      return { update: shape.collection, updates: [{ q: shape.filter, u: { $set: { __explain: 1 } } }] };
    case "delete":
      return { delete: shape.collection, deletes: [{ q: shape.filter, limit: 0 }] };
    default:
      return { aggregate: shape.collection, pipeline: [{ $match: shape.filter }], cursor: {} };
  }
}

/** Every service the API calls, once each, so every repository query runs at least once. */
async function exerciseServices(uri: string, dbName: string): Promise<Map<string, QueryShape>> {
  const client = new MongoClient(uri, { monitorCommands: true });
  const shapes = new Map<string, QueryShape>();
  client.on("commandStarted", (event) => {
    if (!QUERY_COMMANDS.has(event.commandName)) return;
    const shape = shapeOf(event.commandName, event.command);
    if (shape && !shapes.has(shape.signature)) shapes.set(shape.signature, shape);
  });
  await client.connect();
  try {
    const repos = createRepositories(client.db(dbName));
    await ensureIndexes(repos);
    const services = createServices(repos, {
      bootstrapApiKey: "audit-bootstrap-key-0123456789",
      signingSecrets: ["s".repeat(32)],
      bodyUrlTtlSeconds: 60,
      pointerTtlMs: 0,
      versionCacheSize: 0,
      versionCacheBytes: 0,
      deploymentPollMs: 1000,
    });
    await services.auth.bootstrap();
    const admin = await services.auth.authenticate("Bearer audit-bootstrap-key-0123456789");
    const { adminKey } = await services.auth.createOrganization(admin, { name: "audit" });
    const scope: RequestScope = await services.auth.authenticate(`Bearer ${adminKey.secret}`);
    const body = { model: "m", messages: [{ role: "user" as const, content: "Hi {{hc:name:string}} {{hcp:abcdef:0}}" }] };

    const { prompt, version } = await services.prompts.create(scope, { name: "audit", tags: ["a"], body });
    await services.prompts.list(scope, { search: "aud", tags: ["a"], page: 0, pageSize: 10 });
    await services.prompts.list(scope, { page: 1, pageSize: 10 });
    await services.prompts.list(scope, { sort: "updated", page: 0, pageSize: 10 });
    await services.prompts.list(scope, { sort: "name", page: 0, pageSize: 10 });
    await services.prompts.listSummaries(scope, { search: "aud", sort: "updated", page: 0, pageSize: 10 });
    await services.prompts.byId(scope, prompt.id);
    await services.prompts.rename(scope, { promptId: prompt.id, name: "audit 2" });
    await services.prompts.setTags(scope, { promptId: prompt.id, tags: ["b"] });
    await services.prompts.tags(scope);
    await services.prompts.count(scope);
    const minor = await services.versions.create(scope, { promptId: prompt.id, baseVersionId: version.id, bump: "minor", commitMessage: "m", body, environment: "staging" });
    await services.versions.create(scope, { promptId: prompt.id, baseVersionId: version.id, bump: "major", commitMessage: "M", body });
    await services.versions.createSubversion(scope, version.id, { template: body, isMajorVersion: false, metadata: { a: 1 } });
    await services.versions.list(scope, { promptId: prompt.id, page: 0, pageSize: 10 });
    await services.versions.list(scope, { promptId: prompt.id, majorVersion: 1, page: 0, pageSize: 10 });
    await services.resolution.version(scope, minor.id);
    await services.versions.totals(scope, { promptId: prompt.id });
    await services.resolution.signedBody(minor.id);
    await services.environments.set(scope, { promptId: prompt.id, versionId: minor.id, environment: "dev" });
    await services.environments.remove(scope, { promptId: prompt.id, versionId: minor.id, environment: "dev" });
    await services.resolution.environment(scope, { promptId: prompt.id, environment: "staging" });
    await services.environments.listForPrompt(scope, { promptId: prompt.id });
    await services.environments.inUse(scope);
    await services.environments.history(scope, { promptId: prompt.id, limit: 10 });
    await services.environments.history(scope, { promptId: prompt.id, environment: "staging", limit: 10 });
    const firstPage = await services.environments.historyPage(scope, { promptId: prompt.id, limit: 1 });
    await services.environments.historyPage(scope, { promptId: prompt.id, limit: 1, cursor: firstPage.nextCursor! });
    const stagingPage = await services.environments.historyPage(scope, { promptId: prompt.id, environment: "staging", limit: 1 });
    await services.environments.historyPage(scope, { promptId: prompt.id, environment: "staging", limit: 1, cursor: stagingPage.items[0]!.id });
    const changes = await services.environments.changesSince(scope, new Date(Date.now() - 60_000), 100);
    await services.environments.changesAfter(scope, changes[0]!.id, 100);
    await services.resolution.resolve(scope, { promptId: prompt.id, environment: "staging" });
    await services.deploymentFeed.poll();
    const extra = await services.versions.create(scope, { promptId: prompt.id, baseVersionId: version.id, bump: "minor", commitMessage: "x", body });
    await services.versions.remove(scope, { promptId: prompt.id, versionId: extra.id });
    const key = await services.auth.createKey(scope, { name: "k", role: "member" });
    await services.auth.authenticate(`Bearer ${key.secret}`);
    await services.auth.listKeys(scope);
    await services.auth.whoAmI(scope);
    await services.auth.revokeKey(scope, key.key.id);
    // The request log and metrics: a recorded call written by the recorder's batch writer, then every query.
    // (The retention sweeper lists the per-prompt heads with an unfiltered find: a background job over one
    // small document per prompt with calls, not a query of the API, so it is not audited here.)
    await services.analytics.setCaptureSettings(scope, { promptId: prompt.id, enabled: true, redactVariables: ["name"] });
    await services.analytics.captureSettings(scope, { promptId: prompt.id });
    const writer = createBatchWriter(repos.analytics, { recordRetentionMs: 86_400_000, rollupRetentionMs: 86_400_000 });
    const calls = await services.analytics.prepare(scope.orgId, prompt.id, [
      {
        requestId: "audit-1", startedAt: Date.now(), orgId: scope.orgId, promptId: prompt.id, versionId: version.id, majorVersion: 1, minorVersion: 0,
        environment: "production", status: 200, latencyMs: 10, upstreamLatencyMs: 9, ttftMs: null, stream: false, requestModel: "m", model: "m",
        provider: "openai", providerType: "openai", providerUrl: null, inputTokens: 1, outputTokens: 1, cachedInputTokens: null, errorCode: null, finishReasons: null,
        responseId: null, inputs: { name: "x" }, bodyBytes: 10, traceparent: null,
      },
    ]);
    await writer.write({ orgId: scope.orgId, promptId: prompt.id, seq: 0, calls });
    await services.analytics.metrics(scope, { promptId: prompt.id });
    await services.analytics.series(scope, { promptId: prompt.id });
    await services.analytics.requests(scope, { promptId: prompt.id, versionId: version.id, page: 0, pageSize: 10 });
    await services.analytics.versionWindow(scope, { promptId: prompt.id, versionId: version.id, since: new Date(Date.now() - 3_600_000) });
    await services.prompts.sweepAbandoned(new Date(Date.now() + 3_600_000));
    await services.prompts.remove(scope, prompt.id);
    services.deploymentFeed.stop();
  } finally {
    await client.close();
  }
  return shapes;
}

export async function auditQueryPlans(uri: string): Promise<{ verdicts: PlanVerdict[]; server: "mongodb" | "ferretdb" }> {
  const dbName = `plans_${randomBytes(4).toString("hex")}`;
  const shapes = await exerciseServices(uri, dbName);
  const client = await new MongoClient(uri).connect();
  try {
    const db = client.db(dbName);
    const buildInfo = await db.command({ buildInfo: 1 });
    const server = "ferretdbVersion" in buildInfo ? "ferretdb" : "mongodb";
    const indexesOf = new Map<string, Document[]>();
    const verdicts: PlanVerdict[] = [];
    for (const shape of shapes.values()) {
      if (!indexesOf.has(shape.collection)) indexesOf.set(shape.collection, await db.collection(shape.collection).indexes());
      const byId = "_id" in shape.filter && !isOperatorObject(shape.filter["_id"]);
      const covering = byId ? "_id" : (indexesOf.get(shape.collection)!.find((ix) => covers(ix["key"] as Document, shape))?.["name"] as string | undefined) ?? null;
      const explained = await db.command({ explain: explainCommand(shape), verbosity: "queryPlanner" });
      let plan: string;
      let collectionScan = false;
      if (server === "mongodb") {
        const stagesDoc = explained["stages"] as Array<{ $cursor?: { queryPlanner?: Document } }> | undefined;
        const planner = (explained["queryPlanner"] as Document | undefined) ?? stagesDoc?.[0]?.$cursor?.queryPlanner;
        const stages = planStages(planner?.["winningPlan"] as Document | undefined);
        collectionScan = stages.includes("COLLSCAN");
        plan = stages.join(" <- ");
      } else {
        const planner = explained["queryPlanner"] as Document | undefined;
        plan = `${JSON.stringify(planner?.["Plan"] ?? planner ?? {})} pushdown=${String(explained["filterPushdown"] ?? "?")}`;
      }
      verdicts.push({ shape, plan, coveringIndex: covering, collectionScan, ok: covering !== null && !collectionScan });
    }
    await db.dropDatabase();
    return { verdicts: verdicts.sort((a, b) => a.shape.signature.localeCompare(b.shape.signature)), server };
  } finally {
    await client.close();
  }
}
