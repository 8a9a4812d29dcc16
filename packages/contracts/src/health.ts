import { z } from "zod";

/**
 * `GET /healthz`: whether the process can serve, or needs replacing (503 with `reason`: the embedded
 * database has been unreachable too long, or could not be restarted). `database` always reports its state.
 */
export const ZHealth = z.object({
  status: z.enum(["ok", "unhealthy"]),
  /** Why the process is unhealthy (503 only). */
  reason: z.string().optional(),
  database: z.object({
    /** Whether the last ping (one every 2 s) was answered. */
    reachable: z.boolean(),
    /** Since when the database has not answered, ISO 8601; null while it answers. */
    downSince: z.string().nullable(),
    /** The embedded database's supervisor; absent with MONGODB_URI. */
    embedded: z
      .object({
        state: z.enum(["running", "restarting", "failed", "stopped"]),
        restarts: z.number().int(),
        lastError: z.string().nullable(),
      })
      .optional(),
  }),
});
export type THealth = z.infer<typeof ZHealth>;
