/**
 * Issue 14's screens end to end, in Debian's Chromium driven by playwright-core, against a real server,
 * database and fake LLM: the API keys screen (create with a role, the secret shown once and working,
 * revoke with a confirmation, after which the secret is refused); role-aware controls (a member key sees
 * what it may not do turned off, naming the role it needs, and a 403 the server still answers is shown in
 * words); the rollout panel (start with the slider, re-weight, per-arm figures after gateway calls,
 * promote; an automatic rollback with a failing provider, seen live with its reason; the history's rollout
 * entries). Screenshots (light, dark, phone) and axe-core on each screen. Any console or page error fails
 * the test, except the 403s a member key's page provokes on purpose.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { createPromptregClient, type PromptregClient } from "@promptreg/client";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, APP_DIR, buildDashboard, startStack, type Stack } from "./stack";

const CHROMIUM = process.env["PROMPTREG_CHROMIUM"] ?? "/usr/bin/chromium";
const SCREENSHOTS = resolve(APP_DIR, process.env["PROMPTREG_SCREENSHOTS_DIR"] ?? ".e2e-screenshots");
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let stack: Stack;
let api: PromptregClient;
let browser: Browser;
const contexts: BrowserContext[] = [];
const problems: string[] = [];
/** Console errors a page may log: a member's page asks for what it may not read (403) on purpose. */
const allowedBy = new Map<Page, RegExp>();

let promptId = "";
let v10 = "";
let v11 = "";
let adminSecret = "";
let memberSecret = "";

const template = (greeting: string) => ({
  model: "gpt-4o-mini",
  messages: [
    { role: "system" as const, content: `${greeting} You help customers of {{hc:company:string}}.` },
    { role: "user" as const, content: "{{hc:question:string}}" },
  ],
});

/** A gateway call on production as `subject` (sticky assignment); answers the status and the served version. */
async function call(subject: string): Promise<{ status: number; version: string | null }> {
  const res = await fetch(`${stack.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json", "x-prompt-subject": subject },
    body: JSON.stringify({ prompt_id: promptId, environment: "production", inputs: { company: "Acme", question: `Hello from ${subject}` } }),
  });
  await res.arrayBuffer();
  return { status: res.status, version: res.headers.get("x-prompt-version-id") };
}

async function open(key: string, options: { colorScheme?: "light" | "dark"; width?: number; allow?: RegExp } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.width ? 844 : 800 },
    deviceScaleFactor: 1,
    locale: "en-GB",
    timezoneId: "UTC",
    colorScheme: options.colorScheme ?? "light",
  });
  contexts.push(context);
  context.setDefaultTimeout(15_000);
  await context.addInitScript((k) => window.localStorage.setItem("promptreg.apiKey", k), key);
  const page = await context.newPage();
  if (options.allow) allowedBy.set(page, options.allow);
  const label = `${options.colorScheme ?? "light"}${options.width ? ` ${options.width}px` : ""}`;
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = message.text();
    if (allowedBy.get(page)?.test(text)) return;
    problems.push(`[${label}] console error: ${text} (${message.location().url})`);
  });
  page.on("pageerror", (error) => problems.push(`[${label}] page error: ${error.message}`));
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true, animations: "disabled", caret: "hide", style: ".toasts { display: none !important; }" });
}

async function checkAxe(page: Page, where: string): Promise<void> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: unknown) => Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical"), `axe on ${where}`).toEqual([]);
}

/** What sticks out past a phone's width (none; content of a box that scrolls sideways aside), named, so a failure says where. */
async function sideways(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll("body *")]
      .filter((el) => {
        if (el.getBoundingClientRect().right <= document.documentElement.clientWidth + 0.5) return false;
        for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
          if (["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(up).overflowX)) return false;
        }
        return true;
      })
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} (${Math.round(el.getBoundingClientRect().right)})`),
  );
}

