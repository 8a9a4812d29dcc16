/**
 * Try a version: a form generated from its variables, the request it compiles to (live, with the same
 * engine as the gateway), and a Run that sends it through the gateway as an application would.
 */
import type { TInputError, TPromptBody, TPromptVersion, TTemplateVariable } from "@promptreg/contracts";
import { compilePrompt } from "@promptreg/template";
import { useMutation } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { runThroughGateway, type GatewayResult } from "../api/gateway";
import { useEnvironments, useExpandedBody, useVersions, useVersionWithBody } from "../api/queries";
import { EmptyState, ErrorState, Kbd, Loading } from "../components/ui";
import { initialValues, toInputs, type InputValues } from "../lib/inputs";
import { byNumberDesc, versionOptionLabel } from "../lib/versions";
import { navigate } from "../router";
import { useSession } from "../session";

export function PlaygroundTab({ promptId, versionId }: { promptId: string; versionId: string }) {
  const versions = useVersions(promptId);
  const environments = useEnvironments(promptId);
  const sorted = useMemo(() => [...(versions.data ?? [])].sort(byNumberDesc), [versions.data]);
  const production = environments.data?.find((p) => p.environment === "production")?.versionId;
  const selectedId = versionId || production || sorted[0]?.id || "";
  const version = useVersionWithBody(selectedId || undefined);
  // Kept here, above the per-version runner, so switching versions keeps what was typed for shared variables.
  const [values, setValues] = useState<InputValues>({});

  if (versions.isPending || (environments.isPending && !versionId)) return <Loading label="Loading versions…" />;
  if (versions.isError && versions.data === undefined) return <ErrorState title="Could not load versions" error={versions.error} onRetry={() => void versions.refetch()} />;
  if (sorted.length === 0) return <EmptyState title="No versions to try">This prompt has no versions left.</EmptyState>;

  return (
    <div className="playground">
      <div className="field playground-version">
        <label htmlFor="playground-version" className="field-label">
          Version
        </label>
        <select
          id="playground-version"
          value={selectedId}
          onChange={(event) => navigate({ name: "prompt", promptId, tab: "playground", versionId: event.target.value }, { replace: true })}
        >
          {sorted.map((v) => (
            <option key={v.id} value={v.id} title={v.commitMessage || undefined}>
              {versionOptionLabel(v)}
            </option>
          ))}
        </select>
      </div>
      {version.data === undefined ? (
        version.isError ? (
          <ErrorState title="Could not load this version" error={version.error} onRetry={() => void version.refetch()} />
        ) : (
          <Loading label="Loading version…" />
        )
      ) : (
        <Runner
          key={version.data.id}
          promptId={promptId}
          version={version.data}
          values={values}
          onValue={(name, value) => setValues((previous) => ({ ...previous, [name]: value }))}
        />
      )}
    </div>
  );
}

type Versioned = TPromptVersion & { body: TPromptBody };

interface RunnerProps {
  promptId: string;
  version: Versioned;
  values: InputValues;
  onValue: (name: string, value: string | boolean) => void;
}

