import type { Collection, Document, Filter } from "mongodb";
import type { TenantScope } from "./scope.js";

/**
 * A document of the caller's organization by primary key, or null. The filter is the bare `{ _id }` and
 * the tenant is checked here, in the repository layer: FerretDB (the embedded database) pushes only a
 * bare `_id` filter down to SQLite and scans the collection for anything more, and on MongoDB this is
 * the `_id` index's fast path either way. Another organization's document is exactly as absent as a
 * missing one.
 */
export async function findOwnedById<T extends Document & { _id: string; orgId: string }>(
  collection: Collection<T>,
  scope: TenantScope,
  id: string,
): Promise<T | null> {
  const doc = (await collection.findOne({ _id: id } as Filter<T>)) as T | null;
  return doc && doc.orgId === scope.orgId ? doc : null;
}
