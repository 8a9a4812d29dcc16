// Who may do what (issue 14, least-privilege keys): the one place a service asks whether the calling key's
// role allows an action. REST, tRPC and the gateway all reach the services, so a rule written here holds
// for all three. The roles and their order are in the contracts (roles.ts).
import { roleAtLeast, type TApiKeyRole } from "@promptreg/contracts";
import { AppError } from "../errors.js";
import type { RequestScope } from "./scope.js";

/**
 * Refuses (403) unless the calling key's role is `needed` or higher. `what` completes the sentence "… may
 * not <what>", so the answer says what was refused and which role it needs.
 */
export function requireRole(scope: RequestScope, needed: TApiKeyRole, what: string): void {
  if (roleAtLeast(scope.role, needed)) return;
  throw new AppError("FORBIDDEN", `this API key (role ${scope.role}) may not ${what}: that needs the ${needed} role or higher`);
}
