/**
 * Where each environment points (and whether it is protected), each environment's rollout (start one, its
 * live figures, re-weight, promote, abort, or how it ended), the whole deployment history (a page at a
 * time, as far back as it goes), and undoing an environment's last change: a rollback, or a restore after
 * a removal. What the signed-in key may not do is shown disabled, naming the role it needs.
 */
import type { TDeployment, TPromptVersion, TRollout } from "@promptreg/contracts";
import { useMemo, useState } from "react";
import { describeError } from "../api/errors";
import { useEnvironments, useHistory, useKeyNames, useRemoveEnvironment, useSetEnvironment, useVersions } from "../api/queries";
import { usePermission, useProtectedEnvironments, useSetProtected } from "../api/roles";
import { useRollouts } from "../api/rollouts";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { DeployDialog } from "../components/DeployDialog";
import { GuardedButton, LockIcon } from "../components/Guarded";
import { RolloutPanel, StartRolloutDialog } from "../components/RolloutPanel";
import { useToast } from "../components/Toasts";
import { EmptyState, EnvBadge, ErrorState, Loading, SkeletonList } from "../components/ui";
import { historyRows, undoTarget, type HistoryAction } from "../lib/history";
import { formatWeight } from "../lib/rollouts";
import { tabRoute } from "../lib/routes";
import { absoluteTime, byNumberDesc, environmentOrder, relativeTime, versionLabel } from "../lib/versions";
import type { PromptTabDefinition } from "../navigation";
import { Link, navigate } from "../router";

export const deploymentsTab: PromptTabDefinition = {
  id: "deployments",
  label: "Deployments",
  component: ({ prompt, params }) => <DeploymentsTab promptId={prompt.id} environment={params["environment"] ?? ""} />,
};

const ACTION_LABEL: Record<HistoryAction, string> = {
  deployed: "Deployed",
  "rolled-back": "Rolled back",
  removed: "Removed",
  "rollout-start": "Rollout started",
  "rollout-weight": "Rollout re-weighted",
  "rollout-promote": "Rollout promoted",
  "rollout-abort": "Rollout aborted",
  "rollout-rollback": "Rollout rolled back automatically",
};

interface Undo {
  entry: TDeployment;
  target: TPromptVersion;
}

