import { PRODUCTION_ENVIRONMENT, ZListVersionsInput, ZPromptBody } from "@promptreg/contracts";
import {
  ZRestCreateVersionData,
  ZRestCreateVersionRequest,
  ZRestEnvironmentVersionRequest,
  ZRestPromptRefRequest,
  ZRestPromptVersion,
  ZRestPromptVersionParams,
  ZRestPromptVersionWithBody,
  ZRestQueryVersionsRequest,
  ZRestSubversionData,
  ZRestSubversionRequest,
  ZRestTotalVersionsData,
  ZRestVersionIdParams,
  ZRestVersionRefRequest,
} from "@promptreg/contracts/rest";
import { z } from "zod";
import { AppError } from "../errors.js";
import { toRestVersion, toRestVersionWithBody } from "./mappers.js";
import { defineRoute, RawJson } from "./route.js";

const P = "/v1/prompt-2025";

export const versionRoutes = [
  defineRoute({
    method: "post",
    path: `${P}/update`,
    summary: "Create a version from a base version (minor or major bump), optionally deployed",
    body: ZRestCreateVersionRequest,
    response: ZRestCreateVersionData,
    status: 201,
    async handler({ scope, body, services }) {
      const version = await services.versions.create(scope, {
        promptId: body.promptId,
        baseVersionId: body.promptVersionId,
        bump: body.newMajorVersion ? "major" : "minor",
        commitMessage: body.commitMessage ?? "",
        body: body.promptBody,
        environment: body.environment,
      });
      return { id: version.id };
    },
  }),
  defineRoute({
    method: "post",
    path: `${P}/query/versions`,
    summary: "List a prompt's versions, newest first (optionally one major)",
    body: ZRestQueryVersionsRequest,
    response: z.array(ZRestPromptVersion),
    async handler({ scope, body, services, baseUrl }) {
      const { promptId, majorVersion, page, pageSize } = body;
      // Helicone's endpoint answers every version; paging is our extension, used only when asked for, with
      // the defaults of the typed API's listing.
      const versions =
        page === undefined && pageSize === undefined
          ? await services.versions.listAll(scope, { promptId, majorVersion })
          : await services.versions.list(scope, ZListVersionsInput.parse({ promptId, majorVersion, page, pageSize }));
      return versions.map((v) => toRestVersion(v, services, baseUrl));
    },
  }),
  defineRoute({
    method: "post",
    path: `${P}/query/version`,
    hot: true,
    summary: "Get a version's metadata",
    body: ZRestVersionRefRequest,
    response: ZRestPromptVersion,
    handler: async ({ scope, body, services, baseUrl, fresh }) =>
      toRestVersion((await services.resolution.version(scope, body.promptVersionId, { fresh })).version, services, baseUrl),
  }),
  defineRoute({
    method: "post",
    path: `${P}/query/total-versions`,
    summary: "Count of versions and highest major",
    body: ZRestPromptRefRequest,
    response: ZRestTotalVersionsData,
    handler: ({ scope, body, services }) => services.versions.totals(scope, { promptId: body.promptId }),
  }),
  defineRoute({
    method: "post",
    path: `${P}/query/production-version`,
    hot: true,
    summary: "The version production points at",
    body: ZRestPromptRefRequest,
    response: ZRestPromptVersion,
    handler: async ({ scope, body, services, baseUrl, fresh }) =>
      toRestVersion(
        (await services.resolution.environment(scope, { promptId: body.promptId, environment: PRODUCTION_ENVIRONMENT }, { fresh })).version,
        services,
        baseUrl,
      ),
  }),
  defineRoute({
    method: "post",
    path: `${P}/query/environment-version`,
    hot: true,
    summary: "The version an environment points at",
    body: ZRestEnvironmentVersionRequest,
    response: ZRestPromptVersion,
    handler: async ({ scope, body, services, baseUrl, fresh }) =>
      toRestVersion((await services.resolution.environment(scope, body, { fresh })).version, services, baseUrl),
  }),
  defineRoute({
    method: "get",
    path: `${P}/:promptVersionId/prompt-body`,
    summary: "A version's prompt body",
    params: ZRestVersionIdParams,
    response: ZPromptBody,
    handler: async ({ scope, params, services }) => new RawJson((await services.resolution.version(scope, params.promptVersionId)).bodyJson),
  }),
  defineRoute({
    method: "delete",
    path: `${P}/:promptId/:promptVersionId`,
    summary: "Delete (hide) a version; refused while an environment points at it",
    params: ZRestPromptVersionParams,
    response: z.null(),
    async handler({ scope, params, services }) {
      await services.versions.remove(scope, { promptId: params.promptId, versionId: params.promptVersionId });
      return null;
    },
  }),
  defineRoute({
    method: "post",
    path: "/v2/prompt-2025/query/version",
    hot: true,
    summary: "A version's metadata with its body",
    body: ZRestVersionRefRequest,
    response: ZRestPromptVersionWithBody,
    handler: async ({ scope, body, services, baseUrl, fresh }) =>
      toRestVersionWithBody(await services.resolution.version(scope, body.promptVersionId, { fresh }), services, baseUrl),
  }),
  defineRoute({
    method: "post",
    path: "/v2/prompt-2025/query/environment-version",
    hot: true,
    summary: "The version an environment points at, with its body",
    body: ZRestEnvironmentVersionRequest,
    response: ZRestPromptVersionWithBody,
    handler: async ({ scope, body, services, baseUrl, fresh }) =>
      toRestVersionWithBody(await services.resolution.environment(scope, body, { fresh }), services, baseUrl),
  }),
  defineRoute({
    method: "post",
    path: "/v2/prompt-2025/query/production-version",
    hot: true,
    summary: "The version production points at, with its body",
    body: ZRestPromptRefRequest,
    response: ZRestPromptVersionWithBody,
    handler: async ({ scope, body, services, baseUrl, fresh }) =>
      toRestVersionWithBody(
        await services.resolution.environment(scope, { promptId: body.promptId, environment: PRODUCTION_ENVIRONMENT }, { fresh }),
        services,
        baseUrl,
      ),
  }),
  defineRoute({
    method: "post",
    path: "/v1/prompt/version/:promptVersionId/subversion",
    summary: "Legacy: create a new version of the prompt owning promptVersionId",
    params: ZRestVersionIdParams,
    body: ZRestSubversionRequest,
    response: ZRestSubversionData,
    status: 201,
    async handler({ scope, body, params, services }) {
      let template: unknown = body.newHeliconeTemplate;
      if (typeof template === "string") {
        try {
          template = JSON.parse(template);
        } catch {
          throw new AppError("BAD_REQUEST", "newHeliconeTemplate is a string but not valid JSON");
        }
      }
      const created = await services.versions.createSubversion(scope, params.promptVersionId, {
        template,
        isMajorVersion: body.isMajorVersion ?? false,
        bumpForVersionId: body.bumpForMajorPromptVersionId,
        metadata: body.metadata,
        experimentId: body.experimentId,
      });
      return {
        id: created.id,
        minor_version: created.minor,
        major_version: created.major,
        prompt_v2: created.promptId,
        model: created.model,
        helicone_template: created.templateJson,
        created_at: created.createdAt,
        metadata: created.metadata,
        experiment_id: created.experimentId,
      };
    },
  }),
];
