/**
 * Every prompt of the organization: its newest version, how many versions, where it is deployed and when it
 * last changed. Search by name or id, filter by tag, sort, page through.
 */
import type { TPromptSort, TPromptSummary } from "@promptreg/contracts";
import { useEffect, useState } from "react";
import { PROMPTS_PAGE_SIZE, usePromptList, useTags } from "../api/queries";
import { usePermission } from "../api/roles";
import { GuardedLink } from "../components/Guarded";
import { EmptyState, EnvBadge, ErrorState, Pager, SkeletonList, Tag } from "../components/ui";
import { intParam, promptsRoute, screenRoute, tabRoute, type Params } from "../lib/routes";
import { absoluteTime, relativeTime, truncate, versionLabel } from "../lib/versions";
import type { ScreenDefinition } from "../navigation";
import { Link, navigate } from "../router";

export const SORTS: { id: TPromptSort; label: string }[] = [
  { id: "created", label: "Newest first" },
  { id: "updated", label: "Recently changed" },
  { id: "name", label: "Name (A–Z)" },
];

function sortParam(params: Params): TPromptSort {
  const value = params["sort"];
  return SORTS.some((s) => s.id === value) ? (value as TPromptSort) : "created";
}

export const promptsScreen: ScreenDefinition = {
  id: "prompts",
  title: "Prompts",
  nav: { label: "Prompts", key: "p" },
  component: ({ params }) => <PromptList search={params["q"] ?? ""} tag={params["tag"] ?? ""} page={intParam(params, "page")} sort={sortParam(params)} />,
};

interface PromptListProps {
  search: string;
  tag: string;
  page: number;
  sort?: TPromptSort;
}

