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
import { parseStoredBody } from "../../services/versions.service.js";
import { authedProcedure, router } from "../init.js";

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
    .query(({ ctx, input }) => ctx.services.versions.byId(ctx.scope, input.versionId)),
  body: authedProcedure
    .input(ZVersionRef)
    .output(ZPromptBody)
    .query(async ({ ctx, input }) => parseStoredBody(await ctx.services.versions.doc(ctx.scope, input.versionId))),
  withBody: authedProcedure
    .input(ZVersionRef)
    .output(ZPromptVersionWithBody)
    .query(async ({ ctx, input }) => {
      const { version, doc } = await ctx.services.versions.withDoc(ctx.scope, input.versionId);
      return { ...version, body: parseStoredBody(doc) };
    }),
  totals: authedProcedure
    .input(ZPromptRef)
    .output(ZVersionTotals)
    .query(({ ctx, input }) => ctx.services.versions.totals(ctx.scope, input)),
  delete: authedProcedure
    .input(ZDeleteVersionInput)
    .output(z.null())
    .mutation(async ({ ctx, input }) => (await ctx.services.versions.remove(ctx.scope, input), null)),
});
