// The CLI tests' own helpers, beside the real server every package's tests share (startTestServer from
// @promptreg/server/testing): a typed client for a fresh organization, and a way to run the built CLI
// against the server as a child process, the way a person or a script would.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createPromptregClient, type PromptregClient } from "@promptreg/client";
import type { TPromptBody } from "@promptreg/contracts";
import { ADMIN_KEY, type TestServer } from "@promptreg/server/testing";

export const BIN = fileURLToPath(new URL("../bin/promptreg.js", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON. */
  json<T = any>(): T;
}

/** A fresh organization (so a test sees only its own prompts): its admin key and a typed client using it. */
export async function createOrgClient(server: TestServer): Promise<{ key: string; client: PromptregClient }> {
  const { key } = await server.createOrg();
  return { key, client: createPromptregClient({ url: server.url, apiKey: key }) };
}

export interface Workspace {
  dir: string;
  configPath: string;
  /** Runs `promptreg ...args` in `dir`. `env` adds to (or, with undefined values, removes from) the defaults. */
  run(args: string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  remove(): Promise<void>;
}

/** A temporary working directory and config file, with PROMPTREG_URL/KEY pointing at `server` by default. */
export async function createWorkspace(server: TestServer | null, key = ADMIN_KEY): Promise<Workspace> {
  if (!existsSync(fileURLToPath(new URL("../dist/cli.js", import.meta.url)))) {
    throw new Error("packages/cli is not built: run `pnpm --filter promptreg build` first");
  }
  const dir = await mkdtemp(join(tmpdir(), "promptreg-cli-"));
  const configPath = join(dir, ".config", "promptreg", "config.json");
  const run: Workspace["run"] = (args, extra = {}) => {
    // Only what the CLI needs: the environment of the test run (a CI key, colours) must not leak in.
    const env: Record<string, string | undefined> = {
      PATH: process.env["PATH"],
      HOME: dir,
      PROMPTREG_CONFIG: configPath,
      PROMPTREG_URL: server?.url,
      PROMPTREG_API_KEY: server ? key : undefined,
      NO_COLOR: "1",
      ...extra,
    };
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    return new Promise((resolve) => {
      // Asynchronous on purpose: the server answering the CLI runs in this very process.
      execFile(process.execPath, [BIN, ...args], { cwd: dir, env, timeout: 30_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({
          code,
          stdout,
          stderr,
          json() {
            try {
              return JSON.parse(stdout);
            } catch {
              throw new Error(`stdout is not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`);
            }
          },
        });
      });
    });
  };
  return { dir, configPath, run, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A small valid prompt body with typed variables. */
export function sampleBody(system = "You help customers of {{hc:company:string}}.\nBe kind."): TPromptBody {
  return {
    model: "gpt-4o-mini",
    temperature: 0.2,
    messages: [
      { role: "system", content: system },
      { role: "user", content: "{{hc:question:string}} (order {{hc:order:number}}, urgent: {{hc:urgent:boolean}})" },
    ],
  };
}

/** A prompt name no other test uses. */
export const uniqueName = (base: string) => `${base}-${randomBytes(3).toString("hex")}`;
