/**
 * A prompt's recorded gateway calls, newest first: filters by version, environment and status, paged (a
 * page past the first is pinned to when it was opened, so new calls do not shift it), each call's details
 * on a click, and a call with captured inputs opens in the playground with those inputs. Input capture is
 * set here too (admin keys).
 */
import type { TPromptVersion, TRequestRecord } from "@promptreg/contracts";
import { useMemo, useState } from "react";
import { REQUESTS_PAGE_SIZE, useCaptureSettings, useRequestLog, useSetCaptureSettings, type RequestFilters } from "../api/analytics";
import { describeError } from "../api/errors";
import { useEnvironments, useVersions } from "../api/queries";
import { usePermission } from "../api/roles";
import { GuardedButton } from "../components/Guarded";
import { CopyButton, EmptyState, EnvBadge, ErrorState, Pager, RefreshFailed, SkeletonList } from "../components/ui";
import { formatCost, formatCount, formatMs } from "../lib/metrics-format";
import { tabRoute } from "../lib/routes";
import { absoluteTime, byNumberDesc, environmentOrder, relativeTime, versionLabel, versionOptionLabel } from "../lib/versions";
import type { PromptTabDefinition } from "../navigation";
import { Link, navigate } from "../router";
import "./analytics.css";

export const requestsTab: PromptTabDefinition = {
  id: "requests",
  label: "Requests",
  component: ({ prompt, params }) => (
    <RequestsTab
      promptId={prompt.id}
      filters={{ versionId: params["version"] ?? "", environment: params["environment"] ?? "", status: params["status"] ?? "", to: params["to"] ?? "" }}
      page={Math.max(0, Number.parseInt(params["page"] ?? "0", 10) || 0)}
    />
  ),
};

const STATUS_OPTIONS: ReadonlyArray<[string, string]> = [
  ["", "All"],
  ["2xx", "Success (2xx)"],
  ["4xx", "Refused (4xx)"],
  ["5xx", "Failed (5xx)"],
  ["error", "Provider errors"],
];

