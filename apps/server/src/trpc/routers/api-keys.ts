import {
  ZApiKey,
  ZCreateApiKeyInput,
  ZCreatedApiKey,
  ZCreatedOrganization,
  ZCreateOrganizationInput,
  ZRevokeApiKeyInput,
  ZWhoAmI,
} from "@promptreg/contracts";
import { z } from "zod";
import { authedProcedure, router } from "../init.js";

export const apiKeysRouter = router({
  me: authedProcedure.output(ZWhoAmI).query(({ ctx }) => ctx.services.auth.whoAmI(ctx.scope)),
  create: authedProcedure
    .input(ZCreateApiKeyInput)
    .output(ZCreatedApiKey)
    .mutation(({ ctx, input }) => ctx.services.auth.createKey(ctx.scope, input)),
  list: authedProcedure.output(z.array(ZApiKey)).query(({ ctx }) => ctx.services.auth.listKeys(ctx.scope)),
  revoke: authedProcedure
    .input(ZRevokeApiKeyInput)
    .output(z.null())
    .mutation(async ({ ctx, input }) => (await ctx.services.auth.revokeKey(ctx.scope, input.keyId), null)),
});

export const organizationsRouter = router({
  create: authedProcedure
    .input(ZCreateOrganizationInput)
    .output(ZCreatedOrganization)
    .mutation(({ ctx, input }) => ctx.services.auth.createOrganization(ctx.scope, input)),
});
