/**
 * The same flow as apps/example-service, the way a team without our TypeScript client does it: plain
 * `fetch` against the Helicone-compatible REST API (../../shared/API.md), nothing from promptreg at run time
 * (the `import type` lines below vanish when compiled).
 *
 * 1. `POST /v1/prompt-2025/query` finds the demo prompt by name; `POST /v1/prompt-2025` creates it (1.0,
 *    deployed to production) when missing.
 * 2. `POST /v2/prompt-2025/query/environment-version` reads what staging serves; when it is not the candidate
 *    body yet, `POST /v1/prompt-2025/update` with `environment` creates a version and deploys it there.
 * 3. The version's signed `s3_url` is fetched without any key, as Helicone's SDK does.
 * 4. `POST /v1/chat/completions` with `prompt_id` + `environment` + `inputs`: the gateway compiles the
 *    template and calls the model; `x-prompt-version` says which version served.
 * 5. The same call with a wrongly typed input: a 400 in OpenAI's error shape, one entry per problem.
 */
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import type { TRestPrompt, TRestPromptVersion, TRestPromptVersionWithBody } from "@promptreg/contracts/rest";
import { loadConfig } from "./config.js";

type PromptBody = TRestPromptVersionWithBody["prompt_body"];

export const DEMO_PROMPT_NAME = "example-rest-support-agent";

/** Version 1.0, deployed to production when the prompt is created. */
export const PRODUCTION_BODY: PromptBody = {
  model: "gpt-4o-mini",
  temperature: 0.2,
  messages: [
    { role: "system", content: "You are the support assistant of {{hc:company:string}}. Answer in at most {{hc:max_sentences:number}} sentences." },
    { role: "user", content: "{{hc:question:string}}" },
  ],
};

/** The candidate deployed to staging. */
export const STAGING_BODY: PromptBody = {
  model: "gpt-4o-mini",
  temperature: 0.5,
  messages: [
    {
      role: "system",
      content:
        "You are the friendly support assistant of {{hc:company:string}}. Answer in at most {{hc:max_sentences:number}} sentences. VIP customer: {{hc:vip:boolean}}.",
    },
    { role: "user", content: "Customer {{hc:customer_name:string}} asks: {{hc:question:string}}" },
  ],
};

export const DEFAULT_INPUTS: Record<string, unknown> = {
  company: "Acme",
  customer_name: "Sarah Johnson",
  question: "I was charged twice this month. Can you refund one payment?",
  max_sentences: 3,
  vip: true,
};

export interface RunOptions {
  url: string;
  apiKey: string;
  /** Environment to deploy to and serve from. Default `staging`. */
  environment?: string;
  inputs?: Record<string, unknown>;
  /** Where progress lines go. Default console.log. */
  log?: (line: string) => void;
}

/** One entry of the gateway's 400 answer. */
export interface InputProblem {
  variable: string;
  expected: string;
  value: unknown;
  message: string;
}

export interface RunResult {
  promptId: string;
  createdPrompt: boolean;
  environment: string;
  deployed: { versionId: string; version: string; createdVersion: boolean };
  /** The body behind the signed s3_url, fetched without a key. */
  signedBody: unknown;
  gateway: { answer: string | null; version: string | null; versionId: string | null };
  /** What the gateway answered to a wrongly typed input. */
  rejected: { status: number; code: string | undefined; details: InputProblem[] };
}

/** An error answer of the REST API: `{"data": null, "error": "<message>"}` with its status. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "RestError";
  }
}

interface Envelope<T> {
  data: T | null;
  error: string | null;
}

interface ChatCompletionAnswer {
  choices?: Array<{ message?: { content?: string | null } }>;
  error?: { message?: string; code?: string; details?: InputProblem[] };
}

const label = (v: Pick<TRestPromptVersion, "major_version" | "minor_version">) => `${v.major_version}.${v.minor_version}`;

/** Reads a JSON answer; a non-JSON one (a proxy's error page…) becomes an error naming the status. */
async function readJson<T>(response: Response, what: string): Promise<T> {
  const text = await response.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new RestError(response.status, `${what}: ${response.status}, not JSON: ${text.slice(0, 200)}`);
  }
}

