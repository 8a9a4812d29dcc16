import { spawn, type ChildProcess } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { ensureFerretdbBinary } from "./binary.js";

export interface EmbeddedDbOptions {
  /** Directory of the SQLite files; created when missing. */
  dataDir: string;
  /** Loopback port; 0 (the default) lets the system pick a free one. */
  port?: number;
  /** A prebuilt binary; default: build (once) and use the cached one. */
  binary?: string;
  /** How long to wait for the listener; default 30 s. */
  startTimeoutMs?: number;
  /** Forward the database's own log lines (warnings and errors) to stderr. */
  verbose?: boolean;
}

export interface EmbeddedDb {
  /** `mongodb://127.0.0.1:<port>/` */
  uri: string;
  port: number;
  pid: number;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. */
  stop(): Promise<void>;
  /** Resolves when the process exits for any reason (its exit code; null when a signal ended it). */
  exited: Promise<number | null>;
  /** The signal that ended the process, once it has exited by one. */
  exitSignal(): NodeJS.Signals | null;
  /** The last lines the process wrote to stderr (why it exited). */
  stderrTail(): string;
}

/**
 * Starts FerretDB on loopback with the SQLite backend. The process exits by itself when its parent goes
 * away (even after kill -9), so a crashed server never leaves an orphan database holding the data dir.
 */
export async function startEmbeddedDb(options: EmbeddedDbOptions): Promise<EmbeddedDb> {
  const binary = options.binary ?? (await ensureFerretdbBinary());
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const child = spawn(
    binary,
    [
      "--handler=sqlite",
      `--sqlite-url=file:${dataDir}/`,
      `--listen-addr=127.0.0.1:${options.port ?? 0}`,
      "--exit-with-parent",
    ],
    { stdio: ["ignore", "pipe", options.verbose ? "inherit" : "pipe"] },
  );
  let stderrTail = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString("utf8")).slice(-4000);
  });
  let signal: NodeJS.Signals | null = null;
  const exited = new Promise<number | null>((r) =>
    child.on("exit", (code, exitSignal) => {
      signal = exitSignal;
      r(code);
    }),
  );

  const uri = await new Promise<string>((resolveUri, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`FerretDB did not start within ${options.startTimeoutMs ?? 30_000} ms\n${stderrTail}`));
    }, options.startTimeoutMs ?? 30_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      const match = /^listening on (mongodb:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolveUri(match[1]!);
      }
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`FerretDB exited with code ${code} before listening\n${stderrTail}`));
    });
  });

  return {
    uri,
    port: Number(new URL(uri).port),
    pid: child.pid!,
    exited,
    exitSignal: () => signal,
    stderrTail: () => stderrTail,
    stop: () => stopProcess(child, exited),
  };
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}
