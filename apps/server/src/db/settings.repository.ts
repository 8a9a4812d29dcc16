import { randomBytes } from "node:crypto";
import type { Collection, Db } from "mongodb";
import type { SettingDoc } from "./documents.js";
import { isDuplicateKeyError } from "./duplicate-key.js";

/** Instance-wide settings that every replica must agree on (not tenant data). */
export function createSettingsRepository(db: Db) {
  const collection: Collection<SettingDoc> = db.collection("settings");
  return {
    async ensureIndexes(): Promise<void> {},

    /**
     * A random secret generated once and shared by every replica through the database: the first writer
     * wins, everyone reads back the same value. Used when PROMPTREG_SIGNING_SECRET is not configured.
     */
    async sharedSecret(name: string): Promise<string> {
      const candidate = randomBytes(32).toString("base64url");
      try {
        await collection.updateOne({ _id: name }, { $setOnInsert: { value: candidate } }, { upsert: true });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const doc = await collection.findOne({ _id: name });
      if (!doc) throw new Error(`setting ${name} vanished after upsert`);
      return doc.value;
    },
  };
}
export type SettingsRepository = ReturnType<typeof createSettingsRepository>;
