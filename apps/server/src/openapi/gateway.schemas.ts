// Shapes of the gateway (`POST /v1/chat/completions`) for the OpenAPI document: OpenAI's request and answer
// around the contracts' prompt fields. The gateway forwards fields it does not know untouched, so the
// OpenAI side lists the usual fields only, loosely; the contracts' schemas are the ones it validates with.
import { ZChatMessage, ZGatewayPromptFields, ZResponseFormat, ZTool, ZToolChoice } from "@promptreg/contracts";
import { z } from "zod";

const promptFields = ZGatewayPromptFields.partial({ prompt_id: true }).shape;

/**
 * An OpenAI chat-completions request, plus promptreg's prompt fields. With `prompt_id` the stored prompt is
 * compiled with `inputs` and merged with the request (the request's `messages` and `tools` follow the
 * template's; other fields override it); without it the body is forwarded upstream byte for byte.
 */
export const ZGatewayRequest = z
  .looseObject({
    model: z.string().optional().meta({ description: "Defaults to the prompt version's model when prompt_id is given" }),
    messages: z.array(ZChatMessage).optional().meta({ description: "Appended after the template's messages" }),
    stream: z.boolean().optional().meta({ description: "Relay the upstream's server-sent events as they come" }),
    temperature: z.number().optional(),
    max_tokens: z.number().int().optional(),
    tools: z.array(ZTool).optional(),
    tool_choice: ZToolChoice.optional(),
    response_format: ZResponseFormat.optional(),
    prompt_id: promptFields.prompt_id.meta({ description: "The stored prompt to compile (6 letters or digits)" }),
    environment: promptFields.environment.meta({ description: "Environment whose version to use; wins over version_id; default production" }),
    version_id: promptFields.version_id.meta({ description: "A version of the prompt" }),
    inputs: promptFields.inputs.meta({ description: "Values of the template's variables, by name" }),
  })
  .meta({ description: "An OpenAI chat-completions request, plus prompt_id, environment, version_id and inputs" });

/** The upstream's chat completion, relayed as it came (only the core of OpenAI's shape is listed). */
export const ZChatCompletion = z
  .looseObject({
    id: z.string(),
    object: z.literal("chat.completion"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.looseObject({
        index: z.number().int(),
        message: z.looseObject({ role: z.string(), content: z.string().nullable().optional() }),
        finish_reason: z.string().nullable(),
      }),
    ),
    usage: z.looseObject({}).optional(),
  })
  .meta({ description: "The upstream's chat completion, relayed as it came" });

/**
 * OpenAI's error shape, so the `openai` SDK shows our message and code. `details` lists input problems
 * (`invalid_inputs`) or template problems (`invalid_template`). Upstream errors are relayed as they come.
 */
export const ZOpenAiError = z
  .object({
    error: z.looseObject({
      message: z.string(),
      type: z.string(),
      code: z.string().nullable(),
      param: z.string().nullable().optional(),
      details: z
        .array(z.unknown())
        .optional()
        .meta({ description: "One entry per problem; for invalid_inputs an InputError" }),
    }),
  })
  .meta({ description: "OpenAI's error shape" });
