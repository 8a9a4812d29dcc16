import { execFileSync } from "node:child_process";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { curlSnippet, pythonLiteral, pythonSnippet, typescriptSnippet, type SnippetRun } from "../src/lib/snippets";

const run: SnippetRun = {
  origin: "http://127.0.0.1:8787",
  promptId: "Ab3xYz",
  versionId: "3f0c-11",
  // Quotes, a newline, non-ASCII text and every JSON type: what breaks naive quoting.
  inputs: { company: "O'Brien & \"Sons\"", question: "Où est\nma commande ?", limit: 3, formal: true, none: null },
  overrides: { model: "gpt-4o", temperature: 0.5 },
};

function hasPython(): boolean {
  try {
    execFileSync("python3", ["--version"]);
    return true;
  } catch {
    return false;
  }
}

describe("code snippets", () => {
  it("TypeScript: valid code that sends the prompt's fields and the overrides, streaming", () => {
    const code = typescriptSnippet(run);
    const { diagnostics } = ts.transpileModule(code, { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    expect(diagnostics?.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))).toEqual([]);
    expect(code).toContain('baseURL: "http://127.0.0.1:8787/v1"');
    expect(code).toContain('model: "gpt-4o",');
    expect(code).toContain("temperature: 0.5,");
    expect(code).toContain('prompt_id: "Ab3xYz"');
    expect(code).toContain("stream: true");
  });

  it.runIf(hasPython())("Python: code Python parses, with the prompt's fields in extra_body and the inputs as Python values", () => {
    const code = pythonSnippet(run);
    const parsed = execFileSync("python3", ["-c", "import ast, json, sys; tree = ast.parse(sys.stdin.read()); call = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and any(k.arg == 'extra_body' for k in n.keywords)][0]; print(json.dumps({k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg in ('extra_body', 'temperature', 'model', 'stream')}))"], { input: code }).toString();
    expect(JSON.parse(parsed)).toEqual({
      model: "gpt-4o",
      temperature: 0.5,
      stream: true,
      extra_body: { prompt_id: "Ab3xYz", version_id: "3f0c-11", inputs: run.inputs },
    });
    expect(pythonLiteral([true, false, null, 1.5, "x"])).toBe('[\n    True,\n    False,\n    None,\n    1.5,\n    "x",\n]');
  });

  it("curl: the shell passes the JSON body through intact, quotes and all", () => {
    const code = curlSnippet(run);
    // A stand-in curl that prints the body it was given, run by a real shell.
    const body = execFileSync("sh", ["-c", `curl() { for last; do :; done; printf '%s' "$last"; }\nPROMPTREG_API_KEY=k\n${code}`]).toString();
    expect(JSON.parse(body)).toEqual({ prompt_id: "Ab3xYz", version_id: "3f0c-11", inputs: run.inputs, model: "gpt-4o", temperature: 0.5, stream: true });
  });
});
