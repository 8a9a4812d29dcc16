/** Every prompt of the organization, newest first: search by name, filter by tag, page through. */
import { useEffect, useState } from "react";
import { PROMPTS_PAGE_SIZE, usePromptList, useTags } from "../api/queries";
import { EmptyState, ErrorState, SkeletonList, Tag } from "../components/ui";
import { Link, navigate } from "../router";
import { absoluteTime, relativeTime } from "../lib/versions";

interface PromptListProps {
  search: string;
  tag: string;
  page: number;
}

export function PromptList({ search, tag, page }: PromptListProps) {
  const [text, setText] = useState(search);
  // When the URL's search changes from outside (back button, "Clear filters"), the box follows it.
  const [shownSearch, setShownSearch] = useState(search);
  if (search !== shownSearch) {
    setShownSearch(search);
    setText(search);
  }
  const list = usePromptList(search, tag, page);
  const tags = useTags();

  // Typing updates the URL (and so the query) after a short pause.
  useEffect(() => {
    if (text === search) return;
    const timer = window.setTimeout(() => navigate({ name: "prompts", search: text, tag, page: 0 }, { replace: true }), 250);
    return () => window.clearTimeout(timer);
  }, [text, search, tag]);

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
        <Link to={{ name: "new-prompt" }} className="btn btn-primary">
          New prompt
        </Link>
      </div>

      <div className="toolbar" role="search">
        <div className="search">
          <label htmlFor="prompt-search" className="sr-only">
            Search prompts by name
          </label>
          <span className="search-icon" aria-hidden="true">
            <svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round">
              <circle cx="7" cy="7" r="4.75" />
              <path d="m10.5 10.5 3.25 3.25" />
            </svg>
          </span>
          <input id="prompt-search" type="search" placeholder="Search by name…" value={text} onChange={(event) => setText(event.target.value)} autoComplete="off" />
        </div>
        {tags.data && tags.data.length > 0 && (
          <div className="field field-inline">
            <label htmlFor="tag-filter" className="field-label">
              Tag
            </label>
            <select id="tag-filter" value={tag} onChange={(event) => navigate({ name: "prompts", search, tag: event.target.value, page: 0 })}>
              <option value="">All tags</option>
              {tags.data.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>

      {list.isPending ? (
        <SkeletonList label="Loading prompts" />
      ) : list.isError ? (
        <ErrorState title="Could not load prompts" error={list.error} onRetry={() => void list.refetch()} />
      ) : data && data.items.length === 0 && data.total > 0 ? (
        // A page past the end (an old bookmark, a shared link, prompts deleted since): not the first-run state.
        <EmptyState
          title="No prompts on this page"
          icon="∅"
          action={
            <>
              <Link to={{ name: "prompts", search, tag, page: pages - 1 }} className="btn btn-primary">
                Go to the last page ({pages})
              </Link>
              {pages > 1 && (
                <Link to={{ name: "prompts", search, tag, page: 0 }} className="btn btn-secondary">
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
                  navigate({ name: "prompts", search: "", tag: "", page: 0 });
                }}
              >
                Clear filters
              </button>
            }
          >
            Nothing is named like “{search}”{tag ? ` with the tag ${tag}` : ""}.
          </EmptyState>
        ) : (
          <EmptyState
            title="No prompts yet"
            action={
              <Link to={{ name: "new-prompt" }} className="btn btn-primary">
                Create your first prompt
              </Link>
            }
          >
            A prompt keeps a model request template (messages with {"{{variables}}"}, model, parameters) as immutable versions that
            environments point at.
          </EmptyState>
        )
      ) : (
        data && (
          <>
            <ul className={`card-list ${list.isPlaceholderData ? "is-stale" : ""}`} aria-busy={list.isFetching}>
              {data.items.map((prompt) => (
                <li key={prompt.id} className="card-row">
                  <div className="card-row-main">
                    <Link to={{ name: "prompt", promptId: prompt.id, tab: "versions" }} className="card-title stretched">
                      {prompt.name}
                    </Link>
                    <span className="mono muted small">{prompt.id}</span>
                  </div>
                  <div className="card-row-meta">
                    {prompt.tags.length > 0 && (
                      <span className="tags" aria-label="Tags">
                        {prompt.tags.map((name) => (
                          <Tag key={name}>{name}</Tag>
                        ))}
                      </span>
                    )}
                    <time className="muted small" dateTime={prompt.createdAt} title={absoluteTime(prompt.createdAt)}>
                      Created {relativeTime(prompt.createdAt)}
                    </time>
                  </div>
                </li>
              ))}
            </ul>
            {pages > 1 && (
              <nav className="pager" aria-label="Pages">
                <Link
                  to={{ name: "prompts", search, tag, page: Math.max(0, page - 1) }}
                  className="btn btn-secondary btn-sm"
                  aria-disabled={page === 0 || undefined}
                  tabIndex={page === 0 ? -1 : undefined}
                >
                  ← Previous
                </Link>
                <span className="muted small">
                  Page {page + 1} of {pages}
                </span>
                <Link
                  to={{ name: "prompts", search, tag, page: Math.min(pages - 1, page + 1) }}
                  className="btn btn-secondary btn-sm"
                  aria-disabled={page >= pages - 1 || undefined}
                  tabIndex={page >= pages - 1 ? -1 : undefined}
                >
                  Next →
                </Link>
              </nav>
            )}
          </>
        )
      )}
    </div>
  );
}