export function DeploymentsTab({ promptId, environment }: { promptId: string; environment: string }) {
  const environments = useEnvironments(promptId);
  const history = useHistory(promptId, environment);
  const versions = useVersions(promptId);
  const keyNames = useKeyNames();
  const [undo, setUndo] = useState<Undo | null>(null);
  const [deployOpen, setDeployOpen] = useState(false);
  const [removing, setRemoving] = useState<{ environment: string; versionId: string } | null>(null);
  const [startingOn, setStartingOn] = useState<string | null>(null);
  const can = usePermission();
  const protectedList = useProtectedEnvironments();
  const setProtected = useSetProtected();
  const toast = useToast();
  const isProtected = (name: string) => (protectedList.data ?? ["production"]).includes(name);
  const pointerNames = useMemo(() => (environments.data ?? []).map((p) => p.environment).sort(environmentOrder), [environments.data]);
  const rolloutQueries = useRollouts(promptId, pointerNames);
  const rollouts = useMemo(() => {
    const found = new Map<string, TRollout>();
    rolloutQueries.forEach((query, index) => {
      if (query.data) found.set(pointerNames[index]!, query.data);
    });
    return found;
  }, [rolloutQueries, pointerNames]);
  const toggleProtected = (name: string) => {
    const next = !isProtected(name);
    setProtected.mutate(
      { environment: name, protected: next },
      {
        onSuccess: () => toast(next ? `${name} is protected: moving it needs a deployer key` : `${name} is no longer protected`),
        onError: (error) => toast(describeError(error).message),
      },
    );
  };

  const byId = useMemo(() => new Map((versions.data ?? []).map((v) => [v.id, v])), [versions.data]);
  const current = useMemo(() => new Map((environments.data ?? []).map((p) => [p.environment, p.versionId])), [environments.data]);
  const newest = useMemo(() => [...(versions.data ?? [])].sort(byNumberDesc)[0], [versions.data]);
  const entries = useMemo(() => (history.data?.pages ?? []).flatMap((page) => page.items), [history.data]);
  const rows = useMemo(() => historyRows(entries, environments.data ?? [], (id) => byId.get(id)), [entries, environments.data, byId]);
  const environmentNames = useMemo(() => {
    const names = new Set([...(environments.data ?? []).map((p) => p.environment), ...entries.map((e) => e.environment)]);
    if (environment) names.add(environment);
    return [...names].sort(environmentOrder);
  }, [environments.data, entries, environment]);

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
  /** What a rollout entry changed and why: the candidate and its weight, the reason it ended. */
  const rolloutDetail = (entry: TDeployment): string | null => {
    if (entry.action === "set" || entry.action === "remove") return null;
    const candidate = entry.candidateVersionId ? byId.get(entry.candidateVersionId) : undefined;
    const parts = [
      candidate && (entry.action === "rollout-start" || entry.action === "rollout-weight") ? `${versionLabel(candidate)} at ${formatWeight(entry.weight ?? 0)}` : null,
      entry.reason ?? null,
    ].filter((part): part is string => Boolean(part));
    return parts.length > 0 ? parts.join(" · ") : null;
  };
  const keyLabel = (keyId: string | null) => (keyId === null ? "bootstrap key" : (keyNames.data?.get(keyId) ?? (keyId.startsWith("key_") ? keyId.slice(0, 12) : `key ${keyId.slice(0, 8)}`)));

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
        ) : environments.isError && environments.data === undefined ? (
          <ErrorState title="Could not load environments" error={environments.error} onRetry={() => void environments.refetch()} />
        ) : (
          <ul className="env-cards">
            {[...environments.data]
              .sort((a, b) => environmentOrder(a.environment, b.environment))
              .map((pointer) => {
                const rollout = rollouts.get(pointer.environment);
                const active = rollout?.status === "active" ? rollout : undefined;
                const locked = isProtected(pointer.environment);
                return (
                <li key={pointer.environment} className="env-card" data-environment={pointer.environment}>
                  <span className="env-card-head">
                    <EnvBadge name={pointer.environment} />
                    {locked && (
                      <span className="protected-mark" title="Moving it needs a deployer key">
                        <LockIcon /> protected
                      </span>
                    )}
                  </span>
                  <span className="env-card-version">{versionCell(pointer.versionId)}</span>
                  {active && (
                    <a href={`#rollout-${pointer.environment}`} className="env-card-rollout small" onClick={(event) => { event.preventDefault(); document.getElementById(`rollout-${pointer.environment}`)?.scrollIntoView({ block: "start" }); }}>
                      Rolling out {byId.get(active.candidateVersionId) ? versionLabel(byId.get(active.candidateVersionId)!) : "a version"} to {formatWeight(active.weight)}
                    </a>
                  )}
                  <span className="env-card-foot">
                    <span className="muted small">
                      since{" "}
                      <time dateTime={pointer.updatedAt} title={absoluteTime(pointer.updatedAt)}>
                        {relativeTime(pointer.updatedAt)}
                      </time>
                    </span>
                    {/* production can be moved but never removed (the registry refuses it) */}
                    {pointer.environment !== "production" && (
                      <GuardedButton
                        permission={can("move-environment", pointer.environment)}
                        className="btn btn-ghost btn-xs btn-danger-text"
                        onClick={() => setRemoving({ environment: pointer.environment, versionId: pointer.versionId })}
                        aria-label={`Remove the ${pointer.environment} environment`}
                      >
                        Remove
                      </GuardedButton>
                    )}
                  </span>
                  <span className="env-card-actions">
                    {!active && (
                      <GuardedButton
                        permission={can("rollout")}
                        className="btn btn-secondary btn-xs"
                        onClick={() => setStartingOn(pointer.environment)}
                        aria-label={`Start rollout on ${pointer.environment}`}
                      >
                        Start rollout
                      </GuardedButton>
                    )}
                    <GuardedButton
                      permission={can("protect-environment")}
                      className="btn btn-ghost btn-xs"
                      disabled={setProtected.isPending}
                      onClick={() => toggleProtected(pointer.environment)}
                      aria-label={`${locked ? "Unprotect" : "Protect"} ${pointer.environment}`}
                    >
                      {locked ? "Unprotect" : "Protect"}
                    </GuardedButton>
                  </span>
                </li>
                );
              })}
          </ul>
        )}
      </section>

      {rollouts.size > 0 && (
        <section aria-labelledby="rollouts-heading" className="rollouts">
          <h2 id="rollouts-heading" className="section-title">
            Rollouts
          </h2>
          {[...rollouts.values()]
            .sort((a, b) => Number(b.status === "active") - Number(a.status === "active") || environmentOrder(a.environment, b.environment))
            .map((rollout) => (
              <RolloutPanel key={rollout.id} rollout={rollout} versionOf={(id) => byId.get(id)} keyLabel={keyLabel} permission={can("rollout")} />
            ))}
        </section>
      )}

      <section aria-labelledby="history-heading">
        <div className="section-head">
          <h2 id="history-heading" className="section-title">
            History
          </h2>
          {environmentNames.length > 1 && (
            <div className="field field-inline">
              <label htmlFor="history-environment" className="field-label">
                Environment
              </label>
              <select
                id="history-environment"
                value={environment}
                onChange={(event) => navigate(tabRoute(promptId, "deployments", { environment: event.target.value }), { replace: true })}
              >
                <option value="">All</option>
                {environmentNames.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            </div>
          )}
        </div>
        {history.isPending ? (
          <SkeletonList label="Loading deployment history" rows={3} />
        ) : history.isError && history.data === undefined ? (
          <ErrorState title="Could not load the deployment history" error={history.error} onRetry={() => void history.refetch()} />
        ) : rows.length === 0 ? (
          <EmptyState title="No deployments yet" icon="↗">
            {environment ? `Nothing was ever deployed to ${environment}.` : "Deploy a version to an environment and each move shows up here."}
          </EmptyState>
        ) : (
          <>
            <div className="table-scroll" tabIndex={0} role="region" aria-label="Deployment history (scrolls sideways)">
              <table className="table history-table">
                <caption className="sr-only">
                  Deployment history, newest first{environment ? `, ${environment} only` : ""}. The live row of each environment is what it serves now.
                </caption>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Environment</th>
                    <th scope="col">Action</th>
                    <th scope="col">Version</th>
                    <th scope="col">Previous</th>
                    <th scope="col">By</th>
                    <th scope="col">
                      <span className="sr-only">Undo</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row) => {
                    const { entry } = row;
                    const targetId = undoTarget(row, current, (id) => byId.has(id));
                    const target = targetId === null ? undefined : byId.get(targetId);
                    return (
                      <tr key={entry.id} className={row.live ? "is-live" : undefined} data-action={row.action}>
                        <td>
                          <time dateTime={entry.at} title={absoluteTime(entry.at)}>
                            {relativeTime(entry.at)}
                          </time>
                        </td>
                        <td>
                          <EnvBadge name={entry.environment} />
                        </td>
                        <td>
                          <span className={`history-action history-${row.action}`}>
                            {row.action === "rolled-back" && <span aria-hidden="true">↩ </span>}
                            {ACTION_LABEL[row.action]}
                          </span>
                          {row.live && <span className="pill">live</span>}
                          {rolloutDetail(entry) && <span className="history-detail muted small">{rolloutDetail(entry)}</span>}
                        </td>
                        <td>{versionCell(entry.versionId)}</td>
                        <td>{versionCell(entry.previousVersionId)}</td>
                        <td className="muted small">{entry.actor === "auto-rollback" ? "automatic rollback" : keyLabel(entry.keyId)}</td>
                        <td className="cell-action">
                          {target && (
                            <GuardedButton
                              permission={can("move-environment", entry.environment)}
                              className="btn btn-secondary btn-xs"
                              onClick={() => setUndo({ entry, target })}
                              aria-label={`${entry.action === "remove" ? "Restore" : "Roll back to"} ${versionLabel(target)} (${entry.environment})`}
                            >
                              {entry.action === "remove" ? "Restore" : "Roll back to"} {versionLabel(target)}
                            </GuardedButton>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <div className="history-foot">
              <span className="muted small" aria-live="polite">
                {rows.length} entr{rows.length === 1 ? "y" : "ies"}
                {history.hasNextPage ? " shown; older ones follow" : ", the whole history"}
              </span>
              {history.hasNextPage && (
                <button type="button" className="btn btn-secondary btn-sm" onClick={() => void history.fetchNextPage()} disabled={history.isFetchingNextPage}>
                  {history.isFetchingNextPage ? "Loading…" : "Load older entries"}
                </button>
              )}
              {history.isFetchNextPageError && <span className="field-error">{describeError(history.error).message}</span>}
            </div>
          </>
        )}
      </section>
      {undo && (
        <UndoDialog
          promptId={promptId}
          entry={undo.entry}
          target={undo.target}
          currentVersion={byId.get(current.get(undo.entry.environment) ?? "")}
          onClose={() => setUndo(null)}
        />
      )}
      {removing && (
        <RemoveDialog promptId={promptId} environment={removing.environment} version={byId.get(removing.versionId)} versionId={removing.versionId} onClose={() => setRemoving(null)} />
      )}
      {startingOn !== null && (
        <StartRolloutDialog
          promptId={promptId}
          environment={startingOn}
          stable={byId.get(current.get(startingOn) ?? "")}
          versions={versions.data ?? []}
          onClose={() => setStartingOn(null)}
        />
      )}
      {deployOpen && newest && (
        <DeployDialog open onClose={() => setDeployOpen(false)} promptId={promptId} version={newest} versions={versions.data ?? []} pointers={environments.data ?? []} />
      )}
    </div>
  );
}

/** Points an environment back at the version its last change replaced: a rollback, or a restore after a removal. */
function UndoDialog({
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
  const restore = entry.action === "remove";
  const confirm = async () => {
    try {
      await setEnvironment.mutateAsync({ environment: entry.environment, versionId: target.id });
      toast(restore ? `Restored ${entry.environment} at ${versionLabel(target)}` : `Rolled ${entry.environment} back to ${versionLabel(target)}`);
      onClose();
    } catch {
      // Shown in the dialog.
    }
  };
  return (
    <ConfirmDialog
      title={restore ? `Restore ${entry.environment}?` : `Roll back ${entry.environment}?`}
      confirmLabel={restore ? `Restore at ${versionLabel(target)}` : `Roll back to ${versionLabel(target)}`}
      pendingLabel={restore ? "Restoring…" : "Rolling back…"}
      pending={setEnvironment.isPending}
      error={setEnvironment.error}
      onConfirm={() => void confirm()}
      onClose={onClose}
    >
      <p>
        <strong>{entry.environment}</strong> {currentVersion ? <>serves {versionLabel(currentVersion)} now</> : <>serves no version now</>}. It will
        serve <strong>{versionLabel(target)}</strong>
        {target.commitMessage ? <> (“{target.commitMessage}”)</> : null} again, at once, for every application that reads it.
      </p>
      <p className="muted small">It is recorded in the history like any other change.</p>
    </ConfirmDialog>
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
      // Shown in the dialog.
    }
  };
  return (
    <ConfirmDialog
      title={`Remove ${environment}?`}
      confirmLabel={`Remove ${environment}`}
      pendingLabel="Removing…"
      danger
      pending={remove.isPending}
      error={remove.error}
      onConfirm={() => void confirm()}
      onClose={onClose}
    >
      <p>
        <strong>{environment}</strong> points at {version ? versionLabel(version) : "a version"} now. Applications that ask for {environment} will get
        a 404 until it is deployed again. The version itself stays.
      </p>
    </ConfirmDialog>
  );
}
