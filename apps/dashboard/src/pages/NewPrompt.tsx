/** Create a prompt: its name, tags and first version's body. Version 1.0 is deployed to production at once. */
import type { TPromptBody } from "@promptreg/contracts";
import { useMemo, useState } from "react";
import { describeError } from "../api/errors";
import { useCreatePrompt } from "../api/queries";
import { usePermission } from "../api/roles";
import { BodyEditor } from "../components/BodyEditor";
import { RoleNote } from "../components/Guarded";
import { useToast } from "../components/Toasts";
import { Field, useFocusFirstInvalid } from "../components/ui";
import { bodyFromDraft, emptyDraft, sameDraft, type BodyDraft, type DraftErrors } from "../lib/body";
import { promptsRoute, tabRoute } from "../lib/routes";
import { parseTags } from "../lib/tags";
import type { ScreenDefinition } from "../navigation";
import { Link, navigate, useLeaveGuard } from "../router";

export const newPromptScreen: ScreenDefinition = { id: "new", title: "New prompt", component: () => <NewPrompt /> };

/** What keeps the form from being saved, field by field, and the body when nothing does. */
export function checkNewPrompt(name: string, tags: string, draft: BodyDraft): { errors: DraftErrors; body: TPromptBody | null; tags: string[] } {
  const errors: DraftErrors = {};
  if (name.trim() === "") errors["name"] = "Give the prompt a name.";
  else if (name.trim().length > 200) errors["name"] = "At most 200 characters.";
  const parsedTags = parseTags(tags);
  if (parsedTags.problem) errors["tags"] = parsedTags.problem;
  const result = bodyFromDraft(draft);
  Object.assign(errors, result.errors ?? {});
  return { errors, body: result.body, tags: parsedTags.tags };
}

export function NewPrompt() {
  const [name, setName] = useState("");
  const [tags, setTags] = useState("");
  const [initialDraft] = useState<BodyDraft>(emptyDraft);
  const [draft, setDraft] = useState<BodyDraft>(initialDraft);
  const [attempt, setAttempt] = useState(0);
  useFocusFirstInvalid(attempt);
  const create = useCreatePrompt();
  const toast = useToast();
  const allowed = usePermission()("create-prompt");
  // Cancel, the breadcrumbs, Back or a reload ask before throwing away what was typed.
  useLeaveGuard(name.trim() !== "" || tags.trim() !== "" || !sameDraft(draft, initialDraft));
  const check = useMemo(() => checkNewPrompt(name, tags, draft), [name, tags, draft]);
  // Flagged from the first attempt to save on, and then as the form is fixed.
  const errors = attempt > 0 ? check.errors : {};

  const submit = async () => {
    if (!allowed.allowed) return;
    setAttempt((n) => n + 1);
    if (Object.keys(check.errors).length > 0 || !check.body) return;
    try {
      const created = await create.mutateAsync({ name: name.trim(), tags: check.tags, body: check.body });
      toast(`Created “${created.prompt.name}” with v1.0 in production`);
      navigate(tabRoute(created.prompt.id));
    } catch {
      // Shown from create.error.
    }
  };

  return (
    <div className="page page-narrow">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link to={promptsRoute()}>Prompts</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">New prompt</span>
      </nav>
      <div className="page-header">
        <div>
          <h1 tabIndex={-1}>New prompt</h1>
          <p className="muted">Its first version, v1.0, is deployed to production as soon as it is created.</p>
        </div>
      </div>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
        onKeyDown={(event) => {
          if ((event.metaKey || event.ctrlKey) && (event.key === "s" || event.key === "Enter")) {
            event.preventDefault();
            void submit();
          }
        }}
      >
        <section className="editor-section">
          <div className="grid-2">
            <Field label="Name" error={errors["name"]}>
              {({ id, describedBy, invalid }) => (
                <input
                  id={id}
                  type="text"
                  value={name}
                  autoComplete="off"
                  placeholder="support-agent"
                  aria-describedby={describedBy}
                  aria-invalid={invalid || undefined}
                  onChange={(event) => setName(event.target.value)}
                />
              )}
            </Field>
            <Field label="Tags" hint="Comma-separated, e.g. support, billing" error={errors["tags"]}>
              {({ id, describedBy, invalid }) => (
                <input
                  id={id}
                  type="text"
                  value={tags}
                  autoComplete="off"
                  aria-describedby={describedBy}
                  aria-invalid={invalid || undefined}
                  onChange={(event) => setTags(event.target.value)}
                />
              )}
            </Field>
          </div>
        </section>
        <BodyEditor draft={draft} onChange={setDraft} errors={errors} />
        {create.error && <SaveError error={create.error} />}
        <RoleNote permission={allowed} />
        <div className="form-actions">
          <Link to={promptsRoute()} className="btn btn-secondary">
            Cancel
          </Link>
          <button type="submit" className="btn btn-primary" disabled={create.isPending || !allowed.allowed}>
            {create.isPending ? "Creating…" : "Create prompt"}
          </button>
        </div>
      </form>
    </div>
  );
}

export function SaveError({ error }: { error: unknown }) {
  const { message, fieldErrors } = describeError(error);
  return (
    <div className="callout callout-error" role="alert">
      <div className="callout-body">
        <strong>Not saved</strong>
        <p>{message}</p>
        {fieldErrors.length > 0 && (
          <ul>
            {fieldErrors.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
