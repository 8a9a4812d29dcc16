// The built package must not pull server code into an app's bundle, nor Node built-ins into a browser's:
// walks the static and dynamic imports of dist/**/*.js and, through package exports maps, of every runtime
// dependency they reach. Its declarations are one bundled file that imports nothing but the package's
// dependencies. (That the packed package installs, type-checks and runs in a project outside the
// repository is tested by packages/cli/test/packed.test.ts, which installs the client and the CLI.)
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");
const FORBIDDEN = ["@promptreg/server", "@promptreg/embedded-db", "@promptreg/fake-llm", "express", "mongodb", "pino", "undici"];
const BUILTINS = new Set(builtinModules);

function newestMtime(dir: string, filter: (name: string) => boolean): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, filter));
    else if (filter(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Rebuilds dist when it is missing or older than src (the test must see what `build` ships). */
function ensureBuilt(): void {
  const srcTime = newestMtime(join(root, "src"), (n) => n.endsWith(".ts") && !n.endsWith(".test.ts"));
  if (existsSync(join(dist, "index.d.ts")) && newestMtime(dist, (n) => n.endsWith(".js")) >= srcTime) return;
  execFileSync("pnpm", ["run", "build"], { stdio: "inherit", cwd: root });
}

/** Files under `dir` (relative paths) whose name passes `filter`. */
function filesUnder(dir: string, filter: (name: string) => boolean, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name), filter, `${prefix}${entry.name}/`) : filter(entry.name) ? [`${prefix}${entry.name}`] : [],
  );
}

const IMPORT_RE = /(?:^|[;\s])(?:import|export)\s*(?:[^'";]*?\sfrom\s*)?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** Static and dynamic import specifiers; dynamic ones only where they are code (an example in a doc string is not). */
function specifiers(source: string, file?: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "");
  const found: string[] = [];
  for (const match of code.matchAll(IMPORT_RE)) {
    const dynamic = match[2];
    if (dynamic !== undefined && file !== undefined && dynamic.startsWith(".") && !existsSync(resolve(dirname(file), dynamic))) continue;
    found.push((match[1] ?? dynamic)!);
  }
  return found;
}

const packageName = (specifier: string) => (specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!);

function findPackageDir(name: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
    if (dirname(dir) === dir) throw new Error(`cannot find package ${name} from ${from}`);
  }
}

type ExportTarget = string | { [condition: string]: ExportTarget } | null;

function pickImport(target: ExportTarget): string | undefined {
  if (target === null) return undefined;
  if (typeof target === "string") return target;
  for (const condition of ["import", "module", "default"]) {
    if (condition in target) {
      const picked = pickImport(target[condition]!);
      if (picked) return picked;
    }
  }
  return undefined;
}

/** The ESM file a bare specifier resolves to, through the package's exports map. */
function resolveBare(specifier: string, from: string): string {
  const name = packageName(specifier);
  const dir = findPackageDir(name, from);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { exports?: unknown; module?: string; main?: string };
  const subpath = `.${specifier.slice(name.length)}`;
  if (pkg.exports !== undefined) {
    const exportsMap = typeof pkg.exports === "string" || (pkg.exports as Record<string, unknown>)["."] === undefined && subpath === "." ? { ".": pkg.exports } : pkg.exports;
    const target = pickImport((exportsMap as Record<string, ExportTarget>)[subpath] ?? null);
    if (!target) throw new Error(`${specifier}: no import export for ${subpath}`);
    return join(dir, target);
  }
  return join(dir, subpath === "." ? (pkg.module ?? pkg.main ?? "index.js") : subpath);
}

interface Graph {
  files: Set<string>;
  packages: Set<string>;
  /** importer -> forbidden or built-in specifier */
  offending: string[];
}

function walk(entries: string[]): Graph {
  const graph: Graph = { files: new Set(), packages: new Set(), offending: [] };
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (graph.files.has(file)) continue;
    graph.files.add(file);
    for (const specifier of specifiers(readFileSync(file, "utf8"), file)) {
      if (specifier.startsWith(".")) {
        queue.push(resolve(dirname(file), specifier));
        continue;
      }
      const name = packageName(specifier);
      if (specifier.startsWith("node:") || BUILTINS.has(name) || FORBIDDEN.includes(name)) {
        graph.offending.push(`${file.slice(root.length)} imports ${specifier}`);
        continue;
      }
      graph.packages.add(name);
      queue.push(resolveBare(specifier, dirname(file)));
    }
  }
  return graph;
}

