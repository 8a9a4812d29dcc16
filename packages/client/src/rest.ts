/**
 * A small typed client over the Helicone-compatible REST API (API.md) and our own REST endpoints (API keys,
 * organizations, deployment changes). Request and answer types come from `@promptreg/contracts` (type-only
 * imports: nothing of zod runs here). Every method unwraps the `{ data, error }` envelope and throws
 * `PromptregApiError { status, message }` when the server answers an error, `PromptregNetworkError` when
 * it does not answer.
 */
import type {
  TApiKey,
  TCreatedApiKey,
  TCreatedOrganization,
  TDeployment,
  TPromptBody,
  ZCreateApiKeyInput,
  ZCreateOrganizationInput,
} from "@promptreg/contracts";
import type {
  TRestCaptureSettingsData,
  TRestMetricsSeriesData,
  TRestRequestRecord,
  TRestVersionMetrics,
  ZRestCaptureSettingsRequest,
  ZRestMetricsRequest,
  ZRestMetricsSeriesRequest,
  ZRestRequestsRequest,
  ZRestSetCaptureSettingsRequest,
  TRestPrompt,
  TRestPromptVersion,
  TRestPromptVersionWithBody,
  ZRestCreatePromptData,
  ZRestCreatePromptRequest,
  ZRestCreateVersionData,
  ZRestCreateVersionRequest,
  ZRestEnvironmentChangeRequest,
  ZRestEnvironmentVersionRequest,
  ZRestSetEnvironmentProtectionRequest,
  ZRestPromptRefRequest,
  ZRestQueryPromptsRequest,
  ZRestQueryVersionsRequest,
  ZRestRenameRequest,
  ZRestSetTagsRequest,
  ZRestSubversionData,
  ZRestSubversionRequest,
  ZRestTotalVersionsData,
  ZRestVersionRefRequest,
  ZRestRollout,
  ZRestRolloutRefRequest,
  ZRestStartRolloutRequest,
} from "@promptreg/contracts/rest";
import type { z } from "zod";
import { createTransport, type FetchLike, type HeadersOption, type Transport } from "./http.js";

/** What a request body may hold (defaults optional): the schema's input type. */
type In<T extends z.ZodType> = z.input<T>;
/** What an answer's `data` holds: the schema's output type. */
type Out<T extends z.ZodType> = z.output<T>;