function Runner({ promptId, version, values: typed, onValue }: RunnerProps) {
  const { apiKey } = useSession();
  const expanded = useExpandedBody(version);
  const values = useMemo(() => initialValues(version.variables, typed), [version.variables, typed]);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [model, setModel] = useState("");
  const inputs = useMemo(() => toInputs(version.variables, values), [version.variables, values]);
  const compiled = useMemo(() => (expanded.data ? compilePrompt(expanded.data, { inputs }) : null), [expanded.data, inputs]);
  const run = useMutation({
    mutationFn: () => runThroughGateway({ apiKey, promptId, versionId: version.id, inputs, model }),
  });

  const submit = () => {
    setTouched(new Set(version.variables.map((v) => v.name)));
    run.mutate();
  };

  const liveErrors = new Map<string, string>();
  for (const error of compiled?.errors ?? []) if (touched.has(error.variable) && !liveErrors.has(error.variable)) liveErrors.set(error.variable, error.message);
  const gatewayErrors = new Map<string, string>();
  if (run.data && !run.data.ok) for (const detail of run.data.details) gatewayErrors.set(detail.variable, detail.message);

  return (
    <div className="playground-grid">
      <section className="panel" aria-labelledby="inputs-heading">
        <h2 id="inputs-heading" className="panel-title">
          Inputs
        </h2>
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            submit();
          }}
          onKeyDown={(event) => {
            if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) {
              event.preventDefault();
              submit();
            }
          }}
        >
          {version.variables.length === 0 ? (
            <p className="muted small">This version has no variables: it runs as it is.</p>
          ) : (
            version.variables.map((variable) => (
              <InputField
                key={variable.name}
                variable={variable}
                value={values[variable.name]}
                error={gatewayErrors.get(variable.name) ?? liveErrors.get(variable.name)}
                onChange={(value) => onValue(variable.name, value)}
                onBlur={() => setTouched((set) => new Set([...set, variable.name]))}
              />
            ))
          )}
          <div className="field">
            <label htmlFor="playground-model" className="field-label">
              Model <span className="muted small">(optional)</span>
            </label>
            <input
              id="playground-model"
              type="text"
              className="mono"
              value={model}
              placeholder={version.body.model}
              onChange={(event) => setModel(event.target.value)}
              aria-describedby="playground-model-help"
            />
            <p id="playground-model-help" className="muted small">
              Empty: the version&apos;s model. <span className="mono">model/provider</span> routes to a provider;
              a comma-separated list is a fallback chain, e.g. <span className="mono">gpt-4o-mini/openai,claude-sonnet-4/anthropic</span>.
            </p>
          </div>
          <div className="run-row">
            <button type="submit" className="btn btn-primary" disabled={run.isPending}>
              {run.isPending ? "Running…" : "Run"}
            </button>
            <span className="muted small">
              through the gateway<span className="run-hint"> · <Kbd>Ctrl</Kbd>+<Kbd>Enter</Kbd></span>
            </span>
          </div>
        </form>
      </section>

      <div className="playground-output">
        <section className="panel" aria-labelledby="compiled-heading">
          <h2 id="compiled-heading" className="panel-title">
            Compiled request
          </h2>
          {expanded.isError ? (
            <ErrorState title="Could not expand the prompt partials" error={expanded.error} onRetry={() => void expanded.refetch()} />
          ) : !compiled ? (
            <Loading label="Compiling…" compact />
          ) : (
            <>
              {compiled.errors.length > 0 ? (
                <div className="callout callout-warning">
                  <div className="callout-body">
                    <strong>
                      {compiled.errors.length} problem{compiled.errors.length === 1 ? "" : "s"} before this can run
                    </strong>
                    <InputErrorList errors={compiled.errors} />
                  </div>
                </div>
              ) : (
                <p className="muted small ok-line">
                  <span className="ok-dot" aria-hidden="true" /> Ready: this is the body the gateway sends to the model.
                </p>
              )}
              <pre className="code-block code-scroll" tabIndex={0} aria-label="Compiled request body">
                {JSON.stringify(compiled.body, null, 2)}
              </pre>
              <details className="param-json">
                <summary>Call it from your code</summary>
                <pre className="code-block code-scroll" tabIndex={0}>
                  {curlFor(promptId, version.id, inputs, model)}
                </pre>
              </details>
            </>
          )}
        </section>

        <section className="panel" aria-labelledby="response-heading">
          <h2 id="response-heading" className="panel-title">
            Response
          </h2>
          <div aria-live="polite" aria-busy={run.isPending}>
            {run.isPending ? (
              <Loading label="Waiting for the model…" compact />
            ) : run.data ? (
              <GatewayAnswer result={run.data} />
            ) : (
              <p className="muted small">Fill in the inputs and press Run to see the model's answer.</p>
            )}
          </div>
        </section>
      </div>
    </div>
  );
}

