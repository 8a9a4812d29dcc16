import { z } from "zod";

/**
 * How deep a stored template may nest. JSON this deep is never a real prompt, and a bound keeps hostile
 * bodies from costing recursion in validation, compilation or storage.
 */
export const MAX_BODY_DEPTH = 64;

/** Depth of a JSON value: a scalar is 0, `[]` or `{}` is 1. Iterative, so hostile input cannot overflow the stack. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    const inner = depth + 1;
    if (inner > max) max = inner;
    if (max > MAX_BODY_DEPTH) return max;
    for (const child of Array.isArray(current) ? current : Object.values(current)) stack.push([child, inner]);
  }
  return max;
}

/** A text part of a multi-part message content; its `text` may hold template variables. */
export const ZTextContentPart = z.looseObject({ type: z.literal("text"), text: z.string() });

/** Any other content part (image_url, input_audio, file, …), passed through as given. */
export const ZOtherContentPart = z.looseObject({
  type: z.string().refine((t) => t !== "text", "a text part needs a string `text`"),
});

export const ZContentPart = z.union([ZTextContentPart, ZOtherContentPart]);
export type TContentPart = z.infer<typeof ZContentPart>;

export const ZMessageRole = z.enum(["system", "developer", "user", "assistant", "tool", "function"]);

/** One chat message of a template. Extra fields (tool_calls, name, …) pass through. */
export const ZChatMessage = z.looseObject({
  role: ZMessageRole,
  content: z.union([z.string(), z.array(ZContentPart), z.null()]).optional(),
});
export type TChatMessage = z.infer<typeof ZChatMessage>;

/** A tool definition (OpenAI shape); names and JSON schemas may hold template variables. */
export const ZTool = z.looseObject({ type: z.string().min(1) });
export type TTool = z.infer<typeof ZTool>;

export const ZResponseFormat = z.looseObject({ type: z.string().min(1) });

export const ZToolChoice = z.union([z.string(), z.looseObject({ type: z.string() })]);

/**
 * The request template stored with a version: an OpenAI chat-completions request whose strings may hold
 * `{{hc:name:type}}`, legacy `{{name}}` and `{{hcp:id:index[:env]}}` placeholders. Fields this schema does
 * not name (top_p, seed, reasoning_effort, provider-specific ones…) are kept as given.
 */
export const ZPromptBody = z
  .looseObject({
    model: z.string({ error: "model must be a string" }).refine((m) => m.trim().length > 0, "model must not be empty"),
    messages: z.array(ZChatMessage, { error: "messages must be an array of chat messages" }),
    temperature: z.number().min(0).max(2).optional(),
    max_tokens: z.number().int().positive().optional(),
    tools: z.array(ZTool).optional(),
    tool_choice: ZToolChoice.optional(),
    response_format: ZResponseFormat.optional(),
  })
  .refine((body) => jsonDepth(body) <= MAX_BODY_DEPTH, {
    message: `prompt body nests deeper than ${MAX_BODY_DEPTH} levels`,
  });
export type TPromptBody = z.infer<typeof ZPromptBody>;
