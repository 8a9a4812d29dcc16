// The project runs on Node 24 LTS even where the system Node is older: the root devDependency `node`
// is first on PATH for pnpm scripts, turbo tasks and tests. This fails when the tests (or what they
// spawn by name, as `#!/usr/bin/env node` bins are) run on an older Node, and when the pinned
// versions drift apart.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../../..");
const MIN_MAJOR = 24;

function major(version: string): number {
  return Number(version.replace(/^v/, "").split(".")[0]);
}

describe("runtime", () => {
  it(`runs the tests on Node >= ${MIN_MAJOR}`, () => {
    expect(major(process.versions.node), `tests run on Node ${process.version} (${process.execPath})`).toBeGreaterThanOrEqual(MIN_MAJOR);
  });

  it(`finds Node >= ${MIN_MAJOR} on PATH for what is spawned by name`, () => {
    const result = spawnSync("node", ["-p", "process.versions.node"], { encoding: "utf8" });
    expect(result.status, result.stderr).toBe(0);
    expect(major(result.stdout.trim()), `\`node\` on PATH is ${result.stdout.trim()}`).toBeGreaterThanOrEqual(MIN_MAJOR);
  });

  it("pins one Node version: the `node` devDependency, pnpm's nodeVersion and the Docker image agree", () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      devDependencies: Record<string, string>;
    };
    const pinned = manifest.devDependencies["node"] ?? "";
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    const workspace = readFileSync(join(ROOT, "pnpm-workspace.yaml"), "utf8");
    expect(/^nodeVersion: *(\S+)$/m.exec(workspace)?.[1]).toBe(pinned);
    const images = [...readFileSync(join(ROOT, "Dockerfile"), "utf8").matchAll(/^FROM node:(\d+)[.-]/gm)].map((m) => m[1]);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toBe(String(major(pinned)));
  });
});
