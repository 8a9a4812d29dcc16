/**
 * Creates a new version from an existing one: edit the body, name the change, pick minor or major,
 * optionally deploy (after a confirmation that says what the environment serves now). Problems are shown
 * after the first attempt to save and then follow the form as it is fixed; a version identical to its base,
 * or with an empty message, is refused with the reason.
 */
import type { TPromptBody, TPromptVersion } from "@promptreg/contracts";
import { useMemo, useState } from "react";
import { useCreateVersion, useEnvironments, useVersions, useVersionWithBody } from "../api/queries";
import { usePermission } from "../api/roles";
import { BodyEditor } from "../components/BodyEditor";
import { RoleNote } from "../components/Guarded";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { EnvironmentPicker } from "../components/EnvironmentPicker";
import { useToast } from "../components/Toasts";
import { ErrorState, Field, Kbd, Loading, useFocusFirstInvalid } from "../components/ui";
import { bodyFromDraft, draftFromBody, sameBody, sameDraft, type BodyDraft, type DraftErrors } from "../lib/body";
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

export interface VersionCheck {
  errors: DraftErrors;
  body: TPromptBody | null;
  /** The body is the base's own: saving it would only add a number. */
  unchanged: boolean;
}

/** Everything that keeps a new version from being saved, field by field. */
export function checkVersion(draft: BodyDraft, base: TPromptBody, commitMessage: string, deployTo: string | null): VersionCheck {
  const result = bodyFromDraft(draft);
  const errors: DraftErrors = { ...(result.errors ?? {}) };
  if (commitMessage.trim() === "") errors["commitMessage"] = "Say what changed, e.g. “Warmer tone”.";
  const envProblem = deployTo === null ? null : environmentNameProblem(deployTo);
  if (envProblem) errors["environment"] = envProblem;
  const unchanged = result.body !== null && sameBody(result.body, base);
  return { errors, body: result.body, unchanged };
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
  const [attempt, setAttempt] = useState(0);
  const [confirming, setConfirming] = useState(false);
  useFocusFirstInvalid(attempt);
  const create = useCreateVersion(promptId);
  const toast = useToast();
  const can = usePermission();
  // Cancel, the breadcrumbs, Back or a reload ask before throwing away what was typed.
  useLeaveGuard(commitMessage.trim() !== "" || !sameDraft(draft, initialDraft));

  const target = deploy ? environment.trim() : null;
  const check = useMemo(() => checkVersion(draft, base.body, commitMessage, target), [draft, base.body, commitMessage, target]);
  // Nothing is flagged before the first attempt to save; from then on the messages follow the form.
  const errors = attempt > 0 ? check.errors : {};
  const all = versions.data ?? [];
  const minor = versionLabel(nextVersion(all, base, "minor"));
  const major = versionLabel(nextVersion(all, base, "major"));
  const number = bump === "minor" ? minor : major;
  const pointer = target ? environments.data?.find((p) => p.environment === target) : undefined;
  const serving = pointer ? all.find((v) => v.id === pointer.versionId) : undefined;
  // Creating needs member; deploying on save needs what moving the target needs (deployer when protected).
  const mayCreate = can("create-version");
  const allowed = mayCreate.allowed && target && !environmentNameProblem(target) ? can("move-environment", target) : mayCreate;

  const edit = <T,>(set: (value: T) => void) => (value: T) => {
    set(value);
    // A refusal from the server was about what was sent; once the form changes it no longer applies.
    if (create.error) create.reset();
  };

  const attemptSave = () => {
    if (!allowed.allowed) return;
    setAttempt((n) => n + 1);
    if (Object.keys(check.errors).length > 0 || !check.body || check.unchanged) return;
    if (target) setConfirming(true);
    else void save(check.body);
  };

  const save = async (body: TPromptBody) => {
    try {
      const created = await create.mutateAsync({ baseVersionId: base.id, bump, commitMessage: commitMessage.trim(), body, environment: target ?? undefined });
      setConfirming(false);
      toast(`Created ${versionLabel(created)}${target ? ` and deployed it to ${target}` : ""}`);
      navigate({ name: "version", promptId, versionId: created.id });
    } catch {
      // Shown from create.error (in the confirmation while it is open, else above the buttons).
    }
  };

  return (
    <>
    <form
      noValidate
      className="editor"
      onSubmit={(event) => {
        event.preventDefault();
        attemptSave();
      }}
      onKeyDown={(event) => {
        // Ctrl+S / ⌘S and Ctrl+Enter save, as in an editor.
        if ((event.metaKey || event.ctrlKey) && (event.key === "s" || event.key === "Enter")) {
          event.preventDefault();
          attemptSave();
        }
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

      <BodyEditor draft={draft} onChange={edit(setDraft)} errors={errors} />

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
              onChange={(event) => edit(setCommitMessage)(event.target.value)}
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
            <input type="checkbox" checked={deploy} onChange={(event) => edit(setDeploy)(event.target.checked)} />
            Deploy it when it is created
          </label>
          {deploy && (
            <>
              <EnvironmentPicker
                value={environment}
                onChange={edit(setEnvironment)}
                known={(environments.data ?? []).map((p) => p.environment)}
                label="Deploy to"
                showProblem={Boolean(errors["environment"])}
              />
              {target && !environmentNameProblem(target) && (
                <p className="callout callout-warning deploy-warning" role="note">
                  Saving deploys at once: applications reading <strong>{target}</strong> get {number} immediately
                  {serving ? <> instead of {versionLabel(serving)}</> : null}. You will be asked to confirm.
                </p>
              )}
            </>
          )}
        </div>
      </section>

      {attempt > 0 && check.unchanged && (
        <div className="callout callout-error" role="alert">
          <div className="callout-body">
            <strong>Nothing changed from {versionLabel(base)}</strong>
            <p>This version would be identical to its base. Change the messages, the model or a parameter first.</p>
          </div>
        </div>
      )}
      {create.error && !confirming && <SaveError error={create.error} />}
      <RoleNote permission={allowed} />
      <div className="form-actions">
        <span className="muted small form-hint">
          <Kbd>Ctrl</Kbd>+<Kbd>S</Kbd> saves
        </span>
        <Link to={{ name: "version", promptId, versionId: base.id }} className="btn btn-secondary">
          Cancel
        </Link>
        <button type="submit" className="btn btn-primary" disabled={create.isPending || !allowed.allowed}>
          {create.isPending ? "Creating…" : `Create ${number}${target ? ` and deploy to ${target}` : ""}`}
        </button>
      </div>
    </form>
      {confirming && target && check.body && (
        <ConfirmDialog
          title={`Deploy ${number} to ${target}?`}
          confirmLabel={`Create ${number} and deploy`}
          pendingLabel="Creating…"
          pending={create.isPending}
          error={create.error}
          onConfirm={() => void save(check.body!)}
          onClose={() => {
            setConfirming(false);
            create.reset();
          }}
        >
          <p>
            {serving ? (
              <>
                <strong>{target}</strong> serves {versionLabel(serving)} now.
              </>
            ) : (
              <>
                <strong>{target}</strong> serves no version of this prompt now.
              </>
            )}{" "}
            Once {number} is created, every application that reads {target} gets it at once.
          </p>
          <p className="muted small">To try it first, create it without deploying and run it in the Playground.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
