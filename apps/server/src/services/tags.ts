/** Tags as stored: trimmed, empty ones dropped, duplicates removed, first occurrence's order kept. */
export function normalizeTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0))];
}
