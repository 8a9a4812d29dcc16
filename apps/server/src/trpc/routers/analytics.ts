import {
  ZCaptureSettingsInput,
  ZCaptureSettingsView,
  ZMetricsInput,
  ZMetricsOutput,
  ZMetricsSeriesInput,
  ZMetricsSeriesOutput,
  ZRequestsInput,
  ZRequestsPage,
  ZSetCaptureSettingsInput,
} from "@promptreg/contracts";
import { authedProcedure, router } from "../init.js";

/** Per-version metrics of a prompt: a window's totals and time buckets. */
export const metricsRouter = router({
  byVersion: authedProcedure
    .input(ZMetricsInput)
    .output(ZMetricsOutput)
    .query(({ ctx, input }) => ctx.services.analytics.metrics(ctx.scope, input)),
  series: authedProcedure
    .input(ZMetricsSeriesInput)
    .output(ZMetricsSeriesOutput)
    .query(({ ctx, input }) => ctx.services.analytics.series(ctx.scope, input)),
});

/** The request log: a prompt's recorded gateway calls, newest first. */
export const requestsRouter = router({
  list: authedProcedure
    .input(ZRequestsInput)
    .output(ZRequestsPage)
    .query(({ ctx, input }) => ctx.services.analytics.requests(ctx.scope, input)),
});

/** Input capture settings of the organization or a prompt. */
export const captureSettingsRouter = router({
  get: authedProcedure
    .input(ZCaptureSettingsInput)
    .output(ZCaptureSettingsView)
    .query(({ ctx, input }) => ctx.services.analytics.captureSettings(ctx.scope, input)),
  set: authedProcedure
    .input(ZSetCaptureSettingsInput)
    .output(ZCaptureSettingsView)
    .mutation(({ ctx, input }) => ctx.services.analytics.setCaptureSettings(ctx.scope, input)),
});
