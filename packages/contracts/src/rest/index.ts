/**
 * Helicone's wire shapes for the REST adapter: camelCase request bodies, snake_case response payloads.
 * Kept apart from the camelCase tRPC shapes in the package root.
 */
export * from "./analytics.js";
export * from "./envelope.js";
export * from "./environments.js";
export * from "./prompts.js";
export * from "./rollouts.js";
export * from "./versions.js";
export * from "./params.js";
