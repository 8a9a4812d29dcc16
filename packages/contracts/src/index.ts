/** Every promptreg shape as a Zod schema (`Z…`) and its inferred type (`T…`). Helicone wire shapes: `./rest`. */
export * from "./analytics.js";
export * from "./api-keys.js";
export * from "./common.js";
export * from "./environments.js";
export * from "./gateway.js";
export * from "./health.js";
export * from "./prompt-body.js";
export * from "./prompts.js";
export * from "./providers.js";
export * from "./roles.js";
export * from "./rollout-hash.js";
export * from "./rollouts.js";
export * from "./template.js";
export * from "./versions.js";
