/** The signed-in shell (top bar, main region) and the screen for the current route. */
import { useEffect, useRef } from "react";
import { Logo } from "./components/Logo";
import { EmptyState } from "./components/ui";
import { documentTitle, promptIdOf, type Route } from "./lib/routes";
import { usePrompt } from "./api/queries";
import { EditVersion } from "./pages/EditVersion";
import { NewPrompt } from "./pages/NewPrompt";
import { PromptList } from "./pages/PromptList";
import { PromptPage } from "./pages/PromptPage";
import { SignIn } from "./pages/SignIn";
import { VersionPage } from "./pages/VersionPage";
import { confirmLeave, Link, useRoute } from "./router";
import { useSessionContext } from "./session";

/** The browser tab's title; a prompt's screens name the prompt (read from the query its page loads). */
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

function Screen({ route }: { route: Route }) {
  switch (route.name) {
    case "prompts":
      return <PromptList search={route.search} tag={route.tag} page={route.page} />;
    case "new-prompt":
      return <NewPrompt />;
    case "prompt":
      return <PromptPage route={route} />;
    case "version":
      return <VersionPage key={route.versionId} promptId={route.promptId} versionId={route.versionId} />;
    case "edit-version":
      return <EditVersion key={route.versionId} promptId={route.promptId} versionId={route.versionId} />;
    case "not-found":
      return (
        <div className="page">
          <EmptyState
            title="Page not found"
            icon="?"
            action={
              <Link to={{ name: "prompts", search: "", tag: "", page: 0 }} className="btn btn-secondary">
                Go to prompts
              </Link>
            }
          >
            Nothing lives at <code>{route.path}</code>.
          </EmptyState>
        </div>
      );
  }
}

/** Screen identity for focus moves: a new page, not a new query string on the same page. */
function screenKey(route: Route): string {
  switch (route.name) {
    case "prompt":
      return `prompt:${route.promptId}:${route.tab}`;
    case "version":
    case "edit-version":
      return `${route.name}:${route.versionId}`;
    default:
      return route.name;
  }
}

export function App() {
  const { session, signOut } = useSessionContext();
  const route = useRoute();
  const key = screenKey(route);
  const firstRender = useRef(true);


  // After a navigation, focus moves to the new page's heading so keyboard and screen reader users start there.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    const timer = window.setTimeout(() => document.querySelector<HTMLElement>("main h1")?.focus({ preventScroll: false }), 0);
    window.scrollTo(0, 0);
    return () => window.clearTimeout(timer);
  }, [key]);

  if (!session) {
    return (
      <>
        <Title text="Sign in" />
        <SignIn />
      </>
    );
  }

  return (
    <>
      <a href="#main" className="skip-link" onClick={(event) => { event.preventDefault(); document.getElementById("main")?.focus(); }}>
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to={{ name: "prompts", search: "", tag: "", page: 0 }} className="topbar-brand" aria-label="promptreg: all prompts">
            <Logo />
          </Link>
          <nav aria-label="Main" className="topbar-nav">
            <Link
              to={{ name: "prompts", search: "", tag: "", page: 0 }}
              className="topbar-link"
              aria-current={route.name === "prompts" || route.name === "prompt" || route.name === "version" || route.name === "edit-version" ? "page" : undefined}
            >
              Prompts
            </Link>
          </nav>
          <span className="spacer" />
          <span className="key-hint muted small" title="Signed in with this API key">
            <span className="mono">{maskKey(session.apiKey)}</span>
          </span>
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => confirmLeave() && signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <DocumentTitle route={route} />
      <main id="main" tabIndex={-1} className="main">
        <Screen route={route} />
      </main>
    </>
  );
}

function maskKey(key: string): string {
  return key.length <= 8 ? "••••" : `${key.slice(0, 4)}…${key.slice(-4)}`;
}
