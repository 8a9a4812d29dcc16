/**
 * Everything the CLI prints goes through here, so the rules hold for every command:
 * - `--json`: stdout carries exactly one JSON document (the command's result), nothing else;
 * - human output: colours only when stdout is a terminal and NO_COLOR is unset; a spinner (on stderr) only
 *   when stderr is a terminal;
 * - warnings and errors go to stderr (as JSON `{"error": …}` under `--json`).
 */
import pc from "picocolors";
import yoctoSpinner from "yocto-spinner";

export type Colors = ReturnType<typeof pc.createColors>;

export interface OutputStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
}

export interface Progress {
  update(text: string): void;
  stop(): void;
}

export interface Output {
  readonly json: boolean;
  readonly color: Colors;
  /** A line of human output on stdout (nothing under --json). */
  line(text?: string): void;
  /** A warning on stderr, in both modes. */
  warn(text: string): void;
  /** The command's machine-readable result on stdout (only under --json). */
  result(value: unknown): void;
  /** An error on stderr. */
  error(message: string, exitCode: number): void;
  /** Progress on a terminal (a spinner on stderr); silent otherwise. */
  progress(text: string): Progress;
  /** Aligned columns. */
  table(headers: string[], rows: string[][]): void;
}

export interface OutputOptions {
  json: boolean;
  stdout: OutputStream;
  stderr: OutputStream;
  noColor: boolean;
}

// eslint-disable-next-line no-control-regex -- strips the colour escapes we add ourselves
const ANSI = /\u001b\[[0-9;]*m/g;
const visibleLength = (text: string) => text.replace(ANSI, "").length;

export function createOutput(options: OutputOptions): Output {
  const { json, stdout, stderr } = options;
  const color = pc.createColors(!json && stdout.isTTY === true && !options.noColor);
  const errorColor = pc.createColors(!json && stderr.isTTY === true && !options.noColor);
  const interactive = !json && stderr.isTTY === true;
  let spinner: ReturnType<typeof yoctoSpinner> | undefined;

  // A line written while the spinner spins would be overwritten: clear it first, draw it again after.
  const around = (write: () => void) => {
    if (spinner?.isSpinning) {
      spinner.clear();
      write();
    } else write();
  };

  return {
    json,
    color,
    line(text = "") {
      if (!json) around(() => stdout.write(`${text}\n`));
    },
    warn(text) {
      around(() => stderr.write(`${json ? text : errorColor.yellow(text)}\n`));
    },
    result(value) {
      if (json) stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    error(message, exitCode) {
      spinner?.stop();
      if (json) stderr.write(`${JSON.stringify({ error: { message, exitCode } })}\n`);
      else stderr.write(`${errorColor.red("error:")} ${message}\n`);
    },
    progress(text) {
      if (!interactive) return { update() {}, stop() {} };
      spinner?.stop();
      const current = yoctoSpinner({ text, stream: stderr as NodeJS.WriteStream }).start();
      spinner = current;
      return {
        update(next) {
          current.text = next;
        },
        stop() {
          current.stop();
          if (spinner === current) spinner = undefined;
        },
      };
    },
    table(headers, rows) {
      if (json) return;
      const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => visibleLength(row[column] ?? ""))));
      const render = (cells: string[]) =>
        cells
          .map((cell, column) => (column === cells.length - 1 ? cell : cell + " ".repeat((widths[column] ?? 0) - visibleLength(cell))))
          .join("  ")
          .trimEnd();
      around(() => {
        stdout.write(`${render(headers.map((header) => color.bold(header)))}\n`);
        for (const row of rows) stdout.write(`${render(row)}\n`);
      });
    },
  };
}
