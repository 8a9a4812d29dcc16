/** A prompt's versions, newest first, a page at a time: number, commit message, model, date, environments. */
import type { TPromptVersion } from "@promptreg/contracts";
import { useState } from "react";
import { useVersionsPage, VERSIONS_PAGE_SIZE } from "../api/queries";
import { usePermission } from "../api/roles";
import { DeleteVersionDialog } from "../components/DeleteVersionDialog";
import { GuardedButton } from "../components/Guarded";
import { EmptyState, EnvBadges, ErrorState, Pager, SkeletonList } from "../components/ui";
import { intParam, tabRoute } from "../lib/routes";
import { absoluteTime, relativeTime, versionLabel } from "../lib/versions";
import type { PromptTabDefinition } from "../navigation";
import { Link } from "../router";

export const versionsTab: PromptTabDefinition = {
  id: "versions",
  label: "Versions",
  component: ({ prompt, params }) => <VersionsTab promptId={prompt.id} page={intParam(params, "page")} />,
};

export function VersionsTab({ promptId, page }: { promptId: string; page: number }) {
  const versions = useVersionsPage(promptId, page);
  const can = usePermission();
  const [deleting, setDeleting] = useState<TPromptVersion | null>(null);
  if (versions.isPending) return <SkeletonList label="Loading versions" />;
  if (versions.isError && versions.data === undefined) return <ErrorState title="Could not load versions" error={versions.error} onRetry={() => void versions.refetch()} />;
  const { items, total } = versions.data;
  const pages = Math.max(1, Math.ceil(total / VERSIONS_PAGE_SIZE));
  if (total === 0) return <EmptyState title="No versions">Every version of this prompt was deleted.</EmptyState>;
  if (items.length === 0) {
    return (
      <EmptyState
        title="No versions on this page"
        icon="∅"
        action={
          <Link to={tabRoute(promptId, "versions", { page: pages - 1 })} className="btn btn-primary">
            Go to the last page ({pages})
          </Link>
        }
      >
        Page {page + 1} is past the end of the list, which has {pages} page{pages === 1 ? "" : "s"}.
      </EmptyState>
    );
  }
  const newest = page === 0 ? items : [];
  return (
    <section aria-labelledby="versions-heading">
      <div className="section-head">
        <h2 id="versions-heading" className="section-title">
          {total} version{total === 1 ? "" : "s"}
          {pages > 1 && (
            <span className="muted small">
              {" "}
              · {page * VERSIONS_PAGE_SIZE + 1}–{page * VERSIONS_PAGE_SIZE + items.length}
            </span>
          )}
        </h2>
        {newest.length > 1 && (
          <Link to={tabRoute(promptId, "compare", { from: newest[1]!.id, to: newest[0]!.id })} className="btn btn-secondary btn-sm">
            Compare latest two
          </Link>
        )}
      </div>
      <ul className={`card-list version-list ${versions.isPlaceholderData ? "is-stale" : ""}`} aria-busy={versions.isFetching}>
        {items.map((version) => (
          <li key={version.id} className="card-row version-row">
            <div className="version-row-number">
              <Link
                to={{ name: "version", promptId, versionId: version.id }}
                className="version-label stretched"
                aria-label={`Version ${versionLabel(version)}: ${version.commitMessage || "no commit message"}`}
              >
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
              <GuardedButton permission={can("delete")} className="btn btn-ghost btn-xs btn-danger-text row-action" onClick={() => setDeleting(version)} aria-label={`Delete ${versionLabel(version)}`}>
                Delete
              </GuardedButton>
            </div>
          </li>
        ))}
      </ul>
      <Pager page={page} pages={pages} label="Version pages" to={(target) => tabRoute(promptId, "versions", { page: target })} />
      {deleting && <DeleteVersionDialog promptId={promptId} version={deleting} onClose={() => setDeleting(null)} />}
    </section>
  );
}
