/** One version: its messages with highlighted placeholders, parameters, variables, and what to do with it. */
import type { TPromptBody, TPromptVersion } from "@promptreg/contracts";
import { useState } from "react";
import { statusOf } from "../api/errors";
import { useEnvironments, useVersions, useVersionWithBody } from "../api/queries";
import { usePermission } from "../api/roles";
import { DeployDialog } from "../components/DeployDialog";
import { GuardedButton, GuardedLink } from "../components/Guarded";
import { TemplateText } from "../components/TemplateText";
import { CopyButton, EmptyState, EnvBadges, ErrorState, Loading } from "../components/ui";
import { absoluteTime, byNumberDesc, relativeTime, versionLabel } from "../lib/versions";
import { DeleteVersionDialog } from "../components/DeleteVersionDialog";
import { tabRoute } from "../lib/routes";
import { Link, navigate } from "../router";
import { PromptFrame } from "./PromptPage";

export function VersionPage({ promptId, versionId }: { promptId: string; versionId: string }) {
  const version = useVersionWithBody(versionId);
  const versions = useVersions(promptId);
  const label = version.data ? versionLabel(version.data) : "Version";
  return (
    <PromptFrame promptId={promptId} crumb={label}>
      {() =>
        version.isPending ? (
          <Loading label="Loading version…" />
        ) : version.isError && (version.data === undefined || statusOf(version.error) === 404) ? (
          // A refresh that failed for another reason (server unreachable) keeps showing the version.
          statusOf(version.error) === 404 ? (
            <EmptyState
              title="Version not found"
              icon="?"
              action={
                <Link to={tabRoute(promptId)} className="btn btn-secondary">
                  All versions
                </Link>
              }
            >
              This version does not exist or was deleted.
            </EmptyState>
          ) : (
            <ErrorState title="Could not load this version" error={version.error} onRetry={() => void version.refetch()} />
          )
        ) : version.data.promptId !== promptId ? (
          <EmptyState title="Version not found" icon="?">
            This version belongs to another prompt.
          </EmptyState>
        ) : (
          <VersionDetail promptId={promptId} version={version.data} versions={versions.data ?? []} />
        )
      }
    </PromptFrame>
  );
}

