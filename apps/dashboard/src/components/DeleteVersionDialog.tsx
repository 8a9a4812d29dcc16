/**
 * Deleting a version: refused while an environment points at it (the dialog says which, and where to move
 * them), otherwise confirmed. The server checks the same rule, so a deploy made meanwhile elsewhere is
 * reported from its answer.
 */
import type { TPromptVersion } from "@promptreg/contracts";
import { useDeleteVersion } from "../api/queries";
import { deployedReason, versionLabel } from "../lib/versions";
import { tabRoute } from "../lib/routes";
import { Link } from "../router";
import { ConfirmDialog } from "./ConfirmDialog";
import { Dialog } from "./Dialog";
import { useToast } from "./Toasts";

interface DeleteVersionDialogProps {
  promptId: string;
  /** With its current environments (from the versions list, which deployments refresh). */
  version: TPromptVersion;
  onClose: () => void;
  onDeleted?: () => void;
}

export function DeleteVersionDialog({ promptId, version, onClose, onDeleted }: DeleteVersionDialogProps) {
  const remove = useDeleteVersion(promptId);
  const toast = useToast();
  const label = versionLabel(version);

  if (version.environments.length > 0) {
    return (
      <Dialog
        open
        onClose={onClose}
        title={`${label} cannot be deleted`}
        footer={
          <>
            <button type="button" className="btn btn-secondary" onClick={onClose}>
              OK
            </button>
            <Link to={tabRoute(promptId, "deployments")} className="btn btn-primary" onClick={onClose}>
              Go to Deployments
            </Link>
          </>
        }
      >
        <p>{deployedReason(version)}</p>
      </Dialog>
    );
  }

  const confirm = async () => {
    try {
      await remove.mutateAsync(version.id);
      toast(`Deleted ${label}`);
      onClose();
      onDeleted?.();
    } catch {
      // Shown in the dialog.
    }
  };
  return (
    <ConfirmDialog
      title={`Delete ${label}?`}
      confirmLabel={`Delete ${label}`}
      pendingLabel="Deleting…"
      danger
      pending={remove.isPending}
      error={remove.error}
      onConfirm={() => void confirm()}
      onClose={onClose}
    >
      <p>
        {label}
        {version.commitMessage ? <> (“{version.commitMessage}”)</> : null} leaves every list, and applications that ask for it by id get a 404. No
        environment serves it. Its number is never given to another version.
      </p>
    </ConfirmDialog>
  );
}