function InputField({
  variable,
  value,
  error,
  onChange,
  onBlur,
}: {
  variable: TTemplateVariable;
  value: string | boolean | undefined;
  error: string | undefined;
  onChange: (value: string | boolean) => void;
  onBlur: () => void;
}) {
  const id = `input-${variable.name}`;
  const errorId = `${id}-error`;
  const describedBy = error ? errorId : undefined;
  const label = (
    <span className="input-label">
      <span className="mono">{variable.name}</span>
      <span className={`chip-type type-${variable.type}`}>{variable.type}</span>
    </span>
  );
  return (
    <div className="field">
      {variable.type === "boolean" ? (
        <label className="checkbox" htmlFor={id}>
          <input id={id} type="checkbox" checked={value === true} onChange={(event) => onChange(event.target.checked)} onBlur={onBlur} aria-describedby={describedBy} />
          {label}
        </label>
      ) : (
        <>
          <label htmlFor={id} className="field-label">
            {label}
          </label>
          {variable.type === "number" ? (
            <input
              id={id}
              type="number"
              step="any"
              inputMode="decimal"
              value={typeof value === "string" ? value : ""}
              onChange={(event) => onChange(event.target.value)}
              onBlur={onBlur}
              aria-invalid={error ? true : undefined}
              aria-describedby={describedBy}
            />
          ) : (
            <textarea
              id={id}
              rows={2}
              value={typeof value === "string" ? value : ""}
              onChange={(event) => onChange(event.target.value)}
              onBlur={onBlur}
              aria-invalid={error ? true : undefined}
              aria-describedby={describedBy}
            />
          )}
        </>
      )}
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

function InputErrorList({ errors }: { errors: readonly TInputError[] }) {
  return (
    <ul className="input-errors">
      {errors.map((error, index) => (
        <li key={`${error.variable}-${index}`}>
          <span className="mono">{error.variable}</span>: {error.message}
        </li>
      ))}
    </ul>
  );
}

function GatewayAnswer({ result }: { result: GatewayResult }) {
  if (!result.ok) {
    return (
      <div className="callout callout-error" role="alert">
        <div className="callout-body">
          <strong>
            {result.status ? `The gateway answered ${result.status}` : "No answer"}
            {result.code ? ` · ${result.code}` : ""}
            {result.provider ? ` · provider ${result.provider}` : ""}
          </strong>
          <p>{result.message}</p>
          {result.details.length > 0 && <InputErrorList errors={result.details} />}
        </div>
      </div>
    );
  }
  return (
    <div className="answer">
      <p className="answer-meta small">
        <span className="pill pill-ok">{result.status} OK</span>
        <span className="muted">{Math.round(result.elapsedMs)} ms</span>
        {result.promptVersion && <span className="muted">served v{result.promptVersion}</span>}
        {result.provider && (
          <span className="muted" data-testid="served-by">
            by <span className="mono">{result.provider}</span>
            {result.model ? (
              <>
                {" "}
                · <span className="mono">{result.model}</span>
              </>
            ) : null}
          </span>
        )}
      </p>
      {result.content !== null ? (
        <div className="answer-text">{result.content}</div>
      ) : (
        <p className="muted small">The model answered without text (tool calls only); see the raw response.</p>
      )}
      <details className="param-json">
        <summary>Raw response</summary>
        <pre className="code-block code-scroll" tabIndex={0}>
          {typeof result.body === "string" ? result.body : JSON.stringify(result.body, null, 2)}
        </pre>
      </details>
    </div>
  );
}

function curlFor(promptId: string, versionId: string, inputs: Record<string, unknown>, model: string): string {
  const origin = typeof window === "undefined" ? "" : window.location.origin;
  const body = JSON.stringify({ prompt_id: promptId, version_id: versionId, ...(model.trim() ? { model: model.trim() } : {}), inputs }, null, 2);
  return `curl ${origin}/v1/chat/completions \\\n  -H "Authorization: Bearer $PROMPTREG_API_KEY" \\\n  -H "Content-Type: application/json" \\\n  -d '${body.replace(/'/g, "'\\''")}'`;
}
