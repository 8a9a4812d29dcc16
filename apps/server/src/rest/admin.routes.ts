import {
  ZApiKey,
  ZCreateApiKeyInput,
  ZCreatedApiKey,
  ZCreatedOrganization,
  ZCreateOrganizationInput,
  ZWhoAmI,
} from "@promptreg/contracts";
import { ZRestKeyIdParams } from "@promptreg/contracts/rest";
import { z } from "zod";
import { defineRoute } from "./route.js";

/** Key and organization management (ours, not Helicone's): admin keys only. */
export const adminRoutes = [
  defineRoute({
    method: "get",
    path: "/v1/me",
    summary: "Who the calling API key is: organization, key, role",
    response: ZWhoAmI,
    handler: ({ scope, services }) => services.auth.whoAmI(scope),
  }),
  defineRoute({
    method: "post",
    path: "/v1/api-keys",
    summary: "Create an API key in the caller's organization (the secret is shown once)",
    body: ZCreateApiKeyInput,
    response: ZCreatedApiKey,
    status: 201,
    handler: ({ scope, body, services }) => services.auth.createKey(scope, body),
  }),
  defineRoute({
    method: "get",
    path: "/v1/api-keys",
    summary: "List the organization's API keys",
    response: z.array(ZApiKey),
    handler: ({ scope, services }) => services.auth.listKeys(scope),
  }),
  defineRoute({
    method: "delete",
    path: "/v1/api-keys/:keyId",
    summary: "Revoke an API key",
    params: ZRestKeyIdParams,
    response: z.null(),
    async handler({ scope, params, services }) {
      await services.auth.revokeKey(scope, params.keyId);
      return null;
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/organizations",
    summary: "Create an organization with its first admin key (bootstrap key only)",
    body: ZCreateOrganizationInput,
    response: ZCreatedOrganization,
    status: 201,
    handler: ({ scope, body, services }) => services.auth.createOrganization(scope, body),
  }),
];
