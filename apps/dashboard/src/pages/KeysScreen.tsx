/**
 * The organization's API keys: name, role, prefix, when created, revoked or not. Admin keys create keys
 * with a role (each role explained in a line; the secret shown once, with copy) and revoke them after a
 * confirmation. Other keys cannot list keys (the server answers 403): they see who they are and what
 * each role may do.
 */
import { API_KEY_ROLES, type TApiKey, type TApiKeyRole, type TCreatedApiKey } from "@promptreg/contracts";
import { useState } from "react";
import { describeError, statusOf } from "../api/errors";
import { useApiKeys, useCreateApiKey, usePermission, useRevokeApiKey, useWhoAmI } from "../api/roles";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { Dialog } from "../components/Dialog";
import { GuardedButton, RoleNote } from "../components/Guarded";
import { useToast } from "../components/Toasts";
import { CopyButton, EmptyState, ErrorState, Field, SkeletonList } from "../components/ui";
import { ROLE_HELP } from "../lib/permissions";
import { absoluteTime, relativeTime } from "../lib/versions";
import type { ScreenDefinition } from "../navigation";
import { useSessionContext } from "../session";
import "./safe-delivery.css";

export const keysScreen: ScreenDefinition = {
  id: "keys",
  title: "API keys",
  nav: { label: "API keys", key: "k" },
  component: () => <KeysScreen />,
};

export function RoleBadge({ role }: { role: TApiKeyRole }) {
  return <span className={`badge role-badge role-${role}`}>{role}</span>;
}

export function KeysScreen() {
  const whoAmI = useWhoAmI();
  const list = useApiKeys();
  const can = usePermission();
  const manage = can("manage-keys");
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<TCreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<TApiKey | null>(null);
  const me = whoAmI.data;
  const forbidden = list.isError && statusOf(list.error) === 403;

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1 tabIndex={-1}>API keys</h1>
          <p className="muted">
            {me ? (
              <>
                {me.organization.name}: signed in with {me.key ? <strong>{me.key.name}</strong> : "the server's bootstrap key"}, role{" "}
                <RoleBadge role={me.role} />
              </>
            ) : (
              "Who may do what in your organization"
            )}
          </p>
        </div>
        <GuardedButton permission={manage} className="btn btn-primary" onClick={() => setCreating(true)}>
          New key
        </GuardedButton>
      </div>

      {list.isPending ? (
        <SkeletonList label="Loading API keys" rows={3} />
      ) : forbidden ? (
        <div className="callout callout-info keys-readonly" role="note">
          <div className="callout-body">
            <strong>Only admin keys can see and manage the organization's keys</strong>
            <p>
              {me?.key ? (
                <>
                  This key, <strong>{me.key.name}</strong> (<span className="mono">{me.key.prefix}…</span>), is {me.role === "admin" ? "an" : "a"}{" "}
                  {me.role} key.
                </>
              ) : null}{" "}
              Ask an admin for a key with another role.
            </p>
          </div>
        </div>
      ) : list.isError ? (
        <ErrorState title="Could not load the API keys" error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.length === 0 ? (
        <EmptyState title="No keys yet" icon="⚿">
          Only the server's bootstrap key exists. Create a key per application and person, with the least role it needs.
        </EmptyState>
      ) : (
        <KeyTable keys={list.data} currentKeyId={me?.key?.id ?? null} manage={manage} onRevoke={setRevoking} />
      )}

      <section aria-labelledby="roles-heading" className="panel roles-panel">
        <h2 id="roles-heading" className="panel-title">
          Roles
        </h2>
        <dl className="role-list">
          {API_KEY_ROLES.map((role) => (
            <div key={role}>
              <dt>
                <RoleBadge role={role} />
              </dt>
              <dd>{ROLE_HELP[role]}</dd>
            </div>
          ))}
        </dl>
        <p className="muted small">
          Each role may do everything the roles above it may. <strong>production</strong> is protected unless an admin says otherwise: moving a
          protected environment needs <strong>deployer</strong>.
        </p>
      </section>

      {creating && (
        <CreateKeyDialog
          onClose={() => setCreating(false)}
          onCreated={(result) => {
            setCreating(false);
            setCreated(result);
          }}
        />
      )}
      {created && <SecretDialog created={created} onClose={() => setCreated(null)} />}
      {revoking && <RevokeDialog apiKey={revoking} current={revoking.id === me?.key?.id} onClose={() => setRevoking(null)} />}
      <RoleNote permission={manage} />
    </div>
  );
}

