import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: this file lives in packages/embedded-db/{src,dist}/. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The Go module (tools/ferretdb) that wraps FerretDB's embeddable package, pinned by its go.sum. */
const toolModuleDir = join(repoRoot, "tools", "ferretdb");

/** FerretDB's module and version, as tools/ferretdb/go.mod requires it. */
const FERRETDB_MODULE = "github.com/FerretDB/FerretDB";
const FERRETDB_VERSION = "v1.24.2";

/**
 * One line of FerretDB v1.24.2's SQLite backend, corrected before building. Its `_id` index is created
 * on `_ferretdb_sjson->"_id"`, but lookups, updates and deletes by `_id` filter on `_ferretdb_sjson->'$._id'`:
 * the same value to SQLite, a different expression to its planner, so every one of them scanned the
 * whole table (a lookup by `_id` grew from 1 ms to 11 ms between 10 and 1,000 documents, and an update
 * or delete scans to the end). With the filter written as the index is, SQLite searches the index.
 */
const ID_COLUMN_PATCH = {
  file: "internal/backends/sqlite/metadata/metadata.go",
  from: `IDColumn = DefaultColumn + "->'$._id'"`,
  to: `IDColumn = DefaultColumn + \`->"_id"\``,
};

/**
 * Where the built binary is cached, so the ~1 minute Go build runs once per checkout. The name carries
 * the patch level: a checkout that built the unpatched binary builds again.
 */
export function defaultBinaryPath(): string {
  return join(repoRoot, ".cache", "bin", `ferretdb-embedded-${FERRETDB_VERSION}-p1`);
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", (error) =>
      reject(new Error(`could not run ${command}: ${error.message} (is Go installed and on PATH?)`)),
    );
    child.on("exit", (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`${command} ${args.join(" ")} exited with ${code}`)),
    );
  });
}

/**
 * Returns the path of a runnable FerretDB binary, building it with the local Go toolchain when it is
 * missing. `binary` (or FERRETDB_BIN, read by callers' config) points at a prebuilt one instead.
 *
 * Concurrent callers (several test runners at once) are serialised by a lock directory, and the
 * binary is written under a temporary name and renamed, so nobody ever runs a half-written file.
 */
export async function ensureFerretdbBinary(binary = defaultBinaryPath()): Promise<string> {
  if (existsSync(binary)) return binary;
  const lockDir = `${binary}.lock`;
  await mkdir(dirname(binary), { recursive: true });
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch {
      if (existsSync(binary)) return binary;
      // A lock older than 10 minutes belongs to a build that died; take it over.
      const lockAge = Date.now() - (await stat(lockDir).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (lockAge > 600_000) await rm(lockDir, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (existsSync(binary)) return binary;
    process.stderr.write(`[embedded-db] building FerretDB into ${binary} (once; about a minute)\n`);
    const tmp = `${binary}.${process.pid}.tmp`;
    const env = {
      ...process.env,
      // The toolchain on the machine builds it; never download another one.
      GOTOOLCHAIN: "local",
      GOFLAGS: "-mod=mod",
    };
    const modfile = await patchedModule(env);
    await run("go", ["build", "-trimpath", `-modfile=${modfile}`, "-o", tmp, "."], toolModuleDir, env);
    await rename(tmp, binary);
    return binary;
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

/**
 * A copy of FerretDB's module source with ID_COLUMN_PATCH applied, and a go.mod for tools/ferretdb that
 * replaces the module with it (the checked-in go.mod stays as is). Returns that go.mod's path.
 */
async function patchedModule(env: NodeJS.ProcessEnv): Promise<string> {
  const work = join(repoRoot, ".cache", "ferretdb-src");
  const source = join(work, `FerretDB@${FERRETDB_VERSION}-p1`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const downloaded = JSON.parse(await output("go", ["mod", "download", "-json", `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], toolModuleDir, env)) as { Dir?: string };
  if (!downloaded.Dir) throw new Error(`go mod download gave no directory for ${FERRETDB_MODULE}@${FERRETDB_VERSION}`);
  await cp(downloaded.Dir, source, { recursive: true });
  // The module cache is read-only, and so is the copy: make it writable (patched now, removed next build).
  await makeWritable(source);
  const file = join(source, ID_COLUMN_PATCH.file);
  const text = await readFile(file, "utf8");
  if (text.split(ID_COLUMN_PATCH.from).length !== 2) throw new Error(`${ID_COLUMN_PATCH.file} is not as expected; cannot apply the _id index patch`);
  await writeFile(file, text.replace(ID_COLUMN_PATCH.from, ID_COLUMN_PATCH.to));

  const modfile = join(work, "go.mod");
  const mod = await readFile(join(toolModuleDir, "go.mod"), "utf8");
  await writeFile(modfile, `${mod}\nreplace ${FERRETDB_MODULE} ${FERRETDB_VERSION} => ${source}\n`);
  await cp(join(toolModuleDir, "go.sum"), join(work, "go.sum"));
  return modfile;
}

function output(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    child.on("error", (error) => reject(new Error(`could not run ${command}: ${error.message} (is Go installed and on PATH?)`)));
    child.on("exit", (code) => (code === 0 ? resolvePromise(text) : reject(new Error(`${command} ${args.join(" ")} exited with ${code}`))));
  });
}

async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await makeWritable(path);
    else await chmod(path, 0o644);
  }
}
