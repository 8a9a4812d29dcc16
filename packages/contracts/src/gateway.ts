import { z } from "zod";
import { ZEnvironmentName, ZIdRef } from "./common.js";

/**
 * The fields a gateway call (`POST /v1/chat/completions`) adds to an OpenAI chat completion request to
 * use a stored prompt. None of them reaches the upstream provider. With them, `model` and `messages` may
 * be left out (the version's are used; the caller's messages are appended).
 */
export const ZGatewayPromptFields = z.object({
  /**
   * The prompt to compile. Ids and environment names follow the same rules as on every other endpoint
   * (at most 128 and 64 characters): they key the server's caches, whose memory must stay bounded.
   */
  prompt_id: ZIdRef,
  /** Variable values; checked against the version's variables (400 with one entry per problem). */
  inputs: z.record(z.string(), z.unknown(), { error: "inputs must be an object of variable names to values" }).nullish(),
  /** Which environment's version to use; wins over `version_id`; default `production`. */
  environment: ZEnvironmentName.nullish(),
  /** A specific version of the prompt. */
  version_id: ZIdRef.nullish(),
});
export type TGatewayPromptFields = z.infer<typeof ZGatewayPromptFields>;

/**
 * What the gateway checks of a prompt call before compiling: the selection, and the caller's parts that
 * are merged by rule (a `messages` or `tools` that is not an array would otherwise be dropped from the
 * merge without a word). `inputs` is checked by the compiler, which reports it with the other input errors.
 */
export const ZGatewayPromptCall = ZGatewayPromptFields.omit({ inputs: true }).extend({
  messages: z.array(z.unknown(), { error: "messages must be an array of chat messages" }).nullish(),
  tools: z.array(z.unknown(), { error: "tools must be an array of tool definitions" }).nullish(),
});

/** Fields that only mean something with `prompt_id`; without it a request is forwarded as is. */
export const PROMPT_ONLY_FIELDS = ["inputs", "environment", "version_id"] as const;
