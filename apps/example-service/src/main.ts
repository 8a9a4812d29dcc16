/**
 * A Node service talking to promptreg server-to-server:
 *
 * 1. With the typed tRPC client, make sure the demo prompt exists (created with version 1.0 in production)
 *    and that `staging` serves the candidate version (deployed once; later runs reuse it).
 * 2. Path A, the SDK way: `PromptManager.getPromptBody({ prompt_id, environment, inputs })` fetches and
 *    compiles the staging version here, and the `openai` SDK sends the body to the model itself.
 * 3. Path B, the gateway way: the `openai` SDK pointed at `${url}/v1` sends `prompt_id` + `inputs`; the
 *    server compiles and forwards upstream, and says which version served in `x-prompt-version`.
 *
 * `pnpm start` runs it with the environment's configuration (src/config.ts); tests call `run()`.
 */
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { appErrorOf, createPromptregClient, PromptManager, type PromptregClient, type RouterOutputs } from "@promptreg/client";
import OpenAI from "openai";
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { loadConfig } from "./config.js";
import { DEFAULT_INPUTS, DEMO_PROMPT_NAME, DEMO_PROMPT_TAGS, PRODUCTION_BODY, STAGING_BODY, STAGING_COMMIT_MESSAGE, type DemoInputs } from "./demo-prompt.js";

export { DEFAULT_INPUTS, DEMO_PROMPT_NAME, PRODUCTION_BODY, STAGING_BODY } from "./demo-prompt.js";

export interface RunOptions {
  /** promptreg server base URL, e.g. http://127.0.0.1:8787. */
  url: string;
  /** promptreg API key. */
  apiKey: string;
  /** Upstream the service calls itself with the compiled body (path A). */
  openaiBaseURL: string;
  openaiApiKey: string;
  /** Environment to deploy to and serve from. Default `staging`. */
  environment?: string;
  inputs?: DemoInputs;
  /** Where progress lines go. Default console.log. */
  log?: (line: string) => void;
}

type Version = RouterOutputs["versions"]["create"];

export interface ServedAnswer {
  answer: string | null;
  /** The version that served, e.g. "1.1". */
  version: string | null;
  versionId: string | null;
}

export interface RunResult {
  promptId: string;
  /** Whether this run created the prompt (false: it existed). */
  createdPrompt: boolean;
  environment: string;
  /** The version the environment points at after the run. */
  deployed: { versionId: string; version: string; createdVersion: boolean };
  /** Path A: compiled here by PromptManager, sent by the openai SDK to the upstream. */
  direct: ServedAnswer & { source: string };
  /** Path B: prompt_id + inputs sent to the promptreg gateway. */
  gateway: ServedAnswer;
}

/** The gateway's extra request fields, which OpenAI's types do not know. */
interface GatewayPromptParams {
  prompt_id: string;
  environment?: string;
  inputs: Record<string, unknown>;
}

const label = (v: { majorVersion: number; minorVersion: number }) => `${v.majorVersion}.${v.minorVersion}`;
const answerOf = (completion: ChatCompletion) => completion.choices[0]?.message.content ?? null;

/** Finds the demo prompt by name (newest first), or creates it: version 1.0, deployed to production. */
async function ensurePrompt(client: PromptregClient): Promise<{ promptId: string; created: boolean }> {
  const { items } = await client.prompts.list.query({ search: DEMO_PROMPT_NAME });
  const existing = items.find((prompt) => prompt.name === DEMO_PROMPT_NAME);
  if (existing) return { promptId: existing.id, created: false };
  const { prompt } = await client.prompts.create.mutate({ name: DEMO_PROMPT_NAME, tags: DEMO_PROMPT_TAGS, body: PRODUCTION_BODY });
  return { promptId: prompt.id, created: true };
}