export async function run(options: RunOptions): Promise<RunResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const environment = options.environment ?? "staging";
  const inputs = options.inputs ?? DEFAULT_INPUTS;
  const base = options.url.replace(/\/+$/, "");
  const headers = { authorization: `Bearer ${options.apiKey}`, "content-type": "application/json" };

  /** Calls the REST API and unwraps `{ data, error }`; an error answer throws RestError. */
  async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const envelope = await readJson<Envelope<T>>(response, `${method} ${path}`);
    if (!response.ok || envelope.error !== null) throw new RestError(response.status, `${method} ${path}: ${response.status} ${envelope.error}`);
    return envelope.data as T;
  }

  /** What `environment` serves (metadata and body), or null when nothing is deployed there (404). */
  async function environmentVersion(promptId: string): Promise<TRestPromptVersionWithBody | null> {
    try {
      return await call<TRestPromptVersionWithBody>("POST", "/v2/prompt-2025/query/environment-version", { promptId, environment });
    } catch (error) {
      if (error instanceof RestError && error.status === 404) return null;
      throw error;
    }
  }

  async function chatCompletion(request: Record<string, unknown>): Promise<{ response: Response; answer: ChatCompletionAnswer }> {
    const response = await fetch(`${base}/v1/chat/completions`, { method: "POST", headers, body: JSON.stringify(request) });
    return { response, answer: await readJson<ChatCompletionAnswer>(response, "POST /v1/chat/completions") };
  }

  // 1. The prompt: found by name (newest first), else created.
  const found = await call<TRestPrompt[]>("POST", "/v1/prompt-2025/query", { search: DEMO_PROMPT_NAME });
  let promptId = found.find((prompt) => prompt.name === DEMO_PROMPT_NAME)?.id;
  const createdPrompt = promptId === undefined;
  if (promptId === undefined) {
    const created = await call<{ id: string; versionId: string }>("POST", "/v1/prompt-2025", {
      name: DEMO_PROMPT_NAME,
      tags: ["example", "support"],
      promptBody: PRODUCTION_BODY,
    });
    promptId = created.id;
  }
  log(`${createdPrompt ? "created" : "found"} prompt ${DEMO_PROMPT_NAME} (${promptId})`);

  // 2. Staging serves the candidate body: reused when it already does, else a new version deployed there.
  let deployed = await environmentVersion(promptId);
  const createdVersion = !deployed || !isDeepStrictEqual(deployed.prompt_body, STAGING_BODY);
  if (createdVersion) {
    const production = await call<TRestPromptVersion>("POST", "/v1/prompt-2025/query/production-version", { promptId });
    await call<{ id: string }>("POST", "/v1/prompt-2025/update", {
      promptId,
      promptVersionId: production.id,
      newMajorVersion: false,
      environment,
      commitMessage: "Warmer tone; greet the customer by name; VIP flag",
      promptBody: STAGING_BODY,
    });
    deployed = await environmentVersion(promptId);
  }
  if (!deployed) throw new Error(`${environment} has no version after deploying one`);
  log(`${environment} -> version ${label(deployed)} (${deployed.id})${createdVersion ? ", just deployed" : ", already deployed"}`);

  // 3. The signed body URL works without a key (Helicone's SDK fetches it with a bare fetch).
  const signed = await fetch(deployed.s3_url);
  if (!signed.ok) throw new RestError(signed.status, `GET s3_url: ${signed.status}`);
  const signedBody = await readJson<unknown>(signed, "GET s3_url");
  log(`s3_url (no key) serves the body of ${label(deployed)}: ${isDeepStrictEqual(signedBody, deployed.prompt_body) ? "same body" : "DIFFERENT body"}`);

  // 4. The gateway: prompt_id + environment + inputs; no messages, no model.
  const served = await chatCompletion({ prompt_id: promptId, environment, inputs });
  if (!served.response.ok) {
    throw new RestError(served.response.status, `POST /v1/chat/completions: ${served.response.status} ${served.answer.error?.message ?? ""}`);
  }
  const gateway = {
    answer: served.answer.choices?.[0]?.message?.content ?? null,
    version: served.response.headers.get("x-prompt-version"),
    versionId: served.response.headers.get("x-prompt-version-id"),
  };
  log(`[gateway] version ${gateway.version}: ${gateway.answer}`);

  // 5. A wrongly typed input answers 400 before anything goes upstream, one entry per problem.
  const bad = await chatCompletion({ prompt_id: promptId, environment, inputs: { ...inputs, max_sentences: "three" } });
  const rejected = { status: bad.response.status, code: bad.answer.error?.code, details: bad.answer.error?.details ?? [] };
  log(`[gateway] max_sentences "three" -> ${rejected.status} ${rejected.code}: ${rejected.details.map((d) => d.message).join("; ")}`);

  return {
    promptId,
    createdPrompt,
    environment,
    deployed: { versionId: deployed.id, version: label(deployed), createdVersion },
    signedBody,
    gateway,
    rejected,
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
