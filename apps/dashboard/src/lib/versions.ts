/** Version numbering and dates as the dashboard shows them. */
import type { TPromptVersion } from "@promptreg/contracts";

type Numbered = Pick<TPromptVersion, "majorVersion" | "minorVersion">;

export function versionLabel(version: Numbered): string {
  return `v${version.majorVersion}.${version.minorVersion}`;
}

/**
 * `text` cut to at most `max` characters, counted in code points so an emoji is never split in half, ending
 * with "…" when something was cut (show the whole text in a title).
 */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("").trimEnd()}…`;
}

/** A version in a select: number, environments, and the start of its commit message. */
export function versionOptionLabel(version: Numbered & Pick<TPromptVersion, "commitMessage" | "environments">): string {
  const environments = version.environments.length > 0 ? ` (${version.environments.join(", ")})` : "";
  const commit = version.commitMessage ? ` — ${truncate(version.commitMessage, 60)}` : "";
  return `${versionLabel(version)}${environments}${commit}`;
}

/** Newest number first. */
export function byNumberDesc(a: Numbered, b: Numbered): number {
  return b.majorVersion - a.majorVersion || b.minorVersion - a.minorVersion;
}

/**
 * The number the server will give a version created from `base`, as the registry numbers them: a minor
 * bump gives M.(highest minor in M + 1) where M is the base's major; a major bump (highest major + 1).0.
 * Deleted versions keep their numbers, so this is a prediction; the server's answer is the truth.
 */
export function nextVersion(versions: readonly Numbered[], base: Numbered, bump: "minor" | "major"): Numbered {
  if (bump === "major") {
    const highest = Math.max(base.majorVersion, ...versions.map((v) => v.majorVersion));
    return { majorVersion: highest + 1, minorVersion: 0 };
  }
  const minors = versions.filter((v) => v.majorVersion === base.majorVersion).map((v) => v.minorVersion);
  return { majorVersion: base.majorVersion, minorVersion: Math.max(base.minorVersion, ...minors) + 1 };
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** "just now", "5 minutes ago", "yesterday", "3 weeks ago". */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  if (Math.abs(seconds) < 45) return "just now";
  const format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(Math.round(seconds / 60), "minute");
}

/** "23 Nov 2025, 10:53" in the reader's time zone. */
export function absoluteTime(iso: string): string {
  return new Date(iso).toLocaleString("en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** Production first, then staging, development, then the rest alphabetically. */
export function environmentOrder(a: string, b: string): number {
  const rank = (name: string) => ["production", "staging", "development"].indexOf(name);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== -1 || rb !== -1) return (ra === -1 ? 99 : ra) - (rb === -1 ? 99 : rb);
  return a.localeCompare(b);
}

/** Environment names the registry accepts (as ZEnvironmentName in @promptreg/contracts), for instant feedback. */
export const ENVIRONMENT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function environmentNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === "") return "Enter an environment name.";
  if (trimmed.length > 64) return "At most 64 characters.";
  if (!ENVIRONMENT_NAME_RE.test(trimmed)) return "Use letters, digits, '_', '-' and '.', starting with a letter or digit.";
  return null;
}

/** "production and staging", "a, b and c". */
export function listInWords(names: readonly string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)!}`;
}

/** Why a deployed version cannot be deleted, naming its environments (the registry refuses it). */
export function deployedReason(version: Numbered & Pick<TPromptVersion, "environments">): string {
  const environments = [...version.environments].sort(environmentOrder);
  const those = environments.length === 1 ? "it" : "them";
  return `${versionLabel(version)} is deployed to ${listInWords(environments)}: applications reading ${environments.length === 1 ? "that environment" : "those environments"} get it. Move ${those} to another version first, then delete it.`;
}
