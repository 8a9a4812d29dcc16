import { z } from "zod";

// Roles of API keys (issue 14: least-privilege keys). Ordered: each role may do everything the roles
// before it may. The one table of who may do what lives in the server (services/permissions.ts); this file
// holds only the names and their order, which the client, CLI and dashboard need too.

/**
 * - `runtime`: what an application embeds: fetch and compile prompts, call the gateway; nothing else.
 * - `member`: also create prompts and versions, move unprotected environments, read metrics and history.
 * - `deployer`: also move protected environments, start, re-weight, promote and abort rollouts, delete.
 * - `admin`: also manage API keys and which environments are protected.
 */
export const API_KEY_ROLES = ["runtime", "member", "deployer", "admin"] as const;

export const ZApiKeyRole = z.enum(API_KEY_ROLES);
export type TApiKeyRole = z.infer<typeof ZApiKeyRole>;

/** True when `role` may do what `needed` may (roles are ordered: runtime < member < deployer < admin). */
export function roleAtLeast(role: TApiKeyRole, needed: TApiKeyRole): boolean {
  return API_KEY_ROLES.indexOf(role) >= API_KEY_ROLES.indexOf(needed);
}
