// Keeps the embedded database running for `pnpm start`: the server owns the FerretDB process, so when it
// dies (killed, crashed, out of memory) nothing else would start it again, and every request would answer
// 503 until someone restarted the server by hand. The supervisor restarts it on the same port (the
// server's MongoDB client reconnects by itself) and data directory (SQLite keeps every committed write
// across a kill), with exponential backoff, reporting each step for the logs, and gives up after
// `maxAttempts` failed starts in a row: the server's /healthz then says so, so that an orchestrator
// replaces the whole process.
import { startEmbeddedDb, type EmbeddedDb, type EmbeddedDbOptions } from "./server.js";

export type SupervisorEvent =
  | { type: "exited"; pid: number; code: number | null; signal: NodeJS.Signals | null; stderr: string }
  | { type: "restarting"; attempt: number; delayMs: number }
  | { type: "restarted"; pid: number; attempt: number; downMs: number }
  | { type: "restart-failed"; attempt: number; error: string }
  | { type: "gave-up"; attempts: number; downMs: number };

export interface SupervisorOptions extends EmbeddedDbOptions {
  /** Each exit and restart, for the logs. */
  onEvent?: (event: SupervisorEvent) => void;
  /** Wait before the first restart; doubles after each failed start. Default 250 ms. */
  initialDelayMs?: number;
  /** Longest wait between two starts. Default 5 s. */
  maxDelayMs?: number;
  /** Failed starts in a row before giving up. Default 8 (about 25 s of trying). */
  maxAttempts?: number;
}

export interface SupervisorStatus {
  /** `restarting`: the process exited and is being started again; `failed`: the supervisor gave up. */
  state: "running" | "restarting" | "failed" | "stopped";
  pid: number | null;
  /** Successful restarts since start-up. */
  restarts: number;
  /** When the database went down (null while running). */
  downSince: Date | null;
  /** Why the last start failed, or how the process last exited. */
  lastError: string | null;
}

export interface SupervisedDb {
  uri: string;
  port: number;
  status(): SupervisorStatus;
  /** Stops supervising and stops the process. */
  stop(): Promise<void>;
}

export async function superviseEmbeddedDb(options: SupervisorOptions): Promise<SupervisedDb> {
  const { onEvent = () => undefined, initialDelayMs = 250, maxDelayMs = 5000, maxAttempts = 8, ...dbOptions } = options;
  let current: EmbeddedDb | null = await startEmbeddedDb(dbOptions);
  const port = current.port;
  let state: SupervisorStatus["state"] = "running";
  let restarts = 0;
  let downSince: Date | null = null;
  let lastError: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;

  const describeExit = (db: EmbeddedDb, code: number | null) => {
    const signal = db.exitSignal();
    const tail = db.stderrTail().trim().split("\n").slice(-3).join(" | ");
    return `FerretDB exited (${signal ? `signal ${signal}` : `code ${code}`})${tail ? `: ${tail}` : ""}`;
  };

  const watch = (db: EmbeddedDb) => {
    void db.exited.then((code) => {
      if (stopping || current !== db) return;
      current = null;
      state = "restarting";
      downSince = new Date();
      lastError = describeExit(db, code);
      onEvent({ type: "exited", pid: db.pid, code, signal: db.exitSignal(), stderr: db.stderrTail().slice(-1000) });
      schedule(1);
    });
  };

  const schedule = (attempt: number) => {
    const delayMs = Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
    onEvent({ type: "restarting", attempt, delayMs });
    timer = setTimeout(() => void restart(attempt), delayMs);
    timer.unref();
  };

  const restart = async (attempt: number) => {
    if (stopping) return;
    try {
      const db = await startEmbeddedDb({ ...dbOptions, port });
      if (stopping) return void (await db.stop());
      current = db;
      state = "running";
      restarts++;
      const downMs = Date.now() - (downSince?.getTime() ?? Date.now());
      downSince = null;
      onEvent({ type: "restarted", pid: db.pid, attempt, downMs });
      watch(db);
    } catch (error) {
      lastError = error instanceof Error ? error.message.split("\n").slice(0, 4).join(" | ") : String(error);
      onEvent({ type: "restart-failed", attempt, error: lastError });
      if (attempt >= maxAttempts) {
        state = "failed";
        onEvent({ type: "gave-up", attempts: attempt, downMs: Date.now() - (downSince?.getTime() ?? Date.now()) });
        return;
      }
      schedule(attempt + 1);
    }
  };

  watch(current);
  return {
    uri: current.uri,
    port,
    status: () => ({ state, pid: current?.pid ?? null, restarts, downSince, lastError }),
    async stop() {
      stopping = true;
      state = "stopped";
      clearTimeout(timer);
      await current?.stop();
    },
  };
}
