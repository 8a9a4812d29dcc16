// What /healthz reports: whether this process can serve, or needs replacing. /readyz answers "send me
// traffic now" (the database answers a ping); /healthz answers "restart me" and turns 503 only for what
// restarting the server can fix: the embedded database it owns gave up restarting, or has not answered for
// `dbDownMs`. With MONGODB_URI the database is not ours to restart (and the gateway keeps serving cached
// prompts through its outages), so an outage shows in the body, not the status.
import type { THealth } from "@promptreg/contracts";
import type { SupervisedDb } from "@promptreg/embedded-db";
import type { DatabaseConnection } from "./db/index.js";

export interface HealthReport {
  healthy: boolean;
  body: THealth;
}

export interface HealthOptions {
  database: Pick<DatabaseConnection, "ping">;
  embedded: SupervisedDb | undefined;
  /** Unreachable this long, the embedded database makes the process unhealthy. */
  dbDownMs: number;
  /** How often the database is pinged. */
  intervalMs?: number;
}

export function createHealth({ database, embedded, dbDownMs, intervalMs = 2000 }: HealthOptions) {
  let downSince: Date | null = null;
  let timer: NodeJS.Timeout | undefined;
  let running = true;

  const probe = async () => {
    const ok = await database.ping();
    if (ok) downSince = null;
    else downSince ??= new Date();
  };
  const loop = () => {
    timer = setTimeout(() => void probe().finally(() => running && loop()), intervalMs);
    timer.unref();
  };
  loop();

  return {
    report(): HealthReport {
      const supervisor = embedded?.status();
      // The supervisor knows of an exit before a ping fails; a frozen process only the pings notice.
      const since = [downSince, supervisor?.downSince ?? null].filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
      const database: THealth["database"] = {
        reachable: since === null,
        downSince: since?.toISOString() ?? null,
        ...(supervisor ? { embedded: { state: supervisor.state, restarts: supervisor.restarts, lastError: supervisor.lastError } } : {}),
      };
      let reason: string | undefined;
      if (supervisor?.state === "failed") {
        reason = `the embedded database exited and could not be restarted: ${supervisor.lastError ?? "unknown error"}`;
      } else if (embedded && since !== null && Date.now() - since.getTime() > dbDownMs) {
        reason = `the embedded database has not answered for ${Math.round((Date.now() - since.getTime()) / 1000)} s`;
      }
      return reason ? { healthy: false, body: { status: "unhealthy", reason, database } } : { healthy: true, body: { status: "ok", database } };
    },
    stop() {
      running = false;
      clearTimeout(timer);
    },
  };
}
export type Health = ReturnType<typeof createHealth>;
