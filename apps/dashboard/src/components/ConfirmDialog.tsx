/** A yes/no question before an action, with the action's progress and error in the dialog. */
import type { ReactNode } from "react";
import { describeError } from "../api/errors";
import { Dialog } from "./Dialog";

interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  pendingLabel?: string;
  danger?: boolean;
  pending?: boolean;
  /** The action's failure, shown in the dialog (it stays open). */
  error?: unknown;
  /** False keeps the confirm button disabled (a name to type, a choice to make). */
  canConfirm?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}

export function ConfirmDialog({ title, children, confirmLabel, pendingLabel, danger, pending, error, canConfirm = true, onConfirm, onClose }: ConfirmDialogProps) {
  return (
    <Dialog
      open
      onClose={onClose}
      title={title}
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="confirm-form" className={danger ? "btn btn-danger" : "btn btn-primary"} disabled={pending || !canConfirm}>
            {pending ? (pendingLabel ?? "Working…") : confirmLabel}
          </button>
        </>
      }
    >
      <form
        id="confirm-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (!pending && canConfirm) onConfirm();
        }}
      >
        {children}
        {error !== undefined && error !== null && (
          <p className="field-error" role="alert">
            {describeError(error).message}
          </p>
        )}
      </form>
    </Dialog>
  );
}
