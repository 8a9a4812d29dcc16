import {
  ZCreateVersionInput,
  ZDeleteVersionInput,
  ZListVersionsInput,
  ZPromptBody,
  ZPromptRef,
  ZPromptVersion,
  ZPromptVersionWithBody,
  ZVersionRef,
  ZVersionTotals,
} from "@promptreg/contracts";
import { z } from "zod";
import { authedProcedure, router } from "../init.js";
import { withBody } from "./with-body.js";

export const versionsRouter = router({
  create: authedProcedure
    .input(ZCreateVersionInput)
    .output(ZPromptVersion)
    .mutation(({ ctx, input }) => ctx.services.versions.create(ctx.scope, input)),
  list: authedProcedure
    .input(ZListVersionsInput)
    .output(z.array(ZPromptVersion))
    .query(({ ctx, input }) => ctx.services.versions.list(ctx.scope, input)),
  byId: authedProcedure
    .input(ZVersionRef)
    .output(ZPromptVersion)
    .query(async ({ ctx, input }) => (await ctx.services.resolution.version(ctx.scope, input.versionId)).version),
  body: authedProcedure
    .input(ZVersionRef)
    .output(ZPromptBody)
    .query(async ({ ctx, input }) => (await ctx.services.resolution.version(ctx.scope, input.versionId)).body),
  withBody: authedProcedure
    .input(ZVersionRef)
    .output(ZPromptVersionWithBody)
    .query(async ({ ctx, input }) => withBody(await ctx.services.resolution.version(ctx.scope, input.versionId))),
  totals: authedProcedure
    .input(ZPromptRef)
    .output(ZVersionTotals)
    .query(({ ctx, input }) => ctx.services.versions.totals(ctx.scope, input)),
  delete: authedProcedure
    .input(ZDeleteVersionInput)
    .output(z.null())
    .mutation(async ({ ctx, input }) => (await ctx.services.versions.remove(ctx.scope, input), null)),
});
