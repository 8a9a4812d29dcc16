/** Tags typed as one comma-separated text, as the server stores them: trimmed, empty ones dropped, no duplicates. */
export function parseTags(text: string): { tags: string[]; problem: string | null } {
  const tags = [...new Set(text.split(",").map((tag) => tag.trim()).filter(Boolean))];
  const long = tags.find((tag) => tag.length > 64);
  if (long) return { tags, problem: `“${long.slice(0, 20)}…” is longer than 64 characters.` };
  if (tags.length > 50) return { tags, problem: "At most 50 tags." };
  return { tags, problem: null };
}