function KeyTable({ keys, currentKeyId, manage, onRevoke }: { keys: readonly TApiKey[]; currentKeyId: string | null; manage: ReturnType<ReturnType<typeof usePermission>>; onRevoke: (key: TApiKey) => void }) {
  // Active keys first, newest first within each group.
  const sorted = [...keys].sort((a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null) || b.createdAt.localeCompare(a.createdAt));
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="API keys (scrolls sideways)">
      <table className="table keys-table">
        <caption className="sr-only">The organization's API keys, active ones first.</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Key</th>
            <th scope="col">Created</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span className="sr-only">Revoke</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((key) => (
            <tr key={key.id} data-key={key.id} className={key.revokedAt ? "is-revoked" : undefined}>
              <td>
                <strong>{key.name}</strong>
                {key.id === currentKeyId && <span className="pill">you</span>}
              </td>
              <td>
                <RoleBadge role={key.role} />
              </td>
              <td className="mono">{key.prefix}…</td>
              <td>
                <time dateTime={key.createdAt} title={absoluteTime(key.createdAt)}>
                  {relativeTime(key.createdAt)}
                </time>
              </td>
              <td>
                {key.revokedAt ? (
                  <span className="muted">
                    Revoked{" "}
                    <time dateTime={key.revokedAt} title={absoluteTime(key.revokedAt)}>
                      {relativeTime(key.revokedAt)}
                    </time>
                  </span>
                ) : (
                  <span className="pill pill-ok">active</span>
                )}
              </td>
              <td className="cell-action">
                {!key.revokedAt && (
                  <GuardedButton permission={manage} className="btn btn-ghost btn-xs btn-danger-text" onClick={() => onRevoke(key)} aria-label={`Revoke ${key.name}`}>
                    Revoke…
                  </GuardedButton>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CreateKeyDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (created: TCreatedApiKey) => void }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState<TApiKeyRole>("member");
  const [attempted, setAttempted] = useState(false);
  const create = useCreateApiKey();
  const problem = name.trim() === "" ? "Give the key a name: the application or person that will use it." : name.trim().length > 100 ? "At most 100 characters." : undefined;
  const submit = async () => {
    setAttempted(true);
    if (problem) return;
    try {
      onCreated(await create.mutateAsync({ name: name.trim(), role }));
    } catch {
      // Shown in the dialog.
    }
  };
  return (
    <Dialog
      open
      onClose={onClose}
      title="New API key"
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="create-key-form" className="btn btn-primary" disabled={create.isPending}>
            {create.isPending ? "Creating…" : `Create ${role} key`}
          </button>
        </>
      }
    >
      <form
        id="create-key-form"
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <Field label="Name" hint="Who or what uses it, e.g. checkout-service or ci-deploy." error={attempted ? problem : undefined}>
          {({ id, describedBy, invalid }) => (
            <input id={id} type="text" value={name} autoComplete="off" data-autofocus aria-describedby={describedBy} aria-invalid={invalid || undefined} onChange={(event) => setName(event.target.value)} />
          )}
        </Field>
        <fieldset className="radio-cards role-cards">
          <legend className="field-label">Role</legend>
          {API_KEY_ROLES.map((value) => (
            <label key={value} className={`radio-card ${role === value ? "is-checked" : ""}`}>
              <input type="radio" name="role" value={value} checked={role === value} onChange={() => setRole(value)} />
              <span>
                <span className="radio-card-title">{value}</span>
                <span className="muted small">{ROLE_HELP[value]}</span>
              </span>
            </label>
          ))}
        </fieldset>
        {create.error && (
          <p className="field-error" role="alert">
            {describeError(create.error).message}
          </p>
        )}
      </form>
    </Dialog>
  );
}

/** The secret, once: it is stored only as a hash, so this is the one chance to copy it. */
function SecretDialog({ created, onClose }: { created: TCreatedApiKey; onClose: () => void }) {
  return (
    <Dialog
      open
      onClose={onClose}
      title={`Key ${created.key.name} created`}
      footer={
        <button type="button" className="btn btn-primary" onClick={onClose}>
          I have copied it
        </button>
      }
    >
      <div className="stack">
        <p className="callout callout-warning" role="note">
          Copy the secret now: it is shown only this once. promptreg keeps only a hash of it.
        </p>
        <div className="field">
          <label htmlFor="new-key-secret" className="field-label">
            Secret ({created.key.role} key)
          </label>
          <div className="secret-row">
            <input id="new-key-secret" className="mono" type="text" readOnly value={created.secret} data-autofocus onFocus={(event) => event.target.select()} />
            <CopyButton text={created.secret} label="Copy the secret" />
          </div>
        </div>
        <p className="muted small">Use it as <code>Authorization: Bearer …</code>, or sign in to this dashboard with it.</p>
      </div>
    </Dialog>
  );
}

function RevokeDialog({ apiKey, current, onClose }: { apiKey: TApiKey; current: boolean; onClose: () => void }) {
  const revoke = useRevokeApiKey();
  const toast = useToast();
  const { signOut } = useSessionContext();
  const confirm = async () => {
    try {
      await revoke.mutateAsync(apiKey.id);
      onClose();
      if (current) signOut("You revoked the key you were signed in with. Sign in with another key.");
      else toast(`Revoked ${apiKey.name}`);
    } catch {
      // Shown in the dialog.
    }
  };
  return (
    <ConfirmDialog
      title={`Revoke ${apiKey.name}?`}
      confirmLabel="Revoke key"
      pendingLabel="Revoking…"
      danger
      pending={revoke.isPending}
      error={revoke.error}
      onConfirm={() => void confirm()}
      onClose={onClose}
    >
      <p>
        Every call made with <strong>{apiKey.name}</strong> (<span className="mono">{apiKey.prefix}…</span>, {apiKey.role}) is refused from now on, on every
        server. This cannot be undone: a new key has a new secret.
      </p>
      {current && (
        <p className="callout callout-warning" role="note">
          This is the key you are signed in with: you will be signed out.
        </p>
      )}
    </ConfirmDialog>
  );
}