/** Moves a slider with the keyboard, as a person would: one step (1 %) per arrow press. */
async function slide(page: Page, slider: ReturnType<Page["locator"]>, to: number): Promise<void> {
  await slider.focus();
  const from = Number(await slider.inputValue());
  const key = to > from ? "ArrowRight" : "ArrowLeft";
  for (let i = 0; i < Math.abs(to - from); i++) await page.keyboard.press(key);
  await expect.poll(() => slider.inputValue()).toBe(String(to));
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with 'apt-get install -y chromium' (or set PROMPTREG_CHROMIUM)`);
  await mkdir(SCREENSHOTS, { recursive: true });
  await buildDashboard();
  stack = await startStack();
  api = createPromptregClient({ url: stack.url, apiKey: ADMIN_KEY });
  const created = await api.prompts.create.mutate({ name: "checkout assistant", tags: ["checkout"], body: template("Hello.") });
  promptId = created.prompt.id;
  v10 = created.version.id;
  v11 = (await api.versions.create.mutate({ promptId, baseVersionId: v10, body: template("Hi there!"), commitMessage: "Warmer greeting" })).id;
  await api.environments.set.mutate({ promptId, versionId: v10, environment: "staging" });
  adminSecret = (await api.apiKeys.create.mutate({ name: "ops-admin", role: "admin" })).secret;
  memberSecret = (await api.apiKeys.create.mutate({ name: "dev-member", role: "member" })).secret;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
  });
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await stack?.stop();
});

describe("API keys", () => {
  it("lists the keys, creates one with a role (the secret shown once, and it works), revokes one after a confirmation", async () => {
    const page = await open(adminSecret);
    await page.goto(`${stack.url}/#/`);
    await page.locator("h1", { hasText: "Prompts" }).waitFor();
    // g then k: the keys screen, also in the top bar.
    await page.keyboard.press("g");
    await page.keyboard.press("k");
    await expect.poll(() => page.url()).toContain("#/keys");
    await expect.poll(() => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API keys" }).getAttribute("aria-current")).toBe("page");
    const table = page.locator(".keys-table");
    await table.waitFor();
    expect(await table.locator("tbody tr").count()).toBe(2);
    // Marked once "who am I" answers (it may come after the list).
    await expect.poll(() => table.locator("tbody tr", { hasText: "ops-admin" }).innerText()).toMatch(/ops-admin\s*you[\s\S]*admin/i);
    expect(await table.locator("tbody tr", { hasText: "dev-member" }).innerText()).toContain("member");

    await page.getByRole("button", { name: "New key" }).click();
    const dialog = page.getByRole("dialog", { name: "New API key" });
    // A name is required, said on the first try.
    await dialog.getByRole("button", { name: "Create member key" }).click();
    await dialog.getByText("Give the key a name").waitFor();
    await dialog.getByLabel("Name").fill("checkout-service");
    await dialog.getByRole("radio", { name: /runtime/ }).check();
    expect(await dialog.innerText()).toContain("For applications: fetch and call prompts through the gateway; nothing else.");
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(SCREENSHOTS, "20-new-key.png"), animations: "disabled", caret: "hide" });
    await dialog.getByRole("button", { name: "Create runtime key" }).click();

    const secretDialog = page.getByRole("dialog", { name: "Key checkout-service created" });
    await secretDialog.waitFor();
    const secret = await secretDialog.getByLabel(/Secret/).inputValue();
    expect(secret.length).toBeGreaterThan(20);
    expect(await secretDialog.innerText()).toContain("shown only this once");
    await secretDialog.getByRole("button", { name: "Copy the secret" }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, "21-key-created.png"), animations: "disabled", caret: "hide" });
    // The secret is a working runtime key: it may read who it is, not list prompts.
    const runtime = createPromptregClient({ url: stack.url, apiKey: secret });
    expect((await runtime.apiKeys.me.query()).role).toBe("runtime");
    await expect(runtime.prompts.count.query()).rejects.toThrow(/runtime.*member role/);
    await secretDialog.getByRole("button", { name: "I have copied it" }).click();
    await expect.poll(() => table.locator("tbody tr").count()).toBe(3);
    // Never shown again.
    expect(await page.locator("body").innerText()).not.toContain(secret);
    await checkAxe(page, "keys");
    await shot(page, "22-keys");

    await table.getByRole("button", { name: "Revoke checkout-service" }).click();
    const confirm = page.getByRole("dialog", { name: "Revoke checkout-service?" });
    await confirm.getByRole("button", { name: "Cancel" }).click();
    expect(await table.locator("tbody tr", { hasText: "checkout-service" }).innerText()).toMatch(/active/i);
    await table.getByRole("button", { name: "Revoke checkout-service" }).click();
    await confirm.getByRole("button", { name: "Revoke key" }).click();
    await expect.poll(() => table.locator("tbody tr", { hasText: "checkout-service" }).innerText()).toContain("Revoked");
    await expect.poll(() => runtime.apiKeys.me.query().then(() => "accepted", (error: Error) => error.message), { timeout: 20_000 }).not.toBe("accepted");
  });
});

