import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: this file lives in packages/embedded-db/{src,dist}/. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The Go module (tools/ferretdb) that wraps FerretDB's embeddable package, pinned by its go.sum. */
const toolModuleDir = join(repoRoot, "tools", "ferretdb");

/** Where the built binary is cached, so the ~1 minute Go build runs once per checkout. */
export function defaultBinaryPath(): string {
  return join(repoRoot, ".cache", "bin", "ferretdb-embedded");
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
    await run("go", ["build", "-trimpath", "-o", tmp, "."], toolModuleDir, {
      ...process.env,
      // The toolchain on the machine builds it; never download another one.
      GOTOOLCHAIN: "local",
      GOFLAGS: "-mod=mod",
    });
    await rename(tmp, binary);
    return binary;
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
