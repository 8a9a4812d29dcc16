// What every benchmark prints: the machine and its load (the machine is shared; ratios against a baseline
// measured in the same run are what to compare), markdown tables, and small number formatters.
import { readFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";

export const ms = (n: number, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
export const ratio = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : "n/a");
export const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");
export const mb = (bytes: number) => (Number.isFinite(bytes) ? (bytes / 1024 / 1024).toFixed(1) : "n/a");

export const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** Node, cores, memory, CPU model and load average: printed before each benchmark's tables. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  return `Node ${process.version}, ${availableParallelism()} cores (${cpu}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, load average ${load()} (1/5/15 min)`;
}

/**
 * BENCH_MAX_LOAD=1.5 waits (at most BENCH_MAX_LOAD_WAIT_S, default 120 s) for the 1-minute load average to
 * drop under that before measuring; the machine is shared with other work. Unset: measure at once.
 */
export async function waitForQuietMachine(): Promise<void> {
  const max = Number(process.env["BENCH_MAX_LOAD"] ?? NaN);
  if (!Number.isFinite(max)) return;
  const deadline = Date.now() + Number(process.env["BENCH_MAX_LOAD_WAIT_S"] ?? 120) * 1000;
  while ((loadavg()[0] ?? 0) > max && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2000));
  if ((loadavg()[0] ?? 0) > max) console.log(`(load average still ${load()} after waiting; measuring anyway)`);
}

/** A markdown table. */
export function table(headers: string[], rows: string[][], align?: Array<"l" | "r">): string {
  const a = align ?? headers.map((_, i) => (i === 0 ? "l" : "r"));
  return [
    `| ${headers.join(" | ")} |`,
    `|${a.map((x) => (x === "l" ? "---" : "---:")).join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

/** Resident set size of a process, bytes (Linux /proc; NaN elsewhere or when it is gone). */
export async function rssOf(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Total CPU time (user + system) of a process so far, seconds (Linux /proc). */
export async function cpuSecondsOf(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the command: state is field 3, so utime (14) and stime (15) are at 11 and 12 here.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/** Median µs per call of a synchronous or async function, over rounds of ~2 ms batches (as the client bench). */
export async function microbench(run: () => unknown, isAsync: boolean, rounds = 300): Promise<number> {
  let batch = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) {
      const r = run();
      if (isAsync) await r;
    }
    if (performance.now() - start >= 2) break;
    batch *= 2;
  }
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) {
      const r = run();
      if (isAsync) await r;
    }
    samples.push(((performance.now() - start) * 1000) / batch);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/**
 * Database commands the server has sent so far, by command name, from its Prometheus `/metrics`
 * (`promptreg_db_command_duration_seconds_count`); undefined when the server does not expose them.
 */
export async function dbCommandCounts(serverUrl: string): Promise<Map<string, number> | undefined> {
  try {
    const res = await fetch(`${serverUrl}/metrics`);
    if (!res.ok) return undefined;
    const text = await res.text();
    const counts = new Map<string, number>();
    for (const m of text.matchAll(/^promptreg_db_command_duration_seconds_count\{([^}]*)\} (\S+)$/gm)) {
      const command = /command="([^"]*)"/.exec(m[1]!)?.[1] ?? "?";
      counts.set(command, (counts.get(command) ?? 0) + Number(m[2]));
    }
    return counts.size > 0 ? counts : undefined;
  } catch {
    return undefined;
  }
}

/** A gauge or counter of the server's `/metrics` (first series), NaN when absent. */
export async function metricValue(serverUrl: string, name: string): Promise<number> {
  try {
    const text = await (await fetch(`${serverUrl}/metrics`)).text();
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text);
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}