export interface RestClientOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8787`. */
  url: string;
  apiKey: string;
  /** `fetch` to use; default the global one. */
  fetch?: FetchLike;
  /** Extra headers for every request. */
  headers?: HeadersOption;
  /** Per-request timeout (the whole answer read). Default 10 s. */
  timeoutMs?: number;
}

export type CreatePromptRequest = In<typeof ZRestCreatePromptRequest>;
export type CreatePromptData = Out<typeof ZRestCreatePromptData>;
export type QueryPromptsRequest = In<typeof ZRestQueryPromptsRequest>;
export type RenamePromptRequest = In<typeof ZRestRenameRequest>;
export type SetTagsRequest = In<typeof ZRestSetTagsRequest>;
export type CreateVersionRequest = In<typeof ZRestCreateVersionRequest>;
export type CreateVersionData = Out<typeof ZRestCreateVersionData>;
export type QueryVersionsRequest = In<typeof ZRestQueryVersionsRequest>;
export type VersionRefRequest = In<typeof ZRestVersionRefRequest>;
export type PromptRefRequest = In<typeof ZRestPromptRefRequest>;
export type EnvironmentVersionRequest = In<typeof ZRestEnvironmentVersionRequest>;
export type EnvironmentChangeRequest = In<typeof ZRestEnvironmentChangeRequest>;
export type SetEnvironmentProtectionRequest = In<typeof ZRestSetEnvironmentProtectionRequest>;
export type TotalVersionsData = Out<typeof ZRestTotalVersionsData>;
export type SubversionRequest = In<typeof ZRestSubversionRequest>;
export type SubversionData = Out<typeof ZRestSubversionData>;
export type CreateApiKeyRequest = In<typeof ZCreateApiKeyInput>;
export type CreateOrganizationRequest = In<typeof ZCreateOrganizationInput>;
export type MetricsRequest = In<typeof ZRestMetricsRequest>;
export type MetricsSeriesRequest = In<typeof ZRestMetricsSeriesRequest>;
export type RequestsRequest = In<typeof ZRestRequestsRequest>;
export type CaptureSettingsRequest = In<typeof ZRestCaptureSettingsRequest>;
export type SetCaptureSettingsRequest = In<typeof ZRestSetCaptureSettingsRequest>;
export type StartRolloutRequest = In<typeof ZRestStartRolloutRequest>;
export type RolloutRefRequest = In<typeof ZRestRolloutRefRequest>;
/** An environment's latest rollout as `query/rollout` answers it (snake_case). */
export type RestRollout = Out<typeof ZRestRollout>;

const P = "/v1/prompt-2025";
const V2 = "/v2/prompt-2025";
const seg = encodeURIComponent;

/** Methods are plain functions (closures): `const { getPrompt } = rest` works. */
export interface RestClient {
  /** `POST /v1/prompt-2025`: a prompt with version 1.0, deployed to production. */
  createPrompt: (request: CreatePromptRequest) => Promise<CreatePromptData>;
  /** `POST /v1/prompt-2025/query`: newest first; pages start at 0. */
  queryPrompts: (request?: QueryPromptsRequest) => Promise<TRestPrompt[]>;
  /** `GET /v1/prompt-2025/id/{promptId}` */
  getPrompt: (promptId: string) => Promise<TRestPrompt>;
  /** `POST /v1/prompt-2025/id/{promptId}/rename` */
  renamePrompt: (promptId: string, request: RenamePromptRequest) => Promise<null>;
  /** `PATCH /v1/prompt-2025/id/{promptId}/tags`: answers the stored tags. */
  setPromptTags: (promptId: string, request: SetTagsRequest) => Promise<string[]>;
  /** `DELETE /v1/prompt-2025/{promptId}` */
  deletePrompt: (promptId: string) => Promise<null>;
  /** `GET /v1/prompt-2025/tags` */
  listTags: () => Promise<string[]>;
  /** `GET /v1/prompt-2025/environments`: distinct environments in use, sorted. */
  listEnvironments: () => Promise<string[]>;
  /** `GET /v1/prompt-2025/count` */
  countPrompts: () => Promise<number>;

  /** `POST /v1/prompt-2025/update`: a new version from `promptVersionId`, deployed to `environment` if given. */
  createVersion: (request: CreateVersionRequest) => Promise<CreateVersionData>;
  /** `POST /v1/prompt-2025/query/versions`: newest first. */
  queryVersions: (request: QueryVersionsRequest) => Promise<TRestPromptVersion[]>;
  /** `POST /v1/prompt-2025/query/version` */
  queryVersion: (request: VersionRefRequest) => Promise<TRestPromptVersion>;
  /** `POST /v1/prompt-2025/query/total-versions` */
  totalVersions: (request: PromptRefRequest) => Promise<TotalVersionsData>;
  /** `POST /v1/prompt-2025/query/production-version` */
  productionVersion: (request: PromptRefRequest) => Promise<TRestPromptVersion>;
  /** `POST /v1/prompt-2025/query/environment-version`: 404 when nothing is deployed there. */
  environmentVersion: (request: EnvironmentVersionRequest) => Promise<TRestPromptVersion>;
  /** `GET /v1/prompt-2025/{promptVersionId}/prompt-body` */
  promptBody: (promptVersionId: string) => Promise<TPromptBody>;
  /** `DELETE /v1/prompt-2025/{promptId}/{promptVersionId}`: 409 while an environment points at it. */
  deleteVersion: (promptId: string, promptVersionId: string) => Promise<null>;
  /** `POST /v2/prompt-2025/query/version`: metadata and body. */
  queryVersionWithBody: (request: VersionRefRequest) => Promise<TRestPromptVersionWithBody>;
  /** `POST /v2/prompt-2025/query/environment-version`: metadata and body. */
  environmentVersionWithBody: (request: EnvironmentVersionRequest) => Promise<TRestPromptVersionWithBody>;
  /** `POST /v2/prompt-2025/query/production-version`: metadata and body. */
  productionVersionWithBody: (request: PromptRefRequest) => Promise<TRestPromptVersionWithBody>;
  /** `POST /v1/prompt/version/{promptVersionId}/subversion` (legacy). */
  createSubversion: (promptVersionId: string, request: SubversionRequest) => Promise<SubversionData>;

  /** `POST /v1/prompt-2025/update/environment`: points (moves) an environment at a version. */
  setEnvironment: (request: EnvironmentChangeRequest) => Promise<null>;
  /** `POST /v1/prompt-2025/remove/environment`: not `production`; 404 when it points elsewhere. */
  removeEnvironment: (request: EnvironmentChangeRequest) => Promise<null>;
  /** `GET /v1/prompt-2025/environments/protected`: sorted; moving these needs a deployer (or admin) key. */
  protectedEnvironments: () => Promise<string[]>;
  /** `POST /v1/prompt-2025/environments/protected` (admin keys): answers the protected environments. */
  setEnvironmentProtection: (request: SetEnvironmentProtectionRequest) => Promise<string[]>;

  /** `POST /v1/prompt-2025/update/rollout`: starts a rollout of a candidate behind an environment, or changes its weight. */
  startRollout: (request: StartRolloutRequest) => Promise<null>;
  /** `POST /v1/prompt-2025/query/rollout`: the environment's latest rollout (active or ended), or null. */
  queryRollout: (request: RolloutRefRequest) => Promise<RestRollout | null>;
  /** `POST /v1/prompt-2025/rollout/promote`: the environment moves to the candidate; the rollout ends `promoted`. */
  promoteRollout: (request: RolloutRefRequest) => Promise<null>;
  /** `POST /v1/prompt-2025/rollout/abort`: the rollout ends `aborted`; every call goes to the stable version. */
  abortRollout: (request: RolloutRefRequest) => Promise<null>;

  /** The body behind a version's signed `s3_url`: fetched without Authorization, no envelope. */
  signedBody: (s3Url: string) => Promise<TPromptBody>;

  /** `POST /v1/api-keys` (admin keys): the secret is in the answer only. */
  createApiKey: (request: CreateApiKeyRequest) => Promise<TCreatedApiKey>;
  /** `GET /v1/api-keys` */
  listApiKeys: () => Promise<TApiKey[]>;
  /** `DELETE /v1/api-keys/{keyId}` */
  revokeApiKey: (keyId: string) => Promise<null>;
  /** `POST /v1/organizations` (bootstrap key only): a tenant and its first admin key. */
  createOrganization: (request: CreateOrganizationRequest) => Promise<TCreatedOrganization>;
  /** `GET /v1/deployments?since=`: the organization's pointer changes since `since` (default: the last minute), oldest first. */
  deploymentsSince: (since?: Date | string) => Promise<TDeployment[]>;

  /** `POST /v1/prompt-2025/query/metrics`: one row per version with calls in the window (default the last 24 h). */
  queryMetrics: (request: MetricsRequest) => Promise<TRestVersionMetrics[]>;
  /** `POST /v1/prompt-2025/query/metrics-series`: per-version metrics in minute, hour or day buckets. */
  queryMetricsSeries: (request: MetricsSeriesRequest) => Promise<TRestMetricsSeriesData>;
  /** `POST /v1/prompt-2025/query/requests`: the prompt's recorded gateway calls, newest first. */
  queryRequests: (request: RequestsRequest) => Promise<TRestRequestRecord[]>;
  /** `POST /v1/prompt-2025/query/capture-settings`: input capture of the organization, or of a prompt. */
  captureSettings: (request?: CaptureSettingsRequest) => Promise<TRestCaptureSettingsData>;
  /** `POST /v1/prompt-2025/update/capture-settings` (admin keys): turn input capture on or off, redact, retain. */
  setCaptureSettings: (request: SetCaptureSettingsRequest) => Promise<TRestCaptureSettingsData>;

  /** `GET /healthz`: true when the process serves. */
  health: () => Promise<boolean>;
  /** `GET /readyz`: true when the database answers. */
  ready: () => Promise<boolean>;
}

export function createRestClient(options: RestClientOptions): RestClient {
  return restClientOn(createTransport(options));
}

/** A REST client on an existing transport (the prompt manager shares its transport). */
export function restClientOn(http: Transport): RestClient {
  const get = <T>(path: string) => http.envelope<T>("GET", path);
  const post = <T>(path: string, body: unknown) => http.envelope<T>("POST", path, body);
  const probe = async (path: string) => {
    try {
      await http.json("GET", path);
      return true;
    } catch {
      return false;
    }
  };

  return {
    createPrompt: (request) => post(P, request),
    queryPrompts: (request = {}) => post(`${P}/query`, request),
    getPrompt: (promptId) => get(`${P}/id/${seg(promptId)}`),
    renamePrompt: (promptId, request) => post(`${P}/id/${seg(promptId)}/rename`, request),
    setPromptTags: (promptId, request) => http.envelope("PATCH", `${P}/id/${seg(promptId)}/tags`, request),
    deletePrompt: (promptId) => http.envelope("DELETE", `${P}/${seg(promptId)}`),
    listTags: () => get(`${P}/tags`),
    listEnvironments: () => get(`${P}/environments`),
    countPrompts: () => get(`${P}/count`),

    createVersion: (request) => post(`${P}/update`, request),
    queryVersions: (request) => post(`${P}/query/versions`, request),
    queryVersion: (request) => post(`${P}/query/version`, request),
    totalVersions: (request) => post(`${P}/query/total-versions`, request),
    productionVersion: (request) => post(`${P}/query/production-version`, request),
    environmentVersion: (request) => post(`${P}/query/environment-version`, request),
    promptBody: (promptVersionId) => get(`${P}/${seg(promptVersionId)}/prompt-body`),
    deleteVersion: (promptId, promptVersionId) => http.envelope("DELETE", `${P}/${seg(promptId)}/${seg(promptVersionId)}`),
    queryVersionWithBody: (request) => post(`${V2}/query/version`, request),
    environmentVersionWithBody: (request) => post(`${V2}/query/environment-version`, request),
    productionVersionWithBody: (request) => post(`${V2}/query/production-version`, request),
    createSubversion: (promptVersionId, request) => post(`/v1/prompt/version/${seg(promptVersionId)}/subversion`, request),

    setEnvironment: (request) => post(`${P}/update/environment`, request),
    removeEnvironment: (request) => post(`${P}/remove/environment`, request),
    protectedEnvironments: () => get(`${P}/environments/protected`),
    setEnvironmentProtection: (request) => post(`${P}/environments/protected`, request),

    startRollout: (request) => post(`${P}/update/rollout`, request),
    queryRollout: (request) => post(`${P}/query/rollout`, request),
    promoteRollout: (request) => post(`${P}/rollout/promote`, request),
    abortRollout: (request) => post(`${P}/rollout/abort`, request),

    signedBody: (s3Url) => http.json("GET", s3Url, undefined, { anonymous: true }),

    createApiKey: (request) => post("/v1/api-keys", request),
    listApiKeys: () => get("/v1/api-keys"),
    revokeApiKey: (keyId) => http.envelope("DELETE", `/v1/api-keys/${seg(keyId)}`),
    createOrganization: (request) => post("/v1/organizations", request),
    deploymentsSince: (since) =>
      http.envelope("GET", "/v1/deployments", undefined, {
        query: { since: since === undefined ? undefined : typeof since === "string" ? since : since.toISOString() },
      }),

    queryMetrics: (request) => post(`${P}/query/metrics`, request),
    queryMetricsSeries: (request) => post(`${P}/query/metrics-series`, request),
    queryRequests: (request) => post(`${P}/query/requests`, request),
    captureSettings: (request = {}) => post(`${P}/query/capture-settings`, request),
    setCaptureSettings: (request) => post(`${P}/update/capture-settings`, request),

    health: () => probe("/healthz"),
    ready: () => probe("/readyz"),
  };
}