describe("roles", () => {
  it("shows a member key what it may not do turned off, naming the role, and still shows a 403 the server answers", async () => {
    const page = await open(memberSecret, { allow: /403/ });
    await page.goto(`${stack.url}/#/prompts/${promptId}/deployments`);
    const production = page.locator('.env-card[data-environment="production"]');
    await production.waitFor();
    expect(await production.innerText()).toContain("protected");
    const start = production.getByRole("button", { name: "Start rollout on production" });
    // Turned off once "who am I" answers.
    await expect.poll(() => start.getAttribute("aria-disabled")).toBe("true");
    expect(await start.getAttribute("title")).toBe("Starting, re-weighting, promoting and aborting rollouts needs the deployer role or higher; this API key is a member key.");
    expect(await production.getByRole("button", { name: "Protect production", exact: true }).count()).toBe(0);
    expect(await production.getByRole("button", { name: "Unprotect production" }).getAttribute("title")).toContain("needs the admin role");
    // staging is not protected: a member may remove it; deleting the prompt needs deployer.
    expect(await page.locator('.env-card[data-environment="staging"]').getByRole("button", { name: "Remove the staging environment" }).getAttribute("aria-disabled")).toBeNull();
    expect(await page.getByRole("button", { name: "Delete prompt" }).getAttribute("aria-disabled")).toBe("true");
    await checkAxe(page, "deployments as a member");

    // Deploying to production is refused before the click, with the reason; staging is allowed.
    await page.goto(`${stack.url}/#/prompts/${promptId}/versions/${v11}`);
    await page.getByRole("button", { name: "Deploy…" }).click();
    const deploy = page.getByRole("dialog", { name: "Deploy v1.1" });
    await deploy.getByLabel("Environment").selectOption("production");
    await deploy.getByText("Moving production (production is protected) needs the deployer role or higher").waitFor();
    expect(await deploy.getByRole("button", { name: "Deploy to production" }).isDisabled()).toBe(true);
    await deploy.getByLabel("Environment").selectOption("staging");
    expect(await deploy.getByRole("button", { name: "Deploy to staging" }).isDisabled()).toBe(false);
    // An admin protects staging meanwhile: the server's 403 is shown in words.
    await api.environments.setProtected.mutate({ environment: "staging", protected: true });
    await deploy.getByRole("button", { name: "Deploy to staging" }).click();
    await deploy.getByText(/Not allowed: .*staging.*deployer role/).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, "23-member-refused.png"), animations: "disabled", caret: "hide" });
    await deploy.getByRole("button", { name: "Cancel" }).click();
    expect(await page.locator(".key-hint").innerText()).toContain("member");

    // The keys screen: read-only, saying why.
    await page.goto(`${stack.url}/#/keys`);
    await page.getByText("Only admin keys can see and manage the organization's keys").waitFor();
    await expect.poll(() => page.getByRole("button", { name: "New key" }).getAttribute("aria-disabled")).toBe("true");
    await checkAxe(page, "keys as a member");
    await api.environments.setProtected.mutate({ environment: "staging", protected: false });
  });

  it("lets an admin protect and unprotect an environment", async () => {
    const page = await open(adminSecret);
    await page.goto(`${stack.url}/#/prompts/${promptId}/deployments`);
    const staging = page.locator('.env-card[data-environment="staging"]');
    await staging.getByRole("button", { name: "Protect staging", exact: true }).click();
    await expect.poll(() => staging.innerText()).toContain("protected");
    expect(await api.environments.protected.query()).toEqual(["production", "staging"]);
    await staging.getByRole("button", { name: "Unprotect staging" }).click();
    await expect.poll(() => api.environments.protected.query()).toEqual(["production"]);
    await expect.poll(() => staging.innerText()).not.toContain("protected");
  });
});

