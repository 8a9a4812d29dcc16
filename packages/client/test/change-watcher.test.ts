// watchChanges against the real server: every kind of change of the organization arrives live, and a
// stream that broke off and came back says to reload (what happened meanwhile was not all replayed).
import type { TPromptChangeEvent, TRegistryChangeEvent } from "@promptreg/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPromptregClient, watchChanges, type ChangeWatcherStatus, type DeploymentChange, type FetchLike, type PromptregClient } from "../src/index.js";
import { ADMIN_KEY, startTestServer, type TestServer } from "@promptreg/server/testing";
import { sampleBody, until } from "./harness.js";

let server: TestServer;
let client: PromptregClient;

beforeAll(async () => {
  server = await startTestServer();
  client = createPromptregClient({ url: server.url, apiKey: ADMIN_KEY });
});
afterAll(async () => server.stop());

describe("watchChanges", () => {
  it("pushes deployments, deletions, creations and edits as they are stored", async () => {
    const deployments: DeploymentChange[] = [];
    const prompts: TPromptChangeEvent[] = [];
    const registry: TRegistryChangeEvent[] = [];
    const statuses: ChangeWatcherStatus[] = [];
    const watcher = watchChanges({
      url: server.url,
      apiKey: ADMIN_KEY,
      onDeployment: (change) => deployments.push(change),
      onPromptChange: (change) => prompts.push(change),
      onRegistryChange: (change) => registry.push(change),
      onStatus: (status) => statuses.push(status),
    });
    try {
      await until(() => watcher.status === "live", 10_000, "the stream to be live");
      const { prompt, version } = await client.prompts.create.mutate({ name: "watched", body: sampleBody() });
      const v11 = await client.versions.create.mutate({ promptId: prompt.id, baseVersionId: version.id, body: sampleBody("Hi!") });
      await client.environments.set.mutate({ promptId: prompt.id, versionId: v11.id, environment: "staging" });
      await client.prompts.rename.mutate({ promptId: prompt.id, name: "watched 2" });
      await client.prompts.delete.mutate({ promptId: prompt.id });

      await until(() => prompts.length === 1 && registry.length === 3 && deployments.length === 2, 10_000, "every change");
      expect(registry.map((c) => [c.action, c.versionId])).toEqual([
        ["prompt-created", null],
        ["version-created", v11.id],
        ["prompt-updated", null],
      ]);
      expect(deployments.map((c) => [c.environment, c.versionId])).toEqual([
        ["production", version.id],
        ["staging", v11.id],
      ]);
      expect(prompts).toEqual([{ promptId: prompt.id, action: "prompt-deleted", versionId: null }]);
      expect(statuses).toEqual(["live"]);
    } finally {
      watcher.stop();
    }
  });

  it("says to reload when the stream comes back after breaking off", async () => {
    let cut: (() => void) | undefined;
    // Passes everything through; the stream's body can be cut as a dropped connection would.
    const cuttable: FetchLike = async (input, init) => {
      const response = await fetch(input, init);
      const url = input instanceof Request ? input.url : input.toString();
      if (!url.includes("/v1/deployments/stream") || response.body === null) return response;
      const reader = response.body.getReader();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          cut = () => {
            controller.error(new Error("connection reset"));
            void reader.cancel();
          };
        },
        async pull(controller) {
          const { value, done } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        },
      });
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const statuses: ChangeWatcherStatus[] = [];
    let resyncs = 0;
    const watcher = watchChanges({ url: server.url, apiKey: ADMIN_KEY, fetch: cuttable, onStatus: (s) => statuses.push(s), onResync: () => resyncs++ });
    try {
      await until(() => watcher.status === "live", 10_000, "the stream to be live");
      expect(resyncs).toBe(0);
      cut!();
      await until(() => statuses.includes("reconnecting"), 10_000, "the drop to be noticed");
      await until(() => watcher.status === "live", 15_000, "the stream to come back");
      expect(statuses).toEqual(["live", "reconnecting", "live"]);
      expect(resyncs).toBe(1);
    } finally {
      watcher.stop();
    }
  });
});
