import { z } from "zod";

/** Every REST answer: `{ data, error: null }` on success, `{ data: null, error }` on failure. */
export function ZRestEnvelope<T extends z.ZodType>(data: T) {
  return z.union([
    z.object({ data, error: z.null() }),
    z.object({ data: z.null(), error: z.string() }),
  ]);
}

export const ZRestError = z.object({ data: z.null(), error: z.string() });
export type TRestError = z.infer<typeof ZRestError>;
