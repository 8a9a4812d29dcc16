// tRPC wiring: the one initTRPC, the procedure builders and the error formatter. Add a new resource
// router under routers/ and mount it in root.ts; procedures stay three lines that call a service.
import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError, z } from "zod";
import { withOwnDeadline } from "../db/index.js";
import { AppError, appErrorTable, isDatabaseUnavailable, toAppError } from "../errors.js";
import type { Services, RequestScope } from "../services/index.js";
import { formatZodIssues } from "../validation.js";

export interface TrpcContext {
  services: Services;
  /**
   * The request's admission by the shared pipeline (authentication, rate limits), started when the
   * request arrived: once per HTTP request, whatever a batch holds. authedProcedure awaits it, so its
   * refusal is answered in tRPC's shape.
   */
  admission: Promise<RequestScope>;
  requestId: string;
  /** Each call's database deadline (PROMPTREG_DB_TIMEOUT_MS); none when absent (in-process callers). */
  dbTimeoutMs?: number;
}

const t = initTRPC.context<TrpcContext>().create({
  // Never send stack traces, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const appError = cause instanceof AppError ? cause : undefined;
    const zodError = cause instanceof ZodError ? cause : undefined;
    const message = zodError
      ? `invalid input: ${formatZodIssues(zodError)}`
      : error.code === "INTERNAL_SERVER_ERROR"
        ? "internal server error"
        : shape.message;
    return {
      ...shape,
      message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        appError: appError ? { code: appError.code, details: appError.details ?? null } : null,
        zodError: zodError ? z.flattenError(zodError) : null,
      },
    };
  },
});

/** Turns service errors (AppError, database outages) into the TRPCError their code maps to. */
const mapServiceErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof AppError || isDatabaseUnavailable(cause)) {
      const appError = toAppError(cause);
      throw new TRPCError({ code: appErrorTable[appError.code].trpc, message: appError.message, cause: appError });
    }
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(mapServiceErrors);

/**
 * Every API procedure: the request's tenant scope, or the pipeline's refusal (401, 429). Each call of a
 * batch runs with a database deadline of its own (db/deadline.ts): a batch is many requests in one.
 */
export const authedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const scope: RequestScope = await ctx.admission;
  const call = () => next({ ctx: { ...ctx, scope } });
  return ctx.dbTimeoutMs === undefined ? call() : withOwnDeadline(ctx.dbTimeoutMs, call);
});
