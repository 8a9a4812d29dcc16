/** Small shared pieces: loading, error and empty states, badges, form fields, copy button. */
import { useEffect, useId, useState, type ReactNode } from "react";
import { describeError } from "../api/errors";
import type { Route } from "../lib/routes";
import { environmentOrder } from "../lib/versions";
import { Link } from "../router";

export function Spinner({ label }: { label?: string }) {
  return <span className="spinner" aria-hidden={label ? undefined : true} aria-label={label} role={label ? "img" : undefined} />;
}

export function Loading({ label, compact }: { label: string; compact?: boolean }) {
  return (
    <div className={compact ? "loading loading-compact" : "loading"} role="status" aria-live="polite">
      <Spinner />
      <span>{label}</span>
    </div>
  );
}

/** Placeholder rows while a list loads, so the page does not jump when it arrives. */
export function SkeletonList({ rows = 4, label }: { rows?: number; label: string }) {
  return (
    <div role="status" aria-live="polite" aria-label={label} className="skeleton-list">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="skeleton-row">
          <span className="skeleton skeleton-title" />
          <span className="skeleton skeleton-text" />
        </div>
      ))}
    </div>
  );
}

export function ErrorState({ error, title, onRetry }: { error: unknown; title: string; onRetry?: () => void }) {
  const { message, fieldErrors } = describeError(error);
  return (
    <div className="callout callout-error" role="alert">
      <div className="callout-body">
        <strong>{title}</strong>
        <p>{message}</p>
        {fieldErrors.length > 0 && (
          <ul>
            {fieldErrors.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        )}
      </div>
      {onRetry && (
        <button type="button" className="btn btn-secondary btn-sm" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/**
 * A refresh of data already on screen failed: says so without replacing the screen (the data shown may be
 * out of date; nothing typed is lost).
 */
export function RefreshFailed({ what, error, onRetry }: { what: string; error: unknown; onRetry: () => void }) {
  const { message } = describeError(error);
  return (
    <div className="callout callout-warning" role="status">
      <div className="callout-body">
        <strong>Could not refresh {what}</strong>
        <p>
          {message} What is shown may be out of date; nothing you typed is lost.
        </p>
      </div>
      <button type="button" className="btn btn-secondary btn-sm" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

export function EmptyState({ title, children, action, icon = "◇" }: { title: string; children?: ReactNode; action?: ReactNode; icon?: string }) {
  return (
    <div className="empty">
      <div className="empty-icon" aria-hidden="true">
        {icon}
      </div>
      <h2 className="empty-title">{title}</h2>
      {children && <div className="empty-text">{children}</div>}
      {action && <div className="empty-action">{action}</div>}
    </div>
  );
}

export function EnvBadge({ name }: { name: string }) {
  const tone = name === "production" ? "green" : name === "staging" ? "amber" : name === "development" ? "blue" : "gray";
  return <span className={`badge badge-${tone}`}>{name}</span>;
}

export function EnvBadges({ names }: { names: readonly string[] }) {
  if (names.length === 0) return null;
  return (
    <span className="badges" aria-label={`Deployed to ${names.join(", ")}`}>
      {[...names].sort(environmentOrder).map((name) => (
        <EnvBadge key={name} name={name} />
      ))}
    </span>
  );
}

export function Tag({ children }: { children: ReactNode }) {
  return <span className="tag">{children}</span>;
}

interface FieldProps {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
  className?: string;
}

/** A labelled form control with its hint and error wired through aria-describedby. */
export function Field({ label, hint, error, children, className }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className={`field ${className ?? ""}`}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      {children({ id, describedBy, invalid: Boolean(error) })}
      {hint && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      window.setTimeout(() => setCopied(false), 1500);
    } catch {
      // Clipboard access needs a secure context; the text stays selectable next to the button.
      setCopied(false);
    }
  };
  return (
    <button type="button" className="btn btn-ghost btn-xs" onClick={copy} aria-label={copied ? `${label}: copied` : label}>
      {copied ? "Copied" : "Copy"}
    </button>
  );
}

export function Kbd({ children }: { children: ReactNode }) {
  return <kbd className="kbd">{children}</kbd>;
}

/** After a submit attempt, moves focus to the first invalid field (once it is marked on the next render). */
export function useFocusFirstInvalid(attempt: number): void {
  useEffect(() => {
    if (attempt > 0) document.querySelector<HTMLElement>("[aria-invalid='true']")?.focus();
  }, [attempt]);
}

/** Previous / next links between pages of a list, with "Page 2 of 5"; nothing when there is one page. */
export function Pager({ page, pages, label, to }: { page: number; pages: number; label: string; to: (page: number) => Route }) {
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label={label}>
      <Link
        to={to(Math.max(0, page - 1))}
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
        to={to(Math.min(pages - 1, page + 1))}
        className="btn btn-secondary btn-sm"
        aria-disabled={page >= pages - 1 || undefined}
        tabIndex={page >= pages - 1 ? -1 : undefined}
      >
        Next →
      </Link>
    </nav>
  );
}
