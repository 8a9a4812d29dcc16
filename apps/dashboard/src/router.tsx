/**
 * A small hash router: the current route, links, and navigation, plus a guard that asks before leaving a
 * page with unsaved changes (links, Back/Forward, an edited URL, a reload or closing the tab).
 */
import { useEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from "react";
import { hrefFor, parseHash, type Route } from "./lib/routes";

export const UNSAVED_CHANGES_MESSAGE = "You have unsaved changes. Leave this page and discard them?";

/** Pages with unsaved changes, newest last (each entry is its own token, so equal messages do not collide). */
const guards: { message: string }[] = [];
/** The hash the app shows: it only follows the URL once leaving was allowed. */
let accepted: string | null = null;
/** A hash the app may go to without asking again (a link already confirmed, a navigate() call). */
let allowed: string | null = null;
const listeners = new Set<() => void>();

/** `href` as `location.hash` will read once the browser has gone there (same percent-encoding). */
function hashOf(href: string): string {
  return new URL(href, window.location.href).hash;
}

/** Whether the person agrees to leave: true at once when no page has unsaved changes. */
export function confirmLeave(): boolean {
  const guard = guards.at(-1);
  return guard === undefined || window.confirm(guard.message);
}

function onHashChange(): void {
  const hash = window.location.hash;
  if (accepted !== null && hash !== accepted && hash !== allowed && !confirmLeave()) {
    // Back, Forward or an edited URL, refused: put the page's own URL back (hashchange cannot be cancelled).
    window.history.pushState(window.history.state, "", `${window.location.pathname}${window.location.search}${accepted}`);
    return;
  }
  allowed = null;
  accepted = hash;
  for (const listener of listeners) listener();
}

export function subscribeHash(onChange: () => void): () => void {
  if (listeners.size === 0) {
    accepted = window.location.hash;
    window.addEventListener("hashchange", onHashChange);
  }
  listeners.add(onChange);
  return () => {
    listeners.delete(onChange);
    if (listeners.size === 0) {
      window.removeEventListener("hashchange", onHashChange);
      accepted = null;
    }
  };
}

export function currentHash(): string {
  return accepted ?? window.location.hash;
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribeHash, currentHash);
  return parseHash(hash);
}

/** Goes to `route`. The app calls it once it has decided to go (e.g. after a save), so it never asks. */
export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const href = hrefFor(route);
  const target = hashOf(href);
  if (target !== window.location.hash) allowed = target;
  if (options.replace) {
    window.history.replaceState(null, "", href);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else window.location.hash = href.slice(1);
}

/**
 * Before following a link to `href`: asks when a page has unsaved changes, and returns whether to go. A
 * link to the page already shown goes nowhere, so it never asks.
 */
export function leaveAllowed(href: string): boolean {
  if (guards.length === 0) return true;
  const target = hashOf(href);
  if (target === window.location.hash) return true;
  if (!confirmLeave()) return false;
  allowed = target;
  return true;
}

function onBeforeUnload(event: BeforeUnloadEvent): void {
  event.preventDefault();
  // Older browsers show their "Leave site?" prompt only when returnValue is set.
  event.returnValue = "";
}

/** Registers a page with unsaved changes; returns its removal. */
export function addLeaveGuard(message: string = UNSAVED_CHANGES_MESSAGE): () => void {
  const guard = { message };
  guards.push(guard);
  if (guards.length === 1) window.addEventListener("beforeunload", onBeforeUnload);
  return () => {
    const index = guards.indexOf(guard);
    if (index !== -1) guards.splice(index, 1);
    if (guards.length === 0) window.removeEventListener("beforeunload", onBeforeUnload);
  };
}

/** While `dirty`, leaving the page (link, Back, reload, closing the tab) asks first. */
export function useLeaveGuard(dirty: boolean, message?: string): void {
  useEffect(() => (dirty ? addLeaveGuard(message) : undefined), [dirty, message]);
}

interface LinkProps extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, "href"> {
  to: Route;
  children: ReactNode;
}

export function Link({ to, children, onClick, ...rest }: LinkProps) {
  const href = hrefFor(to);
  const click = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    // A new tab or window (modifier keys, middle button) leaves this page as it is.
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (!leaveAllowed(href)) event.preventDefault();
  };
  return (
    <a href={href} {...rest} onClick={click}>
      {children}
    </a>
  );
}
