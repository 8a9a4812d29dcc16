import {
  ZCountOutput,
  ZCreatePromptInput,
  ZCreatePromptOutput,
  ZListPromptsInput,
  ZListPromptsOutput,
  ZListPromptSummariesInput,
  ZListPromptSummariesOutput,
  ZPrompt,
  ZPromptRef,
  ZRenamePromptInput,
  ZSetTagsInput,
  ZTagsOutput,
} from "@promptreg/contracts";
import { z } from "zod";
import { authedProcedure, router } from "../init.js";

export const promptsRouter = router({
  create: authedProcedure
    .input(ZCreatePromptInput)
    .output(ZCreatePromptOutput)
    .mutation(({ ctx, input }) => ctx.services.prompts.create(ctx.scope, input)),
  list: authedProcedure
    .input(ZListPromptsInput)
    .output(ZListPromptsOutput)
    .query(({ ctx, input }) => ctx.services.prompts.list(ctx.scope, input)),
  /** As `list`, each prompt with its newest version, version count, environments and last change. */
  listSummaries: authedProcedure
    .input(ZListPromptSummariesInput)
    .output(ZListPromptSummariesOutput)
    .query(({ ctx, input }) => ctx.services.prompts.listSummaries(ctx.scope, input)),
  byId: authedProcedure
    .input(ZPromptRef)
    .output(ZPrompt)
    .query(({ ctx, input }) => ctx.services.prompts.byId(ctx.scope, input.promptId)),
  rename: authedProcedure
    .input(ZRenamePromptInput)
    .output(z.null())
    .mutation(async ({ ctx, input }) => (await ctx.services.prompts.rename(ctx.scope, input), null)),
  setTags: authedProcedure
    .input(ZSetTagsInput)
    .output(ZTagsOutput)
    .mutation(({ ctx, input }) => ctx.services.prompts.setTags(ctx.scope, input)),
  delete: authedProcedure
    .input(ZPromptRef)
    .output(z.null())
    .mutation(async ({ ctx, input }) => (await ctx.services.prompts.remove(ctx.scope, input.promptId), null)),
  tags: authedProcedure.output(ZTagsOutput).query(({ ctx }) => ctx.services.prompts.tags(ctx.scope)),
  count: authedProcedure.output(ZCountOutput).query(({ ctx }) => ctx.services.prompts.count(ctx.scope)),
});
