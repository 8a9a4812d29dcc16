/**
 * The dashboard's screens and their URLs. Routing is in the URL hash (`#/prompts/Ab3xYz`), so the same
 * build works wherever the server mounts it and a reload never needs a server-side fallback.
 */
export type PromptTab = "versions" | "compare" | "deployments" | "playground";

export type Route =
  | { name: "prompts"; search: string; tag: string; page: number }
  | { name: "new-prompt" }
  | { name: "prompt"; promptId: string; tab: "versions" }
  | { name: "prompt"; promptId: string; tab: "compare"; from: string; to: string }
  | { name: "prompt"; promptId: string; tab: "deployments" }
  | { name: "prompt"; promptId: string; tab: "playground"; versionId: string }
  | { name: "version"; promptId: string; versionId: string }
  | { name: "edit-version"; promptId: string; versionId: string }
  | { name: "not-found"; path: string };

const enc = encodeURIComponent;

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "" && value !== 0) search.set(key, String(value));
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}

export function hrefFor(route: Route): string {
  switch (route.name) {
    case "prompts":
      return `#/${query({ q: route.search, tag: route.tag, page: route.page })}`;
    case "new-prompt":
      return "#/new";
    case "prompt": {
      const base = `#/prompts/${enc(route.promptId)}`;
      switch (route.tab) {
        case "versions":
          return base;
        case "compare":
          return `${base}/compare${query({ from: route.from, to: route.to })}`;
        case "deployments":
          return `${base}/deployments`;
        case "playground":
          return `${base}/playground${query({ version: route.versionId })}`;
      }
      break;
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
  const params = new URLSearchParams(queryPart);
  const param = (name: string) => params.get(name) ?? "";
  let parts: string[];
  try {
    parts = pathPart.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return { name: "not-found", path: pathPart };
  }

  if (parts.length === 0 || (parts.length === 1 && parts[0] === "prompts")) {
    const page = Number.parseInt(param("page"), 10);
    return { name: "prompts", search: param("q"), tag: param("tag"), page: Number.isFinite(page) && page > 0 ? page : 0 };
  }
  if (parts.length === 1 && parts[0] === "new") return { name: "new-prompt" };
  if (parts[0] === "prompts" && parts[1]) {
    const promptId = parts[1];
    const rest = parts.slice(2);
    if (rest.length === 0) return { name: "prompt", promptId, tab: "versions" };
    if (rest.length === 1 && rest[0] === "compare") return { name: "prompt", promptId, tab: "compare", from: param("from"), to: param("to") };
    if (rest.length === 1 && rest[0] === "deployments") return { name: "prompt", promptId, tab: "deployments" };
    if (rest.length === 1 && rest[0] === "playground") return { name: "prompt", promptId, tab: "playground", versionId: param("version") };
    if (rest[0] === "versions" && rest[1]) {
      if (rest.length === 2) return { name: "version", promptId, versionId: rest[1] };
      if (rest.length === 3 && rest[2] === "edit") return { name: "edit-version", promptId, versionId: rest[1] };
    }
  }
  return { name: "not-found", path: pathPart };
}

/**
 * The browser tab's title for a route (before " — promptreg"): a prompt's screens show its name once
 * known, its id until then.
 */
export function documentTitle(route: Route, promptName?: string): string {
  switch (route.name) {
    case "prompts":
      return "Prompts";
    case "new-prompt":
      return "New prompt";
    case "prompt":
      return `${route.tab[0]!.toUpperCase()}${route.tab.slice(1)} · ${promptName ?? route.promptId}`;
    case "version":
      return `Version · ${promptName ?? route.promptId}`;
    case "edit-version":
      return `New version · ${promptName ?? route.promptId}`;
    case "not-found":
      return "Not found";
  }
}

/** The prompt a route is about, if any. */
export function promptIdOf(route: Route): string | undefined {
  return route.name === "prompt" || route.name === "version" || route.name === "edit-version" ? route.promptId : undefined;
}
