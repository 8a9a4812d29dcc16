/**
 * The dashboard's URLs. Routing is in the URL hash (`#/prompts/Ab3xYz`), so the same build works wherever
 * the server mounts it and a reload never needs a server-side fallback.
 *
 * The shapes are generic on purpose: a top-level screen is `#/<screen>?…` and a prompt's tab is
 * `#/prompts/<id>/<tab>?…`, each reading its own query parameters, so a new screen or tab needs no change
 * here (see src/screens.tsx and src/pages/tabs.tsx, where they are listed).
 */

/** Query parameters of a route; empty values are left out of URLs. */
export type Params = Readonly<Record<string, string>>;

export type Route =
  /** A top-level screen: `prompts` (the list, at `#/`), `new` (a new prompt), or any registered one. */
  | { name: "screen"; screen: string; params: Params }
  /** A prompt's tab: `versions` (at `#/prompts/<id>`), `compare`, `deployments`, `playground`… */
  | { name: "prompt"; promptId: string; tab: string; params: Params }
  | { name: "version"; promptId: string; versionId: string }
  | { name: "edit-version"; promptId: string; versionId: string }
  | { name: "not-found"; path: string };

export const PROMPTS_SCREEN = "prompts";
export const DEFAULT_TAB = "versions";

/** `params` without empty values, keys sorted: the canonical form, so a parsed URL equals the route it came from. */
export function cleanParams(params: Record<string, string | number | undefined>): Params {
  const clean: Record<string, string> = {};
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    if (value !== undefined && value !== "" && value !== 0) clean[key] = String(value);
  }
  return clean;
}

export function screenRoute(screen: string, params: Record<string, string | number | undefined> = {}): Route {
  return { name: "screen", screen, params: cleanParams(params) };
}

export type PromptSortParam = "created" | "updated" | "name";

/** The prompt list; `page` is zero-based (the URL shows it one-based only in words, never in `page=`). */
export function promptsRoute(options: { search?: string; tag?: string; page?: number; sort?: PromptSortParam } = {}): Route {
  return screenRoute(PROMPTS_SCREEN, {
    q: options.search,
    tag: options.tag,
    page: options.page,
    sort: options.sort === "created" ? undefined : options.sort,
  });
}

export function tabRoute(promptId: string, tab: string = DEFAULT_TAB, params: Record<string, string | number | undefined> = {}): Route {
  return { name: "prompt", promptId, tab, params: cleanParams(params) };
}

const enc = encodeURIComponent;

function query(params: Params): string {
  const text = new URLSearchParams(params).toString();
  return text === "" ? "" : `?${text}`;
}

export function hrefFor(route: Route): string {
  switch (route.name) {
    case "screen":
      return route.screen === PROMPTS_SCREEN ? `#/${query(route.params)}` : `#/${enc(route.screen)}${query(route.params)}`;
    case "prompt": {
      const base = `#/prompts/${enc(route.promptId)}`;
      return route.tab === DEFAULT_TAB ? `${base}${query(route.params)}` : `${base}/${enc(route.tab)}${query(route.params)}`;
    }
    case "version":
      return `#/prompts/${enc(route.promptId)}/versions/${enc(route.versionId)}`;
    case "edit-version":
      return `#/prompts/${enc(route.promptId)}/versions/${enc(route.versionId)}/edit`;
    case "not-found":
      return `#${route.path}`;
  }
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, "") || "/";
  const [pathPart = "/", queryPart = ""] = raw.split("?", 2);
  const search = new URLSearchParams(queryPart);
  const params: Record<string, string> = {};
  for (const [key, value] of search) params[key] = value;
  let parts: string[];
  try {
    parts = pathPart.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return { name: "not-found", path: pathPart };
  }

  if (parts.length === 0 || (parts.length === 1 && parts[0] === PROMPTS_SCREEN)) return screenRoute(PROMPTS_SCREEN, params);
  if (parts.length === 1) return screenRoute(parts[0]!, params);
  if (parts[0] === "prompts" && parts[1]) {
    const promptId = parts[1];
    const rest = parts.slice(2);
    if (rest.length === 0) return tabRoute(promptId, DEFAULT_TAB, params);
    if (rest[0] === "versions") {
      if (rest.length === 1) return tabRoute(promptId, DEFAULT_TAB, params);
      if (rest.length === 2) return { name: "version", promptId, versionId: rest[1]! };
      if (rest.length === 3 && rest[2] === "edit") return { name: "edit-version", promptId, versionId: rest[1]! };
    }
    if (rest.length === 1) return tabRoute(promptId, rest[0], params);
  }
  return { name: "not-found", path: pathPart };
}

/** A whole number parameter (`page=3`), `fallback` when absent or not one. */
export function intParam(params: Params, name: string, fallback = 0): number {
  const value = Number.parseInt(params[name] ?? "", 10);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** The prompt a route is about, if any. */
export function promptIdOf(route: Route): string | undefined {
  return route.name === "prompt" || route.name === "version" || route.name === "edit-version" ? route.promptId : undefined;
}

/** Screen identity for focus moves: a new page, not a new query string on the same page. */
export function screenKey(route: Route): string {
  switch (route.name) {
    case "screen":
      return `screen:${route.screen}`;
    case "prompt":
      return `prompt:${route.promptId}:${route.tab}`;
    case "version":
    case "edit-version":
      return `${route.name}:${route.versionId}`;
    case "not-found":
      return "not-found";
  }
}

/** "Deployments" for "deployments": the label of a screen or tab that names none. */
export function titleCase(id: string): string {
  return id.length === 0 ? id : `${id[0]!.toUpperCase()}${id.slice(1)}`;
}
