// Test support for every package whose tests run against the real server (@promptreg/server/testing):
// startTestServer boots it on loopback (port 0) in a database of its own on the run's database server
// (see ./global-setup.ts), with helpers to call it over REST and tRPC and to seed organizations.
// Packages keep their own specifics (a counting fetch, a CLI runner, a fake LLM) in their test/ folder.
//
// Why a subpath of the server and not a package of its own: it boots the server, so a separate package
// would depend on @promptreg/server, and the server's own tests (the largest user) could then only use
// it through a dependency cycle (server -> testing -> server), which turbo refuses. Here the server's tests
// import it from src, every other package from the built export. Test-only: it imports vitest and
// @trpc/client (devDependencies here, present wherever tests run); nothing in the server imports it.
import "./context.js";
import { randomBytes } from "node:crypto";
import type { TPromptBody } from "@promptreg/contracts";
import { startFakeLlm, type FakeLlm } from "@promptreg/fake-llm";
import { createTRPCClient, httpLink, type TRPCClient } from "@trpc/client";
import { MongoClient, type Db } from "mongodb";
import { inject } from "vitest";
import { parseConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { startServer, type RunningServer } from "../runtime.js";
import { createCallerFactory } from "../trpc/init.js";
import { appRouter, type AppRouter } from "../trpc/root.js";

const createAppCaller = createCallerFactory(appRouter);
/** The app router called in-process: procedures are plain async functions, no HTTP in between. */
export type AppCaller = ReturnType<typeof createAppCaller>;

/** The bootstrap admin key of every test server (PROMPTREG_API_KEY). */
export const ADMIN_KEY = "test-bootstrap-key-0123456789";

export interface RestResponse<T = any> {
  status: number;
  headers: Headers;
  /** The answer parsed as JSON; undefined when it is not JSON. */
  body: T;
  text: string;
}

export interface RestOptions {
  /** The bearer key; default the bootstrap admin key, null for none. */
  key?: string | null;
  /** A raw request body, sent as is (instead of `body` as JSON). */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface TestServer extends RunningServer {
  /** The database this server uses (pass it as MONGODB_DB to start a replica on the same data). */
  dbName: string;
  /** Calls the REST API and returns the whole answer, whatever its status. */
  rest<T = any>(method: string, path: string, body?: unknown, options?: RestOptions): Promise<RestResponse<T>>;
  /** Calls the REST API with the admin key and returns `data`; throws on an error answer. */
  call<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  /** A typed tRPC client with the given key (default: the admin key), over HTTP. */
  trpc(key?: string): TRPCClient<AppRouter>;
  /**
   * The app router called in-process (tRPC's createCaller on this server's services and database) as the
   * holder of `key` (default: the admin key): a router test fails on the rule, not on the transport.
   */
  caller(key?: string): Promise<AppCaller>;
  /** A fresh organization and its admin key (a tenant of its own for a test). */
  createOrg(name?: string): Promise<{ orgId: string; key: string }>;
  /** Direct access to this server's database, for assertions on what is stored. */
  rawDb(): Promise<Db>;
  /** Stops the server (idempotent). */
  stop(): Promise<void>;
}

/**
 * The real server (startServer: real Express on loopback, port 0) on the run's database server. Each call
 * gets a new database unless `env` names one (MONGODB_DB: a second replica of the same data). `env`
 * overrides any setting (OPENAI_BASE_URL for a fake LLM, limits, ...). PROMPTREG_TEST_LOG_LEVEL=debug shows
 * the server's log while debugging a test.
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dbName = env["MONGODB_DB"] ?? `${inject("testDbPrefix")}_${randomBytes(6).toString("hex")}`;
  const config = parseConfig({
    MONGODB_URI: inject("mongoUri"),
    PORT: "0",
    PROMPTREG_API_KEY: ADMIN_KEY,
    PROMPTREG_LOG_LEVEL: "silent",
    PROMPTREG_DB_TIMEOUT_MS: "3000",
    ...env,
    MONGODB_DB: dbName,
  });
  const server = await startServer(config, createLogger(process.env["PROMPTREG_TEST_LOG_LEVEL"] ?? "silent"));
  let inspector: MongoClient | undefined;
  let stopped: Promise<void> | undefined;

  async function rest<T = any>(method: string, path: string, body?: unknown, options: RestOptions = {}): Promise<RestResponse<T>> {
    const key = options.key === undefined ? ADMIN_KEY : options.key;
    const headers: Record<string, string> = { ...options.headers };
    if (key !== null) headers["authorization"] = `Bearer ${key}`;
    const payload = body === undefined ? options.raw : JSON.stringify(body);
    if (payload !== undefined) headers["content-type"] = options.contentType ?? "application/json";
    const response = await fetch(`${server.url}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    // The caller states the shape it expects (JSON.parse can only say unknown); tests then assert on it.
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  return {
    ...server,
    dbName,
    rest,
    async call(method, path, body) {
      const response = await rest<{ data: unknown; error: string | null }>(method, path, body);
      if (response.status >= 400 || !response.body || response.body.error) {
        throw new Error(`${method} ${path}: ${response.status} ${response.body?.error ?? response.text}`);
      }
      return response.body.data as never;
    },
    trpc: (key = ADMIN_KEY) =>
      createTRPCClient<AppRouter>({
        links: [httpLink({ url: `${server.url}/trpc`, headers: { authorization: `Bearer ${key}` } })],
      }),
    async caller(key = ADMIN_KEY) {
      const scope = await server.services.auth.authenticate(`Bearer ${key}`);
      return createAppCaller({ services: server.services, admission: Promise.resolve(scope), requestId: `caller-${randomBytes(4).toString("hex")}` });
    },
    async createOrg(name = `org-${randomBytes(4).toString("hex")}`) {
      const response = await rest<{ data: { organization: { id: string }; adminKey: { secret: string } } | null }>("POST", "/v1/organizations", { name });
      if (response.status !== 201 || !response.body.data) throw new Error(`creating an organization failed: ${response.status} ${response.text}`);
      return { orgId: response.body.data.organization.id, key: response.body.data.adminKey.secret };
    },
    async rawDb() {
      inspector ??= await new MongoClient(inject("mongoUri")).connect();
      return inspector.db(dbName);
    },
    stop() {
      stopped ??= (async () => {
        await inspector?.close();
        await server.close();
      })();
      return stopped;
    },
  };
}

/** The provider key a test server sends upstream (OPENAI_API_KEY); the fake LLM records it. */
export const UPSTREAM_KEY = "sk-test-upstream-key";

export interface TestServerWithLlm extends TestServer {
  /** The fake OpenAI-compatible upstream the gateway forwards to (it records every request). */
  llm: FakeLlm;
}

/** startTestServer whose gateway forwards to a fake LLM of its own (OPENAI_BASE_URL, UPSTREAM_KEY); stop() closes both. */
export async function startTestServerWithFakeLlm(env: Record<string, string> = {}): Promise<TestServerWithLlm> {
  const llm = await startFakeLlm();
  try {
    const server = await startTestServer({ OPENAI_BASE_URL: llm.baseUrl, OPENAI_API_KEY: UPSTREAM_KEY, ...env });
    let stopped: Promise<void> | undefined;
    return {
      ...server,
      llm,
      stop() {
        stopped ??= server.stop().finally(() => llm.close());
        return stopped;
      },
    };
  } catch (error) {
    await llm.close();
    throw error;
  }
}

/** A small valid prompt body with typed variables (company, customer, question); `overrides` replace its fields. */
export function sampleBody(overrides: Partial<TPromptBody> = {}): TPromptBody {
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
