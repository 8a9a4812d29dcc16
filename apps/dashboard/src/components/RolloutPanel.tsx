/**
 * An environment's rollout: start one (candidate, weight slider, optional automatic rollback rule); while
 * it is active, stable against candidate with each arm's live figures, the weight (re-weight), the rule and
 * where the candidate stands against it, Promote and Abort; once it ended, how and why.
 */
import type { TPromptVersion, TRollout, TVersionMetrics } from "@promptreg/contracts";
import { useId, useState } from "react";
import { LIVE_REFRESH_MS } from "../api/analytics";
import { describeError } from "../api/errors";
import { useEndRollout, useRolloutMetrics, useStartRollout } from "../api/rollouts";
import type { Permission } from "../lib/permissions";
import { formatCost, formatCount, formatMs, formatRate } from "../lib/metrics-format";
import { armsOf, checkStartForm, formatWeight, ruleState, STATUS_TEXT, weightChangeNote, type StartForm } from "../lib/rollouts";
import { absoluteTime, byNumberDesc, relativeTime, versionLabel, versionOptionLabel } from "../lib/versions";
import { ConfirmDialog } from "./ConfirmDialog";
import { Dialog } from "./Dialog";
import { GuardedButton } from "./Guarded";
import { useToast } from "./Toasts";
import { EnvBadge, Field, RefreshFailed } from "./ui";
import "../pages/safe-delivery.css";

type VersionOf = (versionId: string) => TPromptVersion | undefined;

const labelOf = (versionOf: VersionOf, versionId: string) => {
  const version = versionOf(versionId);
  return version ? versionLabel(version) : "a deleted version";
};

/** A weight from 0 to 100: a slider and a number field that move together. */
export function WeightControl({ value, onChange, label, describedBy }: { value: string; onChange: (value: string) => void; label: string; describedBy?: string | undefined }) {
  const id = useId();
  const numeric = Number(value);
  return (
    <div className="weight-control">
      <label htmlFor={`${id}-range`} className="field-label">
        {label}
      </label>
      <div className="weight-inputs">
        <input
          id={`${id}-range`}
          type="range"
          min={0}
          max={100}
          step={1}
          value={Number.isFinite(numeric) ? Math.min(100, Math.max(0, numeric)) : 0}
          aria-valuetext={`${value || 0} percent to the candidate`}
          aria-describedby={describedBy}
          onChange={(event) => onChange(event.target.value)}
        />
        <span className="weight-number">
          <input
            type="number"
            min={0}
            max={100}
            step="any"
            inputMode="decimal"
            value={value}
            aria-label={`${label} (percent)`}
            aria-describedby={describedBy}
            onChange={(event) => onChange(event.target.value)}
          />
          <span aria-hidden="true">%</span>
        </span>
      </div>
    </div>
  );
}

