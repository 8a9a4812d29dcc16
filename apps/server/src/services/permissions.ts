// Who may do what (issue 14, least-privilege keys): the one place a service asks whether the calling key's
// role allows an action. REST, tRPC and the gateway all reach the services, so a rule written here holds
// for all three. The roles and their order are in the contracts (roles.ts); each role may do everything the
// roles before it may.
//
//   runtime   what an application embeds: the gateway; every prompt fetch and compile (a version by id, an
//             environment's or production's version, with or without body, the prompt body, the signed
//             body URL); the deployment stream and feed (the prompt manager's cache invalidation); who am I;
//             reading rollouts and the protected environments. The reads Helicone's prompt manager and
//             ours make, and nothing that lists or reveals more than the prompt an application asks for.
//   member    also: create prompts (with their 1.0 on production: a new prompt serves no one yet),
//             versions (legacy subversion too), rename, tags; move and remove UNPROTECTED environments
//             (directly, or by deploying a new version to them); read everything else: listings, counts,
//             tags, versions, history, metrics, the request log, capture settings.
//   deployer  also: move and remove PROTECTED environments; delete prompts and versions; rollouts (start,
//             re-weight, promote, abort).
//   admin     also: API keys (create with a role no higher than its own, list, revoke), which environments
//             are protected, input capture settings (what callers send is stored: personal data).
//   instance  only the bootstrap key (PROMPTREG_API_KEY): create organizations.
//
// Keys stored before these roles existed say `member` and keep what member could do then (deployer):
// db/api-keys.repository.ts effectiveRole.
import { roleAtLeast, type TApiKeyRole } from "@promptreg/contracts";
import { AppError } from "../errors.js";
import type { RequestScope } from "./scope.js";

/**
 * Refuses (403) unless the calling key's role is `needed` or higher. `what` completes the sentence "… may
 * not <what>", so the answer says what was refused and which role it needs.
 */
export function requireRole(scope: RequestScope, needed: TApiKeyRole, what: string): void {
  if (roleAtLeast(scope.role, needed)) return;
  // The roles in `details` too (tRPC's appError.details): clients tell this refusal from others without
  // parsing the message.
  throw new AppError("FORBIDDEN", `this API key (role ${scope.role}) may not ${what}: that needs the ${needed} role or higher`, {
    role: scope.role,
    requiredRole: needed,
  });
}
