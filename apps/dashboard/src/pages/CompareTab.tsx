/** Two versions side by side: what changed in the messages, model and parameters, line by line. */
import type { TPromptBody, TPromptVersion } from "@promptreg/contracts";
import { useMemo, useState, useSyncExternalStore } from "react";
import { useVersions, useVersionWithBody } from "../api/queries";
import { EmptyState, EnvBadges, ErrorState, Loading } from "../components/ui";
import { bodyAsText } from "../lib/body";
import { foldUnchanged, sideBySideDiff, type DiffCell, type DiffRow, type FoldedItem } from "../lib/diff";
import { absoluteTime, byNumberDesc, relativeTime, versionLabel, versionOptionLabel } from "../lib/versions";
import { tabRoute } from "../lib/routes";
import type { PromptTabDefinition } from "../navigation";
import { navigate } from "../router";

const narrowQuery = "(max-width: 720px)";
function subscribeNarrow(onChange: () => void) {
  const query = window.matchMedia(narrowQuery);
  query.addEventListener("change", onChange);
  return () => query.removeEventListener("change", onChange);
}

export const compareTab: PromptTabDefinition = {
  id: "compare",
  label: "Compare",
  component: ({ prompt, params }) => <CompareTab promptId={prompt.id} from={params["from"] ?? ""} to={params["to"] ?? ""} />,
};

export function CompareTab({ promptId, from, to }: { promptId: string; from: string; to: string }) {
  const versions = useVersions(promptId);
  const sorted = useMemo(() => [...(versions.data ?? [])].sort(byNumberDesc), [versions.data]);
  // Defaults: the newest version, against the one just before it.
  const toId = to || sorted[0]?.id || "";
  const toIndex = Math.max(0, sorted.findIndex((v) => v.id === toId));
  const fromId = from || sorted[toIndex + 1]?.id || sorted.find((v) => v.id !== toId)?.id || "";
  const before = useVersionWithBody(fromId || undefined);
  const after = useVersionWithBody(toId || undefined);

  if (versions.isPending) return <Loading label="Loading versions…" />;
  if (versions.isError && versions.data === undefined) return <ErrorState title="Could not load versions" error={versions.error} onRetry={() => void versions.refetch()} />;
  if (sorted.length < 2) {
    return (
      <EmptyState title="Nothing to compare yet" icon="⇆">
        This prompt has one version. Create another from it, then compare the two here.
      </EmptyState>
    );
  }

  const environmentsOf = (version: TPromptVersion) => sorted.find((v) => v.id === version.id)?.environments ?? version.environments;
  const select = (side: "from" | "to", id: string) =>
    navigate(tabRoute(promptId, "compare", { from: side === "from" ? id : fromId, to: side === "to" ? id : toId }), { replace: true });

  return (
    <section aria-labelledby="compare-heading">
      <h2 id="compare-heading" className="sr-only">
        Compare versions
      </h2>
      <div className="compare-pickers">
        <VersionSelect label="Base" value={fromId} versions={sorted} onChange={(id) => select("from", id)} />
        <button
          type="button"
          className="btn btn-ghost btn-icon swap"
          onClick={() => navigate(tabRoute(promptId, "compare", { from: toId, to: fromId }), { replace: true })}
          aria-label="Swap the two versions"
          title="Swap"
        >
          ⇄
        </button>
        <VersionSelect label="Compared" value={toId} versions={sorted} onChange={(id) => select("to", id)} />
      </div>
      {before.data && after.data ? (
        // Environments from the versions list, which every deploy refreshes, as on the version page.
        <VersionDiff before={before.data} after={after.data} environmentsOf={environmentsOf} />
      ) : before.isError || after.isError ? (
        <ErrorState title="Could not load a version" error={before.error ?? after.error} onRetry={() => void (before.isError ? before.refetch() : after.refetch())} />
      ) : (
        <Loading label="Loading both versions…" />
      )}
    </section>
  );
}

function VersionSelect({ label, value, versions, onChange }: { label: string; value: string; versions: readonly TPromptVersion[]; onChange: (id: string) => void }) {
  const id = `compare-${label.toLowerCase()}`;
  return (
    <div className="field">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        {versions.map((version) => (
          <option key={version.id} value={version.id} title={version.commitMessage || undefined}>
            {versionOptionLabel(version)}
          </option>
        ))}
      </select>
    </div>
  );
}

type Versioned = TPromptVersion & { body: TPromptBody };

