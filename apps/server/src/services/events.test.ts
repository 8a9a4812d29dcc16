import { describe, expect, it } from "vitest";
import { DeploymentEvents, type DeploymentChange, type PromptChange } from "./events.js";

const change = (id: string): DeploymentChange => ({
  deploymentId: id,
  orgId: "o",
  promptId: "p",
  environment: "production",
  versionId: "v",
  revision: 1,
  at: new Date(),
});

const promptChange = (id: string): PromptChange => ({
  changeId: id,
  orgId: "o",
  promptId: "p",
  action: "version-hidden",
  versionId: "v",
});

describe("DeploymentEvents", () => {
  it("delivers each change once, whichever path (local write or the deployment feed) publishes it first", () => {
    const events = new DeploymentEvents();
    const seen: string[] = [];
    events.subscribe((c) => seen.push(c.deploymentId));
    events.publish(change("a")); // the feed read the history entry first
    events.publish(change("a")); // then the writing replica published it
    events.publish(change("b"));
    expect(seen).toEqual(["a", "b"]);
    expect(events.delivered("a")).toBe(true);
    expect(events.delivered("c")).toBe(false);
  });

  it("delivers each prompt change once, whichever path publishes it first", () => {
    const events = new DeploymentEvents();
    const seen: string[] = [];
    events.subscribePromptChanges((c) => seen.push(c.changeId));
    events.publishPromptChange(promptChange("a")); // the feed read the change record first
    events.publishPromptChange(promptChange("a")); // then the writing replica published it
    events.publishPromptChange(promptChange("b"));
    expect(seen).toEqual(["a", "b"]);
    expect(events.promptChangeDelivered("a")).toBe(true);
    expect(events.promptChangeDelivered("c")).toBe(false);
  });

  it("keeps creations and edits from the caches' listeners: they go to registry listeners only", () => {
    const events = new DeploymentEvents();
    const caches: string[] = [];
    const screens: string[] = [];
    events.subscribePromptChanges((c) => caches.push(c.action));
    events.subscribeRegistryChanges((c) => screens.push(c.action));
    events.publishPromptChange({ ...promptChange("a"), action: "version-created" });
    events.publishPromptChange({ ...promptChange("b"), action: "prompt-updated", versionId: null });
    events.publishPromptChange({ ...promptChange("c"), action: "prompt-deleted", versionId: null });
    expect(caches).toEqual(["prompt-deleted"]);
    expect(screens).toEqual(["version-created", "prompt-updated"]);
  });
});
