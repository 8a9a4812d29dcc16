// Boots the real server (real Express on loopback, real database) for one test file, with helpers to
// call it over REST and tRPC and to seed organizations and keys.
import { randomBytes } from "node:crypto";
import { createTRPCClient, httpLink } from "@trpc/client";
import type { TPromptBody } from "@promptreg/contracts";
import { MongoClient, type Db } from "mongodb";
import { inject } from "vitest";
import { parseConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { startServer, type RunningServer } from "../src/runtime.js";
import type { AppRouter } from "../src/trpc/root.js";

export const ADMIN_KEY = "test-bootstrap-key-0123456789";

export interface RestResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface TestServer extends RunningServer {
  dbName: string;
  /** Calls the REST API with the given key (default: the bootstrap admin key). */
  rest<T = any>(method: string, path: string, body?: unknown, options?: { key?: string | null; raw?: string; contentType?: string; headers?: Record<string, string> }): Promise<RestResponse<T>>;
  trpc(key?: string): ReturnType<typeof createTRPCClient<AppRouter>>;
  /** A fresh organization and its admin key. */
  createOrg(name?: string): Promise<{ orgId: string; key: string }>;
  /** Direct database access, for assertions on what is stored. */
  rawDb(): Promise<Db>;
  stop(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dbName = `t_${randomBytes(6).toString("hex")}`;
  const config = parseConfig({
    MONGODB_URI: inject("mongoUri"),
    MONGODB_DB: dbName,
    PORT: "0",
    PROMPTREG_API_KEY: ADMIN_KEY,
    PROMPTREG_LOG_LEVEL: "silent",
    PROMPTREG_DB_TIMEOUT_MS: "3000",
    ...env,
  });
  // PROMPTREG_TEST_LOG_LEVEL=debug shows the server's log while debugging a test.
  const server = await startServer(config, createLogger(process.env["PROMPTREG_TEST_LOG_LEVEL"] ?? "silent"));
  let inspector: MongoClient | undefined;

  const rest: TestServer["rest"] = async (method, path, body, options = {}) => {
    const key = options.key === undefined ? ADMIN_KEY : options.key;
    const headers: Record<string, string> = { ...options.headers };
    if (key !== null) headers["authorization"] = `Bearer ${key}`;
    let payload: string | undefined = options.raw;
    if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers["content-type"] = options.contentType ?? "application/json";
    const response = await fetch(`${server.url}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed as never, text };
  };

  return {
    ...server,
    dbName,
    rest,
    trpc: (key = ADMIN_KEY) =>
      createTRPCClient<AppRouter>({
        links: [httpLink({ url: `${server.url}/trpc`, headers: { authorization: `Bearer ${key}` } })],
      }),
    async createOrg(name = "other org") {
      const response = await rest("POST", "/v1/organizations", { name });
      if (response.status !== 201) throw new Error(`createOrg failed: ${response.text}`);
      const data = (response.body as { data: { organization: { id: string }; adminKey: { secret: string } } }).data;
      return { orgId: data.organization.id, key: data.adminKey.secret };
    },
    async rawDb() {
      inspector ??= await new MongoClient(inject("mongoUri")).connect();
      return inspector.db(dbName);
    },
    async stop() {
      await inspector?.close();
      await server.close();
    },
  };
}

/** A small valid prompt body with typed variables. */
export function sampleBody(overrides: Record<string, unknown> = {}): TPromptBody {
  return {
    model: "gpt-4o-mini",
    temperature: 0.3,
    messages: [
      { role: "system", content: "You are a support agent for {{hc:company:string}}." },
      { role: "user", content: "Customer {{hc:customer:string}} asks: {{hc:question:string}}" },
    ],
    ...overrides,
  };
}
