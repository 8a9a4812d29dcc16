import { describe, expect, it } from "vitest";
import { foldUnchanged, sideBySideDiff } from "./diff";

describe("sideBySideDiff", () => {
  it("pairs a changed line with its replacement and marks the changed words", () => {
    const { rows, added, removed } = sideBySideDiff("a\nhello world\nc\n", "a\nhello there\nc\n");
    expect(rows).toHaveLength(3);
    expect(added).toBe(1);
    expect(removed).toBe(1);
    expect(rows[1]!.left).toMatchObject({ lineNumber: 2, kind: "removed", text: "hello world" });
    expect(rows[1]!.right).toMatchObject({ lineNumber: 2, kind: "added", text: "hello there" });
    expect(rows[1]!.left!.parts!.filter((p) => p.changed).map((p) => p.text)).toEqual(["world"]);
    expect(rows[1]!.right!.parts!.filter((p) => p.changed).map((p) => p.text)).toEqual(["there"]);
  });

  it("leaves the other side empty for pure additions and removals, with line numbers per side", () => {
    const { rows } = sideBySideDiff("a\nb", "a\nb\nc\nd");
    expect(rows.slice(2)).toEqual([
      { left: null, right: { lineNumber: 3, text: "c", kind: "added" } },
      { left: null, right: { lineNumber: 4, text: "d", kind: "added" } },
    ]);
    const removal = sideBySideDiff("x\ny\nz", "x\nz");
    expect(removal.rows[1]).toEqual({ left: { lineNumber: 2, text: "y", kind: "removed" }, right: null });
    expect(removal.rows[2]!.right!.lineNumber).toBe(2);
  });

  it("reports no change for equal texts", () => {
    const { rows, added, removed } = sideBySideDiff("same\n", "same\n");
    expect([added, removed]).toEqual([0, 0]);
    expect(rows).toHaveLength(1);
  });
});

describe("foldUnchanged", () => {
  it("folds unchanged runs longer than the context", () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n");
    const after = before.replace("line 10", "line ten");
    const items = foldUnchanged(sideBySideDiff(before, after).rows, 2);
    expect(items.map((item) => (item.kind === "gap" ? `gap${item.count}` : item.index))).toEqual(["gap8", 8, 9, 10, 11, 12, "gap7"]);
  });

  it("keeps everything when nothing is far from a change", () => {
    const items = foldUnchanged(sideBySideDiff("a\nb\nc", "a\nB\nc").rows, 3);
    expect(items.every((item) => item.kind === "row")).toBe(true);
  });
});
