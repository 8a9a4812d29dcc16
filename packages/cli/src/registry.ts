/**
 * Server calls shared by the commands, over the typed tRPC client of @promptreg/client: paging through
 * lists, and resolving what a person types (a prompt id or name, a version "1.2" or id) to ids.
 */
import { createPromptregClient, type PromptregClient } from "@promptreg/client";
import { PROMPT_ID_PATTERN, ZEnvironmentName, type TPrompt, type TPromptVersion } from "@promptreg/contracts";
import type { Credentials } from "./config.js";
import { isNotFound, notFoundError, usageError } from "./errors.js";

export type { PromptregClient };

export function connect(credentials: Credentials): PromptregClient {
  // A person is waiting: fail within 15 s rather than tRPC's default; queries retry transient errors twice.
  return createPromptregClient({ url: credentials.url, apiKey: credentials.apiKey, timeoutMs: 15_000 });
}

/** "1.2" */
export const versionLabel = (version: Pick<TPromptVersion, "majorVersion" | "minorVersion">) =>
  `${version.majorVersion}.${version.minorVersion}`;

const PAGE_SIZE = 1000;

/** Every prompt of the organization, newest first. */
export async function listAllPrompts(client: PromptregClient, search?: string): Promise<TPrompt[]> {
  const prompts: TPrompt[] = [];
  for (let page = 0; ; page++) {
    const answer = await client.prompts.list.query({ page, pageSize: PAGE_SIZE, ...(search === undefined ? {} : { search }) });
    prompts.push(...answer.items);
    if (answer.items.length < PAGE_SIZE || prompts.length >= answer.total) return prompts;
  }
}

/** Every version of a prompt, newest first. */
export async function listAllVersions(client: PromptregClient, promptId: string): Promise<TPromptVersion[]> {
  const versions: TPromptVersion[] = [];
  for (let page = 0; ; page++) {
    const answer = await client.versions.list.query({ promptId, page, pageSize: PAGE_SIZE });
    versions.push(...answer);
    if (answer.length < PAGE_SIZE) return versions;
  }
}

/**
 * A prompt named by its id or its exact name. An id-shaped argument is tried as an id first (a name may
 * look like an id). A name several prompts share is a usage error: the id must be given.
 */
export async function resolvePrompt(client: PromptregClient, ref: string): Promise<TPrompt> {
  const wanted = ref.trim();
  if (wanted === "") throw usageError("a prompt id or name must not be empty");
  if (PROMPT_ID_PATTERN.test(wanted)) {
    try {
      return await client.prompts.byId.query({ promptId: wanted });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  const matches = (await listAllPrompts(client, wanted)).filter((prompt) => prompt.name === wanted);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw notFoundError(`prompt ${JSON.stringify(wanted)} not found (neither an id nor a name)`);
  throw usageError(
    `${matches.length} prompts are named ${JSON.stringify(wanted)} (${matches.map((prompt) => prompt.id).join(", ")}); give the id instead`,
  );
}

const VERSION_LABEL = /^v?(\d+)\.(\d+)$/;

/** A version of `prompt` named "1.2" (or "v1.2") or by its id. */
export async function resolveVersion(client: PromptregClient, prompt: TPrompt, ref: string): Promise<TPromptVersion> {
  const wanted = ref.trim();
  const label = VERSION_LABEL.exec(wanted);
  if (label) {
    const major = Number(label[1]);
    const minor = Number(label[2]);
    const versions = await client.versions.list.query({ promptId: prompt.id, majorVersion: major, pageSize: PAGE_SIZE });
    const found = versions.find((version) => version.minorVersion === minor);
    if (!found) throw notFoundError(`version ${major}.${minor} of prompt ${prompt.name} (${prompt.id}) not found`);
    return found;
  }
  if (wanted === "") throw usageError("a version must not be empty");
  let version: TPromptVersion;
  try {
    version = await client.versions.byId.query({ versionId: wanted });
  } catch (error) {
    if (isNotFound(error)) throw notFoundError(`version ${wanted} of prompt ${prompt.name} (${prompt.id}) not found`);
    throw error;
  }
  if (version.promptId !== prompt.id) throw notFoundError(`version ${wanted} is not a version of prompt ${prompt.name} (${prompt.id})`);
  return version;
}

/** The version `environment` points at, or null when nothing is deployed there. */
export async function environmentVersion(client: PromptregClient, promptId: string, environment: string): Promise<TPromptVersion | null> {
  try {
    return await client.environments.version.query({ promptId, environment });
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** `fn` over `items`, at most `limit` at a time, results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** An environment name as the server accepts it; anything else is a usage error before any call. */
export function parseEnvironment(raw: string): string {
  const parsed = ZEnvironmentName.safeParse(raw);
  if (!parsed.success) throw usageError(`invalid environment ${JSON.stringify(raw)}: ${parsed.error.issues.map((issue) => issue.message).join("; ")}`);
  return parsed.data;
}