describe("rollouts", () => {
  let page: Page;

  it("starts a rollout with the slider, re-weights it, shows each arm's calls, and promotes it", async () => {
    page = await open(adminSecret);
    await page.goto(`${stack.url}/#/prompts/${promptId}/deployments`);
    const production = page.locator('.env-card[data-environment="production"]');
    await production.getByRole("button", { name: "Start rollout on production" }).click();
    const dialog = page.getByRole("dialog", { name: "Start rollout on production" });
    expect(await dialog.getByLabel("Candidate version").inputValue()).toBe(v11);
    await slide(page, dialog.getByRole("slider", { name: "Candidate weight" }), 30);
    expect(await dialog.getByLabel("Candidate weight (percent)").inputValue()).toBe("30");
    await dialog.getByText("30 % of production's calls go to the candidate, 70 % to the stable version.").waitFor();
    await dialog.getByLabel("Min requests").fill("1000");
    await shot(page, "24-rollout-start");
    await dialog.getByRole("button", { name: "Start rollout" }).click();
    await dialog.waitFor({ state: "detached" });

    const panel = page.locator('.rollout-panel[data-environment="production"]');
    await panel.waitFor();
    expect(await production.innerText()).toContain("Rolling out v1.1 to 30 %");
    // Every tab's header says so too.
    await expect.poll(() => page.locator(".env-summary").innerText()).toContain("→ v1.1 at 30 %");
    expect(await panel.locator('tr[data-arm="candidate"]').innerText()).toContain("30 %");
    expect(await panel.locator('tr[data-arm="stable"]').innerText()).toContain("70 %");
    const rollout = await api.rollouts.get.query({ promptId, environment: "production" });
    expect(rollout).toMatchObject({ status: "active", weight: 30, candidateVersionId: v11, stableVersionId: v10, autoRollback: { maxErrorRate: 0.05, minRequests: 1000 } });

    // Re-weight: the note says subjects only move to the candidate when raising.
    const slider = panel.getByRole("slider", { name: "Candidate weight" });
    await slide(page, slider, 50);
    await panel.getByText("Raising to 50 %: about 20 % of subjects move from stable to the candidate; no subject on the candidate moves back.").waitFor();
    await panel.getByRole("button", { name: "Set weight to 50 %" }).click();
    await expect.poll(() => panel.locator('tr[data-arm="candidate"]').innerText()).toContain("50 %");
    expect((await api.rollouts.get.query({ promptId, environment: "production" }))?.weight).toBe(50);

    // Calls through the gateway, one subject each: both arms serve, and the panel counts each arm's.
    const served = { [v10]: 0, [v11]: 0 } as Record<string, number>;
    for (let i = 0; i < 24; i++) {
      const { status, version } = await call(`customer-${i}`);
      expect(status).toBe(200);
      served[version!] = (served[version!] ?? 0) + 1;
    }
    expect(served[v10]).toBeGreaterThan(0);
    expect(served[v11]).toBeGreaterThan(0);
    const requestsOf = async (arm: string) => Number(await panel.locator(`tr[data-arm="${arm}"] td`).nth(1).innerText());
    await expect.poll(async () => [await requestsOf("stable"), await requestsOf("candidate")], { timeout: 40_000 }).toEqual([served[v10], served[v11]]);
    expect(await panel.locator(".rollout-rule").innerText()).toContain(`${served[v11]} of 1000 needed`);
    await checkAxe(page, "rollout panel");
    await shot(page, "25-rollout-active");

    await panel.getByRole("button", { name: "Promote v1.1" }).click();
    const promote = page.getByRole("dialog", { name: "Promote v1.1 on production?" });
    await promote.getByRole("button", { name: "Promote v1.1" }).click();
    await expect.poll(() => panel.innerText()).toContain("Promoted");
    await expect.poll(() => production.locator(".env-card-version").innerText()).toBe("v1.1");
    expect(await production.getByRole("button", { name: "Start rollout on production" }).count()).toBe(1);
    // The history names what happened.
    await expect.poll(() => page.locator(".history-table tbody").innerText()).toMatch(/Rollout promoted/i);
  });

  it("follows an automatic rollback live, with its reason, and a member sees the rollout's buttons off", async () => {
    // A new rollout (back to v1.0 as the candidate) with a strict rule, made elsewhere (the CLI, CI).
    await api.rollouts.start.mutate({ promptId, environment: "production", versionId: v10, weight: 100, autoRollback: { maxErrorRate: 0.2, minRequests: 3 } });
    const panel = page.locator('.rollout-panel[data-environment="production"]');
    await expect.poll(() => panel.innerText()).toMatch(/In progress/i);

    const member = await open(memberSecret, { allow: /403/ });
    await member.goto(`${stack.url}/#/prompts/${promptId}/deployments`);
    const memberPanel = member.locator('.rollout-panel[data-environment="production"]');
    await memberPanel.waitFor();
    for (const name of ["Promote v1.0", "Abort rollout", "Set weight"]) {
      const button = memberPanel.getByRole("button", { name });
      await expect.poll(() => button.getAttribute("aria-disabled"), { message: name }).toBe("true");
      expect(await button.getAttribute("title"), name).toContain("needs the deployer role");
    }
    await shot(member, "26-rollout-member");

    stack.fake.behave({ kind: "status", status: 500, body: { error: { message: "overloaded", type: "server_error", code: "overloaded" } } });
    try {
      // The rule counts this rollout's calls only (from its start, not its minute): 12 failures at weight 100.
      // (A provider failing this often may also be answered 503 by the gateway: an error all the same.)
      for (let i = 0; i < 12; i++) expect((await call(`failing-${i}`)).status).toBeGreaterThanOrEqual(500);
      // Within 10 s the server rolls back; the stream brings it to the open page.
      await expect.poll(() => panel.innerText(), { timeout: 45_000 }).toContain("Rolled back automatically");
    } finally {
      stack.fake.reset();
    }
    const text = await panel.innerText();
    expect(text).toContain("by the automatic rollback rule");
    expect(text).toMatch(/Reason: .+/);
    expect(text).toContain("production serves v1.1 to every call again.");
    await expect.poll(() => memberPanel.innerText()).toContain("Rolled back automatically");
    await shot(page, "27-rollout-rolled-back");
  });

  it("reads well in dark mode and on a phone", async () => {
    // An active rollout with every part of the rule, as the panel shows it most of the time.
    await api.rollouts.start.mutate({ promptId, environment: "production", versionId: v10, weight: 20, autoRollback: { maxErrorRate: 0.05, minRequests: 200, maxP95LatencyMs: 2000 } });
    // Deploying to an environment with a rollout in progress says first that it ends the rollout.
    await page.goto(`${stack.url}/#/prompts/${promptId}/versions/${v10}`);
    await page.getByRole("button", { name: "Deploy…" }).click();
    const deploy = page.getByRole("dialog", { name: "Deploy v1.0" });
    await deploy.getByLabel("Environment").selectOption("production");
    await deploy.getByText("production has a rollout in progress (v1.0 at 20 %). Deploying ends it: as promoted, since this is its candidate.").waitFor();
    await deploy.getByRole("button", { name: "Cancel" }).click();
    for (const [options, rolloutShot, keysShot] of [
      [{ colorScheme: "dark" as const }, "dark-12-rollout", "dark-13-keys"],
      [{ width: 390 }, "phone-08-rollout", "phone-09-keys"],
    ] as const) {
      const view = await open(adminSecret, options);
      await view.goto(`${stack.url}/#/prompts/${promptId}/deployments`);
      await view.locator('.rollout-panel[data-environment="production"] input[type="range"]').waitFor();
      if ("width" in options) expect(await sideways(view), "deployments scrolls sideways").toEqual([]);
      else await checkAxe(view, "dark: rollout panel");
      await shot(view, rolloutShot);
      await view.goto(`${stack.url}/#/keys`);
      await view.locator(".keys-table").waitFor();
      if ("width" in options) expect(await sideways(view), "keys scrolls sideways").toEqual([]);
      else await checkAxe(view, "dark: keys");
      await shot(view, keysShot);
    }
    expect(problems).toEqual([]);
  });
});
