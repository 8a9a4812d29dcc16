/**
 * The one place the dashboard creates its API client: the typed tRPC client of @promptreg/client, on the
 * page's own origin (`/trpc`) unless VITE_PROMPTREG_API_URL names another server at build time.
 */
import { createPromptregClient, type PromptregClient } from "@promptreg/client";

export type { PromptregClient } from "@promptreg/client";

/** Base URL of the server; "" means this page's origin (the server serves the dashboard). */
export const API_BASE_URL: string = (import.meta.env["VITE_PROMPTREG_API_URL"] as string | undefined) ?? "";

export function createApiClient(apiKey: string): PromptregClient {
  // Queries already retry transient failures (no answer, 502/503/504) in the client; react-query does not retry on top.
  return createPromptregClient({ url: API_BASE_URL, apiKey, timeoutMs: 15_000, retries: 1 });
}
