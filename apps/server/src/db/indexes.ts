import type { Collection, CreateIndexesOptions, Document, IndexSpecification } from "mongodb";

export interface IndexDeclaration extends CreateIndexesOptions {
  key: IndexSpecification;
  name: string;
}

/**
 * Creates a collection's indexes, one command each. Idempotent. One command per index rather than one
 * `createIndexes` with a list: FerretDB v1 crashes the connection when a multi-index createIndexes names
 * indexes that already exist (the second replica's start-up), and the cost is a few round trips at boot.
 */
export async function declareIndexes<T extends Document>(collection: Collection<T>, indexes: IndexDeclaration[]): Promise<void> {
  for (const { key, ...options } of indexes) await collection.createIndex(key, options);
}
