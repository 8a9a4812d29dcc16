import { describe, expect, it } from "vitest";
import { DeploymentEvents, type DeploymentChange } from "./events.js";

const change = (id: string): DeploymentChange => ({
  deploymentId: id,
  orgId: "o",
  promptId: "p",
  environment: "production",
  versionId: "v",
  revision: 1,
  at: new Date(),
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
});
