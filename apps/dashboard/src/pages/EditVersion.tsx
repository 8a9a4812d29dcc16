/** Creates a new version from an existing one: edit the body, name the change, pick minor or major, optionally deploy. */
import type { TPromptBody, TPromptVersion } from "@promptreg/contracts";
import { useState } from "react";
import { useCreateVersion, useEnvironments, useVersions, useVersionWithBody } from "../api/queries";
import { BodyEditor } from "../components/BodyEditor";
import { EnvironmentPicker } from "../components/EnvironmentPicker";
import { useToast } from "../components/Toasts";
import { ErrorState, Field, Loading, useFocusFirstInvalid } from "../components/ui";
import { bodyFromDraft, draftFromBody, sameDraft, type BodyDraft, type DraftErrors } from "../lib/body";
import { environmentNameProblem, nextVersion, versionLabel } from "../lib/versions";
import { Link, navigate, useLeaveGuard } from "../router";
import { PromptFrame } from "./PromptPage";
import { SaveError } from "./NewPrompt";

export function EditVersion({ promptId, versionId }: { promptId: string; versionId: string }) {
  const base = useVersionWithBody(versionId);
  return (
    <PromptFrame promptId={promptId} crumb={base.data ? `New version from ${versionLabel(base.data)}` : "New version"}>
      {() =>
        // Once loaded, the editor stays even if a later refresh of the base fails: it holds the draft.
        base.data !== undefined ? (
          <Editor promptId={promptId} base={base.data} />
        ) : base.isPending ? (
          <Loading label="Loading the base version…" />
        ) : (
          <ErrorState title="Could not load the base version" error={base.error} onRetry={() => void base.refetch()} />
        )
      }
    </PromptFrame>
  );
}

function Editor({ promptId, base }: { promptId: string; base: TPromptVersion & { body: TPromptBody } }) {
  const versions = useVersions(promptId);
  const environments = useEnvironments(promptId);
  const [initialDraft] = useState<BodyDraft>(() => draftFromBody(base.body));
  const [draft, setDraft] = useState<BodyDraft>(initialDraft);
  const [commitMessage, setCommitMessage] = useState("");
  const [bump, setBump] = useState<"minor" | "major">("minor");
  const [deploy, setDeploy] = useState(false);
  const [environment, setEnvironment] = useState("staging");
  const [errors, setErrors] = useState<DraftErrors>({});
  const [attempt, setAttempt] = useState(0);
  useFocusFirstInvalid(attempt);
  const create = useCreateVersion(promptId);
  const toast = useToast();
  // Cancel, the breadcrumbs, Back or a reload ask before throwing away what was typed.
  useLeaveGuard(commitMessage.trim() !== "" || !sameDraft(draft, initialDraft));

  const all = versions.data ?? [];
  const minor = versionLabel(nextVersion(all, base, "minor"));
  const major = versionLabel(nextVersion(all, base, "major"));

  const submit = async () => {
    const result = bodyFromDraft(draft);
    const next: DraftErrors = { ...(result.errors ?? {}) };
    if (commitMessage.trim() === "") next["commitMessage"] = "Say what changed, e.g. “Warmer tone”.";
    const envProblem = deploy ? environmentNameProblem(environment) : null;
    if (envProblem) next["environment"] = envProblem;
    setErrors(next);
    if (Object.keys(next).length > 0 || !result.body) {
      setAttempt((n) => n + 1);
      return;
    }
    try {
      const created = await create.mutateAsync({
        baseVersionId: base.id,
        bump,
        commitMessage: commitMessage.trim(),
        body: result.body,
        environment: deploy ? environment.trim() : undefined,
      });
      toast(`Created ${versionLabel(created)}${deploy ? ` and deployed it to ${environment.trim()}` : ""}`);
      navigate({ name: "version", promptId, versionId: created.id });
    } catch {
      // Shown from create.error.
    }
  };

  return (
    <form
      noValidate
      className="editor"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <div className="page-header">
        <div>
          <h1 tabIndex={-1}>New version</h1>
          <p className="muted">
            Based on <span className="mono">{versionLabel(base)}</span>
            {base.commitMessage ? <> (“{base.commitMessage}”)</> : null}. Versions never change once created: saving makes a new one.
          </p>
        </div>
      </div>

      <BodyEditor draft={draft} onChange={setDraft} errors={errors} />

      <section className="editor-section" aria-labelledby="save-heading">
        <h2 id="save-heading">Save</h2>
        <Field label="Commit message" error={errors["commitMessage"]}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              type="text"
              value={commitMessage}
              maxLength={2000}
              placeholder="What changed and why"
              autoComplete="off"
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
              onChange={(event) => setCommitMessage(event.target.value)}
            />
          )}
        </Field>
        <fieldset className="radio-cards">
          <legend className="field-label">Version number</legend>
          <label className={`radio-card ${bump === "minor" ? "is-checked" : ""}`}>
            <input type="radio" name="bump" value="minor" checked={bump === "minor"} onChange={() => setBump("minor")} />
            <span>
              <span className="radio-card-title">
                Minor · <span className="mono">{minor}</span>
              </span>
              <span className="muted small">A change within {`v${base.majorVersion}`}: wording, parameters.</span>
            </span>
          </label>
          <label className={`radio-card ${bump === "major" ? "is-checked" : ""}`}>
            <input type="radio" name="bump" value="major" checked={bump === "major"} onChange={() => setBump("major")} />
            <span>
              <span className="radio-card-title">
                Major · <span className="mono">{major}</span>
              </span>
              <span className="muted small">A new line: different variables or behaviour.</span>
            </span>
          </label>
        </fieldset>
        <div className="deploy-on-save">
          <label className="checkbox">
            <input type="checkbox" checked={deploy} onChange={(event) => setDeploy(event.target.checked)} />
            Deploy it when it is created
          </label>
          {deploy && (
            <EnvironmentPicker
              value={environment}
              onChange={setEnvironment}
              known={(environments.data ?? []).map((p) => p.environment)}
              label="Deploy to"
              showProblem={Boolean(errors["environment"])}
            />
          )}
        </div>
      </section>

      {create.error && <SaveError error={create.error} />}
      <div className="form-actions">
        <Link to={{ name: "version", promptId, versionId: base.id }} className="btn btn-secondary">
          Cancel
        </Link>
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          {create.isPending ? "Creating…" : `Create ${bump === "minor" ? minor : major}${deploy && environment.trim() ? ` and deploy to ${environment.trim()}` : ""}`}
        </button>
      </div>
    </form>
  );
}
