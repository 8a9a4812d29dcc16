// The tRPC API: one router per resource. `AppRouter` is the type the client package imports (type only,
// through this package's "./router" export; its declarations bundle inlines it).
import { captureSettingsRouter, metricsRouter, requestsRouter } from "./routers/analytics.js";
import { apiKeysRouter, organizationsRouter } from "./routers/api-keys.js";
import { environmentsRouter } from "./routers/environments.js";
import { rolloutsRouter } from "./routers/rollouts.js";
import { promptsRouter } from "./routers/prompts.js";
import { versionsRouter } from "./routers/versions.js";
import { router } from "./init.js";

export const appRouter = router({
  prompts: promptsRouter,
  versions: versionsRouter,
  environments: environmentsRouter,
  rollouts: rolloutsRouter,
  apiKeys: apiKeysRouter,
  organizations: organizationsRouter,
  metrics: metricsRouter,
  requests: requestsRouter,
  captureSettings: captureSettingsRouter,
});

export type AppRouter = typeof appRouter;
