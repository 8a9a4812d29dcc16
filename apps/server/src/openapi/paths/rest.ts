// The Helicone-compatible REST API (prompts, versions, environments, keys and organizations): generated
// from the REST route table, so a route cannot be served without being documented. Each resource's
// routes get their tag here.
import { adminRoutes } from "../../rest/admin.routes.js";
import { analyticsRoutes } from "../../rest/analytics.routes.js";
import { environmentRoutes } from "../../rest/environments.routes.js";
import { restRoutes } from "../../rest/index.js";
import { promptRoutes } from "../../rest/prompts.routes.js";
import type { RestRoute } from "../../rest/route.js";
import { versionRoutes } from "../../rest/versions.routes.js";
import { errorRefs, REST_ERRORS, successEnvelope, type OperationSpec } from "../operation.js";

const routeTags = new Map<RestRoute, string>([
  ...promptRoutes.map((r) => [r, "Prompts"] as const),
  ...versionRoutes.map((r) => [r, "Versions"] as const),
  ...environmentRoutes.map((r) => [r, "Environments"] as const),
  ...adminRoutes.map((r) => [r, "Keys and organizations"] as const),
  ...analyticsRoutes.map((r) => [r, "Request log and metrics"] as const),
]);

/** The REST route table, as operations. */
export function restOperations(routes: readonly RestRoute[] = restRoutes): OperationSpec[] {
  return routes.map((route) => ({
    method: route.method,
    path: route.path,
    summary: route.summary,
    tag: routeTags.get(route) ?? "Registry",
    ...(route.body ? { body: route.body } : {}),
    responses: {
      [String(route.status ?? 200)]: { description: "Success", schema: successEnvelope(route.response) },
      ...errorRefs(REST_ERRORS),
    },
  }));
}
