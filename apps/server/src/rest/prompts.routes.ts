import { ZListPromptsInput } from "@promptreg/contracts";
import {
  ZRestCreatePromptData,
  ZRestCreatePromptRequest,
  ZRestPrompt,
  ZRestPromptIdParams,
  ZRestQueryPromptsRequest,
  ZRestRenameRequest,
  ZRestSetTagsRequest,
} from "@promptreg/contracts/rest";
import { z } from "zod";
import { toRestPrompt } from "./mappers.js";
import { defineRoute } from "./route.js";

const P = "/v1/prompt-2025";

export const promptRoutes = [
  defineRoute({
    method: "post",
    path: P,
    summary: "Create a prompt with version 1.0, deployed to production",
    body: ZRestCreatePromptRequest,
    response: ZRestCreatePromptData,
    status: 201,
    async handler({ scope, body, services }) {
      const { prompt, version } = await services.prompts.create(scope, {
        name: body.name,
        tags: body.tags,
        body: body.promptBody,
      });
      return { id: prompt.id, versionId: version.id };
    },
  }),
  defineRoute({
    method: "post",
    path: `${P}/query`,
    summary: "List prompts, newest first, filtered by name and tags",
    body: ZRestQueryPromptsRequest,
    response: z.array(ZRestPrompt),
    async handler({ scope, body, services }) {
      // The typed API's listing, its paging defaults included.
      const input = ZListPromptsInput.parse({ search: body.search, tags: body.tagsFilter, page: body.page, pageSize: body.pageSize });
      const { items } = await services.prompts.list(scope, input);
      return items.map(toRestPrompt);
    },
  }),
  defineRoute({
    method: "get",
    path: `${P}/id/:promptId`,
    summary: "Get a prompt",
    params: ZRestPromptIdParams,
    response: ZRestPrompt,
    handler: async ({ scope, params, services }) => toRestPrompt(await services.prompts.byId(scope, params.promptId)),
  }),
  defineRoute({
    method: "post",
    path: `${P}/id/:promptId/rename`,
    summary: "Rename a prompt",
    params: ZRestPromptIdParams,
    body: ZRestRenameRequest,
    response: z.null(),
    async handler({ scope, body, params, services }) {
      await services.prompts.rename(scope, { promptId: params.promptId, name: body.name });
      return null;
    },
  }),
  defineRoute({
    method: "patch",
    path: `${P}/id/:promptId/tags`,
    summary: "Replace a prompt's tags; answers the stored tags",
    params: ZRestPromptIdParams,
    body: ZRestSetTagsRequest,
    response: z.array(z.string()),
    handler: ({ scope, body, params, services }) =>
      services.prompts.setTags(scope, { promptId: params.promptId, tags: body.tags }),
  }),
  defineRoute({
    method: "delete",
    path: `${P}/:promptId`,
    summary: "Delete a prompt (it and its versions leave every listing and lookup)",
    params: ZRestPromptIdParams,
    response: z.null(),
    async handler({ scope, params, services }) {
      await services.prompts.remove(scope, params.promptId);
      return null;
    },
  }),
  defineRoute({
    method: "get",
    path: `${P}/tags`,
    summary: "Distinct tags of the organization's prompts",
    response: z.array(z.string()),
    handler: ({ scope, services }) => services.prompts.tags(scope),
  }),
  defineRoute({
    method: "get",
    path: `${P}/count`,
    summary: "Number of prompts",
    response: z.number().int(),
    handler: ({ scope, services }) => services.prompts.count(scope),
  }),
];
