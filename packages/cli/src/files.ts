/**
 * Prompt files: `<dir>/<slug>.prompt.yaml`, one version of one prompt each, as YAML a person can read and
 * edit. A header names what the file came from; `body` is the version's request template:
 *
 *   id: Ab3xYz                 # absent in a file written by hand: `push` creates the prompt
 *   name: support-agent
 *   tags: [support]
 *   version: "1.2"             # informational; versionId is what counts
 *   versionId: 0b6f…           # the base version: `push` creates new versions from it
 *   environment: production    # where it was pulled from (absent for `pull --all-versions`)
 *   body:
 *     model: gpt-4o-mini
 *     messages:
 *       - role: system
 *         content: |-
 *           Multi-line text as block scalars.
 */
import { readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ZPromptBody, type TPromptBody } from "@promptreg/contracts";
import { Document, isMap, isScalar, isSeq, parseDocument, Scalar, type Pair, type ToStringOptions } from "yaml";
import { CliError, ExitCode } from "./errors.js";

export const PROMPT_FILE_SUFFIXES = [".prompt.yaml", ".prompt.yml"] as const;

export interface PromptFileHeader {
  id?: string | undefined;
  name: string;
  tags: string[];
  /** "major.minor" of `versionId`. */
  version?: string | undefined;
  versionId?: string | undefined;
  environment?: string | undefined;
}

export interface PromptFile {
  path: string;
  header: PromptFileHeader;
  body: TPromptBody;
  /** The parsed document, so a header update keeps the person's comments and layout. */
  document: Document;
}

const HEADER_KEYS = ["id", "name", "tags", "version", "versionId", "environment"] as const;

const FILE_COMMENT = [
  " promptreg prompt file. Edit `body` (and `name`, `tags` of a prompt not pushed yet), then run",
  " `promptreg push`: it creates a new version from `versionId` and never overwrites one.",
  " id, version, versionId and environment are written by promptreg.",
].join("\n");

const STRINGIFY: ToStringOptions = {
  // Never fold long lines: a prompt's text reads as written.
  lineWidth: 0,
  // Multi-line strings as literal block scalars (`|`), never folded ones.
  blockQuote: "literal",
  flowCollectionPadding: false,
};

export class PromptFileError extends CliError {
  override name = "PromptFileError";
  constructor(
    readonly path: string,
    readonly problems: string[],
  ) {
    super(`${path}: ${problems.join("; ")}`, ExitCode.FAILURE);
  }
}

/** The text of a prompt file. */
export function renderPromptFile(header: PromptFileHeader, body: TPromptBody): string {
  const contents: Record<string, unknown> = {};
  for (const key of HEADER_KEYS) if (header[key] !== undefined) contents[key] = header[key];
  contents["body"] = body;
  const document = new Document(contents);
  document.commentBefore = FILE_COMMENT;
  const tags = document.get("tags", true);
  if (isSeq(tags)) tags.flow = true;
  return document.toString(STRINGIFY);
}

/** A body as YAML, for diffs: the same rendering as in files. */
export function renderBody(body: unknown): string {
  return new Document(body).toString(STRINGIFY);
}

const optionalString = (record: Record<string, unknown>, key: string, problems: string[]): string | undefined => {
  const value = record[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  // `version: 1.2` unquoted reads as a number; it is informational, so take it as written.
  if (key === "version" && typeof value === "number") return String(value);
  problems.push(`\`${key}\` must be a non-empty string`);
  return undefined;
};

/** Parses and checks a prompt file's text. Throws PromptFileError listing every problem. */
export function parsePromptFile(text: string, path: string): PromptFile {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) throw new PromptFileError(path, document.errors.map((error) => `invalid YAML: ${error.message}`));
  const value: unknown = document.toJS();
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new PromptFileError(path, ["must be a YAML mapping"]);
  const record = value as Record<string, unknown>;
  const problems: string[] = [];

  const id = optionalString(record, "id", problems);
  const name = optionalString(record, "name", problems);
  if (name === undefined && !problems.some((p) => p.startsWith("`name`"))) problems.push("`name` is required");
  let tags: string[] = [];
  if (record["tags"] !== undefined && record["tags"] !== null) {
    if (Array.isArray(record["tags"]) && record["tags"].every((tag) => typeof tag === "string")) tags = record["tags"];
    else problems.push("`tags` must be a list of strings");
  }
  const version = optionalString(record, "version", problems);
  const versionId = optionalString(record, "versionId", problems);
  const environment = optionalString(record, "environment", problems);
  if (id !== undefined && versionId === undefined) problems.push("`versionId` is required when `id` is set (pull the prompt again)");
  if (id === undefined && versionId !== undefined) problems.push("`id` is required when `versionId` is set");

  let body: TPromptBody | undefined;
  if (record["body"] === undefined) problems.push("`body` is required");
  else {
    const parsed = ZPromptBody.safeParse(record["body"]);
    if (parsed.success) body = record["body"] as TPromptBody;
    else for (const issue of parsed.error.issues) problems.push(`body.${issue.path.map(String).join(".")}: ${issue.message}`.replace(/\.:/, ":"));
  }
  if (problems.length > 0 || body === undefined || name === undefined) throw new PromptFileError(path, problems);
  return { path, header: { id, name, tags, version, versionId, environment }, body, document };
}

