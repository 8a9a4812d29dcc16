/** A prompt: its header (name, id, tags, where each environment points, what can be done to it) and its tabs. */
import type { TPrompt } from "@promptreg/contracts";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { statusOf } from "../api/errors";
import { useDeletedElsewhere } from "../api/live";
import { useEnvironments, usePrompt, useVersions } from "../api/queries";
import { usePermission } from "../api/roles";
import { useRollouts } from "../api/rollouts";
import { formatWeight } from "../lib/rollouts";
import { GuardedButton } from "../components/Guarded";
import { DeletePromptDialog, RenameDialog, TagsDialog } from "../components/PromptDialogs";
import { CopyButton, EmptyState, EnvBadges, ErrorState, Kbd, Loading, RefreshFailed, Tag } from "../components/ui";
import { absoluteTime, environmentOrder, relativeTime, versionLabel } from "../lib/versions";
import { promptsRoute, tabRoute, type Route } from "../lib/routes";
import { Link } from "../router";
import { PROMPT_TABS } from "./tabs";

interface PromptFrameProps {
  promptId: string;
  /** The open tab; none on a version's own pages. */
  tab?: string;
  /** Extra breadcrumb after the prompt's name (a version page). */
  crumb?: string;
  children: (prompt: TPrompt) => ReactNode;
}

/** Loads the prompt, shows its header and breadcrumbs, then the page's content. */
export function PromptFrame({ promptId, tab, crumb, children }: PromptFrameProps) {
  const prompt = usePrompt(promptId);
  const environments = useEnvironments(promptId);
  const versions = useVersions(promptId);
  const deletedElsewhere = useDeletedElsewhere(promptId);
  const can = usePermission();
  const pointers = [...(environments.data ?? [])].sort((a, b) => environmentOrder(a.environment, b.environment));
  // Each environment's rollout, so every tab's header says where one is in progress.
  const rollouts = useRollouts(promptId, pointers.map((pointer) => pointer.environment));
  const [dialog, setDialog] = useState<"rename" | "tags" | "delete" | null>(null);

  if (deletedElsewhere || (prompt.isError && statusOf(prompt.error) === 404)) {
    return (
      <div className="page">
        <EmptyState
          title={deletedElsewhere ? "This prompt was deleted" : "Prompt not found"}
          icon="?"
          action={
            <Link to={promptsRoute()} className="btn btn-secondary">
              Back to prompts
            </Link>
          }
        >
          {deletedElsewhere ? (
            <>
              <code>{prompt.data?.name ?? promptId}</code> was deleted while this page was open. Applications that read it get a 404.
            </>
          ) : (
            <>
              No prompt <code>{promptId}</code> exists in your organization. It may have been deleted.
            </>
          )}
        </EmptyState>
      </div>
    );
  }
  if (prompt.isPending) return <Loading label="Loading prompt…" />;
  // Only a first load that failed replaces the page. A failed background refresh (the server went down
  // meanwhile) keeps what is shown, so an editor below keeps its draft, with a notice instead.
  if (prompt.isError && prompt.data === undefined) {
    return (
      <div className="page">
        <ErrorState title="Could not load this prompt" error={prompt.error} onRetry={() => void prompt.refetch()} />
      </div>
    );
  }
  const p = prompt.data;
  const labelOf = (versionId: string) => {
    const version = versions.data?.find((v) => v.id === versionId);
    return version ? versionLabel(version) : "…";
  };

  return (
    <div className="page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link to={promptsRoute()}>Prompts</Link>
        <span aria-hidden="true">/</span>
        {crumb ? (
          <>
            <Link to={tabRoute(promptId)}>{p.name}</Link>
            <span aria-hidden="true">/</span>
            <span aria-current="page">{crumb}</span>
          </>
        ) : (
          <span aria-current="page">{p.name}</span>
        )}
      </nav>
      {!crumb && (
        <header className="prompt-header">
          <div className="prompt-title">
            <h1 tabIndex={-1}>{p.name}</h1>
            <div className="prompt-meta">
              <span className="id-chip">
                <span className="mono">{p.id}</span>
                <CopyButton text={p.id} label="Copy prompt id" />
              </span>
              {p.tags.map((name) => (
                <Tag key={name}>{name}</Tag>
              ))}
              <time className="muted small" dateTime={p.createdAt} title={absoluteTime(p.createdAt)}>
                Created {relativeTime(p.createdAt)}
              </time>
            </div>
            <div className="prompt-actions">
              <GuardedButton permission={can("edit-prompt")} className="btn btn-ghost btn-xs" onClick={() => setDialog("rename")}>
                Rename
              </GuardedButton>
              <GuardedButton permission={can("edit-prompt")} className="btn btn-ghost btn-xs" onClick={() => setDialog("tags")}>
                Edit tags
              </GuardedButton>
              <GuardedButton permission={can("delete")} className="btn btn-ghost btn-xs btn-danger-text" onClick={() => setDialog("delete")}>
                Delete prompt
              </GuardedButton>
            </div>
          </div>
          {pointers.length > 0 && (
            <dl className="env-summary" aria-label="Environments">
              {pointers.map((pointer, index) => (
                <div key={pointer.environment} className="env-summary-item">
                  <dt>
                    <EnvBadges names={[pointer.environment]} />
                  </dt>
                  <dd>
                    <Link to={{ name: "version", promptId, versionId: pointer.versionId }} className="mono">
                      {labelOf(pointer.versionId)}
                    </Link>
                    {(() => {
                      const rollout = rollouts[index]?.data;
                      if (rollout?.status !== "active") return null;
                      return (
                        <Link to={tabRoute(promptId, "deployments")} className="env-summary-rollout small" title="A rollout is in progress: see it on Deployments">
                          → {labelOf(rollout.candidateVersionId)} at {formatWeight(rollout.weight)}
                        </Link>
                      );
                    })()}
                  </dd>
                </div>
              ))}
            </dl>
          )}
        </header>
      )}
      {prompt.isError && <RefreshFailed what="this prompt" error={prompt.error} onRetry={() => void prompt.refetch()} />}
      {tab !== undefined && <Tabs promptId={promptId} tab={tab} />}
      {children(p)}
      {dialog === "rename" && <RenameDialog prompt={p} onClose={() => setDialog(null)} />}
      {dialog === "tags" && <TagsDialog prompt={p} onClose={() => setDialog(null)} />}
      {dialog === "delete" && <DeletePromptDialog prompt={p} environments={pointers.map((pointer) => pointer.environment)} onClose={() => setDialog(null)} />}
    </div>
  );
}

