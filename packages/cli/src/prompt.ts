/** Questions on a terminal for `login`: a visible line, and a hidden one for the key. */
import { createInterface } from "node:readline/promises";
import type { CliIo } from "./context.js";

export async function askLine(io: CliIo, question: string): Promise<string> {
  const readline = createInterface({ input: io.stdin, output: io.stderr as NodeJS.WritableStream, terminal: true });
  try {
    return (await readline.question(question)).trim();
  } finally {
    readline.close();
  }
}

/** Reads a line without echoing it (raw mode), for secrets. Ctrl-C aborts. */
export function askHidden(io: CliIo, question: string): Promise<string> {
  const stdin = io.stdin;
  io.stderr.write(question);
  return new Promise((resolve, reject) => {
    let answer = "";
    stdin.setRawMode?.(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    const finish = (error?: Error) => {
      stdin.setRawMode?.(false);
      stdin.pause();
      stdin.removeListener("data", onData);
      io.stderr.write("\n");
      if (error) reject(error);
      else resolve(answer.trim());
    };
    const onData = (chunk: string | Buffer) => {
      for (const character of String(chunk)) {
        if (character === "\r" || character === "\n" || character === "\u0004") return finish();
        if (character === "\u0003") return finish(new Error("interrupted"));
        if (character === "\u007f" || character === "\b") answer = answer.slice(0, -1);
        else answer += character;
      }
    };
    stdin.on("data", onData);
  });
}

/** All of stdin as text (for `login --key-stdin`). */
export async function readAll(io: CliIo): Promise<string> {
  let text = "";
  io.stdin.setEncoding("utf8");
  for await (const chunk of io.stdin) text += String(chunk);
  return text;
}
