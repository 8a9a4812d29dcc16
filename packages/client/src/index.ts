/**
 * @promptreg/client: the typed clients of a promptreg server.
 *
 * - `createPromptregClient`: the tRPC client (types from the server's router, imported as types only).
 * - `createRestClient`: the Helicone-compatible REST API, envelopes unwrapped, errors typed.
 * - `PromptManager`: Helicone's `getPromptBody` with our compile engine and a push-invalidated cache.
 * - `watchChanges`: the organization's deployments, deletions, creations and edits, live (for dashboards).
 *
 * Runs in Node >= 20 and browsers (global fetch, AbortSignal, ReadableStream; no Node APIs).
 */
export {
  appErrorOf,
  createPromptregClient,
  isPromptregError,
  type AppRouter,
  type PromptregClient,
  type PromptregClientOptions,
  type PromptregTrpcError,
  type PromptregTrpcErrorData,
  type RouterInputs,
  type RouterOutputs,
} from "./trpc.js";
export {
  createRestClient,
  type CaptureSettingsRequest,
  type MetricsRequest,
  type MetricsSeriesRequest,
  type RequestsRequest,
  type SetCaptureSettingsRequest,
  type CreateApiKeyRequest,
  type CreateOrganizationRequest,
  type CreatePromptData,
  type CreatePromptRequest,
  type CreateVersionData,
  type CreateVersionRequest,
  type EnvironmentChangeRequest,
  type SetEnvironmentProtectionRequest,
  type EnvironmentVersionRequest,
  type PromptRefRequest,
  type QueryPromptsRequest,
  type QueryVersionsRequest,
  type RenamePromptRequest,
  type RestClient,
  type RestClientOptions,
  type RestRollout,
  type RolloutRefRequest,
  type StartRolloutRequest,
  type SetTagsRequest,
  type SubversionData,
  type SubversionRequest,
  type TotalVersionsData,
  type VersionRefRequest,
} from "./rest.js";
export {
  createPromptManager,
  PromptManager,
  type PromptBodyRequest,
  type PromptBodyResult,
  type PromptManagerEvent,
  type PromptManagerOptions,
  type PromptSource,
  type RolloutArm,
} from "./prompt-manager/index.js";
export type { DeploymentChange } from "./deployment-watcher.js";
export { watchChanges, type ChangeWatcher, type ChangeWatcherOptions, type ChangeWatcherStatus } from "./change-watcher.js";
// The Server-Sent Events reader the watchers use, for other streams (e.g. the gateway's streamed answers).
export { pumpSse, SseParser, type SseEvent, type SseHandlers } from "./sse.js";
export {
  isOutage,
  PromptNotFoundError,
  PromptregApiError,
  PromptregClientError,
  PromptregNetworkError,
  PromptUnavailableError,
} from "./errors.js";
export type { FetchLike, HeadersOption } from "./http.js";
// A prompt partial that cannot be resolved surfaces as one of these (from the shared compile engine).
export { CompiledSizeError, PartialCycleError, PartialDepthError, PartialError, PartialResolutionError } from "@promptreg/template";
export type { TGatewayPromptFields } from "@promptreg/contracts";
