/** Where each environment points, the full deployment history, and rolling an environment back. */
import type { TDeployment, TPromptVersion } from "@promptreg/contracts";
import { useMemo, useState } from "react";
import { describeError } from "../api/errors";
import { useEnvironments, useHistory, useKeyNames, useRemoveEnvironment, useSetEnvironment, useVersions } from "../api/queries";
import { DeployDialog } from "../components/DeployDialog";
import { Dialog } from "../components/Dialog";
import { useToast } from "../components/Toasts";
import { EmptyState, EnvBadge, ErrorState, Loading, SkeletonList } from "../components/ui";
import { absoluteTime, byNumberDesc, environmentOrder, relativeTime, versionLabel } from "../lib/versions";
import { Link } from "../router";

export function DeploymentsTab({ promptId }: { promptId: string }) {
  const environments = useEnvironments(promptId);
  const history = useHistory(promptId);
  const versions = useVersions(promptId);
  const keyNames = useKeyNames();
  const [rollback, setRollback] = useState<TDeployment | null>(null);
  const [deployOpen, setDeployOpen] = useState(false);
  const [removing, setRemoving] = useState<{ environment: string; versionId: string } | null>(null);

  const byId = useMemo(() => new Map((versions.data ?? []).map((v) => [v.id, v])), [versions.data]);
  const current = useMemo(() => new Map((environments.data ?? []).map((p) => [p.environment, p.versionId])), [environments.data]);
  const newest = useMemo(() => [...(versions.data ?? [])].sort(byNumberDesc)[0], [versions.data]);

  const versionCell = (versionId: string | null) => {
    if (versionId === null) return <span className="muted">—</span>;
    const version = byId.get(versionId);
    return version ? (
      <Link to={{ name: "version", promptId, versionId }} className="mono">
        {versionLabel(version)}
      </Link>
    ) : (
      <span className="muted" title={versionId}>
        deleted version
      </span>
    );
  };
  const keyLabel = (keyId: string | null) => (keyId === null ? "bootstrap key" : (keyNames.data?.get(keyId) ?? `key ${keyId.slice(0, 8)}`));

  return (
    <div className="stack-lg">
      <section aria-labelledby="current-heading">
        <div className="section-head">
          <h2 id="current-heading" className="section-title">
            Environments
          </h2>
          {newest && (
            <button type="button" className="btn btn-secondary btn-sm" onClick={() => setDeployOpen(true)}>
              Deploy {versionLabel(newest)}…
            </button>
          )}
        </div>
        {environments.isPending ? (
          <Loading label="Loading environments…" compact />
        ) : environments.isError ? (
          <ErrorState title="Could not load environments" error={environments.error} onRetry={() => void environments.refetch()} />
        ) : (
          <ul className="env-cards">
            {[...environments.data]
              .sort((a, b) => environmentOrder(a.environment, b.environment))
              .map((pointer) => (
                <li key={pointer.environment} className="env-card">
                  <EnvBadge name={pointer.environment} />
                  <span className="env-card-version">{versionCell(pointer.versionId)}</span>
                  <span className="env-card-foot">
                    <span className="muted small">
                      since{" "}
                      <time dateTime={pointer.updatedAt} title={absoluteTime(pointer.updatedAt)}>
                        {relativeTime(pointer.updatedAt)}
                      </time>
                    </span>
                    {/* production can be moved but never removed (the registry refuses it) */}
                    {pointer.environment !== "production" && (
                      <button
                        type="button"
                        className="btn btn-ghost btn-xs btn-danger-text"
                        onClick={() => setRemoving({ environment: pointer.environment, versionId: pointer.versionId })}
                        aria-label={`Remove the ${pointer.environment} environment`}
                      >
                        Remove
                      </button>
                    )}
                  </span>
                </li>
              ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="history-heading">
        <h2 id="history-heading" className="section-title">
          History
        </h2>
        {history.isPending ? (
          <SkeletonList label="Loading deployment history" rows={3} />
        ) : history.isError ? (
          <ErrorState title="Could not load the deployment history" error={history.error} onRetry={() => void history.refetch()} />
        ) : history.data.length === 0 ? (
          <EmptyState title="No deployments yet" icon="↗">
            Deploy a version to an environment and each move shows up here.
          </EmptyState>
        ) : (
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Deployment history (scrolls sideways)">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Environment</th>
                  <th scope="col">Action</th>
                  <th scope="col">Version</th>
                  <th scope="col">Previous</th>
                  <th scope="col">By</th>
                  <th scope="col">
                    <span className="sr-only">Roll back</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {history.data.map((entry) => {
                  const isCurrent = entry.action === "set" && current.get(entry.environment) === entry.versionId;
                  const canRollBack = entry.previousVersionId !== null && byId.has(entry.previousVersionId) && current.get(entry.environment) !== entry.previousVersionId;
                  return (
                    <tr key={entry.id}>
                      <td>
                        <time dateTime={entry.at} title={absoluteTime(entry.at)}>
                          {relativeTime(entry.at)}
                        </time>
                      </td>
                      <td>
                        <EnvBadge name={entry.environment} />
                      </td>
                      <td>
                        {entry.action === "set" ? "Deployed" : "Removed"}
                        {isCurrent && <span className="pill">live</span>}
                      </td>
                      <td>{versionCell(entry.versionId)}</td>
                      <td>{versionCell(entry.previousVersionId)}</td>
                      <td className="muted small">{keyLabel(entry.keyId)}</td>
                      <td className="cell-action">
                        {canRollBack && (
                          <button
                            type="button"
                            className="btn btn-secondary btn-xs"
                            onClick={() => setRollback(entry)}
                            aria-label={`Roll ${entry.environment} back to ${versionLabel(byId.get(entry.previousVersionId!)!)}`}
                          >
                            Roll back to {versionLabel(byId.get(entry.previousVersionId!)!)}
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {rollback && (
        <RollbackDialog
          promptId={promptId}
          entry={rollback}
          target={byId.get(rollback.previousVersionId!)!}
          currentVersion={byId.get(current.get(rollback.environment) ?? "")}
          onClose={() => setRollback(null)}
        />
      )}
      {removing && (
        <RemoveDialog
          promptId={promptId}
          environment={removing.environment}
          version={byId.get(removing.versionId)}
          versionId={removing.versionId}
          onClose={() => setRemoving(null)}
        />
      )}
      {deployOpen && newest && (
        <DeployDialog
          open
          onClose={() => setDeployOpen(false)}
          promptId={promptId}
          version={newest}
          versions={versions.data ?? []}
          pointers={environments.data ?? []}
        />
      )}
    </div>
  );
}

function RollbackDialog({
  promptId,
  entry,
  target,
  currentVersion,
  onClose,
}: {
  promptId: string;
  entry: TDeployment;
  target: TPromptVersion;
  currentVersion: TPromptVersion | undefined;
  onClose: () => void;
}) {
  const setEnvironment = useSetEnvironment(promptId);
  const toast = useToast();
  const confirm = async () => {
    try {
      await setEnvironment.mutateAsync({ environment: entry.environment, versionId: target.id });
      toast(`Rolled ${entry.environment} back to ${versionLabel(target)}`);
      onClose();
    } catch {
      // Shown below.
    }
  };
  return (
    <Dialog
      open
      onClose={onClose}
      title={`Roll back ${entry.environment}?`}
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" onClick={() => void confirm()} disabled={setEnvironment.isPending}>
            {setEnvironment.isPending ? "Rolling back…" : `Roll back to ${versionLabel(target)}`}
          </button>
        </>
      }
    >
      <p>
        <strong>{entry.environment}</strong> {currentVersion ? <>serves {versionLabel(currentVersion)} now</> : <>serves no version now</>}. It will
        serve <strong>{versionLabel(target)}</strong>
        {target.commitMessage ? <> (“{target.commitMessage}”)</> : null} again, at once, for every application that reads it.
      </p>
      <p className="muted small">The rollback is recorded in the history like any other deployment.</p>
      {setEnvironment.error && (
        <p className="field-error" role="alert">
          {describeError(setEnvironment.error).message}
        </p>
      )}
    </Dialog>
  );
}

function RemoveDialog({
  promptId,
  environment,
  version,
  versionId,
  onClose,
}: {
  promptId: string;
  environment: string;
  version: TPromptVersion | undefined;
  versionId: string;
  onClose: () => void;
}) {
  const remove = useRemoveEnvironment(promptId);
  const toast = useToast();
  const confirm = async () => {
    try {
      await remove.mutateAsync({ environment, versionId });
      toast(`Removed ${environment}`);
      onClose();
    } catch {
      // Shown below.
    }
  };
  return (
    <Dialog
      open
      onClose={onClose}
      title={`Remove ${environment}?`}
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-danger" onClick={() => void confirm()} disabled={remove.isPending}>
            {remove.isPending ? "Removing…" : `Remove ${environment}`}
          </button>
        </>
      }
    >
      <p>
        <strong>{environment}</strong> points at {version ? versionLabel(version) : "a version"} now. Applications that ask for {environment} will get
        a 404 until it is deployed again. The version itself stays.
      </p>
      {remove.error && (
        <p className="field-error" role="alert">
          {describeError(remove.error).message}
        </p>
      )}
    </Dialog>
  );
}
