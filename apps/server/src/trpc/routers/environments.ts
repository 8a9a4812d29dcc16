import {
  ZDeployment,
  ZDeploymentHistoryInput,
  ZDeploymentHistoryPage,
  ZEnvironmentPointer,
  ZEnvironmentRef,
  ZPromptRef,
  ZPromptVersion,
  ZPromptVersionWithBody,
  ZProtectedEnvironments,
  ZRemoveEnvironmentInput,
  ZSetEnvironmentInput,
  ZSetEnvironmentProtectionInput,
} from "@promptreg/contracts";
import { z } from "zod";
import { authedProcedure, router } from "../init.js";
import { withBody } from "./with-body.js";

export const environmentsRouter = router({
  set: authedProcedure
    .input(ZSetEnvironmentInput)
    .output(z.null())
    .mutation(async ({ ctx, input }) => (await ctx.services.environments.set(ctx.scope, input), null)),
  remove: authedProcedure
    .input(ZRemoveEnvironmentInput)
    .output(z.null())
    .mutation(async ({ ctx, input }) => (await ctx.services.environments.remove(ctx.scope, input), null)),
  version: authedProcedure
    .input(ZEnvironmentRef)
    .output(ZPromptVersion)
    .query(async ({ ctx, input }) => (await ctx.services.resolution.environment(ctx.scope, input)).version),
  /** The version an environment points at, with its body: what a prompt fetch needs, in one call. */
  versionWithBody: authedProcedure
    .input(ZEnvironmentRef)
    .output(ZPromptVersionWithBody)
    .query(async ({ ctx, input }) => withBody(await ctx.services.resolution.environment(ctx.scope, input))),
  ofPrompt: authedProcedure
    .input(ZPromptRef)
    .output(z.array(ZEnvironmentPointer))
    .query(({ ctx, input }) => ctx.services.environments.listForPrompt(ctx.scope, input)),
  inUse: authedProcedure.output(z.array(z.string())).query(({ ctx }) => ctx.services.environments.inUse(ctx.scope)),
  history: authedProcedure
    .input(ZDeploymentHistoryInput)
    .output(z.array(ZDeployment))
    .query(({ ctx, input }) => ctx.services.environments.history(ctx.scope, input)),
  /** As `history`, with the cursor of the next page: for reading a long history whole. */
  historyPage: authedProcedure
    .input(ZDeploymentHistoryInput)
    .output(ZDeploymentHistoryPage)
    .query(({ ctx, input }) => ctx.services.environments.historyPage(ctx.scope, input)),
  /** The organization's protected environments, sorted: moving them needs a deployer key. */
  protected: authedProcedure.output(ZProtectedEnvironments).query(({ ctx }) => ctx.services.protection.list(ctx.scope)),
  setProtected: authedProcedure
    .input(ZSetEnvironmentProtectionInput)
    .output(ZProtectedEnvironments)
    .mutation(({ ctx, input }) => ctx.services.protection.set(ctx.scope, input)),
});
