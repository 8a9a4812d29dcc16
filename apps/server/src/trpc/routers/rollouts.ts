import { ZRollout, ZRolloutRef, ZStartRolloutInput } from "@promptreg/contracts";
import { z } from "zod";
import { authedProcedure, router } from "../init.js";

/** Rollouts of a candidate version behind an environment (API.md "Rollouts"); the rules are in the service. */
export const rolloutsRouter = router({
  /** Starts a rollout, or changes the weight (and rule) of the active one. */
  start: authedProcedure
    .input(ZStartRolloutInput)
    .output(z.null())
    .mutation(async ({ ctx, input }) => (await ctx.services.rollouts.start(ctx.scope, input), null)),
  /** The environment's latest rollout, active or ended; null when it never had one. */
  get: authedProcedure.input(ZRolloutRef).output(ZRollout.nullable()).query(({ ctx, input }) => ctx.services.rollouts.get(ctx.scope, input)),
  promote: authedProcedure
    .input(ZRolloutRef)
    .output(z.null())
    .mutation(async ({ ctx, input }) => (await ctx.services.rollouts.promote(ctx.scope, input), null)),
  abort: authedProcedure
    .input(ZRolloutRef)
    .output(z.null())
    .mutation(async ({ ctx, input }) => (await ctx.services.rollouts.abort(ctx.scope, input), null)),
});
