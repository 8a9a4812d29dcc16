// The workspace's dependency rules that sherif does not check (it skips "catalog:" specifiers, so a
// package pinning its own version of a catalog dependency passes it). Run by `pnpm check:workspace`
// (after sherif) and CI; Node runs this file directly (type stripping), no build step.
//   1. A dependency named in the catalog (pnpm-workspace.yaml) is taken with "catalog:" everywhere.
//   2. A dependency that two or more packages use lives in the catalog: one edit upgrades all of them.
//   3. Every catalog entry is used, and internal packages are taken with "workspace:*".
import { globSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const FIELDS = ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"] as const;

interface Manifest {
  name?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
interface Workspace {
  packages?: string[];
  catalog?: Record<string, string>;
}

const workspace = parse(readFileSync(join(ROOT, "pnpm-workspace.yaml"), "utf8")) as Workspace;
const catalog = workspace.catalog ?? {};
const manifestPaths = ["package.json", ...(workspace.packages ?? []).flatMap((pattern) => globSync(`${pattern}/package.json`, { cwd: ROOT }))];
const manifests = manifestPaths.map((path) => ({ path, manifest: JSON.parse(readFileSync(join(ROOT, path), "utf8")) as Manifest }));
const internal = new Set(manifests.map(({ manifest }) => manifest.name).filter((name) => name !== undefined));

const problems: string[] = [];
const users = new Map<string, Set<string>>();
for (const { path, manifest } of manifests) {
  for (const field of FIELDS) {
    for (const [name, specifier] of Object.entries(manifest[field] ?? {})) {
      if (internal.has(name)) {
        if (specifier !== "workspace:*") problems.push(`${path}: ${field}.${name} is "${specifier}"; take workspace packages with "workspace:*"`);
        continue;
      }
      users.set(name, (users.get(name) ?? new Set()).add(path));
      if (name in catalog && specifier !== "catalog:") {
        problems.push(`${path}: ${field}.${name} is "${specifier}" but the catalog holds ${name} ${catalog[name]}; use "catalog:"`);
      }
    }
  }
}
for (const [name, paths] of users) {
  if (paths.size > 1 && !(name in catalog)) {
    problems.push(`${name} is used by ${[...paths].join(", ")}: add it to the catalog in pnpm-workspace.yaml and take it with "catalog:"`);
  }
}
for (const name of Object.keys(catalog)) {
  if (!users.has(name)) problems.push(`pnpm-workspace.yaml: catalog entry ${name} is used by no package; remove it`);
}

if (problems.length > 0) {
  console.error(`workspace dependency rules: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}
console.log(`workspace dependency rules: ${manifests.length} manifests, ${Object.keys(catalog).length} catalog entries, no problems`);
