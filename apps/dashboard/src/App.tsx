/**
 * The signed-in shell (top bar, main region, shortcuts) and the screen for the current route. Screens and a
 * prompt's tabs are listed in ./screens.tsx and ./pages/tabs.tsx: this file needs no change to add one.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { useLiveStatus, type LiveStatus } from "./api/live";
import { usePrompt } from "./api/queries";
import { useWhoAmI } from "./api/roles";
import { Logo } from "./components/Logo";
import { EmptyState } from "./components/ui";
import { promptIdOf, promptsRoute, screenKey, screenRoute, titleCase, type Route } from "./lib/routes";
import { EditVersion } from "./pages/EditVersion";
import { PromptPage } from "./pages/PromptPage";
import { SignIn } from "./pages/SignIn";
import { PROMPT_TABS } from "./pages/tabs";
import { VersionPage } from "./pages/VersionPage";
import { confirmLeave, Link, useRoute } from "./router";
import { SCREENS } from "./screens";
import { useSessionContext } from "./session";
import { ShortcutsDialog, useShortcuts } from "./shortcuts";

/** The browser tab's title (before " — promptreg"); a prompt's screens name the prompt once it is known. */
export function documentTitle(route: Route, promptName?: string): string {
  const prompt = promptName ?? (route.name === "prompt" || route.name === "version" || route.name === "edit-version" ? route.promptId : "");
  switch (route.name) {
    case "screen":
      return SCREENS.find((s) => s.id === route.screen)?.title ?? "Not found";
    case "prompt":
      return `${PROMPT_TABS.find((t) => t.id === route.tab)?.label ?? titleCase(route.tab)} · ${prompt}`;
    case "version":
      return `Version · ${prompt}`;
    case "edit-version":
      return `New version · ${prompt}`;
    case "not-found":
      return "Not found";
  }
}

function DocumentTitle({ route }: { route: Route }) {
  const promptId = promptIdOf(route);
  return promptId ? <PromptTitle route={route} promptId={promptId} /> : <Title text={documentTitle(route)} />;
}

function PromptTitle({ route, promptId }: { route: Route; promptId: string }) {
  const prompt = usePrompt(promptId);
  return <Title text={documentTitle(route, prompt.data?.name)} />;
}

function Title({ text }: { text: string }) {
  useEffect(() => {
    document.title = `${text} — promptreg`;
  }, [text]);
  return null;
}

function NotFound({ path }: { path: string }) {
  return (
    <div className="page">
      <EmptyState
        title="Page not found"
        icon="?"
        action={
          <Link to={promptsRoute()} className="btn btn-secondary">
            Go to prompts
          </Link>
        }
      >
        Nothing lives at <code>{path}</code>.
      </EmptyState>
    </div>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.name) {
    case "screen": {
      const screen = SCREENS.find((s) => s.id === route.screen);
      if (!screen) return <NotFound path={`/${route.screen}`} />;
      const Component = screen.component;
      return <Component params={route.params} />;
    }
    case "prompt":
      return <PromptPage route={route} />;
    case "version":
      return <VersionPage key={route.versionId} promptId={route.promptId} versionId={route.versionId} />;
    case "edit-version":
      return <EditVersion key={route.versionId} promptId={route.promptId} versionId={route.versionId} />;
    case "not-found":
      return <NotFound path={route.path} />;
  }
}

/** How long a slow page's heading is waited for, to move focus to it once it is shown. */
const HEADING_WAIT_MS = 15_000;

/**
 * After a navigation, focus moves to the new page's heading, so keyboard and screen reader users start
 * there: at once when it is shown, else as soon as it appears (a page still loading), unless the person
 * has put focus somewhere else meanwhile.
 */
