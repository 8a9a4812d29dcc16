// POST /v1/chat/completions: the OpenAI-compatible gateway. Its errors are OpenAI's shape, not the REST
// envelope, so it lists its own answers instead of the shared error responses.
import type { HeadersObject } from "openapi3-ts/oas31";
import { ZChatCompletion, ZGatewayRequest, ZOpenAiError } from "../gateway.schemas.js";
import { SSE_CONTENT, type JsonResponse, type OperationSpec } from "../operation.js";

const gatewayError = (description: string): JsonResponse => ({ description, schema: ZOpenAiError });
const promptVersionHeaders: HeadersObject = {
  "x-prompt-id": { description: "The prompt that was compiled", schema: { type: "string" } },
  "x-prompt-version-id": { description: "The version that was compiled (during a rollout: the arm's version that served the call)", schema: { type: "string" } },
  "x-prompt-rollout": {
    description: "During a rollout of the selected environment: `<rolloutId>;arm=stable` or `<rolloutId>;arm=candidate`, the arm that served the call",
    schema: { type: "string" },
  },
  "x-prompt-version": { description: "Its number, major.minor", schema: { type: "string" } },
  "x-prompt-provider": { description: "The configured provider that served the answer (after any fallback)", schema: { type: "string" } },
  "x-prompt-model": { description: "The model as sent to that provider", schema: { type: "string" } },
};

export function gatewayOperations(): OperationSpec[] {
  return [
    {
      method: "post",
      path: "/v1/chat/completions",
      summary: "OpenAI-compatible chat completion, optionally compiled from a stored prompt",
      description:
        "With `prompt_id` (and `inputs`, optional `environment` or `version_id`) the stored prompt is compiled and merged with the request, then forwarded upstream; without it the request is forwarded as it came. Selection: `environment` if given, else `version_id`, else production. `model` (the caller's or the version's) routes: `<model>/<provider>` goes to that configured provider (OpenAI-compatible, Azure OpenAI, or Anthropic's Messages API, translated both ways); a comma-separated list is a fallback chain tried in order on 429, 5xx, timeouts and connection errors. Answers are always in OpenAI's shape. Errors use OpenAI's shape; any status not listed is the upstream provider's answer, relayed (when every member of a chain failed: the last one's).",
      tag: "Gateway",
      body: ZGatewayRequest,
      headerParameters: [
        {
          name: "x-prompt-subject",
          in: "header",
          required: false,
          description: "Who the call is for, for a rollout's sticky split (default: the body's `user`, else `safety_identifier`; none: a random draw)",
          schema: { type: "string" },
        },
        {
          name: "x-upstream-authorization",
          in: "header",
          required: false,
          description: "The caller's own provider credential (`Bearer <key>`), sent to the chain's first provider only (Anthropic: as `x-api-key`); default: the provider's configured key",
          schema: { type: "string" },
        },
      ],
      responses: {
        "200": {
          description: "The upstream's completion (server-sent events when `stream` is true)",
          schema: ZChatCompletion,
          content: SSE_CONTENT,
          headers: promptVersionHeaders,
        },
        "400": gatewayError("Invalid body, selector or inputs (`invalid_inputs` lists each problem in `details`), a malformed fallback chain, or a request the provider cannot take (`unsupported_by_provider`)"),
        "401": gatewayError("Missing or invalid API key"),
        "404": gatewayError("Unknown prompt, environment or version (`prompt_not_found`)"),
        "413": gatewayError("Request body larger than PROMPTREG_BODY_LIMIT_BYTES (`request_too_large`), or the compiled prompt would be larger than PROMPTREG_COMPILED_LIMIT_BYTES (`compiled_request_too_large`, decided before it is built)"),
        "422": gatewayError("The stored template cannot be compiled (`invalid_template`)"),
        "429": gatewayError("Too many requests for this API key; retry after the Retry-After delay"),
        "500": gatewayError("Unexpected error"),
        "502": gatewayError("No upstream provider could be reached"),
        "503": gatewayError("The database is unreachable, or every provider of the chain is skipped by its circuit breaker (`provider_unavailable`, with Retry-After)"),
        "504": gatewayError("The upstream provider did not answer in time"),
        default: { description: "The upstream provider's answer, relayed", content: { "application/json": { schema: {} } } },
      },
    },
  ];
}
