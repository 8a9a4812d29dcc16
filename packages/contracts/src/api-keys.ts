import { z } from "zod";
import { ZIdRef, ZIsoDateTime } from "./common.js";
import { ZApiKeyRole } from "./roles.js";

/** An API key as listed: never the secret, which is stored only as a hash. */
export const ZApiKey = z.object({
  id: z.string(),
  name: z.string(),
  role: ZApiKeyRole,
  /** The first characters of the secret, to tell keys apart. */
  prefix: z.string(),
  createdAt: ZIsoDateTime,
  revokedAt: ZIsoDateTime.nullable(),
});
export type TApiKey = z.infer<typeof ZApiKey>;

export const ZCreateApiKeyInput = z.object({
  name: z.string().trim().min(1, "name must not be empty").max(100),
  role: ZApiKeyRole.default("member"),
});
export type TCreateApiKeyInput = z.infer<typeof ZCreateApiKeyInput>;

/** The secret is shown once, here, and never again. */
export const ZCreatedApiKey = z.object({ key: ZApiKey, secret: z.string() });
export type TCreatedApiKey = z.infer<typeof ZCreatedApiKey>;

export const ZRevokeApiKeyInput = z.object({ keyId: ZIdRef });
export type TRevokeApiKeyInput = z.infer<typeof ZRevokeApiKeyInput>;

export const ZOrganization = z.object({ id: z.string(), name: z.string(), createdAt: ZIsoDateTime });
export type TOrganization = z.infer<typeof ZOrganization>;

/** Only the instance's bootstrap key (PROMPTREG_API_KEY) may create organizations. */
export const ZCreateOrganizationInput = z.object({ name: z.string().trim().min(1).max(100) });
export type TCreateOrganizationInput = z.infer<typeof ZCreateOrganizationInput>;

export const ZCreatedOrganization = z.object({ organization: ZOrganization, adminKey: ZCreatedApiKey });
export type TCreatedOrganization = z.infer<typeof ZCreatedOrganization>;

/** Who the calling key is: its organization, the key (null for the bootstrap key) and what it may do. */
export const ZWhoAmI = z.object({
  organization: ZOrganization,
  key: ZApiKey.nullable(),
  role: ZApiKeyRole,
  instanceAdmin: z.boolean(),
});
export type TWhoAmI = z.infer<typeof ZWhoAmI>;