export function RequestsTab({ promptId, filters, page }: { promptId: string; filters: RequestFilters; page: number }) {
  const log = useRequestLog(promptId, filters, page);
  const versions = useVersions(promptId);
  const environments = useEnvironments(promptId);
  const [open, setOpen] = useState<string | null>(null);
  const byId = useMemo(() => new Map((versions.data ?? []).map((v) => [v.id, v])), [versions.data]);
  const sortedVersions = useMemo(() => [...(versions.data ?? [])].sort(byNumberDesc), [versions.data]);
  const environmentNames = useMemo(() => {
    const names = new Set((environments.data ?? []).map((p) => p.environment));
    if (filters.environment) names.add(filters.environment);
    return [...names].sort(environmentOrder);
  }, [environments.data, filters.environment]);

  const route = (change: Partial<RequestFilters> & { page?: number }) => {
    const next = { ...filters, ...change };
    return tabRoute(promptId, "requests", { version: next.versionId, environment: next.environment, status: next.status, to: next.to, page: change.page ?? 0 });
  };
  // A filter change starts again from the newest calls.
  const filter = (change: Partial<RequestFilters>) => navigate(route({ ...change, to: "" }), { replace: true });
  const firstCall = log.data?.requests[0];
  const pages = log.data ? Math.max(1, Math.ceil(log.data.total / REQUESTS_PAGE_SIZE)) : 1;
  // Going to another page pins the list to the newest call shown now.
  const pinned = filters.to || firstCall?.createdAt || "";

  return (
    <div className="stack-lg">
      <div className="analytics-controls">
        <div className="field field-inline">
          <label htmlFor="requests-version" className="field-label">
            Version
          </label>
          <select id="requests-version" value={filters.versionId} onChange={(event) => filter({ versionId: event.target.value })}>
            <option value="">All</option>
            {sortedVersions.map((v) => (
              <option key={v.id} value={v.id}>
                {versionOptionLabel(v)}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-inline">
          <label htmlFor="requests-environment" className="field-label">
            Environment
          </label>
          <select id="requests-environment" value={filters.environment} onChange={(event) => filter({ environment: event.target.value })}>
            <option value="">All</option>
            {environmentNames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-inline">
          <label htmlFor="requests-status" className="field-label">
            Status
          </label>
          <select id="requests-status" value={filters.status} onChange={(event) => filter({ status: event.target.value })}>
            {STATUS_OPTIONS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
            {/^\d{3}$/.test(filters.status) && <option value={filters.status}>{filters.status}</option>}
          </select>
        </div>
        {filters.to ? (
          <span className="muted small">
            Calls up to <time dateTime={filters.to}>{absoluteTime(filters.to)}</time> ·{" "}
            <Link to={route({ to: "", page: 0 })}>Back to the newest</Link>
          </span>
        ) : (
          <span className="muted small analytics-live" title="Refreshes every 10 s">
            <span className="analytics-live-dot" aria-hidden="true" /> Live
          </span>
        )}
      </div>

      <CaptureSettings promptId={promptId} />

      {log.isPending ? (
        <SkeletonList label="Loading the request log" rows={5} />
      ) : log.isError && log.data === undefined ? (
        <ErrorState title="Could not load the request log" error={log.error} onRetry={() => void log.refetch()} />
      ) : log.data.requests.length === 0 ? (
        <EmptyState title={filters.versionId || filters.environment || filters.status ? "No calls match these filters" : "No calls recorded yet"} icon="≡">
          Every call through the gateway with this prompt's <code>prompt_id</code> is listed here within seconds, newest first.
        </EmptyState>
      ) : (
        <>
          {log.isError && <RefreshFailed what="the request log" error={log.error} onRetry={() => void log.refetch()} />}
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Recorded calls (scrolls sideways)">
            <table className="table requests-table">
              <caption className="sr-only">Recorded gateway calls, newest first. Select a call to see its details.</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Version</th>
                  <th scope="col">Environment</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">Latency</th>
                  <th scope="col" className="num">Tokens in / out</th>
                  <th scope="col" className="num">Cost</th>
                  <th scope="col">Model</th>
                </tr>
              </thead>
              <tbody>
                {log.data.requests.map((call) => (
                  <CallRow
                    key={call.requestId}
                    promptId={promptId}
                    call={call}
                    version={call.versionId ? byId.get(call.versionId) : undefined}
                    open={open === call.requestId}
                    onToggle={() => setOpen(open === call.requestId ? null : call.requestId)}
                  />
                ))}
              </tbody>
            </table>
          </div>
          <div className="history-foot">
            <span className="muted small" aria-live="polite">
              {formatCount(log.data.total)} call{log.data.total === 1 ? "" : "s"}
            </span>
            <Pager page={page} pages={pages} label="Request log pages" to={(p) => route({ to: p === 0 && !filters.to ? "" : pinned, page: p })} />
          </div>
        </>
      )}
    </div>
  );
}

function statusTone(call: TRequestRecord): string {
  if (call.status >= 500 || call.errorCode === "upstream_stream_interrupted") return "red";
  if (call.status >= 400) return "amber";
  return "green";
}

function CallRow({ promptId, call, version, open, onToggle }: { promptId: string; call: TRequestRecord; version: TPromptVersion | undefined; open: boolean; onToggle: () => void }) {
  const label = call.majorVersion === null ? null : versionLabel({ majorVersion: call.majorVersion, minorVersion: call.minorVersion ?? 0 });
  return (
    <>
      <tr className={`call-row${open ? " is-open" : ""}`} data-request-id={call.requestId}>
        <td>
          <button type="button" className="call-toggle" aria-expanded={open} onClick={onToggle} title={absoluteTime(call.createdAt)}>
            <span aria-hidden="true">{open ? "▾" : "▸"}</span> <time dateTime={call.createdAt}>{relativeTime(call.createdAt)}</time>
          </button>
        </td>
        <td className="mono">{label ?? <span className="muted">none</span>}</td>
        <td>{call.environment ? <EnvBadge name={call.environment} /> : <span className="muted small">by version</span>}</td>
        <td>
          <span className={`badge badge-${statusTone(call)}`}>{call.status}</span>
          {call.errorCode && <span className="muted small call-error"> {call.errorCode}</span>}
        </td>
        <td className="num">{formatMs(call.latencyMs)}</td>
        <td className="num">
          {call.inputTokens === null && call.outputTokens === null ? "—" : `${formatCount(call.inputTokens ?? 0)} / ${formatCount(call.outputTokens ?? 0)}`}
        </td>
        <td className="num">{formatCost(call.costUsd)}</td>
        <td className="small">
          {call.model ?? "—"}
          {call.provider && <span className="muted"> · {call.provider}</span>}
        </td>
      </tr>
      {open && (
        <tr className="call-details-row">
          <td colSpan={8}>
            <CallDetails promptId={promptId} call={call} version={version} />
          </td>
        </tr>
      )}
    </>
  );
}

function CallDetails({ promptId, call, version }: { promptId: string; call: TRequestRecord; version: TPromptVersion | undefined }) {
  const inputsJson = call.inputs === null ? null : JSON.stringify(call.inputs, null, 2);
  return (
    <div className="call-details">
      <dl className="call-facts">
        <dt>Request id</dt>
        <dd className="mono">
          {call.requestId} <CopyButton text={call.requestId} label="Copy the request id" />
        </dd>
        <dt>Received</dt>
        <dd>{absoluteTime(call.createdAt)}</dd>
        <dt>Latency</dt>
        <dd>
          {formatMs(call.latencyMs)} in all, {formatMs(call.upstreamLatencyMs)} at the provider
          {call.stream && `, first token after ${formatMs(call.timeToFirstTokenMs)}`}
        </dd>
        <dt>Served by</dt>
        <dd>
          {call.model ?? "—"} {call.provider && `(${call.provider})`} {call.stream && <span className="pill">streamed</span>}
        </dd>
        <dt>Cost</dt>
        <dd>{call.costUsd === null ? "unknown (no price known for this model, or no usage reported)" : formatCost(call.costUsd)}</dd>
        {call.errorCode && (
          <>
            <dt>Error</dt>
            <dd className="mono">{call.errorCode}</dd>
          </>
        )}
      </dl>
      <div className="call-inputs">
        <div className="section-head">
          <h3 className="call-inputs-title">Inputs</h3>
          {inputsJson !== null && version && (
            <Link className="btn btn-primary btn-sm" to={tabRoute(promptId, "playground", { version: version.id, inputs: JSON.stringify(call.inputs) })}>
              Open in playground
            </Link>
          )}
        </div>
        {inputsJson === null ? (
          <p className="muted small">Not captured: input capture is off for this prompt when this call was made (turn it on above).</p>
        ) : (
          <pre className="code-block">{inputsJson}</pre>
        )}
      </div>
    </div>
  );
}

/** Input capture for this prompt: on or off, and which variables are stored as "[redacted]". */
function CaptureSettings({ promptId }: { promptId: string }) {
  const settings = useCaptureSettings(promptId);
  const save = useSetCaptureSettings(promptId);
  const can = usePermission();
  const [editing, setEditing] = useState(false);
  const [enabled, setEnabled] = useState(false);
  const [redact, setRedact] = useState("");
  if (settings.data === undefined) return null;
  const { effective, prompt } = settings.data;
  const startEditing = () => {
    setEnabled(effective.enabled);
    setRedact((prompt?.redactVariables ?? []).join(", "));
    setEditing(true);
  };
  const submit = () => {
    const names = redact.split(",").map((n) => n.trim()).filter(Boolean);
    save.mutate({ enabled, redactVariables: names }, { onSuccess: () => setEditing(false) });
  };
  return (
    <div className="capture-settings">
      {!editing ? (
        <p className="small">
          <strong>Input capture {effective.enabled ? "on" : "off"}</strong>
          <span className="muted">
            {effective.enabled
              ? ` · inputs kept ${effective.retentionDays} days${effective.redactVariables.length > 0 ? ` · redacted: ${effective.redactVariables.join(", ")}` : ""}`
              : " · calls are recorded without their inputs"}
            {prompt?.enabled === null || prompt === null ? " (the organization's setting)" : ""}
          </span>{" "}
          <GuardedButton permission={can("capture-settings")} className="btn btn-ghost btn-xs" onClick={startEditing}>
            Change…
          </GuardedButton>
        </p>
      ) : (
        <form
          className="capture-form"
          onSubmit={(event) => {
            event.preventDefault();
            submit();
          }}
        >
          <label className="checkbox">
            <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} /> Capture this prompt's inputs
          </label>
          <div className="field field-inline">
            <label htmlFor="capture-redact" className="field-label">
              Redact variables
            </label>
            <input id="capture-redact" type="text" value={redact} placeholder="e.g. email, customer" onChange={(event) => setRedact(event.target.value)} />
          </div>
          <button type="submit" className="btn btn-primary btn-sm" disabled={save.isPending}>
            {save.isPending ? "Saving…" : "Save"}
          </button>
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => setEditing(false)}>
            Cancel
          </button>
          {save.isError && <span className="field-error">{describeError(save.error).message}</span>}
        </form>
      )}
    </div>
  );
}
