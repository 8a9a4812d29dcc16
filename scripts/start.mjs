#!/usr/bin/env node
// `pnpm start`: checks the port, builds what the server needs (a line per package), makes sure the embedded
// database's binary exists (building it once, about a minute), then runs the server in this process, so
// Ctrl-C reaches the server's own graceful shutdown and `pnpm` sees a clean exit (no "ELIFECYCLE").
//
// What to edit here: the steps and their words. The server itself (apps/server/src/main.ts) is unchanged:
// it is imported as is, after the build.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const started = performance.now();
const say = (line) => process.stdout.write(`promptreg: ${line}\n`);
const seconds = (from) => `${((performance.now() - from) / 1000).toFixed(1)} s`;

/** Ctrl-C before the server runs stops here, quietly; once it runs, the server's own handler takes over. */
let child;
const beforeServer = () => {
  child?.kill("SIGINT");
  say("stopped before the server started");
  process.exit(0);
};
process.on("SIGINT", beforeServer);
process.on("SIGTERM", beforeServer);

/** The port the server will take (config.ts reads the same variables; it validates them, this only looks). */
function listenTarget() {
  const port = process.env.PORT === undefined || process.env.PORT === "" ? 8787 : Number(process.env.PORT);
  const host = process.env.HOST || "127.0.0.1";
  return Number.isInteger(port) && port > 0 && port < 65536 ? { port, host } : null;
}

/** null when the port is free; else why it cannot be used, as one line naming PORT. */
function portProblem() {
  const target = listenTarget();
  if (!target) return Promise.resolve(null);
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (error) => {
      const code = /** @type {NodeJS.ErrnoException} */ (error).code;
      if (code === "EADDRINUSE") {
        resolve(`port ${target.port} on ${target.host} is already in use (another promptreg, or another program). Stop it, or pick another port: PORT=${target.port + 1} pnpm start`);
      } else if (code === "EACCES") {
        resolve(`port ${target.port} on ${target.host} needs privileges this user lacks. Pick a port above 1023: PORT=8787 pnpm start`);
      } else if (code === "EADDRNOTAVAIL") {
        resolve(`HOST=${target.host} is not an address of this machine. Use 127.0.0.1 or 0.0.0.0`);
      } else {
        resolve(null); // config.ts or the server says what is wrong
      }
    });
    probe.listen(target.port, target.host, () => probe.close(() => resolve(null)));
  });
}

async function checkPort() {
  const problem = await portProblem();
  if (problem) {
    say(problem);
    process.exit(1);
  }
}

/** Runs turbo's build, one line per package (built, or up to date); on failure, the failing packages' output. */
function build() {
  const turbo = join(root, "node_modules", ".bin", process.platform === "win32" ? "turbo.cmd" : "turbo");
  if (!existsSync(turbo)) {
    say("dependencies are not installed: run `pnpm install` first");
    process.exit(1);
  }
  // The server and what it needs, the dashboard it serves, and the CLI (`pnpm promptreg …` at the root).
  const args = ["run", "build", "--filter=@promptreg/server...", "--filter=@promptreg/dashboard", "--filter=promptreg", "--output-logs=new-only", "--no-color"];
  const from = performance.now();
  say("building packages (the first time takes a minute; later runs reuse what did not change)");
  return new Promise((resolvePromise) => {
    child = spawn(turbo, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } });
    const output = new Map(); // package -> its lines
    const other = [];
    let built = 0;
    let upToDate = 0;
    let rest = "";
    const onLine = (line) => {
      const match = /^((?:@promptreg\/)?[\w.-]+):build: ?(.*)$/.exec(line);
      if (!match) {
        if (line.trim()) other.push(line);
        return;
      }
      const [, name, text] = match;
      if (/^cache hit/.test(text)) {
        upToDate += 1;
        return;
      }
      if (/^cache (miss|bypass)/.test(text)) {
        built += 1;
        say(`  building ${name}`);
        return;
      }
      output.set(name, [...(output.get(name) ?? []), text]);
    };
    const read = (chunk) => {
      const lines = (rest + chunk.toString("utf8")).split(/\r?\n/);
      rest = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.on("close", (code) => {
      child = undefined;
      if (rest) onLine(rest);
      if (code !== 0) {
        for (const [name, lines] of output) {
          if (lines.some((line) => /error|ERR!|failed/i.test(line))) {
            say(`  ${name} failed to build:`);
            for (const line of lines) if (line.trim()) process.stdout.write(`    ${line}\n`);
          }
        }
        for (const line of other.filter((l) => /error|failed/i.test(l))) process.stdout.write(`    ${line}\n`);
        say("the build failed (above); nothing was started");
        process.exit(1);
      }
      say(`  packages ready in ${seconds(from)} (${built} built, ${upToDate} up to date)`);
      resolvePromise();
    });
  });
}

/** With MONGODB_URI unset the server starts the embedded FerretDB; its binary is built once, here, with a word. */
async function embeddedDatabase() {
  if (process.env.MONGODB_URI) {
    say("database: MONGODB_URI (nothing embedded starts)");
    return;
  }
  const { defaultBinaryPath, ensureFerretdbBinary } = await import(pathToFileURL(join(root, "packages/embedded-db/dist/index.js")).href);
  const binary = process.env.FERRETDB_BIN || defaultBinaryPath();
  if (existsSync(binary)) {
    say(`database: embedded FerretDB (${relative(root, binary) || binary}), data in ${process.env.PROMPTREG_DATA_DIR || ".data/"}`);
    return;
  }
  const from = performance.now();
  say("building the embedded database (FerretDB from its Go sources: once, about a minute; cached in .cache/bin)");
  try {
    await ensureFerretdbBinary(binary);
  } catch (error) {
    say(`could not build the embedded database: ${error instanceof Error ? error.message : String(error)}`);
    say("install Go >= 1.24, or set MONGODB_URI to a MongoDB of your own");
    process.exit(1);
  }
  say(`  embedded database built in ${seconds(from)}`);
}

await checkPort();
await build();
await embeddedDatabase();
// The port again: the build took a while, and something may have taken it meanwhile.
await checkPort();
const target = listenTarget();
say(`starting the server${target ? ` on http://${target.host}:${target.port}` : ""} (${seconds(started)} so far)`);
process.off("SIGINT", beforeServer);
process.off("SIGTERM", beforeServer);
// Until the server has its own handlers (registered once it listens), Ctrl-C stops here, quietly; after,
// only the server's graceful shutdown runs.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (process.listenerCount(signal) > 1) return;
    say("stopped while the server was starting");
    process.exit(0);
  });
}
await import(pathToFileURL(join(root, "apps/server/dist/main.js")).href);
