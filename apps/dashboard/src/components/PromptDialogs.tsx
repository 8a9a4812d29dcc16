/** Rename a prompt, edit its tags, delete it. */
import type { TPrompt } from "@promptreg/contracts";
import { useState } from "react";
import { describeError } from "../api/errors";
import { useDeletePrompt, useRenamePrompt, useSetTags } from "../api/queries";
import { parseTags } from "../lib/tags";
import { promptsRoute } from "../lib/routes";
import { navigate } from "../router";
import { ConfirmDialog } from "./ConfirmDialog";
import { Dialog } from "./Dialog";
import { useToast } from "./Toasts";
import { Field, Tag } from "./ui";

export function RenameDialog({ prompt, onClose }: { prompt: TPrompt; onClose: () => void }) {
  const [name, setName] = useState(prompt.name);
  const [attempted, setAttempted] = useState(false);
  const rename = useRenamePrompt(prompt.id);
  const toast = useToast();
  const trimmed = name.trim();
  const problem = trimmed === "" ? "Give the prompt a name." : trimmed.length > 200 ? "At most 200 characters." : null;
  const submit = async () => {
    setAttempted(true);
    if (problem) return;
    if (trimmed === prompt.name) return onClose();
    try {
      await rename.mutateAsync(trimmed);
      toast(`Renamed to “${trimmed}”`);
      onClose();
    } catch {
      // Shown below.
    }
  };
  return (
    <Dialog
      open
      onClose={onClose}
      title="Rename prompt"
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="rename-form" className="btn btn-primary" disabled={rename.isPending}>
            {rename.isPending ? "Renaming…" : "Rename"}
          </button>
        </>
      }
    >
      <form
        id="rename-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <Field label="Name" hint="Applications use the prompt's id, which does not change." error={attempted ? (problem ?? undefined) : undefined}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              type="text"
              value={name}
              maxLength={200}
              autoComplete="off"
              data-autofocus
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
              onChange={(event) => {
                setName(event.target.value);
                rename.reset();
              }}
            />
          )}
        </Field>
        {rename.error && (
          <p className="field-error" role="alert">
            {describeError(rename.error).message}
          </p>
        )}
      </form>
    </Dialog>
  );
}

export function TagsDialog({ prompt, onClose }: { prompt: TPrompt; onClose: () => void }) {
  const [text, setText] = useState(prompt.tags.join(", "));
  const setTags = useSetTags(prompt.id);
  const toast = useToast();
  const parsed = parseTags(text);
  const submit = async () => {
    if (parsed.problem) return;
    try {
      await setTags.mutateAsync(parsed.tags);
      toast(parsed.tags.length === 0 ? "Removed every tag" : `Tags: ${parsed.tags.join(", ")}`);
      onClose();
    } catch {
      // Shown below.
    }
  };
  return (
    <Dialog
      open
      onClose={onClose}
      title="Edit tags"
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="tags-form" className="btn btn-primary" disabled={setTags.isPending || parsed.problem !== null}>
            {setTags.isPending ? "Saving…" : "Save tags"}
          </button>
        </>
      }
    >
      <form
        id="tags-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <Field label="Tags" hint="Separated by commas; an empty field removes them all." error={parsed.problem ?? undefined}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              type="text"
              value={text}
              autoComplete="off"
              data-autofocus
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
              onChange={(event) => {
                setText(event.target.value);
                setTags.reset();
              }}
            />
          )}
        </Field>
        <p className="tags tag-preview" aria-live="polite">
          {parsed.tags.length === 0 ? <span className="muted small">No tags</span> : parsed.tags.map((tag) => <Tag key={tag}>{tag}</Tag>)}
        </p>
        {setTags.error && (
          <p className="field-error" role="alert">
            {describeError(setTags.error).message}
          </p>
        )}
      </form>
    </Dialog>
  );
}

export function DeletePromptDialog({ prompt, environments, onClose }: { prompt: TPrompt; environments: readonly string[]; onClose: () => void }) {
  const [typed, setTyped] = useState("");
  const remove = useDeletePrompt(prompt.id);
  const toast = useToast();
  const confirm = async () => {
    try {
      await remove.mutateAsync();
      toast(`Deleted “${prompt.name}”`);
      onClose();
      navigate(promptsRoute());
    } catch {
      // Shown in the dialog.
    }
  };
  return (
    <ConfirmDialog
      title={`Delete ${prompt.name}?`}
      confirmLabel="Delete prompt"
      pendingLabel="Deleting…"
      danger
      pending={remove.isPending}
      error={remove.error}
      canConfirm={typed.trim() === prompt.name}
      onConfirm={() => void confirm()}
      onClose={onClose}
    >
      <p>
        The prompt and all its versions leave the registry at once.
        {environments.length > 0 ? (
          <>
            {" "}
            Applications reading <strong>{environments.join(", ")}</strong> get a 404 from then on, through the API and the gateway.
          </>
        ) : null}{" "}
        This cannot be undone from the dashboard.
      </p>
      <Field label={`Type ${prompt.name} to confirm`}>
        {({ id }) => (
          <input id={id} type="text" value={typed} autoComplete="off" spellCheck={false} onChange={(event) => setTyped(event.target.value)} />
        )}
      </Field>
    </ConfirmDialog>
  );
}