function focusHeadingWhenShown(): () => void {
  const main = document.getElementById("main");
  const before = document.activeElement;
  const movedOn = () => {
    const active = document.activeElement;
    return active !== null && active !== document.body && active !== main && active !== before && active.isConnected;
  };
  const attempt = () => {
    if (movedOn()) return true;
    const heading = document.querySelector<HTMLElement>("main h1");
    if (!heading) return false;
    heading.focus({ preventScroll: true });
    return true;
  };
  if (!main) return () => undefined;
  let observer: MutationObserver | undefined;
  const timer = window.setTimeout(() => {
    if (attempt()) return;
    observer = new MutationObserver(() => {
      if (attempt()) stop();
    });
    observer.observe(main, { childList: true, subtree: true });
  }, 0);
  const giveUp = window.setTimeout(() => stop(), HEADING_WAIT_MS);
  function stop() {
    observer?.disconnect();
    window.clearTimeout(timer);
    window.clearTimeout(giveUp);
  }
  return stop;
}

const LIVE_TEXT: Record<LiveStatus, string> = {
  live: "Live",
  connecting: "Connecting…",
  reconnecting: "Reconnecting…",
  off: "Offline",
};

function LiveIndicator() {
  const status = useLiveStatus();
  return (
    <span
      className={`live-indicator live-${status}`}
      role="status"
      title={status === "live" ? "Changes made anywhere show up here at once" : "Changes made elsewhere show up once the connection is back"}
    >
      <span className="live-dot" aria-hidden="true" />
      <span className="live-text">{LIVE_TEXT[status]}</span>
    </span>
  );
}

export function App() {
  const { session, signOut } = useSessionContext();
  const route = useRoute();
  const key = screenKey(route);
  const firstRender = useRef(true);
  const [help, setHelp] = useState(false);
  const openHelp = useCallback(() => setHelp(true), []);
  useShortcuts(route, openHelp);

  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    window.scrollTo(0, 0);
    return focusHeadingWhenShown();
  }, [key]);

  if (!session) {
    return (
      <>
        <Title text="Sign in" />
        <SignIn />
      </>
    );
  }

  const current = route.name === "screen" ? route.screen : "prompts";
  return (
    <>
      <a href="#main" className="skip-link" onClick={(event) => { event.preventDefault(); document.getElementById("main")?.focus(); }}>
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to={promptsRoute()} className="topbar-brand" aria-label="promptreg: all prompts">
            <Logo />
          </Link>
          <nav aria-label="Main" className="topbar-nav">
            {SCREENS.filter((screen) => screen.nav).map((screen) => (
              <Link key={screen.id} to={screenRoute(screen.id)} className="topbar-link" aria-current={current === screen.id ? "page" : undefined}>
                {screen.nav!.label}
              </Link>
            ))}
          </nav>
          <span className="spacer" />
          <LiveIndicator />
          <button type="button" className="btn btn-ghost btn-sm btn-icon-text" onClick={openHelp} aria-keyshortcuts="?" title="Keyboard shortcuts (?)">
            <span aria-hidden="true" className="kbd">
              ?
            </span>
            <span className="sr-only">Keyboard shortcuts</span>
          </button>
          <KeyHint apiKey={session.apiKey} />
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => confirmLeave() && signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <DocumentTitle route={route} />
      <main id="main" tabIndex={-1} className="main">
        <Screen route={route} />
      </main>
      {help && <ShortcutsDialog onClose={() => setHelp(false)} />}
    </>
  );
}

/** The signed-in key, masked, and its role: what the disabled buttons are about. */
function KeyHint({ apiKey }: { apiKey: string }) {
  const role = useWhoAmI().data?.role;
  return (
    <span className="key-hint muted small" title={role ? `Signed in with this API key (role ${role})` : "Signed in with this API key"}>
      <span className="mono">{maskKey(apiKey)}</span>
      {role && <span className="key-role"> · {role}</span>}
    </span>
  );
}

function maskKey(key: string): string {
  return key.length <= 8 ? "••••" : `${key.slice(0, 4)}…${key.slice(-4)}`;
}
