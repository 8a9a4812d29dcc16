/**
 * What the signed-in key may do, so the dashboard can turn off (and explain) what the server would refuse.
 * The server decides (services/permissions.ts answers 403 naming the role needed); this only mirrors its
 * table, from the roles' order in the contracts, so nobody fills in a form to be refused at the end.
 */
import { roleAtLeast, type TApiKeyRole } from "@promptreg/contracts";

export type Action =
  | "create-prompt"
  | "create-version"
  | "edit-prompt"
  | "move-environment"
  | "delete"
  | "rollout"
  | "manage-keys"
  | "protect-environment"
  | "capture-settings";

/** What each action is, in the words of the sentence "… needs the X role". */
const ACTION_TEXT: Record<Action, string> = {
  "create-prompt": "Creating prompts",
  "create-version": "Creating versions",
  "edit-prompt": "Renaming and tagging prompts",
  "move-environment": "Moving environments",
  delete: "Deleting",
  rollout: "Starting, re-weighting, promoting and aborting rollouts",
  "manage-keys": "Managing API keys",
  "protect-environment": "Protecting environments",
  "capture-settings": "Changing input capture",
};

/** The role an action needs; moving an environment needs `deployer` when the environment is protected. */
export function neededRole(action: Action, environment?: string, protectedEnvironments: readonly string[] = ["production"]): TApiKeyRole {
  switch (action) {
    case "create-prompt":
    case "create-version":
    case "edit-prompt":
      return "member";
    case "move-environment":
      return environment !== undefined && protectedEnvironments.includes(environment) ? "deployer" : "member";
    case "delete":
    case "rollout":
      return "deployer";
    case "manage-keys":
    case "protect-environment":
    case "capture-settings":
      return "admin";
  }
}

export interface Permission {
  allowed: boolean;
  /** Why not, naming the role needed and the key's own; null when allowed. */
  reason: string | null;
}

export const ALLOWED: Permission = { allowed: true, reason: null };

/**
 * Whether `role` may do `action` (on `environment`). An unknown role (still loading) allows: the server
 * still decides, and a button that flickers off then on is worse than a 403 shown in words.
 */
export function permission(role: TApiKeyRole | undefined, action: Action, environment?: string, protectedEnvironments?: readonly string[]): Permission {
  if (role === undefined) return ALLOWED;
  const needed = neededRole(action, environment, protectedEnvironments);
  if (roleAtLeast(role, needed)) return ALLOWED;
  const what = action === "move-environment" && environment !== undefined ? `Moving ${environment}` : ACTION_TEXT[action];
  const why = action === "move-environment" && needed === "deployer" ? ` (${environment} is protected)` : "";
  return { allowed: false, reason: `${what}${why} needs the ${needed} role or higher; this API key is ${article(role)} ${role} key.` };
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? "an" : "a";
}

/** One line per role, for the role picker and the keys screen. */
export const ROLE_HELP: Record<TApiKeyRole, string> = {
  runtime: "For applications: fetch and call prompts through the gateway; nothing else.",
  member: "Also create prompts and versions and move unprotected environments.",
  deployer: "Also move protected environments, run rollouts (start, re-weight, promote, abort) and delete.",
  admin: "Also manage API keys, choose which environments are protected and what calls' inputs are stored.",
};
