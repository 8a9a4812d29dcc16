/**
 * Try a version: a form generated from its variables, per-run overrides of model, temperature and max
 * tokens, the request it compiles to (live, with the same engine as the gateway), a Run that sends it
 * through the gateway as an application would and shows the answer as it streams, and the same call as
 * code (TypeScript and Python `openai` SDKs, curl).
 */
import type { TPromptBody, TPromptVersion, TTemplateVariable } from "@promptreg/contracts";
import { compilePrompt } from "@promptreg/template";
import { useEffect, useMemo, useRef, useState } from "react";
import { runThroughGateway, type GatewayResult, type RunOverrides } from "../api/gateway";
import { useEnvironments, useExpandedBody, useVersions, useVersionWithBody } from "../api/queries";
import { CopyButton, EmptyState, ErrorState, Kbd, Loading } from "../components/ui";
import { initialValues, inputProblems, toInputs, type InputValues } from "../lib/inputs";
import { valuesFromCapturedInputs } from "../lib/metrics-format";
import { loadDraft, saveDraft, type OverrideDraft } from "../lib/playground-draft";
import { tabRoute } from "../lib/routes";
import { SNIPPET_LANGUAGES, snippetFor, type SnippetLanguage } from "../lib/snippets";
import { byNumberDesc, versionOptionLabel } from "../lib/versions";
import type { PromptTabDefinition } from "../navigation";
import { navigate } from "../router";
import { useSession } from "../session";

export const playgroundTab: PromptTabDefinition = {
  id: "playground",
  label: "Playground",
  // `inputs`: a recorded call's captured inputs (JSON), from the Requests tab.
  component: ({ prompt, params }) => <PlaygroundTab promptId={prompt.id} versionId={params["version"] ?? ""} inputs={params["inputs"]} />,
};

/** The overrides to send, and what is wrong with the fields that cannot be sent. */
export function readOverrides(draft: OverrideDraft): { overrides: RunOverrides; problems: Map<string, string> } {
  const overrides: RunOverrides = {};
  const problems = new Map<string, string>();
  if (draft.model.trim() !== "") overrides.model = draft.model.trim();
  if (draft.temperature.trim() !== "") {
    const value = Number(draft.temperature);
    if (!Number.isFinite(value) || value < 0 || value > 2) problems.set("temperature", "Temperature is a number from 0 to 2.");
    else overrides.temperature = value;
  }
  if (draft.maxTokens.trim() !== "") {
    const value = Number(draft.maxTokens);
    if (!Number.isInteger(value) || value <= 0) problems.set("maxTokens", "Max tokens is a whole number above 0.");
    else overrides.max_tokens = value;
  }
  return { overrides, problems };
}

