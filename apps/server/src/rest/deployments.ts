// Pushes changes to clients (the prompt manager's cache invalidation, the dashboard's live screens): a
// Server-Sent Events stream of the caller's organization's deployments, prompt deletions, creations and
// edits, and a polling endpoint (deployments) as its fallback. Event payloads are the contracts'
// ZDeploymentEvent / ZPromptChangeEvent / ZRegistryChangeEvent / ZStreamReadyEvent.
import type { TDeploymentEvent, TPromptChangeEvent, TRegistryChangeEvent } from "@promptreg/contracts";
import { Router, type Request, type Response } from "express";
import { AppError } from "../errors.js";
import type { RequestPipeline } from "../http/pipeline.js";
import type { DeploymentChange, Services } from "../services/index.js";
import { envelopeText } from "./route.js";

const HEARTBEAT_MS = 15_000;
/** The most missed events a reconnecting stream replays; past it the client resyncs. */
const REPLAY_LIMIT = 1000;

const toEvent = (c: DeploymentChange | (Omit<DeploymentChange, "orgId">)): TDeploymentEvent => ({
  deploymentId: c.deploymentId,
  promptId: c.promptId,
  environment: c.environment,
  versionId: c.versionId,
  revision: c.revision,
  at: c.at.toISOString(),
  // What happened and, for rollout changes, who and why (old entries say nothing: a move).
  action: c.action ?? (c.versionId === null ? "remove" : "set"),
  ...(c.reason !== undefined && { reason: c.reason }),
  ...(c.rolloutId !== undefined && { rolloutId: c.rolloutId }),
  ...(c.candidateVersionId !== undefined && { candidateVersionId: c.candidateVersionId }),
  ...(c.weight !== undefined && { weight: c.weight }),
  ...(c.actor !== undefined && { actor: c.actor }),
});

export function createDeploymentsRouter(services: Services, pipeline: RequestPipeline): Router {
  const router = Router();

  router.get("/v1/deployments/stream", async (req: Request, res: Response) => {
    const scope = await pipeline.admit(req);
    const lastEventId = req.get("last-event-id");
    // Read what a reconnecting client missed before going live, so the live events follow it in order.
    // Past REPLAY_LIMIT events, or after an entry this server does not know, the gap cannot be replayed:
    // the client is told to resync (drop what it cached) instead of silently missing changes.
    const missed = lastEventId ? await services.environments.changesAfter(scope, lastEventId, REPLAY_LIMIT + 1) : null;

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
    if (missed === "unknown" || (missed !== null && missed.length > REPLAY_LIMIT)) {
      const reason = missed === "unknown" ? "Last-Event-ID names no deployment this server knows" : `more than ${REPLAY_LIMIT} changes were missed`;
      write("resync", { reason });
    } else {
      for (const d of missed ?? []) {
        write("deployment", toEvent({ ...d, deploymentId: d.id, at: new Date(d.at) }), d.id);
      }
    }

    const unsubscribe = services.events.subscribe((change) => {
      if (change.orgId === scope.orgId) write("deployment", toEvent(change), change.deploymentId);
    });
    const unsubscribePrompts = services.events.subscribePromptChanges((change) => {
      if (change.orgId !== scope.orgId) return;
      const payload: TPromptChangeEvent = { promptId: change.promptId, action: change.action as TPromptChangeEvent["action"], versionId: change.versionId };
      write("prompt", payload);
    });
    // Creations and edits as their own event, which clients that only cache resolutions (the prompt
    // manager) never see.
    const unsubscribeRegistry = services.events.subscribeRegistryChanges((change) => {
      if (change.orgId !== scope.orgId) return;
      const payload: TRegistryChangeEvent = { promptId: change.promptId, action: change.action as TRegistryChangeEvent["action"], versionId: change.versionId };
      write("registry", payload);
    });
    const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
    heartbeat.unref();
    // On shutdown the stream ends cleanly; clients reconnect (to another replica, or this one restarted).
    const offClose = services.events.onClose(() => res.end());
    // Its key revoked (here, or on another replica: through the deployment feed), the stream ends at once;
    // the client's reconnect is then refused with 401.
    const offRevoked = services.events.subscribeKeyRevocations((revocation) => {
      if (scope.keyId !== null && revocation.keyId === scope.keyId) res.end();
    });
    req.on("close", () => {
      unsubscribe();
      unsubscribePrompts();
      unsubscribeRegistry();
      offClose();
      offRevoked();
      clearInterval(heartbeat);
    });
  });

  router.get("/v1/deployments", async (req: Request, res: Response) => {
    const scope = await pipeline.admit(req);
    const sinceParam = req.query["since"];
    if (sinceParam !== undefined && typeof sinceParam !== "string") throw new AppError("BAD_REQUEST", "since must be one ISO 8601 timestamp");
    const since = sinceParam === undefined ? new Date(Date.now() - 60_000) : new Date(sinceParam);
    if (Number.isNaN(since.getTime())) throw new AppError("BAD_REQUEST", "since must be an ISO 8601 timestamp");
    res.status(200).type("application/json").send(envelopeText(await services.environments.changesSince(scope, since, 1000)));
  });

  return router;
}
