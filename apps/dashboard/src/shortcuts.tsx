/**
 * Keyboard shortcuts: one listener for the whole app, and the help dialog (`?`) that lists them. Single
 * keys act only when focus is not in a field and no dialog is open, so typing is never taken over; the
 * Ctrl/⌘ ones that save and run are handled by their forms.
 */
import { Fragment, useEffect, type ReactNode } from "react";
import { Dialog } from "./components/Dialog";
import { Kbd } from "./components/ui";
import { hrefFor, screenRoute, tabRoute, type Route } from "./lib/routes";
import { PROMPT_TABS } from "./pages/tabs";
import { leaveAllowed, navigate } from "./router";
import { SCREENS } from "./screens";

/** Goes to `route` as a link would: asking first when a page has unsaved changes. */
function go(route: Route): void {
  if (leaveAllowed(hrefFor(route))) navigate(route);
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.closest("input, textarea, select, [contenteditable='true']") !== null;
}

/** How long after `g` the second key of a "go to" shortcut is awaited. */
const SEQUENCE_MS = 1500;

export function useShortcuts(route: Route, openHelp: () => void): void {
  useEffect(() => {
    let pendingG = 0;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return;
      if (isTyping(event.target) || document.querySelector("dialog[open]")) return;
      const key = event.key;
      const afterG = pendingG > 0 && Date.now() - pendingG < SEQUENCE_MS;
      pendingG = 0;
      if (afterG) {
        const screen = SCREENS.find((s) => s.nav?.key === key);
        if (screen) {
          event.preventDefault();
          go(screenRoute(screen.id));
        }
        return;
      }
      if (key === "?") {
        event.preventDefault();
        openHelp();
      } else if (key === "g") {
        pendingG = Date.now();
      } else if (key === "/") {
        event.preventDefault();
        const search = document.querySelector<HTMLElement>("[data-shortcut-search]");
        if (search) search.focus();
        else go(screenRoute("prompts"));
      } else if (key === "n") {
        event.preventDefault();
        go(screenRoute("new"));
      } else if (/^[1-9]$/.test(key) && (route.name === "prompt" || route.name === "version")) {
        const tab = PROMPT_TABS[Number(key) - 1];
        if (tab) {
          event.preventDefault();
          go(tabRoute(route.promptId, tab.id));
        }
      } else if (key === "e" && route.name === "version") {
        event.preventDefault();
        go({ name: "edit-version", promptId: route.promptId, versionId: route.versionId });
      }
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [route, openHelp]);
}

interface ShortcutGroup {
  title: string;
  items: { keys: ReactNode; action: string }[];
}

function keys(...parts: string[]): ReactNode {
  return parts.map((part, index) => (
    <Fragment key={index}>
      {index > 0 && (part === "+" ? null : " ")}
      {part === "+" ? "+" : part === "then" ? <span className="muted small">then</span> : <Kbd>{part}</Kbd>}
    </Fragment>
  ));
}

export function shortcutGroups(): ShortcutGroup[] {
  return [
    {
      title: "Anywhere",
      items: [
        { keys: keys("?"), action: "Show these shortcuts" },
        { keys: keys("/"), action: "Search prompts" },
        { keys: keys("n"), action: "New prompt" },
        ...SCREENS.filter((s) => s.nav?.key).map((s) => ({ keys: keys("g", "then", s.nav!.key!), action: `Go to ${s.nav!.label}` })),
        { keys: keys("Esc"), action: "Close a dialog" },
      ],
    },
    {
      title: "On a prompt",
      items: [
        ...PROMPT_TABS.slice(0, 9).map((tab, index) => ({ keys: keys(String(index + 1)), action: `${tab.label} tab` })),
        { keys: keys("e"), action: "New version from the version shown" },
      ],
    },
    {
      title: "In forms",
      items: [
        { keys: keys("Ctrl", "+", "S"), action: "Save (new prompt, new version)" },
        { keys: keys("Ctrl", "+", "Enter"), action: "Save, or Run in the playground" },
      ],
    },
  ];
}

export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog open onClose={onClose} title="Keyboard shortcuts">
      <div className="shortcut-groups">
        {shortcutGroups().map((group) => (
          <section key={group.title} aria-labelledby={`shortcuts-${group.title}`}>
            <h3 id={`shortcuts-${group.title}`} className="panel-subtitle">
              {group.title}
            </h3>
            <dl className="shortcut-list">
              {group.items.map((item) => (
                <div key={item.action}>
                  <dt>{item.keys}</dt>
                  <dd>{item.action}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
      <p className="muted small">On a Mac, ⌘ works wherever Ctrl is shown. Single keys do nothing while you type in a field.</p>
    </Dialog>
  );
}
