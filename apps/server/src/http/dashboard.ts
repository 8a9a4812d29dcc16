import { existsSync } from "node:fs";
import { join } from "node:path";
import express, { Router } from "express";

/** Paths that belong to the API: never answered with the dashboard's index.html. */
const API_PREFIXES = ["/v1/", "/v2/", "/trpc", "/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"];

/**
 * Serves the dashboard's production build (apps/dashboard/dist) at `/`: hashed assets cached for a year,
 * index.html never cached, and any other browser navigation answered with index.html (client-side
 * routing). Nothing is mounted when the build is absent (`pnpm start` builds it).
 */
export function createDashboardRouter(dir: string): Router | undefined {
  const index = join(dir, "index.html");
  if (!existsSync(index)) return undefined;
  const router = Router();
  router.use("/assets", express.static(join(dir, "assets"), { immutable: true, maxAge: "365d", index: false }));
  // A missing asset is a 404, never index.html (a stale page asking for an old bundle must fail clearly).
  router.use("/assets", (_req, res) => {
    res.status(404).type("text/plain").send("not found");
  });
  router.use(express.static(dir, { index: false, maxAge: "1h" }));
  router.get(/.*/, (req, res, next) => {
    if (API_PREFIXES.some((prefix) => req.path.startsWith(prefix)) || !req.accepts("html")) return next();
    res.set("cache-control", "no-cache").sendFile(index);
  });
  return router;
}