function VersionDiff({
  before,
  after,
  environmentsOf,
}: {
  before: Versioned;
  after: Versioned;
  environmentsOf: (version: TPromptVersion) => readonly string[];
}) {
  const narrow = useSyncExternalStore(subscribeNarrow, () => window.matchMedia(narrowQuery).matches, () => false);
  const [layout, setLayout] = useState<"split" | "unified" | null>(null);
  const mode = layout ?? (narrow ? "unified" : "split");
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());
  const diff = useMemo(() => sideBySideDiff(bodyAsText(before.body), bodyAsText(after.body)), [before.body, after.body]);
  const items = useMemo(() => foldUnchanged(diff.rows, 3), [diff.rows]);
  const same = diff.added === 0 && diff.removed === 0;

  return (
    <div className="diff-wrap">
      <div className="diff-heads">
        <DiffHead version={before} environments={environmentsOf(before)} side="before" />
        <DiffHead version={after} environments={environmentsOf(after)} side="after" />
      </div>
      <div className="diff-toolbar">
        <p className="diff-stats" aria-live="polite">
          {same ? (
            "The two versions have the same body."
          ) : (
            <>
              <span className="stat-added">+{diff.added}</span> <span className="stat-removed">−{diff.removed}</span>{" "}
              <span className="muted">lines changed</span>
            </>
          )}
        </p>
        <div className="segmented" role="group" aria-label="Diff layout">
          <button type="button" className="btn btn-sm" aria-pressed={mode === "split"} onClick={() => setLayout("split")}>
            Side by side
          </button>
          <button type="button" className="btn btn-sm" aria-pressed={mode === "unified"} onClick={() => setLayout("unified")}>
            Unified
          </button>
        </div>
      </div>
      <div
        className={`diff diff-${mode}`}
        role="table"
        aria-label={`Changes from ${versionLabel(before)} to ${versionLabel(after)}`}
        tabIndex={0}
      >
        {visibleRuns(items, diff.rows, expanded).map((run) =>
          run.kind === "gap" ? (
            <div key={`gap-${run.from}`} className="diff-gap" role="row">
              <span role="cell">
                <button type="button" className="btn btn-ghost btn-xs" onClick={() => setExpanded(new Set([...expanded, run.from]))}>
                  Show {run.count} unchanged lines
                </button>
              </span>
            </div>
          ) : mode === "split" ? (
            run.rows.map(({ row, index }) => <SplitRow key={index} row={row} />)
          ) : (
            unifiedLines(run.rows).map(({ cell, key }) => (
              <div key={key} role="row" className="diff-row">
                <Cell cell={cell} side={cell.kind === "added" ? "right" : "left"} />
              </div>
            ))
          ),
        )}
      </div>
    </div>
  );
}

type Run = { kind: "gap"; from: number; count: number } | { kind: "rows"; rows: { row: DiffRow; index: number }[] };

/** Folded items with the gaps the reader opened expanded, merged into runs of rows. */
function visibleRuns(items: readonly FoldedItem[], rows: readonly DiffRow[], expanded: ReadonlySet<number>): Run[] {
  const runs: Run[] = [];
  const pushRow = (row: DiffRow, index: number) => {
    const last = runs.at(-1);
    if (last?.kind === "rows") last.rows.push({ row, index });
    else runs.push({ kind: "rows", rows: [{ row, index }] });
  };
  for (const item of items) {
    if (item.kind === "row") pushRow(item.row, item.index);
    else if (expanded.has(item.from)) rows.slice(item.from, item.from + item.count).forEach((row, k) => pushRow(row, item.from + k));
    else runs.push(item);
  }
  return runs;
}

/** Unified layout: unchanged lines once; in each changed stretch, all removed lines, then all added ones. */
function unifiedLines(rows: readonly { row: DiffRow; index: number }[]): { cell: DiffCell; key: string }[] {
  const lines: { cell: DiffCell; key: string }[] = [];
  let removed: { cell: DiffCell; key: string }[] = [];
  let added: { cell: DiffCell; key: string }[] = [];
  const flush = () => {
    lines.push(...removed, ...added);
    removed = [];
    added = [];
  };
  for (const { row, index } of rows) {
    if (row.left?.kind === "same") {
      flush();
      lines.push({ cell: row.left, key: `s${index}` });
      continue;
    }
    if (row.left) removed.push({ cell: row.left, key: `l${index}` });
    if (row.right) added.push({ cell: row.right, key: `r${index}` });
  }
  flush();
  return lines;
}

function DiffHead({ version, environments, side }: { version: Versioned; environments: readonly string[]; side: "before" | "after" }) {
  return (
    <div className={`diff-head diff-head-${side}`}>
      <div className="diff-head-title">
        <span className="mono strong">{versionLabel(version)}</span>
        <EnvBadges names={environments} />
      </div>
      <div className="small">{version.commitMessage || <span className="muted">No commit message</span>}</div>
      <div className="muted small">
        <time dateTime={version.createdAt} title={absoluteTime(version.createdAt)}>
          {relativeTime(version.createdAt)}
        </time>
      </div>
    </div>
  );
}

function CellText({ cell }: { cell: DiffCell }) {
  if (!cell.parts) return <>{cell.text || "\u00a0"}</>;
  return (
    <>
      {cell.parts.map((part, index) =>
        part.changed ? (
          <mark key={index} className="diff-word">
            {part.text}
          </mark>
        ) : (
          <span key={index}>{part.text}</span>
        ),
      )}
    </>
  );
}

const SIGN = { same: " ", removed: "−", added: "+" } as const;
const KIND_LABEL = { same: "unchanged", removed: "removed", added: "added" } as const;

function Cell({ cell, side }: { cell: DiffCell | null; side: "left" | "right" }) {
  if (!cell) return <div role="cell" className={`diff-cell diff-empty diff-${side}`} />;
  return (
    <div role="cell" className={`diff-cell diff-${cell.kind} diff-${side}`}>
      <span className="diff-ln" aria-hidden="true">
        {cell.lineNumber}
      </span>
      <span className="diff-sign" aria-hidden="true">
        {SIGN[cell.kind]}
      </span>
      <span className="diff-text">
        {cell.kind !== "same" && <span className="sr-only">{KIND_LABEL[cell.kind]}: </span>}
        <CellText cell={cell} />
      </span>
    </div>
  );
}

function SplitRow({ row }: { row: DiffRow }) {
  return (
    <div role="row" className="diff-row">
      <Cell cell={row.left} side="left" />
      <Cell cell={row.right} side="right" />
    </div>
  );
}
