/**
 * Side-by-side line diff of two texts (jsdiff's line diff, paired into rows), with a word-level diff inside
 * lines changed in place, and folding of long unchanged runs.
 */
import { diffLines, diffWordsWithSpace } from "diff";

export interface InlinePart {
  text: string;
  changed: boolean;
}

export interface DiffCell {
  lineNumber: number;
  text: string;
  kind: "same" | "removed" | "added";
  /** Word-level parts, for a line changed in place (a removed line paired with an added one). */
  parts?: InlinePart[];
}

export interface DiffRow {
  left: DiffCell | null;
  right: DiffCell | null;
}

export interface SideBySideDiff {
  rows: DiffRow[];
  added: number;
  removed: number;
}

function splitLines(value: string): string[] {
  const lines = value.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

function inlineParts(from: string, to: string): { left: InlinePart[]; right: InlinePart[] } {
  const left: InlinePart[] = [];
  const right: InlinePart[] = [];
  for (const change of diffWordsWithSpace(from, to)) {
    if (!change.added) left.push({ text: change.value, changed: change.removed });
    if (!change.removed) right.push({ text: change.value, changed: change.added });
  }
  return { left, right };
}

export function sideBySideDiff(before: string, after: string): SideBySideDiff {
  const changes = diffLines(before, after);
  const rows: DiffRow[] = [];
  let leftLine = 1;
  let rightLine = 1;
  let added = 0;
  let removed = 0;
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i]!;
    if (!change.added && !change.removed) {
      for (const text of splitLines(change.value)) {
        rows.push({ left: { lineNumber: leftLine++, text, kind: "same" }, right: { lineNumber: rightLine++, text, kind: "same" } });
      }
      continue;
    }
    // A removal followed by an addition is a change in place: pair their lines row by row.
    const removedLines = change.removed ? splitLines(change.value) : [];
    const next = changes[i + 1];
    const addedLines = change.added ? splitLines(change.value) : next?.added ? splitLines(next.value) : [];
    if (change.removed && next?.added) i++;
    removed += removedLines.length;
    added += addedLines.length;
    const count = Math.max(removedLines.length, addedLines.length);
    for (let k = 0; k < count; k++) {
      const from = removedLines[k];
      const to = addedLines[k];
      const left: DiffCell | null = from === undefined ? null : { lineNumber: leftLine++, text: from, kind: "removed" };
      const right: DiffCell | null = to === undefined ? null : { lineNumber: rightLine++, text: to, kind: "added" };
      if (left && right) {
        const parts = inlineParts(left.text, right.text);
        left.parts = parts.left;
        right.parts = parts.right;
      }
      rows.push({ left, right });
    }
  }
  return { rows, added, removed };
}

export type FoldedItem = { kind: "row"; row: DiffRow; index: number } | { kind: "gap"; from: number; count: number };

/** Keeps `context` unchanged rows around each change and folds longer unchanged runs into gaps. */
export function foldUnchanged(rows: readonly DiffRow[], context = 3): FoldedItem[] {
  const changed = rows.map((row) => row.left?.kind !== "same" || row.right?.kind !== "same");
  const keep = rows.map((_, i) => {
    for (let d = -context; d <= context; d++) if (changed[i + d]) return true;
    return false;
  });
  const items: FoldedItem[] = [];
  let i = 0;
  while (i < rows.length) {
    if (keep[i]) {
      items.push({ kind: "row", row: rows[i]!, index: i });
      i++;
      continue;
    }
    let j = i;
    while (j < rows.length && !keep[j]) j++;
    // Folding a single line saves nothing.
    if (j - i <= 1) for (let k = i; k < j; k++) items.push({ kind: "row", row: rows[k]!, index: k });
    else items.push({ kind: "gap", from: i, count: j - i });
    i = j;
  }
  return items;
}
