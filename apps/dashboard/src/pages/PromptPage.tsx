/** A prompt: its header (name, id, tags, where each environment points) and its tabs. */
import type { TPrompt, TPromptVersion } from "@promptreg/contracts";
import { useEffect, useRef, type ReactNode } from "react";
import { statusOf } from "../api/errors";
import { useEnvironments, usePrompt, useVersions } from "../api/queries";
import { CopyButton, EmptyState, EnvBadges, ErrorState, Loading, RefreshFailed, SkeletonList, Tag } from "../components/ui";
import { absoluteTime, byNumberDesc, environmentOrder, relativeTime, versionLabel } from "../lib/versions";
import type { PromptTab, Route } from "../lib/routes";
import { Link } from "../router";
import { CompareTab } from "./CompareTab";
import { DeploymentsTab } from "./DeploymentsTab";
import { PlaygroundTab } from "./PlaygroundTab";

const TABS: { tab: PromptTab; label: string }[] = [
  { tab: "versions", label: "Versions" },
  { tab: "compare", label: "Compare" },
  { tab: "deployments", label: "Deployments" },
  { tab: "playground", label: "Playground" },
];

function tabRoute(promptId: string, tab: PromptTab): Route {
  switch (tab) {
    case "versions":
      return { name: "prompt", promptId, tab };
    case "compare":
      return { name: "prompt", promptId, tab, from: "", to: "" };
    case "deployments":
      return { name: "prompt", promptId, tab };
    case "playground":
      return { name: "prompt", promptId, tab, versionId: "" };
  }
}

interface PromptFrameProps {
  promptId: string;
  /** The open tab; none on a version's own pages. */
  tab?: PromptTab;
  /** Extra breadcrumb after the prompt's name (a version page). */
  crumb?: string;
  children: (prompt: TPrompt) => ReactNode;
}

/** Loads the prompt, shows its header and breadcrumbs, then the page's content. */
export function PromptFrame({ promptId, tab, crumb, children }: PromptFrameProps) {
  const prompt = usePrompt(promptId);
  const environments = useEnvironments(promptId);
  const versions = useVersions(promptId);

  if (prompt.isPending) return <Loading label="Loading prompt…" />;
  // Only a first load that failed replaces the page. A failed background refresh (the tab regains focus while
  // the server is down) keeps what is shown, so an editor below keeps its draft, with a notice instead.
  if (prompt.isError && prompt.data === undefined) {
    return (
      <div className="page">
        {statusOf(prompt.error) === 404 ? (
          <EmptyState
            title="Prompt not found"
            icon="?"
            action={
              <Link to={{ name: "prompts", search: "", tag: "", page: 0 }} className="btn btn-secondary">
                Back to prompts
              </Link>
            }
          >
            No prompt <code>{promptId}</code> exists in your organization. It may have been deleted.
          </EmptyState>
        ) : (
          <ErrorState title="Could not load this prompt" error={prompt.error} onRetry={() => void prompt.refetch()} />
        )}
      </div>
    );
  }
  const p = prompt.data;
  const labelOf = (versionId: string) => {
    const version = versions.data?.find((v) => v.id === versionId);
    return version ? versionLabel(version) : "…";
  };
  const pointers = [...(environments.data ?? [])].sort((a, b) => environmentOrder(a.environment, b.environment));

  return (
    <div className="page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link to={{ name: "prompts", search: "", tag: "", page: 0 }}>Prompts</Link>
        <span aria-hidden="true">/</span>
        {crumb ? (
          <>
            <Link to={{ name: "prompt", promptId, tab: "versions" }}>{p.name}</Link>
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
          </div>
          {pointers.length > 0 && (
            <dl className="env-summary" aria-label="Environments">
              {pointers.map((pointer) => (
                <div key={pointer.environment} className="env-summary-item">
                  <dt>
                    <EnvBadges names={[pointer.environment]} />
                  </dt>
                  <dd>
                    <Link to={{ name: "version", promptId, versionId: pointer.versionId }} className="mono">
                      {labelOf(pointer.versionId)}
                    </Link>
                  </dd>
                </div>
              ))}
            </dl>
          )}
        </header>
      )}
      {prompt.isError && <RefreshFailed what="this prompt" error={prompt.error} onRetry={() => void prompt.refetch()} />}
      {tab && <Tabs promptId={promptId} tab={tab} />}
      {children(p)}
    </div>
  );
}