/** The version `environment` points at, or null when nothing is deployed there. */
async function deployedVersion(client: PromptregClient, promptId: string, environment: string): Promise<Version | null> {
  try {
    return await client.environments.version.query({ promptId, environment });
  } catch (error) {
    if (appErrorOf(error)?.code === "NOT_FOUND") return null;
    throw error;
  }
}

/**
 * Makes `environment` serve the staging body: reused when it already does (versions are immutable, so
 * re-running the sample does not pile up versions), else a new minor version of production deployed there.
 */
async function deployStaging(client: PromptregClient, promptId: string, environment: string): Promise<{ version: Version; created: boolean }> {
  const current = await deployedVersion(client, promptId, environment);
  if (current && isDeepStrictEqual(await client.versions.body.query({ versionId: current.id }), STAGING_BODY)) {
    return { version: current, created: false };
  }
  const production = await client.environments.version.query({ promptId, environment: "production" });
  const version = await client.versions.create.mutate({
    promptId,
    baseVersionId: production.id,
    bump: "minor",
    commitMessage: STAGING_COMMIT_MESSAGE,
    body: STAGING_BODY,
    environment,
  });
  return { version, created: true };
}

export async function run(options: RunOptions): Promise<RunResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const environment = options.environment ?? "staging";
  const inputs = options.inputs ?? DEFAULT_INPUTS;
  const url = options.url.replace(/\/+$/, "");

  // 1. The registry, through the typed tRPC client.
  const client = createPromptregClient({ url, apiKey: options.apiKey });
  const { promptId, created } = await ensurePrompt(client);
  log(`${created ? "created" : "found"} prompt ${DEMO_PROMPT_NAME} (${promptId})`);
  const deployed = await deployStaging(client, promptId, environment);
  log(`${environment} -> version ${label(deployed.version)} (${deployed.version.id})${deployed.created ? ", just deployed" : ", already deployed"}`);

  // 2. Path A: compile here, call the model with the openai SDK.
  // A one-shot run needs no pushed invalidation; a long-lived service keeps `subscribe` on (the default)
  // and calls close() on shutdown.
  const prompts = new PromptManager({ url, apiKey: options.apiKey, subscribe: false });
  let direct: RunResult["direct"];
  try {
    const compiled = await prompts.getPromptBody<ChatCompletionCreateParamsNonStreaming>({ prompt_id: promptId, environment, inputs });
    if (compiled.errors.length > 0) throw new Error(`inputs rejected: ${compiled.errors.map((e) => e.message).join("; ")}`);
    const upstream = new OpenAI({ baseURL: options.openaiBaseURL, apiKey: options.openaiApiKey });
    const completion = await upstream.chat.completions.create(compiled.body);
    direct = { answer: answerOf(completion), version: compiled.version, versionId: compiled.versionId, source: compiled.source };
  } finally {
    prompts.close();
  }
  log(`[sdk]     version ${direct.version} (${direct.source}): ${direct.answer}`);

  // 3. Path B: the gateway compiles and forwards; the OpenAI SDK only needs a base URL and our key.
  const gateway = new OpenAI({ baseURL: `${url}/v1`, apiKey: options.apiKey });
  const params: GatewayPromptParams = { prompt_id: promptId, environment, inputs };
  const { data, response } = await gateway.chat.completions
    .create(params as unknown as ChatCompletionCreateParamsNonStreaming) // prompt_id/inputs are not in OpenAI's types
    .withResponse();
  const viaGateway: ServedAnswer = {
    answer: answerOf(data),
    version: response.headers.get("x-prompt-version"),
    versionId: response.headers.get("x-prompt-version-id"),
  };
  log(`[gateway] version ${viaGateway.version}: ${viaGateway.answer}`);

  return {
    promptId,
    createdPrompt: created,
    environment,
    deployed: { versionId: deployed.version.id, version: label(deployed.version), createdVersion: deployed.created },
    direct,
    gateway: viaGateway,
  };
}

/** True when this file is the process's entry point (`tsx src/main.ts` or `node dist/main.js`). */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  try {
    await run(loadConfig());
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
