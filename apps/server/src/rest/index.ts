import { Router, type Request, type Response } from "express";
import { BODY_URL_PATH, type Services } from "../services/index.js";
import { AppError } from "../errors.js";
import { adminRoutes } from "./admin.routes.js";
import { analyticsRoutes } from "./analytics.routes.js";
import { createDeploymentsRouter } from "./deployments.js";
import { environmentRoutes } from "./environments.routes.js";
import { promptRoutes } from "./prompts.routes.js";
import { mountRoutes, type RestRoute } from "./route.js";
import { versionRoutes } from "./versions.routes.js";

/** Every REST route, in mounting order (the OpenAPI document is generated from this list). */
export const restRoutes: RestRoute[] = [...promptRoutes, ...environmentRoutes, ...versionRoutes, ...adminRoutes, ...analyticsRoutes];

export function createRestRouter(services: Services, publicUrl: string | undefined): Router {
  const router = Router();

  // The signed body URL (our stand-in for Helicone's S3 URL): no Authorization header, raw body JSON,
  // as Helicone's SDK fetches it. The signature is the credential.
  router.get(`${BODY_URL_PATH}/:versionId`, async (req: Request, res: Response) => {
    const versionId = req.params["versionId"] as string;
    const { expires, signature } = req.query;
    if (!services.bodyUrls.verify(versionId, str(expires), str(signature))) {
      throw new AppError("FORBIDDEN", "signature missing, invalid or expired");
    }
    const body = await services.resolution.bodyForSignedUrl(versionId);
    res.status(200).type("application/json").set("cache-control", "private, max-age=60").send(body);
  });

  router.use(createDeploymentsRouter(services));
  mountRoutes(router, restRoutes, services, publicUrl);
  return router;
}

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
