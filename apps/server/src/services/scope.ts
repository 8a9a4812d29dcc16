import type { TApiKeyRole } from "@promptreg/contracts";
import type { TenantScope } from "../db/index.js";

/** Who is calling: the organization every query is scoped to, and what the key may do. */
export interface RequestScope extends TenantScope {
  /** null for the bootstrap key from PROMPTREG_API_KEY. */
  readonly keyId: string | null;
  readonly role: TApiKeyRole;
  /** Only the bootstrap key: may create organizations. */
  readonly instanceAdmin: boolean;
}