export function PlaygroundTab({ promptId, versionId, inputs }: { promptId: string; versionId: string; inputs?: string | undefined }) {
  const versions = useVersions(promptId);
  const environments = useEnvironments(promptId);
  const sorted = useMemo(() => [...(versions.data ?? [])].sort(byNumberDesc), [versions.data]);
  const production = environments.data?.find((p) => p.environment === "production")?.versionId;
  const selectedId = versionId || production || sorted[0]?.id || "";
  const version = useVersionWithBody(selectedId || undefined);
  // Kept here, above the per-version runner, so switching versions keeps what was typed; and in the
  // tab's sessionStorage, so another tab of the prompt, another page or a reload keeps it too. A recorded
  // call opened from the Requests tab brings its captured inputs, which replace the draft's.
  const [draft, setDraft] = useState(() => {
    const saved = loadDraft(promptId);
    return inputs === undefined ? saved : { ...saved, values: valuesFromCapturedInputs(inputs) };
  });
  useEffect(() => saveDraft(promptId, draft), [promptId, draft]);

  if (versions.isPending || (environments.isPending && !versionId)) return <Loading label="Loading versions…" />;
  if (versions.isError && versions.data === undefined) return <ErrorState title="Could not load versions" error={versions.error} onRetry={() => void versions.refetch()} />;
  if (sorted.length === 0) return <EmptyState title="No versions to try">This prompt has no versions left.</EmptyState>;

  return (
    <div className="playground">
      <div className="field playground-version">
        <label htmlFor="playground-version" className="field-label">
          Version
        </label>
        <select id="playground-version" value={selectedId} onChange={(event) => navigate(tabRoute(promptId, "playground", { version: event.target.value }), { replace: true })}>
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
          values={draft.values}
          onValue={(name, value) => setDraft((previous) => ({ ...previous, values: { ...previous.values, [name]: value } }))}
          overrides={draft.overrides}
          onOverrides={(overrides) => setDraft((previous) => ({ ...previous, overrides }))}
          stream={draft.stream}
          onStream={(stream) => setDraft((previous) => ({ ...previous, stream }))}
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
  overrides: OverrideDraft;
  onOverrides: (draft: OverrideDraft) => void;
  stream: boolean;
  onStream: (stream: boolean) => void;
}

interface RunState {
  running: boolean;
  text: string;
  result: GatewayResult | null;
}

function Runner({ promptId, version, values: typed, onValue, overrides: overrideDraft, onOverrides, stream, onStream }: RunnerProps) {
  const { apiKey } = useSession();
  const expanded = useExpandedBody(version);
  const values = useMemo(() => initialValues(version.variables, typed), [version.variables, typed]);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [run, setRun] = useState<RunState>({ running: false, text: "", result: null });
  const abort = useRef<AbortController | null>(null);
  const inputs = useMemo(() => toInputs(version.variables, values), [version.variables, values]);
  const { overrides, problems: overrideProblems } = useMemo(() => readOverrides(overrideDraft), [overrideDraft]);
  const compiled = useMemo(() => (expanded.data ? compilePrompt(expanded.data, { inputs, ...overrides }) : null), [expanded.data, inputs, overrides]);
  const problems = useMemo(() => inputProblems(version.variables, values, compiled?.errors ?? []), [version.variables, values, compiled]);
  const blocked = problems.size > 0 || overrideProblems.size > 0 || !compiled;
  // A run in flight is stopped when the runner goes (another version, another page).
  useEffect(() => () => abort.current?.abort(), []);

  const start = () => {
    setTouched(new Set(version.variables.map((v) => v.name)));
    // The ref, not the state: two starts within one event (before a render) must not both run.
    if (blocked || run.running || abort.current) return;
    const controller = new AbortController();
    abort.current = controller;
    setRun({ running: true, text: "", result: null });
    void runThroughGateway({ apiKey, promptId, versionId: version.id, inputs, overrides, stream, signal: controller.signal }, (text) =>
      setRun((state) => ({ ...state, text })),
    ).then((result) => {
      if (abort.current === controller) abort.current = null;
      setRun((state) => ({ running: false, text: result.ok ? (result.content ?? "") : state.text, result }));
    });
  };

  const problemsId = "run-problems";
  const gatewayErrors = new Map<string, string>();
  if (run.result && !run.result.ok) for (const detail of run.result.details) gatewayErrors.set(detail.variable, detail.message);

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
            start();
          }}
          onKeyDown={(event) => {
            if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) {
              event.preventDefault();
              start();
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
                error={gatewayErrors.get(variable.name) ?? (touched.has(variable.name) ? problems.get(variable.name) : undefined)}
                onChange={(value) => onValue(variable.name, value)}
                onBlur={() => setTouched((set) => new Set([...set, variable.name]))}
              />
            ))
          )}
          <details className="run-settings" open={overrideDraft.model !== "" || overrideDraft.temperature !== "" || overrideDraft.maxTokens !== "" || undefined}>
            <summary>Run settings: model, temperature, max tokens</summary>
            <p className="muted small">For this run only; empty fields use the version's own values. The version does not change.</p>
            <p id="override-model-help" className="muted small">
              <span className="mono">model/provider</span> routes to a provider; a comma-separated list is a fallback chain, e.g.{" "}
              <span className="mono">gpt-4o-mini/openai,claude-sonnet-4/anthropic</span>.
            </p>
            <div className="grid-3">
              <OverrideField
                label="Model"
                placeholder={version.body.model}
                value={overrideDraft.model}
                describedBy="override-model-help"
                onChange={(model) => onOverrides({ ...overrideDraft, model })}
              />
              <OverrideField
                label="Temperature"
                placeholder={version.body.temperature === undefined ? "default" : String(version.body.temperature)}
                value={overrideDraft.temperature}
                error={overrideProblems.get("temperature")}
                inputMode="decimal"
                onChange={(temperature) => onOverrides({ ...overrideDraft, temperature })}
              />
              <OverrideField
                label="Max tokens"
                placeholder={version.body.max_tokens === undefined ? "no limit" : String(version.body.max_tokens)}
                value={overrideDraft.maxTokens}
                error={overrideProblems.get("maxTokens")}
                inputMode="numeric"
                onChange={(maxTokens) => onOverrides({ ...overrideDraft, maxTokens })}
              />
            </div>
          </details>
          <label className="checkbox stream-toggle">
            <input type="checkbox" checked={stream} onChange={(event) => onStream(event.target.checked)} />
            Stream the answer
          </label>
          <div className="run-row">
            {run.running ? (
              <button
                type="button"
                className="btn btn-secondary run-button"
                onClick={(event) => {
                  // Stop and Run are one button (focus stays on it), and a stopped stream settles in a
                  // microtask, before the click's default action: by then the button is Run again, a
                  // submit button, and the same click would start a new run. Cancelling it prevents that.
                  event.preventDefault();
                  abort.current?.abort();
                }}
              >
                Stop
              </button>
            ) : (
              <button type="submit" className="btn btn-primary run-button" disabled={blocked} aria-describedby={blocked ? problemsId : undefined}>
                Run
              </button>
            )}
            <span className="muted small">
              through the gateway<span className="run-hint"> · <Kbd>Ctrl</Kbd>+<Kbd>Enter</Kbd></span>
            </span>
          </div>
          {blocked && (
            <p id={problemsId} className="run-problems small" role="status">
              {problems.size + overrideProblems.size === 0
                ? "Compiling…"
                : `Run is off until ${problems.size + overrideProblems.size === 1 ? "this is" : `these ${problems.size + overrideProblems.size} are`} fixed: ${[...problems.keys(), ...overrideProblems.keys()].join(", ")}.`}
            </p>
          )}
        </form>
      </section>

      <div className="playground-output">
        <section className="panel" aria-labelledby="response-heading">
          <h2 id="response-heading" className="panel-title">
            Response
          </h2>
          <Answer run={run} />
        </section>

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
              {problems.size > 0 ? (
                <div className="callout callout-warning">
                  <div className="callout-body">
                    <strong>
                      {problems.size} problem{problems.size === 1 ? "" : "s"} before this can run
                    </strong>
                    <ul className="input-errors">
                      {[...problems].map(([name, message]) => (
                        <li key={name}>
                          <span className="mono">{name}</span>: {message}
                        </li>
                      ))}
                    </ul>
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
            </>
          )}
        </section>

        <CodeSnippets promptId={promptId} versionId={version.id} inputs={inputs} overrides={overrides} />
      </div>
    </div>
  );
}

