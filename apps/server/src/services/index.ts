// The services: every rule of the registry, as plain async functions over a request scope. They know
// nothing of HTTP or tRPC; both adapters and the gateway call them. Reads of what a selection resolves to
// go through the one read path (../resolution).
import type { Repositories } from "../db/index.js";
import { createResolution } from "../resolution/index.js";
import { createAnalyticsService, type AnalyticsOptions } from "./analytics.service.js";
import { createAuthService } from "./auth.service.js";
import { createBodyUrlSigner, type BodyUrlSigner } from "./body-urls.js";
import { createDeploymentFeed } from "./deployment-feed.js";
import { createEnvironmentsService } from "./environments.service.js";
import { DeploymentEvents } from "./events.js";
import { createRolloutsService } from "./rollouts.service.js";
import { createPromptsService } from "./prompts.service.js";
import { createProtectionService } from "./protection.service.js";
import { createVersionLookup } from "./version-lookup.js";
import { createVersionsService } from "./versions.service.js";

export type { RequestScope } from "./scope.js";
export { DeploymentEvents, type DeploymentChange } from "./events.js";
export { BODY_URL_PATH, type BodyUrlSigner } from "./body-urls.js";
export type { AnalyticsOptions, AnalyticsService } from "./analytics.service.js";

export interface ServicesOptions {
  bootstrapApiKey: string | undefined;
  /** The first signs body URLs, all verify (rotation). */
  signingSecrets: readonly string[];
  bodyUrlTtlSeconds: number;
  pointerTtlMs: number;
  versionCacheSize: number;
  versionCacheBytes: number;
  deploymentPollMs: number;
  /** PROMPTREG_AUTH_OUTAGE_GRACE_MS; default 5 minutes. */
  authOutageGraceMs?: number | undefined;
  /** Retention of the request log; defaults: calls and inputs 30 days, rollups 400. */
  analytics?: AnalyticsOptions;
}

export function createServices(repos: Repositories, options: ServicesOptions) {
  const events = new DeploymentEvents();
  const lookup = createVersionLookup(repos);
  const protection = createProtectionService(repos, events);
  const environments = createEnvironmentsService(repos, lookup, events, protection);
  const bodyUrls: BodyUrlSigner = createBodyUrlSigner(options.signingSecrets, options.bodyUrlTtlSeconds);
  const analytics = createAnalyticsService(repos, lookup, options.analytics ?? { recordRetentionDays: 30, inputRetentionDays: 30, rollupRetentionDays: 400 });
  return {
    events,
    bodyUrls,
    auth: createAuthService(repos, events, options.bootstrapApiKey, { outageGraceMs: options.authOutageGraceMs }),
    prompts: createPromptsService(repos, lookup, environments, events),
    versions: createVersionsService(repos, lookup, environments, events, protection),
    environments,
    protection,
    resolution: createResolution(repos, events, options),
    deploymentFeed: createDeploymentFeed(repos, events, { intervalMs: options.deploymentPollMs, overlapMs: 5000 }),
    analytics,
    rollouts: createRolloutsService(repos, lookup, environments, analytics),
  };
}
export type Services = ReturnType<typeof createServices>;
