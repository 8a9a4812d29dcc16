import { existsSync } from "node:fs";
import { join } from "node:path";
import express, { Router } from "express";

/**
 * Serves the dashboard's production build (apps/dashboard/dist) at `/`: hashed assets cached for a year,
 * index.html never cached. The dashboard routes in the URL's hash (`/#/prompts/Ab3xYz`), so the only page
 * it owns is `/` itself: any other path is no page of ours, and a typo such as `/health` is a 404, not
 * the dashboard. Nothing is mounted when the build is absent (`pnpm start` builds it).
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
  router.get(["/", "/index.html"], (_req, res) => {
    res.set("cache-control", "no-cache").sendFile(index);
  });
  // The build's other top-level files (favicon.svg…).
  router.use(express.static(dir, { index: false, maxAge: "1h" }));
  return router;
}