function VersionDetail({ promptId, version, versions }: { promptId: string; version: TPromptVersion & { body: TPromptBody }; versions: readonly TPromptVersion[] }) {
  const [dialog, setDialog] = useState<"deploy" | "delete" | null>(null);
  const environments = useEnvironments(promptId);
  const can = usePermission();
  // The environments come from the versions list, which deployments refresh (the version itself is cached forever).
  const live = versions.find((v) => v.id === version.id) ?? version;
  const sorted = [...versions].sort(byNumberDesc);
  const previous = sorted.find((v) => byNumberDesc(v, version) > 0);
  const { messages, model: _model, ...parameters } = version.body;
  const scalars = Object.entries(parameters).filter(([, value]) => value === null || typeof value !== "object");
  const structured = Object.entries(parameters).filter(([, value]) => value !== null && typeof value === "object");

  return (
    <>
      <header className="version-header">
        <div className="version-title">
          <h1 tabIndex={-1}>
            <span className="mono">{versionLabel(version)}</span>
            <EnvBadges names={live.environments} />
          </h1>
          <p className={version.commitMessage ? "commit-large" : "commit-large muted"}>{version.commitMessage || "No commit message"}</p>
          <p className="muted small version-meta">
            <time dateTime={version.createdAt} title={absoluteTime(version.createdAt)}>
              Created {relativeTime(version.createdAt)}
            </time>
            <span aria-hidden="true">·</span>
            <span className="id-chip">
              <span className="mono">{version.id}</span>
              <CopyButton text={version.id} label="Copy version id" />
            </span>
          </p>
        </div>
        <div className="actions">
          <GuardedLink permission={can("create-version")} to={{ name: "edit-version", promptId, versionId: version.id }} className="btn btn-primary">
            New version from {versionLabel(version)}
          </GuardedLink>
          <button type="button" className="btn btn-secondary" onClick={() => setDialog("deploy")}>
            Deploy…
          </button>
          {previous && (
            <Link to={tabRoute(promptId, "compare", { from: previous.id, to: version.id })} className="btn btn-secondary">
              Compare with {versionLabel(previous)}
            </Link>
          )}
          <Link to={tabRoute(promptId, "playground", { version: version.id })} className="btn btn-secondary">
            Playground
          </Link>
          <GuardedButton permission={can("delete")} className="btn btn-ghost btn-danger-text" onClick={() => setDialog("delete")}>
            Delete…
          </GuardedButton>
        </div>
      </header>

      <div className="version-grid">
        <section aria-labelledby="messages-title" className="panel">
          <h2 id="messages-title" className="panel-title">
            Messages
          </h2>
          {messages.length === 0 ? (
            <p className="muted">This version has no messages; callers send their own.</p>
          ) : (
            <ol className="messages">
              {messages.map((message, index) => {
                const { role, content, ...extra } = message;
                return (
                  <li key={index} className={`message message-${role}`}>
                    <div className="message-role">
                      {role}
                      <span className="muted small"> · #{index + 1}</span>
                    </div>
                    {typeof content === "string" ? (
                      <TemplateText text={content} />
                    ) : (
                      <pre className="code-block">{JSON.stringify(content ?? null, null, 2)}</pre>
                    )}
                    {Object.keys(extra).length > 0 && <pre className="code-block">{JSON.stringify(extra, null, 2)}</pre>}
                  </li>
                );
              })}
            </ol>
          )}
        </section>

        <aside className="version-side">
          <section aria-labelledby="params-title" className="panel">
            <h2 id="params-title" className="panel-title">
              Parameters
            </h2>
            <dl className="params">
              <div>
                <dt>model</dt>
                <dd className="mono">{version.body.model}</dd>
              </div>
              {scalars.map(([key, value]) => (
                <div key={key}>
                  <dt>{key}</dt>
                  <dd className="mono">{JSON.stringify(value)}</dd>
                </div>
              ))}
            </dl>
            {structured.map(([key, value]) => (
              <details key={key} className="param-json" open>
                <summary>{key}</summary>
                <pre className="code-block">{JSON.stringify(value, null, 2)}</pre>
              </details>
            ))}
          </section>

          <section aria-labelledby="vars-title" className="panel">
            <h2 id="vars-title" className="panel-title">
              Variables
            </h2>
            {version.variables.length === 0 ? (
              <p className="muted small">No variables: this version needs no inputs.</p>
            ) : (
              <ul className="var-list">
                {version.variables.map((variable) => (
                  <li key={variable.name}>
                    <span className="mono">{variable.name}</span>
                    <span className={`chip-type type-${variable.type}`}>{variable.type}</span>
                    {variable.syntax === "legacy" && <span className="muted small">legacy</span>}
                  </li>
                ))}
              </ul>
            )}
            {version.partials.length > 0 && (
              <>
                <h3 className="panel-subtitle">Prompt partials</h3>
                <ul className="var-list">
                  {version.partials.map((partial) => (
                    <li key={`${partial.promptId}:${partial.messageIndex}:${partial.environment}`}>
                      <Link to={tabRoute(partial.promptId)} className="mono">
                        {partial.promptId}
                      </Link>
                      <span className="muted small">
                        message {partial.messageIndex} · {partial.environment}
                      </span>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </section>
        </aside>
      </div>
      {dialog === "deploy" && (
        <DeployDialog open onClose={() => setDialog(null)} promptId={promptId} version={live} versions={versions} pointers={environments.data ?? []} />
      )}
      {dialog === "delete" && (
        <DeleteVersionDialog promptId={promptId} version={live} onClose={() => setDialog(null)} onDeleted={() => navigate(tabRoute(promptId))} />
      )}
    </>
  );
}