function OverrideField({
  label,
  placeholder,
  value,
  error,
  inputMode,
  describedBy,
  onChange,
}: {
  label: string;
  placeholder: string;
  value: string;
  error?: string | undefined;
  inputMode?: "decimal" | "numeric";
  describedBy?: string;
  onChange: (value: string) => void;
}) {
  const id = `override-${label.toLowerCase().replace(/\s+/g, "-")}`;
  const described = [describedBy, error ? `${id}-error` : undefined].filter(Boolean).join(" ") || undefined;
  return (
    <div className="field">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <input
        id={id}
        type="text"
        inputMode={inputMode}
        value={value}
        placeholder={placeholder}
        autoComplete="off"
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
        onChange={(event) => onChange(event.target.value)}
      />
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
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

function Answer({ run }: { run: RunState }) {
  const { running, text, result } = run;
  if (!running && !result) return <p className="muted small">Fill in the inputs and press Run to see the model's answer.</p>;
  if (result && !result.ok) {
    return (
      <div className="callout callout-error" role="alert">
        <div className="callout-body">
          <strong>
            {result.code === "stopped" ? "Stopped" : result.status ? `The gateway answered ${result.status}` : "No answer"}
            {result.code && result.code !== "stopped" ? ` · ${result.code}` : ""}
            {result.provider ? ` · provider ${result.provider}` : ""}
          </strong>
          <p>{result.message}</p>
          {result.details.length > 0 && (
            <ul className="input-errors">
              {result.details.map((detail, index) => (
                <li key={`${detail.variable}-${index}`}>
                  <span className="mono">{detail.variable}</span>: {detail.message}
                </li>
              ))}
            </ul>
          )}
          {result.partial && <div className="answer-text answer-partial">{result.partial}</div>}
        </div>
      </div>
    );
  }
  return (
    <div className="answer" aria-busy={running}>
      <p className="answer-meta small" role="status">
        {running ? (
          <>
            <span className="spinner" aria-hidden="true" /> <span className="muted">{text ? "Streaming…" : "Waiting for the model…"}</span>
          </>
        ) : result?.ok ? (
          <>
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
            <span className="muted">{result.streamed ? (result.stopped ? "stopped" : "streamed") : "one answer"}</span>
            {result.finishReason && result.finishReason !== "stop" && <span className="pill">{result.finishReason}</span>}
          </>
        ) : null}
      </p>
      {result?.ok && result.content === null ? (
        <p className="muted small">The model answered without text (tool calls only); see the raw response.</p>
      ) : (
        <div className="answer-text">{text}</div>
      )}
      {result?.ok && (
        <details className="param-json">
          <summary>Raw response{result.streamed ? " (the streamed chunks)" : ""}</summary>
          <pre className="code-block code-scroll" tabIndex={0}>
            {typeof result.body === "string" ? result.body : JSON.stringify(result.body, null, 2)}
          </pre>
        </details>
      )}
    </div>
  );
}

function CodeSnippets({ promptId, versionId, inputs, overrides }: { promptId: string; versionId: string; inputs: Record<string, unknown>; overrides: RunOverrides }) {
  const [language, setLanguage] = useState<SnippetLanguage>("typescript");
  const origin = typeof window === "undefined" ? "http://127.0.0.1:8787" : window.location.origin;
  const code = snippetFor(language, { origin, promptId, versionId, inputs, overrides });
  return (
    <section className="panel" aria-labelledby="code-heading">
      <div className="panel-head">
        <h2 id="code-heading" className="panel-title">
          Call it from your code
        </h2>
        <CopyButton text={code} label={`Copy the ${SNIPPET_LANGUAGES.find((l) => l.id === language)!.label} code`} />
      </div>
      <div className="segmented" role="tablist" aria-label="Language">
        {SNIPPET_LANGUAGES.map((item) => (
          <button
            key={item.id}
            type="button"
            role="tab"
            id={`snippet-tab-${item.id}`}
            aria-selected={item.id === language}
            aria-controls="snippet-panel"
            tabIndex={item.id === language ? 0 : -1}
            className="btn btn-sm"
            onClick={() => setLanguage(item.id)}
            onKeyDown={(event) => {
              if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
              const index = SNIPPET_LANGUAGES.findIndex((l) => l.id === language);
              const next = SNIPPET_LANGUAGES[(index + (event.key === "ArrowRight" ? 1 : SNIPPET_LANGUAGES.length - 1)) % SNIPPET_LANGUAGES.length]!;
              setLanguage(next.id);
              document.getElementById(`snippet-tab-${next.id}`)?.focus();
            }}
          >
            {item.label}
          </button>
        ))}
      </div>
      <pre id="snippet-panel" role="tabpanel" aria-labelledby={`snippet-tab-${language}`} className="code-block code-scroll" tabIndex={0}>
        {code}
      </pre>
      <p className="muted small panel-note">
        Set <code>PROMPTREG_API_KEY</code> to an API key of this organization. The SDKs need <code>model</code> and <code>messages</code>: leave them
        empty to use the version's.
      </p>
    </section>
  );
}
