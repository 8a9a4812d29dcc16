// Serves the OpenAPI document at GET /openapi.json and interactive docs (Swagger UI, from the
// swagger-ui-dist package) at GET /docs. Both are public, like the health endpoints. Nothing is fetched
// from a CDN: the page's script and stylesheet come from this server, under a CSP of its own.
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import express, { Router } from "express";
import helmet from "helmet";
import { buildOpenApiDocument } from "./document.js";

export { buildOpenApiDocument } from "./document.js";

const ASSETS_PATH = "/docs/assets";
/** The only files of swagger-ui-dist the page needs (its own index.html would load a demo API). */
const ASSETS = new Set(["/swagger-ui.css", "/swagger-ui-bundle.js", "/favicon-32x32.png", "/favicon-16x16.png"]);

let documentJson: string | undefined;
/** The document, serialised once per process: it depends on code only, not on configuration. */
export function openApiJson(): string {
  documentJson ??= JSON.stringify(buildOpenApiDocument());
  return documentJson;
}

// validatorUrl: null, or Swagger UI sends the document to validator.swagger.io for a badge.
const initScript = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  persistAuthorization: false,
  tryItOutEnabled: false,
  displayRequestDuration: true
});`;

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>promptreg API</title>
<link rel="stylesheet" href="${ASSETS_PATH}/swagger-ui.css">
<link rel="icon" type="image/png" href="${ASSETS_PATH}/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="${ASSETS_PATH}/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script>${initScript}</script>
</body>
</html>
`;

export function createApiDocsRouter(): Router {
  const router = Router();
  const json = openApiJson();
  router.get("/openapi.json", (_req, res) => {
    res.status(200).type("application/json").set("cache-control", "no-cache").send(json);
  });

  // The app's policy (helmet's defaults without upgrade-insecure-requests, so plain-http hosts work) with
  // one addition: the page's inline start-up script, allowed by its hash. No eval, no other origin.
  const scriptHash = createHash("sha256").update(initScript).digest("base64");
  const docsPolicy = helmet.contentSecurityPolicy({
    directives: { scriptSrc: ["'self'", `'sha256-${scriptHash}'`], upgradeInsecureRequests: null },
  });
  router.get("/docs", docsPolicy, (_req, res) => {
    res.status(200).type("text/html").set("cache-control", "no-cache").send(page);
  });

  const assetsDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  const assets = express.static(assetsDir, { index: false, fallthrough: true, maxAge: "1d" });
  router.use(ASSETS_PATH, (req, res, next) => (ASSETS.has(req.path) ? assets(req, res, next) : next()));
  return router;
}