/** The prompt's sections (see ./tabs); on a narrow screen the row scrolls, and the open tab is kept in view. */
function Tabs({ promptId, tab }: { promptId: string; tab: string }) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    ref.current?.querySelector("[aria-current='page']")?.scrollIntoView({ block: "nearest", inline: "nearest" });
  }, [tab]);
  return (
    <nav className="tabs" aria-label="Prompt sections" ref={ref}>
      {PROMPT_TABS.map((item, index) => (
        <Link
          key={item.id}
          to={tabRoute(promptId, item.id)}
          className="tab"
          aria-current={item.id === tab ? "page" : undefined}
          aria-keyshortcuts={index < 9 ? String(index + 1) : undefined}
          title={index < 9 ? `${item.label} (${index + 1})` : undefined}
        >
          {item.label}
        </Link>
      ))}
    </nav>
  );
}

export function PromptPage({ route }: { route: Extract<Route, { name: "prompt" }> }) {
  const definition = PROMPT_TABS.find((item) => item.id === route.tab);
  if (!definition) {
    return (
      <div className="page">
        <EmptyState
          title="No such section"
          icon="?"
          action={
            <Link to={tabRoute(route.promptId)} className="btn btn-secondary">
              Go to the prompt
            </Link>
          }
        >
          A prompt has no <code>{route.tab}</code> section. Its sections are {PROMPT_TABS.map((item) => item.label).join(", ")}; press <Kbd>?</Kbd> for
          shortcuts.
        </EmptyState>
      </div>
    );
  }
  const Tab = definition.component;
  return <PromptFrame promptId={route.promptId} tab={route.tab}>{(prompt) => <Tab prompt={prompt} params={route.params} />}</PromptFrame>;
}
