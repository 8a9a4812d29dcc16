import { createHash, randomBytes, randomInt, randomUUID } from "node:crypto";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** 6 alphanumerics from a CSPRNG, like Helicone's prompt ids (62^6 ≈ 5.7e10; collisions are retried). */
export function generatePromptId(): string {
  let id = "";
  for (let i = 0; i < 6; i++) id += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return id;
}

export const generateVersionId = (): string => randomUUID();

export const generateOrganizationId = (): string => `org_${randomBytes(9).toString("base64url")}`;

export const generateApiKeyId = (): string => `key_${randomBytes(9).toString("base64url")}`;

/** API key secrets: 192 random bits, recognisable by their prefix. */
export const generateApiKeySecret = (): string => `prk_${randomBytes(24).toString("base64url")}`;

export const hashApiKey = (secret: string): string => createHash("sha256").update(secret, "utf8").digest("hex");
