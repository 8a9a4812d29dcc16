// Per provider type: where a call goes, with which headers and body, and how the answer comes back in
// OpenAI's shape. The translation itself is in anthropic.ts (pure); this file only wires it.
import type { ProviderSettings } from "../../config.js";
import { toAnthropicRequest, type AnthropicCallContext } from "./anthropic.js";
import type { RouteMember } from "./route.js";

export interface OutgoingCall {
  url: string;
  headers: Record<string, string>;
  body: string | Buffer;
  /** Set for anthropic providers: what the answer's translation needs. */
  anthropic: AnthropicCallContext | undefined;
}

export interface CallInput {
  body: Record<string, unknown>;
  /** The caller's bytes, forwarded as they are to an OpenAI-compatible provider when the model is unchanged. */
  raw: Buffer | undefined;
  accept: string | undefined;
  /** The caller's own provider credential (`x-upstream-authorization`), when it may go to this provider. */
  callerAuthorization: string | undefined;
  /** The caller's `openai-organization` / `openai-project`, when the operator allows forwarding them. */
  orgHeaders: Readonly<Record<string, string>>;
}

/** Upstream answer headers worth relaying from OpenAI-compatible providers. */
export const OPENAI_RELAYED_HEADERS = [
  "openai-processing-ms",
  "openai-version",
  "retry-after",
  "retry-after-ms",
  "x-ratelimit-limit-requests",
  "x-ratelimit-remaining-requests",
  "x-ratelimit-reset-requests",
  "x-ratelimit-limit-tokens",
  "x-ratelimit-remaining-tokens",
  "x-ratelimit-reset-tokens",
];
export const ANTHROPIC_RELAYED_HEADERS = ["retry-after"];

/** The body with `model` replaced, or the caller's bytes when nothing changes (pass-through stays byte for byte). */
function openAiBody(input: CallInput, model: string): string | Buffer {
  const given = input.body["model"];
  if (input.raw !== undefined && (given === model || (given === undefined && model === ""))) return input.raw;
  return JSON.stringify(model === "" ? input.body : { ...input.body, model });
}

export function prepareCall(provider: ProviderSettings, member: RouteMember, baseUrl: string, input: CallInput): OutgoingCall {
  switch (provider.type) {
    case "openai": {
      const headers: Record<string, string> = { "content-type": "application/json", accept: input.accept ?? "application/json", ...provider.headers, ...input.orgHeaders };
      const authorization = input.callerAuthorization ?? (provider.apiKey ? `Bearer ${provider.apiKey}` : undefined);
      if (authorization) headers["authorization"] = authorization;
      return { url: `${baseUrl}/chat/completions`, headers, body: openAiBody(input, member.model), anthropic: undefined };
    }
    case "azure": {
      const headers: Record<string, string> = { "content-type": "application/json", accept: input.accept ?? "application/json", ...provider.headers };
      // A caller's own credential goes as it came (an Entra ID bearer token, or `Bearer <key>` on v1).
      if (input.callerAuthorization) headers["authorization"] = input.callerAuthorization;
      else if (provider.apiKey) headers["api-key"] = provider.apiKey;
      const deployment = provider.deployments[member.model] ?? member.model;
      if (provider.apiVersion === "v1") {
        return { url: `${baseUrl}/openai/v1/chat/completions`, headers, body: openAiBody(input, deployment), anthropic: undefined };
      }
      return {
        url: `${baseUrl}/openai/deployments/${encodeURIComponent(deployment)}/chat/completions?api-version=${encodeURIComponent(provider.apiVersion)}`,
        headers,
        body: openAiBody(input, member.model),
        anthropic: undefined,
      };
    }
    case "anthropic": {
      const translated = toAnthropicRequest(input.body, { model: member.model, defaultMaxTokens: provider.defaultMaxTokens });
      const headers: Record<string, string> = {
        "content-type": "application/json",
        accept: translated.context.stream ? "text/event-stream" : "application/json",
        "anthropic-version": provider.anthropicVersion,
        ...provider.headers,
      };
      // `x-upstream-authorization: Bearer sk-ant-...` (the OpenAI SDK's habit) or the bare key.
      const key = input.callerAuthorization?.replace(/^Bearer\s+/i, "") ?? provider.apiKey;
      if (key) headers["x-api-key"] = key;
      return { url: `${baseUrl}/v1/messages`, headers, body: JSON.stringify(translated.body), anthropic: translated.context };
    }
  }
}
