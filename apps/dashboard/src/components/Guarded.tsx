/**
 * Buttons and links for actions the signed-in key may not be allowed to do. When it may not, the control
 * stays in place (so the page does not change shape with the key) but is marked disabled and explains why,
 * naming the role needed: as a tooltip, and to screen readers as the control's description. It stays
 * focusable (aria-disabled, not disabled) so a keyboard user reaches the explanation too.
 */
import { useId, type ButtonHTMLAttributes, type ReactNode } from "react";
import type { Route } from "../lib/routes";
import type { Permission } from "../lib/permissions";
import { Link } from "../router";
import "../pages/safe-delivery.css";

type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & { permission: Permission };

export function GuardedButton({ permission, onClick, className, children, ...rest }: ButtonProps) {
  const id = useId();
  if (permission.allowed) {
    return (
      <button type="button" className={className} onClick={onClick} {...rest}>
        {children}
      </button>
    );
  }
  // The explanation sits beside the button, not inside it, so it describes the button without becoming its name.
  return (
    <>
      <button
        type="button"
        {...rest}
        className={`${className ?? "btn"} is-locked`}
        aria-disabled="true"
        title={permission.reason ?? undefined}
        aria-describedby={`${id}-why`}
        onClick={(event) => event.preventDefault()}
      >
        {children}
      </button>
      <span id={`${id}-why`} className="sr-only">
        {permission.reason}
      </span>
    </>
  );
}

export function GuardedLink({ permission, to, className, children, ...rest }: { permission: Permission; to: Route; className?: string; children: ReactNode; "aria-keyshortcuts"?: string }) {
  if (permission.allowed) {
    return (
      <Link to={to} className={className} {...rest}>
        {children}
      </Link>
    );
  }
  return (
    <GuardedButton permission={permission} className={className}>
      {children}
    </GuardedButton>
  );
}

/** A padlock (an inline SVG: emoji fonts are not everywhere), for protected environments and refusals. */
export function LockIcon() {
  return (
    <svg className="lock-icon" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true" focusable="false">
      <rect x="2" y="5.25" width="8" height="5.75" rx="1.2" fill="currentColor" />
      <path d="M3.9 5.25V3.9a2.1 2.1 0 0 1 4.2 0v1.35" fill="none" stroke="currentColor" strokeWidth="1.3" />
    </svg>
  );
}

/** A short line under a form or panel saying what this key may not do here, and why. */
export function RoleNote({ permission }: { permission: Permission }) {
  if (permission.allowed) return null;
  return (
    <p className="role-note muted small" role="note">
      <LockIcon /> {permission.reason}
    </p>
  );
}
