import { randomUUID } from "node:crypto";
import type { Repositories, TenantScope } from "../db/index.js";
import type { DeploymentEvents, PromptChange } from "./events.js";

/**
 * Announces a prompt deletion or version hide (or a creation or edit, for live screens) once it is stored: a record in the prompt_changes log and
 * a tick of the deployment clock bring it to other replicas' feeds within one poll; publishing it here
 * drops this replica's cached copies at once. Call it after every write of the change, so a replica that
 * reloads on seeing the record reads the changed state. Never throws.
 */
export async function announcePromptChange(
  repos: Repositories,
  events: DeploymentEvents,
  scope: TenantScope,
  change: Pick<PromptChange, "promptId" | "action" | "versionId">,
): Promise<void> {
  // Stands in for the record's id when the record cannot be written: this replica's caches must still
  // drop what was just changed, and an id no record has cannot be mistaken for another change.
  let changeId: string = randomUUID();
  try {
    const record = await repos.promptChanges.append(scope, { ...change, at: new Date() });
    changeId = record._id.toHexString();
    await repos.deploymentClock.tick();
  } catch {
    // The change itself is stored: failing the request now would make its retry answer 404. Other
    // replicas then drop their copies by the cache TTL instead of the next feed poll.
  } finally {
    events.publishPromptChange({ changeId, orgId: scope.orgId, ...change });
  }
}