export function StartRolloutDialog({
  promptId,
  environment,
  stable,
  versions,
  onClose,
}: {
  promptId: string;
  environment: string;
  stable: TPromptVersion | undefined;
  versions: readonly TPromptVersion[];
  onClose: () => void;
}) {
  const candidates = [...versions].filter((v) => v.id !== stable?.id).sort(byNumberDesc);
  const [form, setForm] = useState<StartForm>({
    candidateVersionId: candidates[0]?.id ?? "",
    weight: "10",
    autoRollback: true,
    maxErrorRate: "5",
    minRequests: "100",
    maxP95LatencyMs: "",
  });
  const [attempted, setAttempted] = useState(false);
  const start = useStartRollout(promptId);
  const toast = useToast();
  const check = checkStartForm(form);
  const errors = attempted ? check.errors : {};
  const set = (change: Partial<StartForm>) => {
    setForm((f) => ({ ...f, ...change }));
    if (start.error) start.reset();
  };
  const candidate = candidates.find((v) => v.id === form.candidateVersionId);
  const noteId = useId();

  const submit = async () => {
    setAttempted(true);
    if (Object.keys(check.errors).length > 0 || check.weight === null) return;
    try {
      await start.mutateAsync({ environment, versionId: form.candidateVersionId, weight: check.weight, ...(check.rule ? { autoRollback: check.rule } : {}) });
      toast(`Rollout of ${candidate ? versionLabel(candidate) : "the candidate"} started on ${environment} at ${formatWeight(check.weight)}`);
      onClose();
    } catch {
      // Shown in the dialog.
    }
  };

  return (
    <Dialog
      open
      onClose={onClose}
      title={`Start rollout on ${environment}`}
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="start-rollout-form" className="btn btn-primary" disabled={start.isPending || candidates.length === 0}>
            {start.isPending ? "Starting…" : "Start rollout"}
          </button>
        </>
      }
    >
      <form
        id="start-rollout-form"
        className="stack"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <p>
          <EnvBadge name={environment} /> keeps serving <strong>{stable ? versionLabel(stable) : "its version"}</strong> to the rest of its calls. Each
          caller (the <code>x-prompt-subject</code> header, else <code>user</code>) keeps the same version for as long as the rollout lasts.
        </p>
        {candidates.length === 0 ? (
          <p className="callout callout-info" role="note">
            This prompt has no other version to roll out. Create a new version first.
          </p>
        ) : (
          <Field label="Candidate version" error={errors.candidateVersionId}>
            {({ id, describedBy, invalid }) => (
              <select id={id} value={form.candidateVersionId} aria-describedby={describedBy} aria-invalid={invalid || undefined} onChange={(event) => set({ candidateVersionId: event.target.value })}>
                {candidates.map((v) => (
                  <option key={v.id} value={v.id}>
                    {versionOptionLabel(v)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <div className="field">
          <WeightControl label="Candidate weight" value={form.weight} onChange={(weight) => set({ weight })} describedBy={noteId} />
          <p id={noteId} className="field-hint">
            {check.weight !== null
              ? `${formatWeight(check.weight)} of ${environment}'s calls go to the candidate, ${formatWeight(100 - check.weight)} to the stable version.`
              : "A percentage from 0 to 100."}
          </p>
          {errors.weight && <p className="field-error">{errors.weight}</p>}
        </div>
        <fieldset className="rule-fieldset">
          <legend className="sr-only">Automatic rollback</legend>
          <label className="checkbox">
            <input type="checkbox" checked={form.autoRollback} onChange={(event) => set({ autoRollback: event.target.checked })} />
            Roll back automatically when the candidate fails
          </label>
          {form.autoRollback && (
            <div className="rule-fields">
              <Field label="Max error rate (%)" error={errors.maxErrorRate}>
                {({ id, describedBy, invalid }) => (
                  <input id={id} type="number" min={0} max={100} step="any" inputMode="decimal" value={form.maxErrorRate} aria-describedby={describedBy} aria-invalid={invalid || undefined} onChange={(event) => set({ maxErrorRate: event.target.value })} />
                )}
              </Field>
              <Field label="Min requests" error={errors.minRequests}>
                {({ id, describedBy, invalid }) => (
                  <input id={id} type="number" min={1} step={1} inputMode="numeric" value={form.minRequests} aria-describedby={describedBy} aria-invalid={invalid || undefined} onChange={(event) => set({ minRequests: event.target.value })} />
                )}
              </Field>
              <Field label="Max p95 latency (ms)" hint="Optional." error={errors.maxP95LatencyMs}>
                {({ id, describedBy, invalid }) => (
                  <input id={id} type="number" min={1} step="any" inputMode="decimal" value={form.maxP95LatencyMs} placeholder="none" aria-describedby={describedBy} aria-invalid={invalid || undefined} onChange={(event) => set({ maxP95LatencyMs: event.target.value })} />
                )}
              </Field>
              <p className="muted small rule-explain">
                Once the candidate has served the minimum number of calls, the server ends the rollout within 10 s when its error rate (status ≥ 500
                or no answer from the provider){form.maxP95LatencyMs.trim() ? " or its p95 latency" : ""} goes over the limit; every call returns to the stable version.
              </p>
            </div>
          )}
        </fieldset>
        {start.error && (
          <p className="field-error" role="alert">
            {describeError(start.error).message}
          </p>
        )}
      </form>
    </Dialog>
  );
}

interface PanelProps {
  rollout: TRollout;
  versionOf: VersionOf;
  keyLabel: (keyId: string | null) => string;
  permission: Permission;
}

/** One environment's latest rollout: live while active, its outcome once ended. */
export function RolloutPanel({ rollout, versionOf, keyLabel, permission }: PanelProps) {
  const metrics = useRolloutMetrics(rollout);
  const active = rollout.status === "active";
  const arms = armsOf(rollout, metrics.data?.versions ?? []);
  const stable = labelOf(versionOf, rollout.stableVersionId);
  const candidate = labelOf(versionOf, rollout.candidateVersionId);
  const headingId = useId();
  const [dialog, setDialog] = useState<"promote" | "abort" | null>(null);

  return (
    <section className={`rollout-panel rollout-${rollout.status}`} aria-labelledby={headingId} id={`rollout-${rollout.environment}`} data-environment={rollout.environment}>
      <header className="rollout-head">
        <h3 id={headingId} className="rollout-title">
          <EnvBadge name={rollout.environment} /> <span className="mono">{stable}</span> <span aria-hidden="true">→</span>
          <span className="sr-only">to</span> <span className="mono">{candidate}</span>
        </h3>
        <span className={`rollout-status status-${rollout.status}`}>{STATUS_TEXT[rollout.status]}</span>
        <span className="muted small">
          started{" "}
          <time dateTime={rollout.startedAt} title={absoluteTime(rollout.startedAt)}>
            {relativeTime(rollout.startedAt)}
          </time>{" "}
          by {keyLabel(rollout.startedByKeyId)}
        </span>
      </header>

      {!active && <Outcome rollout={rollout} stable={stable} candidate={candidate} keyLabel={keyLabel} />}

      <ArmTable rollout={rollout} arms={arms} stable={stable} candidate={candidate} />
      {metrics.isError && <RefreshFailed what="the rollout's figures" error={metrics.error} onRetry={() => void metrics.refetch()} />}
      <p className="muted small">
        Calls to {rollout.environment} from the minute the rollout started (the metrics' resolution; the rollback rule counts from the start itself)
        {active ? `; refreshes every ${LIVE_REFRESH_MS / 1000} s` : ""}. A call is counted within seconds of its answer.
      </p>

      {rollout.autoRollback ? (
        <RuleView rollout={rollout} candidate={arms.candidate} />
      ) : (
        <p className="muted small">No automatic rollback: {active ? "the rollout runs until it is promoted or aborted." : "none was set."}</p>
      )}

      {active && (
        <>
          <Reweight rollout={rollout} permission={permission} />
          <div className="rollout-actions">
            <GuardedButton permission={permission} className="btn btn-primary" onClick={() => setDialog("promote")}>
              Promote {candidate}
            </GuardedButton>
            <GuardedButton permission={permission} className="btn btn-secondary btn-danger-text" onClick={() => setDialog("abort")}>
              Abort rollout
            </GuardedButton>
          </div>
        </>
      )}
      {dialog && <EndDialog how={dialog} rollout={rollout} stable={stable} candidate={candidate} onClose={() => setDialog(null)} />}
    </section>
  );
}

function Outcome({ rollout, stable, candidate, keyLabel }: { rollout: TRollout; stable: string; candidate: string; keyLabel: (keyId: string | null) => string }) {
  const by = rollout.endedBy === "auto-rollback" ? "the automatic rollback rule" : keyLabel(rollout.endedBy);
  const what =
    rollout.status === "promoted"
      ? `${rollout.environment} serves ${candidate} to every call.`
      : `${rollout.environment} serves ${stable} to every call again.`;
  return (
    <div className={`callout ${rollout.status === "rolled_back" ? "callout-error" : rollout.status === "promoted" ? "callout-info" : "callout-warning"} rollout-outcome`} role="status">
      <div className="callout-body">
        <strong>
          {STATUS_TEXT[rollout.status]}
          {rollout.endedAt && (
            <>
              {" "}
              <time dateTime={rollout.endedAt} title={absoluteTime(rollout.endedAt)}>
                {relativeTime(rollout.endedAt)}
              </time>
            </>
          )}{" "}
          by {by}
        </strong>
        <p>
          {what}
          {rollout.reason ? <> Reason: {rollout.reason}</> : null}
        </p>
      </div>
    </div>
  );
}

function ArmTable({ rollout, arms, stable, candidate }: { rollout: TRollout; arms: ReturnType<typeof armsOf>; stable: string; candidate: string }) {
  const rows: { arm: "stable" | "candidate"; label: string; share: number; m: TVersionMetrics | null }[] = [
    { arm: "stable", label: stable, share: 100 - rollout.weight, m: arms.stable },
    { arm: "candidate", label: candidate, share: rollout.weight, m: arms.candidate },
  ];
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={`Per-arm figures of the ${rollout.environment} rollout (scrolls sideways)`}>
      <table className="table arm-table">
        <caption className="sr-only">The stable and the candidate version side by side since the rollout started.</caption>
        <thead>
          <tr>
            <th scope="col">Arm</th>
            <th scope="col" className="num">Weight</th>
            <th scope="col" className="num">Requests</th>
            <th scope="col" className="num">Error rate</th>
            <th scope="col" className="num">p50</th>
            <th scope="col" className="num">p95</th>
            <th scope="col" className="num">Cost</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ arm, label, share, m }) => (
            <tr key={arm} data-arm={arm}>
              <th scope="row">
                <span className={`arm-dot arm-${arm}`} aria-hidden="true" />
                {arm === "stable" ? "Stable" : "Candidate"} <span className="mono">{label}</span>
              </th>
              <td className="num">{formatWeight(share)}</td>
              <td className="num">{formatCount(m?.requests ?? 0)}</td>
              <td className={`num${m && m.errors > 0 ? " is-bad" : ""}`}>{m ? formatRate(m.errorRate) : "—"}</td>
              <td className="num">{formatMs(m?.latencyMs.p50)}</td>
              <td className="num">{formatMs(m?.latencyMs.p95)}</td>
              <td className="num">{formatCost(m?.costUsd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RuleView({ rollout, candidate }: { rollout: TRollout; candidate: TVersionMetrics | null }) {
  const rule = rollout.autoRollback!;
  const state = ruleState(rule, candidate);
  const active = rollout.status === "active";
  return (
    <div className="rollout-rule">
      <h4 className="panel-subtitle">Automatic rollback</h4>
      <ul className="rule-list">
        <li className={state.armed ? "is-met" : undefined}>
          <span className="rule-label">Calls to the candidate</span>
          <span className="rule-value">
            {state.requests} of {state.minRequests} needed
          </span>
          <progress max={state.minRequests} value={Math.min(state.requests, state.minRequests)} aria-label="Calls to the candidate, of those the rule needs" />
        </li>
        <li className={state.errorRateExceeded ? "is-over" : undefined}>
          <span className="rule-label">Error rate</span>
          <span className="rule-value">
            {formatRate(state.errorRate)} (max {formatRate(state.maxErrorRate)})
          </span>
        </li>
        {state.maxP95LatencyMs !== null && (
          <li className={state.p95Exceeded ? "is-over" : undefined}>
            <span className="rule-label">p95 latency</span>
            <span className="rule-value">
              {formatMs(state.p95)} (max {formatMs(state.maxP95LatencyMs)})
            </span>
          </li>
        )}
      </ul>
      {active && <p className="small rule-summary">{state.summary}</p>}
    </div>
  );
}

function Reweight({ rollout, permission }: { rollout: TRollout; permission: Permission }) {
  const [weight, setWeight] = useState(String(rollout.weight));
  const [shown, setShown] = useState(rollout.weight);
  // A weight changed elsewhere (another tab, the CLI) resets the field to it.
  if (shown !== rollout.weight) {
    setShown(rollout.weight);
    setWeight(String(rollout.weight));
  }
  const start = useStartRollout(rollout.promptId);
  const toast = useToast();
  const noteId = useId();
  const value = Number(weight);
  const valid = weight.trim() !== "" && Number.isFinite(value) && value >= 0 && value <= 100;
  const changed = valid && value !== rollout.weight;
  const apply = async () => {
    if (!changed || !permission.allowed) return;
    try {
      await start.mutateAsync({ environment: rollout.environment, versionId: rollout.candidateVersionId, weight: value });
      toast(`The candidate now serves ${formatWeight(value)} of ${rollout.environment}`);
    } catch {
      // Shown below.
    }
  };
  return (
    <form
      className="reweight"
      onSubmit={(event) => {
        event.preventDefault();
        void apply();
      }}
    >
      <WeightControl label="Candidate weight" value={weight} onChange={(next) => { setWeight(next); if (start.error) start.reset(); }} describedBy={noteId} />
      <p id={noteId} className="field-hint" aria-live="polite">
        {valid ? weightChangeNote(rollout.weight, value) : "A percentage from 0 to 100."}
      </p>
      <div className="reweight-actions">
        {permission.allowed ? (
          <button type="submit" className="btn btn-secondary btn-sm" disabled={!changed || start.isPending}>
            {start.isPending ? "Applying…" : valid ? `Set weight to ${formatWeight(value)}` : "Set weight"}
          </button>
        ) : (
          <GuardedButton permission={permission} className="btn btn-secondary btn-sm">
            Set weight
          </GuardedButton>
        )}
        {changed && (
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => setWeight(String(rollout.weight))}>
            Reset
          </button>
        )}
      </div>
      {start.error && (
        <p className="field-error" role="alert">
          {describeError(start.error).message}
        </p>
      )}
    </form>
  );
}

function EndDialog({ how, rollout, stable, candidate, onClose }: { how: "promote" | "abort"; rollout: TRollout; stable: string; candidate: string; onClose: () => void }) {
  const end = useEndRollout(rollout.promptId, how);
  const toast = useToast();
  const confirm = async () => {
    try {
      await end.mutateAsync(rollout.environment);
      toast(how === "promote" ? `Promoted ${candidate}: ${rollout.environment} serves it to every call` : `Aborted: ${rollout.environment} serves ${stable} to every call`);
      onClose();
    } catch {
      // Shown in the dialog.
    }
  };
  return (
    <ConfirmDialog
      title={how === "promote" ? `Promote ${candidate} on ${rollout.environment}?` : `Abort the rollout on ${rollout.environment}?`}
      confirmLabel={how === "promote" ? `Promote ${candidate}` : "Abort rollout"}
      pendingLabel={how === "promote" ? "Promoting…" : "Aborting…"}
      danger={how === "abort"}
      pending={end.isPending}
      error={end.error}
      onConfirm={() => void confirm()}
      onClose={onClose}
    >
      {how === "promote" ? (
        <p>
          <strong>{rollout.environment}</strong> moves from {stable} to <strong>{candidate}</strong>: every call gets {candidate}, at once. It is recorded in
          the history as a deployment.
        </p>
      ) : (
        <p>
          Every call to <strong>{rollout.environment}</strong> goes back to <strong>{stable}</strong>, at once; the {formatWeight(rollout.weight)} on{" "}
          {candidate} stop getting it. The environment does not move.
        </p>
      )}
    </ConfirmDialog>
  );
}
