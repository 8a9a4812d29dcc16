import { DEFAULT_VERSION_PAGE_SIZE, PRODUCTION_ENVIRONMENT, ZPromptBody } from "@promptreg/contracts";
import {
  ZRestCreateVersionData,
  ZRestCreateVersionRequest,
  ZRestEnvironmentVersionRequest,
  ZRestPromptRefRequest,
  ZRestPromptVersion,
  ZRestPromptVersionWithBody,
  ZRestQueryVersionsRequest,
  ZRestSubversionData,
  ZRestSubversionRequest,
  ZRestTotalVersionsData,
  ZRestVersionRefRequest,
} from "@promptreg/contracts/rest";
import { z } from "zod";
import { AppError } from "../errors.js";
import type { Services } from "../services/index.js";
import type { StoredVersion } from "../services/versions.service.js";
import { toRestVersion } from "./mappers.js";
import { defineRoute, RawJson } from "./route.js";

const P = "/v1/prompt-2025";

/**
 * A `/v2` answer: the version's metadata with its body. The body is spliced in as the JSON text it is
 * stored as: no parse and re-serialisation of a possibly large template on every fetch.
 */
function withBody(services: Services, stored: StoredVersion, baseUrl: string): RawJson {
  const meta = JSON.stringify(toRestVersion(stored.version, services, baseUrl));
  return new RawJson(`${meta.slice(0, -1)},"prompt_body":${stored.doc.body}}`);
}

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
      const { promptId, majorVersion } = body;
      // Helicone's endpoint answers every version; paging is our extension, used only when asked for.
      const versions =
        body.page === undefined && body.pageSize === undefined
          ? await services.versions.listAll(scope, { promptId, majorVersion })
          : await services.versions.list(scope, { promptId, majorVersion, page: body.page ?? 0, pageSize: body.pageSize ?? DEFAULT_VERSION_PAGE_SIZE });
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
      toRestVersion(await services.versions.byId(scope, body.promptVersionId, { fresh }), services, baseUrl),
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
        await services.environments.versionFor(scope, { promptId: body.promptId, environment: PRODUCTION_ENVIRONMENT }, { fresh }),
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
      toRestVersion(await services.environments.versionFor(scope, body, { fresh }), services, baseUrl),
  }),
  defineRoute({
    method: "get",
    path: `${P}/:promptVersionId/prompt-body`,
    summary: "A version's prompt body",
    response: ZPromptBody,
    handler: async ({ scope, params, services }) =>
      new RawJson((await services.versions.doc(scope, params["promptVersionId"]!)).body),
  }),
  defineRoute({
    method: "delete",
    path: `${P}/:promptId/:promptVersionId`,
    summary: "Delete (hide) a version; refused while an environment points at it",
    response: z.null(),
    async handler({ scope, params, services }) {
      await services.versions.remove(scope, { promptId: params["promptId"]!, versionId: params["promptVersionId"]! });
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
      withBody(services, await services.versions.withDoc(scope, body.promptVersionId, { fresh }), baseUrl),
  }),
  defineRoute({
    method: "post",
    path: "/v2/prompt-2025/query/environment-version",
    hot: true,
    summary: "The version an environment points at, with its body",
    body: ZRestEnvironmentVersionRequest,
    response: ZRestPromptVersionWithBody,
    handler: async ({ scope, body, services, baseUrl, fresh }) =>
      withBody(services, await services.environments.resolveFor(scope, body, { fresh }), baseUrl),
  }),
  defineRoute({
    method: "post",
    path: "/v2/prompt-2025/query/production-version",
    hot: true,
    summary: "The version production points at, with its body",
    body: ZRestPromptRefRequest,
    response: ZRestPromptVersionWithBody,
    handler: async ({ scope, body, services, baseUrl, fresh }) =>
      withBody(
        services,
        await services.environments.resolveFor(scope, { promptId: body.promptId, environment: PRODUCTION_ENVIRONMENT }, { fresh }),
        baseUrl,
      ),
  }),
  defineRoute({
    method: "post",
    path: "/v1/prompt/version/:promptVersionId/subversion",
    summary: "Legacy: create a new version of the prompt owning promptVersionId",
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
      const { doc } = await services.versions.createSubversion(scope, params["promptVersionId"]!, {
        template,
        isMajorVersion: body.isMajorVersion ?? false,
        bumpForVersionId: body.bumpForMajorPromptVersionId,
        metadata: body.metadata,
        experimentId: body.experimentId,
      });
      return {
        id: doc._id,
        minor_version: doc.minor,
        major_version: doc.major,
        prompt_v2: doc.promptId,
        model: doc.model,
        helicone_template: doc.body,
        created_at: doc.createdAt.toISOString(),
        metadata: doc.metadata ? (JSON.parse(doc.metadata) as Record<string, unknown>) : {},
        experiment_id: doc.experimentId,
      };
    },
  }),
];