export function PromptList({ search, tag, page, sort = "created" }: PromptListProps) {
  const [text, setText] = useState(search);
  // When the URL's search changes from outside (back button, "Clear filters"), the box follows it.
  const [shownSearch, setShownSearch] = useState(search);
  if (search !== shownSearch) {
    setShownSearch(search);
    setText(search);
  }
  const list = usePromptList(search, tag, page, sort);
  const tags = useTags();
  const can = usePermission();
  const here = (changes: { search?: string; tag?: string; page?: number; sort?: TPromptSort }) =>
    promptsRoute({ search, tag, sort, page: 0, ...changes });

  // Typing updates the URL (and so the query) after a short pause.
  useEffect(() => {
    if (text === search) return;
    const timer = window.setTimeout(() => navigate(promptsRoute({ search: text, tag, sort }), { replace: true }), 250);
    return () => window.clearTimeout(timer);
  }, [text, search, tag, sort]);

  const data = list.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / PROMPTS_PAGE_SIZE)) : 1;
  const filtered = search.trim() !== "" || tag !== "";

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1 tabIndex={-1}>Prompts</h1>
          <p className="muted">{data ? `${data.total} prompt${data.total === 1 ? "" : "s"}${filtered ? " match" : ""}` : "Your organization's prompt registry"}</p>
        </div>
        <GuardedLink permission={can("create-prompt")} to={screenRoute("new")} className="btn btn-primary" aria-keyshortcuts="n">
          New prompt
        </GuardedLink>
      </div>

      <div className="toolbar" role="search">
        <div className="search">
          <label htmlFor="prompt-search" className="sr-only">
            Search prompts by name or id
          </label>
          <span className="search-icon" aria-hidden="true">
            <svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round">
              <circle cx="7" cy="7" r="4.75" />
              <path d="m10.5 10.5 3.25 3.25" />
            </svg>
          </span>
          <input
            id="prompt-search"
            type="search"
            placeholder="Search by name or id…"
            value={text}
            onChange={(event) => setText(event.target.value)}
            autoComplete="off"
            data-shortcut-search
            aria-keyshortcuts="/"
          />
          <kbd className="kbd search-kbd" aria-hidden="true">
            /
          </kbd>
        </div>
        {tags.data && tags.data.length > 0 && (
          <div className="field field-inline">
            <label htmlFor="tag-filter" className="field-label">
              Tag
            </label>
            <select id="tag-filter" value={tag} onChange={(event) => navigate(here({ tag: event.target.value }))}>
              <option value="">All tags</option>
              {tags.data.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field field-inline">
          <label htmlFor="prompt-sort" className="field-label">
            Sort
          </label>
          <select id="prompt-sort" value={sort} onChange={(event) => navigate(here({ sort: event.target.value as TPromptSort }), { replace: true })}>
            {SORTS.map((item) => (
              <option key={item.id} value={item.id}>
                {item.label}
              </option>
            ))}
          </select>
        </div>
      </div>

      {list.isPending ? (
        <SkeletonList label="Loading prompts" />
      ) : list.isError && data === undefined ? (
        <ErrorState title="Could not load prompts" error={list.error} onRetry={() => void list.refetch()} />
      ) : data && data.items.length === 0 && data.total > 0 ? (
        // A page past the end (an old bookmark, a shared link, prompts deleted since): not the first-run state.
        <EmptyState
          title="No prompts on this page"
          icon="∅"
          action={
            <>
              <Link to={here({ page: pages - 1 })} className="btn btn-primary">
                Go to the last page ({pages})
              </Link>
              {pages > 1 && (
                <Link to={here({ page: 0 })} className="btn btn-secondary">
                  First page
                </Link>
              )}
            </>
          }
        >
          Page {page + 1} is past the end of the list, which has {pages} page{pages === 1 ? "" : "s"}.
        </EmptyState>
      ) : data && data.items.length === 0 ? (
        filtered ? (
          <EmptyState
            title="No prompts match"
            icon="∅"
            action={
              <button
                type="button"
                className="btn btn-secondary"
                onClick={() => {
                  setText("");
                  navigate(promptsRoute({ sort }));
                }}
              >
                Clear filters
              </button>
            }
          >
            Nothing is named like “{search}” or has that id{tag ? `, with the tag ${tag}` : ""}.
          </EmptyState>
        ) : (
          <EmptyState
            title="No prompts yet"
            action={
              <GuardedLink permission={can("create-prompt")} to={screenRoute("new")} className="btn btn-primary">
                Create your first prompt
              </GuardedLink>
            }
          >
            A prompt keeps a model request template (messages with {"{{variables}}"}, model, parameters) as immutable versions that
            environments point at.
          </EmptyState>
        )
      ) : (
        data && (
          <>
            <div className="prompt-table-head" aria-hidden="true">
              <span>Prompt</span>
              <span>Latest version</span>
              <span>Environments</span>
              <span>Last change</span>
            </div>
            <ul className={`card-list prompt-list ${list.isPlaceholderData ? "is-stale" : ""}`} aria-busy={list.isFetching} aria-label="Prompts">
              {data.items.map((prompt) => (
                <PromptRow key={prompt.id} prompt={prompt} />
              ))}
            </ul>
            <Pager page={page} pages={pages} label="Pages" to={(target) => here({ page: target })} />
          </>
        )
      )}
    </div>
  );
}

function PromptRow({ prompt }: { prompt: TPromptSummary }) {
  const latest = prompt.latestVersion;
  return (
    <li className="card-row prompt-row">
      <div className="prompt-row-name">
        <Link to={tabRoute(prompt.id)} className="card-title stretched">
          {prompt.name}
        </Link>
        <span className="prompt-row-sub">
          <span className="mono muted small">{prompt.id}</span>
          {prompt.tags.length > 0 && (
            <span className="tags" aria-label="Tags">
              {prompt.tags.map((name) => (
                <Tag key={name}>{name}</Tag>
              ))}
            </span>
          )}
        </span>
      </div>
      <div className="prompt-row-latest">
        <span className="sr-only">Latest version: </span>
        {latest ? (
          <>
            <span className="mono version-chip">{versionLabel(latest)}</span>
            <span className="muted small latest-commit" title={latest.commitMessage || undefined}>
              {latest.commitMessage ? truncate(latest.commitMessage, 48) : "No commit message"}
            </span>
          </>
        ) : (
          <span className="muted small">none</span>
        )}
        <span className="muted small version-count">
          {prompt.versionCount} version{prompt.versionCount === 1 ? "" : "s"}
        </span>
      </div>
      <div className="prompt-row-envs">
        <span className="sr-only">Environments: </span>
        {prompt.environments.length === 0 ? (
          <span className="muted small">not deployed</span>
        ) : (
          <ul className="env-list" aria-label={`Deployed to ${prompt.environments.map((e) => e.environment).join(", ")}`}>
            {prompt.environments.map((item) => (
              <li key={item.environment} className="env-pair">
                <EnvBadge name={item.environment} />
                <span className="mono small">{versionLabel(item.version)}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="prompt-row-updated muted small">
        <span className="sr-only">Last change: </span>
        <span className="phone-only" aria-hidden="true">
          Changed{" "}
        </span>
        <time dateTime={prompt.updatedAt} title={absoluteTime(prompt.updatedAt)}>
          {relativeTime(prompt.updatedAt)}
        </time>
      </div>
    </li>
  );
}
