import { ZProtectedEnvironments } from "@promptreg/contracts";
import { ZRestEnvironmentChangeRequest, ZRestSetEnvironmentProtectionRequest } from "@promptreg/contracts/rest";
import { z } from "zod";
import { defineRoute } from "./route.js";

const P = "/v1/prompt-2025";

export const environmentRoutes = [
  defineRoute({
    method: "get",
    path: `${P}/environments`,
    summary: "Distinct environments in use, sorted",
    response: z.array(z.string()),
    handler: ({ scope, services }) => services.environments.inUse(scope),
  }),
  defineRoute({
    method: "post",
    path: `${P}/update/environment`,
    summary: "Point an environment at a version of the same prompt",
    body: ZRestEnvironmentChangeRequest,
    response: z.null(),
    async handler({ scope, body, services }) {
      await services.environments.set(scope, {
        promptId: body.promptId,
        versionId: body.promptVersionId,
        environment: body.environment,
      });
      return null;
    },
  }),
  defineRoute({
    method: "post",
    path: `${P}/remove/environment`,
    summary: "Remove an environment from a version (not production)",
    body: ZRestEnvironmentChangeRequest,
    response: z.null(),
    async handler({ scope, body, services }) {
      await services.environments.remove(scope, {
        promptId: body.promptId,
        versionId: body.promptVersionId,
        environment: body.environment,
      });
      return null;
    },
  }),
  defineRoute({
    method: "get",
    path: `${P}/environments/protected`,
    summary: "The organization's protected environments, sorted (moving them needs a deployer key)",
    response: ZProtectedEnvironments,
    handler: ({ scope, services }) => services.protection.list(scope),
  }),
  defineRoute({
    method: "post",
    path: `${P}/environments/protected`,
    summary: "Mark an environment protected or not (admin keys); answers the protected environments",
    body: ZRestSetEnvironmentProtectionRequest,
    response: ZProtectedEnvironments,
    handler: ({ scope, body, services }) => services.protection.set(scope, body),
  }),
];
