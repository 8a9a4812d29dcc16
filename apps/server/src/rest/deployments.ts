// Pushes pointer changes to clients (the prompt manager's cache invalidation): a Server-Sent Events
// stream of the caller's organization's deployments, and a polling endpoint as its fallback.
import { Router, type Request, type Response } from "express";
import { AppError } from "../errors.js";
import type { DeploymentChange, Services } from "../services/index.js";
import { sendEnvelope } from "./route.js";

const HEARTBEAT_MS = 15_000;

export function createDeploymentsRouter(services: Services): Router {
  const router = Router();

  router.get("/v1/deployments/stream", async (req: Request, res: Response) => {
    const scope = await services.auth.authenticate(req.get("authorization"));
    res.status(200).set({
      "content-type": "text/event-stream",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.flushHeaders();
    // Tells EventSource how soon to reconnect, then that the stream is live.
    res.write(`retry: 1000\nevent: ready\ndata: {}\n\n`);
    const send = (change: DeploymentChange) => {
      if (change.orgId !== scope.orgId) return;
      const { orgId: _orgId, ...payload } = change;
      res.write(`id: ${change.deploymentId}\nevent: deployment\ndata: ${JSON.stringify(payload)}\n\n`);
    };
    const unsubscribe = services.events.subscribe(send);
    const heartbeat = setInterval(() => res.write(`: keep-alive\n\n`), HEARTBEAT_MS);
    heartbeat.unref();
    req.on("close", () => {
      unsubscribe();
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
