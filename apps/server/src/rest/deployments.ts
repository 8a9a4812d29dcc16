// Pushes changes to clients (the prompt manager's cache invalidation): a Server-Sent Events stream of the
// caller's organization's deployments and prompt deletions, and a polling endpoint as its fallback.
// Event payloads are the contracts' ZDeploymentEvent / ZPromptChangeEvent / ZStreamReadyEvent.
import type { TDeploymentEvent, TPromptChangeEvent } from "@promptreg/contracts";
import { Router, type Request, type Response } from "express";
import { AppError } from "../errors.js";
import type { DeploymentChange, Services } from "../services/index.js";
import { sendEnvelope } from "./route.js";

const HEARTBEAT_MS = 15_000;

const toEvent = (c: Pick<DeploymentChange, "deploymentId" | "promptId" | "environment" | "versionId" | "revision" | "at">): TDeploymentEvent => ({
  deploymentId: c.deploymentId,
  promptId: c.promptId,
  environment: c.environment,
  versionId: c.versionId,
  revision: c.revision,
  at: c.at.toISOString(),
});

export function createDeploymentsRouter(services: Services): Router {
  const router = Router();

  router.get("/v1/deployments/stream", async (req: Request, res: Response) => {
    const scope = await services.auth.authenticate(req.get("authorization"));
    const lastEventId = req.get("last-event-id");
    // Read what a reconnecting client missed before going live, so the live events follow it in order.
    const missed = lastEventId ? await services.environments.changesAfter(scope, lastEventId, 1000) : [];

    res.status(200).set({
      "content-type": "text/event-stream",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.flushHeaders();
    const write = (event: string, data: unknown, id?: string) =>
      res.write(`${id ? `id: ${id}\n` : ""}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    // Tells EventSource how soon to reconnect, and clients the server's clock.
    res.write("retry: 1000\n");
    write("ready", { now: new Date().toISOString() });
    for (const d of missed) {
      write("deployment", toEvent({ deploymentId: d.id, promptId: d.promptId, environment: d.environment, versionId: d.versionId, revision: d.revision, at: new Date(d.at) }), d.id);
    }

    const unsubscribe = services.events.subscribe((change) => {
      if (change.orgId === scope.orgId) write("deployment", toEvent(change), change.deploymentId);
    });
    const unsubscribePrompts = services.events.subscribePromptChanges((change) => {
      if (change.orgId !== scope.orgId) return;
      const payload: TPromptChangeEvent = { promptId: change.promptId, action: change.action, versionId: change.versionId };
      write("prompt", payload);
    });
    const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
    heartbeat.unref();
    // On shutdown the stream ends cleanly; clients reconnect (to another replica, or this one restarted).
    const offClose = services.events.onClose(() => res.end());
    req.on("close", () => {
      unsubscribe();
      unsubscribePrompts();
      offClose();
      clearInterval(heartbeat);
    });
  });

  router.get("/v1/deployments", async (req: Request, res: Response) => {
    const scope = await services.auth.authenticate(req.get("authorization"));
    const sinceParam = typeof req.query["since"] === "string" ? req.query["since"] : undefined;
    const since = sinceParam === undefined ? new Date(Date.now() - 60_000) : new Date(sinceParam);
    if (Number.isNaN(since.getTime())) throw new AppError("BAD_REQUEST", "since must be an ISO 8601 timestamp");
    sendEnvelope(res, 200, await services.environments.changesSince(scope, since, 1000));
  });

  return router;
}
