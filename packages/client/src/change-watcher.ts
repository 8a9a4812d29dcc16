/**
 * Live changes of the caller's organization for screens that show the registry (the dashboard): every
 * deployment, deletion and creation or edit, as the server's change stream pushes them. Built on the prompt
 * manager's DeploymentWatcher, so it reconnects with backoff and polls deployments while the stream is down.
 *
 * Only deployments are polled; deletions, creations and edits arrive over the stream alone. So whenever the
 * stream comes back after a gap (or the server cannot replay what was missed), `onResync` says that anything
 * shown may be out of date: reload it.
 */
import type { TPromptChangeEvent, TRegistryChangeEvent } from "@promptreg/contracts";
import { DeploymentWatcher, type DeploymentChange } from "./deployment-watcher.js";
import { createTransport, type FetchLike, type HeadersOption } from "./http.js";

export type ChangeWatcherStatus = "connecting" | "live" | "reconnecting";

export interface ChangeWatcherOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8787` ("" in a browser page served by the server). */
  url: string;
  apiKey: string;
  fetch?: FetchLike;
  headers?: HeadersOption;
  /** Polling interval of deployments while the stream is down. Default 5 s. */
  pollIntervalMs?: number;
  /** An environment moved (deployed, rolled back, removed). */
  onDeployment?(change: DeploymentChange): void;
  /** A prompt deleted, or one of its versions. */
  onPromptChange?(change: TPromptChangeEvent): void;
  /** A prompt created, renamed or retagged, or a version created. */
  onRegistryChange?(change: TRegistryChangeEvent): void;
  /** Changes may have been missed: reload whatever is shown. */
  onResync?(): void;
  onStatus?(status: ChangeWatcherStatus): void;
}

export interface ChangeWatcher {
  readonly status: ChangeWatcherStatus;
  stop(): void;
}

export function watchChanges(options: ChangeWatcherOptions): ChangeWatcher {
  let status: ChangeWatcherStatus = "connecting";
  let hadGap = false;
  const setStatus = (next: ChangeWatcherStatus) => {
    if (next === status) return;
    status = next;
    options.onStatus?.(next);
  };
  const http = createTransport(
    { url: options.url, apiKey: options.apiKey, fetch: options.fetch, headers: options.headers, timeoutMs: 10_000 },
    (response) => watcher.observe(response),
  );
  const watcher: DeploymentWatcher = new DeploymentWatcher(
    http,
    { subscribe: true, pollIntervalMs: options.pollIntervalMs ?? 5_000, idleTimeoutMs: 35_000, maxReconnectDelayMs: 30_000 },
    (change) => options.onDeployment?.(change),
    (event) => {
      if (event.type === "connected") {
        setStatus("live");
        if (hadGap) options.onResync?.();
        hadGap = false;
      } else if (event.type === "disconnected") {
        hadGap = true;
        setStatus("reconnecting");
      }
    },
    (change) => options.onPromptChange?.(change),
    () => options.onResync?.(),
    (change) => options.onRegistryChange?.(change),
  );
  watcher.start();
  return {
    get status() {
      return status;
    },
    stop: () => watcher.stop(),
  };
}
