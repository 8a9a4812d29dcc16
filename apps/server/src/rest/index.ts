// The REST adapter: Helicone's prompt API and our extensions, mounted on Express from one route table
// (the hot routes of that table are also answered ahead of Express: rest/hot-routes.ts).
import { Router, type Request, type Response } from "express";
import { BODY_URL_PATH } from "../services/index.js";
import { AppError } from "../errors.js";
import { adminRoutes } from "./admin.routes.js";
import { analyticsRoutes } from "./analytics.routes.js";
import { createDeploymentsRouter } from "./deployments.js";
import { environmentRoutes } from "./environments.routes.js";
import { promptRoutes } from "./prompts.routes.js";
import { rolloutRoutes } from "./rollouts.routes.js";
import { serveRoute, type RestRoute, type RouteServing } from "./route.js";
import { versionRoutes } from "./versions.routes.js";

/** Every REST route, in mounting order (the OpenAPI document is generated from this list). */
export const restRoutes: RestRoute[] = [...promptRoutes, ...environmentRoutes, ...rolloutRoutes, ...versionRoutes, ...adminRoutes, ...analyticsRoutes];

export function createRestRouter(serving: RouteServing): Router {
  const { services, pipeline } = serving;
  const router = Router();

  // The signed body URL (our stand-in for Helicone's S3 URL): no Authorization header, raw body JSON,
  // as Helicone's SDK fetches it. The signature is the credential.
  router.get(`${BODY_URL_PATH}/:versionId`, async (req: Request, res: Response) => {
    pipeline.admitAnonymous(req);
    const versionId = req.params["versionId"] as string;
    const { expires, signature } = req.query;
    if (!services.bodyUrls.verify(versionId, str(expires), str(signature))) {
      throw new AppError("FORBIDDEN", "signature missing, invalid or expired");
    }
    const body = await services.resolution.signedBody(versionId);
    res.status(200).type("application/json").set("cache-control", "private, max-age=60").send(body);
  });

  router.use(createDeploymentsRouter(services, pipeline));
  for (const route of restRoutes) {
    router[route.method](route.path, async (req: Request, res: Response) => {
      const answer = await serveRoute(route, req, req.params as Record<string, string>, serving);
      res.status(answer.status).type("application/json").send(answer.text);
    });
  }
  return router;
}

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