/** The prompt's sections; on a narrow screen the row scrolls, and the open tab is kept in view. */
function Tabs({ promptId, tab }: { promptId: string; tab: PromptTab }) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    ref.current?.querySelector("[aria-current='page']")?.scrollIntoView({ block: "nearest", inline: "nearest" });
  }, [tab]);
  return (
    <nav className="tabs" aria-label="Prompt sections" ref={ref}>
      {TABS.map((item) => (
        <Link key={item.tab} to={tabRoute(promptId, item.tab)} className="tab" aria-current={item.tab === tab ? "page" : undefined}>
          {item.label}
        </Link>
      ))}
    </nav>
  );
}

export function PromptPage({ route }: { route: Extract<Route, { name: "prompt" }> }) {
  return (
    <PromptFrame promptId={route.promptId} tab={route.tab}>
      {(prompt) => {
        switch (route.tab) {
          case "versions":
            return <VersionsTab promptId={prompt.id} />;
          case "compare":
            return <CompareTab promptId={prompt.id} from={route.from} to={route.to} />;
          case "deployments":
            return <DeploymentsTab promptId={prompt.id} />;
          case "playground":
            return <PlaygroundTab promptId={prompt.id} versionId={route.versionId} />;
        }
      }}
    </PromptFrame>
  );
}

function VersionsTab({ promptId }: { promptId: string }) {
  const versions = useVersions(promptId);
  if (versions.isPending) return <SkeletonList label="Loading versions" />;
  if (versions.isError && versions.data === undefined) return <ErrorState title="Could not load versions" error={versions.error} onRetry={() => void versions.refetch()} />;
  if (versions.data.length === 0) {
    return <EmptyState title="No versions">Every version of this prompt was deleted.</EmptyState>;
  }
  return <VersionList promptId={promptId} versions={versions.data} />;
}

function VersionList({ promptId, versions }: { promptId: string; versions: readonly TPromptVersion[] }) {
  const sorted = [...versions].sort(byNumberDesc);
  return (
    <section aria-labelledby="versions-heading">
      <div className="section-head">
        <h2 id="versions-heading" className="section-title">
          {versions.length} version{versions.length === 1 ? "" : "s"}
        </h2>
        {versions.length > 1 && (
          <Link to={{ name: "prompt", promptId, tab: "compare", from: sorted[1]!.id, to: sorted[0]!.id }} className="btn btn-secondary btn-sm">
            Compare latest two
          </Link>
        )}
      </div>
      <ul className="card-list version-list">
        {sorted.map((version) => (
          <li key={version.id} className="card-row version-row">
            <div className="version-row-number">
              <Link to={{ name: "version", promptId, versionId: version.id }} className="version-label stretched" aria-label={`Version ${versionLabel(version)}: ${version.commitMessage || "no commit message"}`}>
                {versionLabel(version)}
              </Link>
            </div>
            <div className="version-row-main">
              <span className={version.commitMessage ? "commit" : "commit muted"}>{version.commitMessage || "No commit message"}</span>
              <span className="version-row-meta muted small">
                <span className="mono">{version.model}</span>
                <span aria-hidden="true">·</span>
                <time dateTime={version.createdAt} title={absoluteTime(version.createdAt)}>
                  {relativeTime(version.createdAt)}
                </time>
                {version.variables.length > 0 && (
                  <>
                    <span aria-hidden="true">·</span>
                    <span>
                      {version.variables.length} variable{version.variables.length === 1 ? "" : "s"}
                    </span>
                  </>
                )}
              </span>
            </div>
            <div className="version-row-envs">
              <EnvBadges names={version.environments} />
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
