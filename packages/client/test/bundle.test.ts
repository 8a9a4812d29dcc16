// The built package must not pull server code into an app's bundle, nor Node built-ins into a browser's:
// walks the static and dynamic imports of dist/*.js and, through package exports maps, of every runtime
// dependency they reach.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { builtinModules } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
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
  if (existsSync(join(dist, "app-router.d.ts")) && newestMtime(dist, (n) => n.endsWith(".js")) >= srcTime) return;
  execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
  execFileSync(process.execPath, ["--import", "tsx", join(root, "scripts/bundle-router-types.ts")], { stdio: "inherit", cwd: root });
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

describe("the built package", () => {
  let graph: Graph;
  beforeAll(() => {
    ensureBuilt();
    graph = walk(readdirSync(dist).filter((n) => n.endsWith(".js")).map((n) => join(dist, n)));
  }, 120_000);

  it("dist/*.js import neither the server nor its dependencies, nor Node built-ins", () => {
    const own = readdirSync(dist).filter((n) => n.endsWith(".js"));
    expect(own).toContain("index.js");
    for (const name of own) {
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
    expect([...graph.packages].sort()).toEqual(["@promptreg/template", "@trpc/client", "@trpc/server"]);
  });

  it("the server's router is in the declarations as a copy of its type, never imported, at run time or in types", () => {
    for (const name of readdirSync(dist).filter((n) => n.endsWith(".d.ts") || n.endsWith(".js"))) {
      expect(readFileSync(join(dist, name), "utf8"), name).not.toMatch(/@promptreg\/server/);
    }
    expect(readFileSync(join(dist, "trpc.d.ts"), "utf8")).toMatch(/import type \{ AppRouter \} from "\.\/app-router\.js"/);
  });

  // The published package is private to nobody: outside this repository @promptreg/server does not exist.
  // Before, the declarations imported it, so a consumer got TS2307, or with skipLibCheck an untyped client.
  it("type-checks in a project outside the repository, with every procedure typed", () => {
    const project = mkdtempSync(join(tmpdir(), "promptreg-client-types-"));
    try {
      const modules = join(project, "node_modules");
      mkdirSync(join(modules, "@promptreg", "client"), { recursive: true });
      cpSync(dist, join(modules, "@promptreg", "client", "dist"), { recursive: true });
      cpSync(join(root, "package.json"), join(modules, "@promptreg", "client", "package.json"));
      // The package's own dependencies, as an install would put them (the server is not one of them).
      const own = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
      expect(Object.keys(own.dependencies)).not.toContain("@promptreg/server");
      for (const dependency of Object.keys(own.dependencies)) {
        mkdirSync(dirname(join(modules, dependency)), { recursive: true });
        symlinkSync(realpathSync(join(root, "node_modules", dependency)), join(modules, dependency), "dir");
      }
      writeFileSync(
        join(project, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: { target: "ES2023", lib: ["ES2023", "DOM", "ESNext.Disposable"], module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: false, types: [] },
          files: ["use.ts"],
        }),
      );
      // Each @ts-expect-error must meet an error: an untyped (any) client fails the check.
      writeFileSync(
        join(project, "use.ts"),
        [
          'import { createPromptregClient, type RouterOutputs } from "@promptreg/client";',
          'const client = createPromptregClient({ url: "http://127.0.0.1:1", apiKey: "k" });',
          "export async function use(): Promise<string> {",
          '  const versions: RouterOutputs["versions"]["list"] = await client.versions.list.query({ promptId: "abc123" });',
          "  // @ts-expect-error a procedure that does not exist",
          "  await client.no.such.procedure.query();",
          "  // @ts-expect-error an input of the wrong type",
          "  await client.versions.list.query({ promptId: 42 });",
          "  // @ts-expect-error the output is typed",
          "  const wrong: number = versions;",
          "  return versions[0]?.id ?? String(wrong);",
          "}",
        ].join("\n"),
      );
      const tsc = join(root, "node_modules/typescript/bin/tsc");
      const result = spawnSync(process.execPath, [tsc, "-p", project], { encoding: "utf8" });
      expect(result.stdout + result.stderr).toBe("");
      expect(result.status).toBe(0);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  }, 120_000);
});
