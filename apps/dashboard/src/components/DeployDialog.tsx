/** Points an environment at a version, after saying what it serves now and what it will serve. */
import type { TEnvironmentPointer, TPromptVersion } from "@promptreg/contracts";
import { useState } from "react";
import { useSetEnvironment } from "../api/queries";
import { usePermission } from "../api/roles";
import { useRollouts } from "../api/rollouts";
import { formatWeight } from "../lib/rollouts";
import { describeError } from "../api/errors";
import { environmentNameProblem, versionLabel } from "../lib/versions";
import { Dialog } from "./Dialog";
import { EnvironmentPicker } from "./EnvironmentPicker";
import { RoleNote } from "./Guarded";
import { useToast } from "./Toasts";

interface DeployDialogProps {
  open: boolean;
  onClose: () => void;
  promptId: string;
  version: TPromptVersion;
  versions: readonly TPromptVersion[];
  pointers: readonly TEnvironmentPointer[];
}

export function DeployDialog({ open, onClose, promptId, version, versions, pointers }: DeployDialogProps) {
  const [environment, setEnvironment] = useState(() => (version.environments.includes("production") ? "staging" : "production"));
  const [attempted, setAttempted] = useState(false);
  const deploy = useSetEnvironment(promptId);
  const toast = useToast();
  const name = environment.trim();
  const problem = environmentNameProblem(name);
  const current = pointers.find((pointer) => pointer.environment === name);
  const currentVersion = current ? versions.find((v) => v.id === current.versionId) : undefined;
  const already = current?.versionId === version.id;
  // A protected environment needs a deployer key: said before the click, not after it.
  const allowed = usePermission()("move-environment", name || undefined);
  // A move ends the environment's rollout (promoted when it moves to the candidate, aborted otherwise): said first.
  const rollout = useRollouts(promptId, current ? [name] : [])[0]?.data;
  const activeRollout = rollout?.status === "active" ? rollout : undefined;
  const rolloutCandidate = activeRollout ? versions.find((v) => v.id === activeRollout.candidateVersionId) : undefined;

  const close = () => {
    deploy.reset();
    setAttempted(false);
    onClose();
  };

  const submit = async () => {
    setAttempted(true);
    if (problem || already || !allowed.allowed) return;
    try {
      await deploy.mutateAsync({ versionId: version.id, environment: name });
      toast(`Deployed ${versionLabel(version)} to ${name}`);
      close();
    } catch {
      // Shown below from deploy.error.
    }
  };

  return (
    <Dialog
      open={open}
      onClose={close}
      title={`Deploy ${versionLabel(version)}`}
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={close}>
            Cancel
          </button>
          <button type="submit" form="deploy-form" className="btn btn-primary" disabled={deploy.isPending || already || !allowed.allowed}>
            {deploy.isPending ? "Deploying…" : name && !problem ? `Deploy to ${name}` : "Deploy"}
          </button>
        </>
      }
    >
      <form
        id="deploy-form"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <EnvironmentPicker value={environment} onChange={setEnvironment} known={pointers.map((p) => p.environment)} showProblem={attempted} />
        {!problem && (
          <p className="deploy-summary" aria-live="polite">
            {already ? (
              <>
                <strong>{name}</strong> already serves {versionLabel(version)}.
              </>
            ) : current ? (
              <>
                <strong>{name}</strong> serves {currentVersion ? versionLabel(currentVersion) : "another version"} now and will serve{" "}
                <strong>{versionLabel(version)}</strong>. Applications reading {name} get the new version at once.
              </>
            ) : (
              <>
                <strong>{name}</strong> is new for this prompt; it will serve <strong>{versionLabel(version)}</strong>.
              </>
            )}
          </p>
        )}
        {!problem && activeRollout && !already && (
          <p className="callout callout-warning" role="note">
            {name} has a rollout in progress ({rolloutCandidate ? versionLabel(rolloutCandidate) : "a candidate"} at {formatWeight(activeRollout.weight)}).
            Deploying ends it:{" "}
            {activeRollout.candidateVersionId === version.id ? "as promoted, since this is its candidate." : "as aborted, and every call gets the version deployed."}
          </p>
        )}
        {!problem && <RoleNote permission={allowed} />}
        {deploy.error && (
          <p className="field-error" role="alert">
            {describeError(deploy.error).message}
          </p>
        )}
      </form>
    </Dialog>
  );
}