/** The module specifiers a declaration file imports or re-exports from, inline `import("…")` types included. */
function declarationImports(source: string): string[] {
  const found = new Set<string>();
  for (const match of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^"';]*?\bfrom\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g)) {
    found.add((match[1] ?? match[2])!);
  }
  return [...found];
}

describe("the built package", () => {
  let graph: Graph;
  let javascript: string[];
  beforeAll(() => {
    ensureBuilt();
    javascript = filesUnder(dist, (n) => n.endsWith(".js"));
    graph = walk(javascript.map((n) => join(dist, n)));
  }, 180_000);

  it("dist/**/*.js import neither the server nor its dependencies, nor Node built-ins", () => {
    expect(javascript).toContain("index.js");
    expect(javascript).toContain("prompt-manager/index.js");
    for (const name of javascript) {
      const imported = specifiers(readFileSync(join(dist, name), "utf8"));
      for (const specifier of imported) {
        expect(FORBIDDEN.includes(packageName(specifier)), `${name} imports ${specifier}`).toBe(false);
        expect(specifier.startsWith("node:") || BUILTINS.has(packageName(specifier)), `${name} imports ${specifier}`).toBe(false);
      }
    }
  });

  it("nor does anything they reach at run time", () => {
    expect(graph.files.size).toBeGreaterThan(20); // the walk went into the dependencies
    expect(graph.offending).toEqual([]);
    // @promptreg/contracts only for its zod-free `./rollout-hash` (the split the gateway runs): zod is not reached.
    expect([...graph.packages].sort()).toEqual(["@promptreg/contracts", "@promptreg/template", "@trpc/client", "@trpc/server"]);
    expect([...graph.files].filter((file) => file.includes("/contracts/")).map((file) => file.replace(/.*\/contracts\//, ""))).toEqual(["dist/rollout-hash.js"]);
  });

  // Outside this repository @promptreg/server does not exist: declarations importing it give a consumer
  // TS2307, or with skipLibCheck an untyped client. The router's type is inlined instead.
  it("ships one bundled declaration file that imports only the package's dependencies", () => {
    expect(filesUnder(dist, (n) => n.endsWith(".ts") || n.endsWith(".map"))).toEqual(["index.d.ts"]);
    const declarations = readFileSync(join(dist, "index.d.ts"), "utf8");
    const own = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const dependencies = Object.keys(own.dependencies);
    expect(dependencies).not.toContain("@promptreg/server");
    const imported = declarationImports(declarations);
    expect(imported.length).toBeGreaterThan(0);
    for (const specifier of imported) expect(dependencies, `dist/index.d.ts imports ${specifier}`).toContain(packageName(specifier));
    expect(declarations).not.toMatch(/["']@promptreg\/server/);
    // The router itself is there, every resource of it, with its context made opaque.
    expect(declarations).toMatch(/declare const appRouter:/);
    for (const resource of ["prompts", "versions", "environments", "apiKeys", "organizations"]) expect(declarations).toContain(`    ${resource}: `);
    expect(declarations).toMatch(/type TrpcContext = object;/);
  });

  // A Node project: @types/node, no DOM lib. The package's own declarations must check there (tRPC's, which
  // name DOM's RequestInfo, are not ours to fix: with skipLibCheck false such a project adds the DOM lib).
  it("its declarations check in a Node project without the DOM lib, strict and with skipLibCheck false", () => {
    const program = ts.createProgram([join(dist, "index.d.ts")], {
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      target: ts.ScriptTarget.ES2023,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ["lib.es2023.d.ts"],
      types: ["node"],
      typeRoots: [join(root, "node_modules/@types")],
    });
    // Only this file's diagnostics (checking it checks what it uses of the others, not all of them).
    const declarations = program.getSourceFile(join(dist, "index.d.ts"))!;
    const ours = [...program.getSyntacticDiagnostics(declarations), ...program.getSemanticDiagnostics(declarations)].map((diagnostic) =>
      ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"),
    );
    expect(ours).toEqual([]);
  }, 120_000);
});