export async function readPromptFile(path: string): Promise<PromptFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new PromptFileError(path, [(error as Error).message]);
  }
  return parsePromptFile(text, path);
}

/** The prompt files directly in `dir`, sorted; a missing directory holds none. */
export async function listPromptFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return names
    .filter((name) => PROMPT_FILE_SUFFIXES.some((suffix) => name.endsWith(suffix)))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * The file's text with its header replaced, comments and the body's layout kept. Header keys come first, in
 * their usual order, whatever order the file had them in.
 */
export function withHeader(file: PromptFile, header: PromptFileHeader): string {
  const document = file.document;
  for (const key of HEADER_KEYS) {
    const value = header[key];
    if (value === undefined) document.delete(key);
    else if (key === "tags") {
      const node = document.createNode(value, { flow: true });
      document.set(key, node);
    } else document.set(key, value);
  }
  if (isMap(document.contents)) {
    const rank = (pair: Pair) => {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      const index = HEADER_KEYS.indexOf(key as (typeof HEADER_KEYS)[number]);
      return index === -1 ? HEADER_KEYS.length : index;
    };
    const items = document.contents.items;
    // A comment at the top of the file stays at the top, whichever key ends up first.
    const firstKey = items[0]?.key;
    const topComment = isScalar(firstKey) ? firstKey.commentBefore : undefined;
    if (isScalar(firstKey)) firstKey.commentBefore = undefined;
    // Array.prototype.sort is stable: the body and unknown keys keep their order after the header.
    items.sort((a, b) => rank(a) - rank(b));
    const first = items[0];
    if (topComment && first) {
      // Keys added by `set` are plain strings: a comment needs a node to hang on.
      const key = isScalar(first.key) ? first.key : new Scalar(first.key);
      key.commentBefore = key.commentBefore ? `${topComment}\n${key.commentBefore}` : topComment;
      first.key = key;
    }
  }
  return document.toString(STRINGIFY);
}

/** Writes through a temporary file and a rename, so an interrupted write never leaves half a prompt. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, "utf8");
  await rename(temporary, path);
}

/** A file name for a prompt name: lower case letters, digits, `.`, `_`, `-`. */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, 80);
}

/** JSON with object keys sorted: two bodies are the same when these are equal (key order carries no meaning). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== "object" || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) sorted[key] = (inner as Record<string, unknown>)[key];
    return sorted;
  });
}

export const sameBody = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/**
 * `value` with its object keys in the order `like` has them (keys `like` lacks last), so a diff shows
 * changed values, not a different key order.
 */
export function orderLike(value: unknown, like: unknown): unknown {
  if (Array.isArray(value)) return value.map((item, index) => orderLike(item, Array.isArray(like) ? like[index] : undefined));
  if (value === null || typeof value !== "object") return value;
  const source = value as Record<string, unknown>;
  const template = like !== null && typeof like === "object" && !Array.isArray(like) ? (like as Record<string, unknown>) : {};
  const ordered: Record<string, unknown> = {};
  for (const key of Object.keys(template)) if (key in source) ordered[key] = orderLike(source[key], template[key]);
  for (const key of Object.keys(source)) if (!(key in ordered)) ordered[key] = orderLike(source[key], undefined);
  return ordered;
}
