/**
 * The dashboard end to end, in Debian's Chromium driven by playwright-core, against a real server, database
 * and (fake) LLM: sign in -> create a prompt -> new version (refusals, deploy confirmation) -> diff ->
 * deploy -> history (rollback, live rows, paging) -> playground (problems, overrides, streaming, snippets)
 * -> deleting, renaming, tags -> the prompt list -> live updates from changes made elsewhere -> focus after
 * slow loads -> shortcuts -> dark mode -> phone width. Saves a screenshot of each screen (see SCREENSHOTS)
 * and checks every screen with axe-core (no serious or critical violation; the whole report is written
 * beside the screenshots as axe-report.json).
 *
 * Any console error or page error fails the test, except the network errors the test provokes on purpose
 * (a wrong API key's 401, a refused delete's 409), which are allowed only in those steps.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { createPromptregClient, type PromptregClient } from "@promptreg/client";
import type { TPromptBody } from "@promptreg/contracts";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Dialog, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, APP_DIR, buildDashboard, startStack, type Stack } from "./stack";

const CHROMIUM = process.env["PROMPTREG_CHROMIUM"] ?? "/usr/bin/chromium";
// `pnpm screenshots` refreshes the committed ones in screenshots/; a plain test run writes beside them, ignored by git.
const SCREENSHOTS = resolve(APP_DIR, process.env["PROMPTREG_SCREENSHOTS_DIR"] ?? ".e2e-screenshots");
const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let stack: Stack;
let api: PromptregClient;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];
let allowed: RegExp[] = [];
const axeReport: { where: string; violations: AxeViolation[] }[] = [];

let promptId = "";
let v10 = "";
let v11 = "";

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

function watch(target: Page, label: string): void {
  target.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = message.text();
    if (allowed.some((pattern) => pattern.test(text))) return;
    problems.push(`[${label}] console error: ${text} (${message.location().url})`);
  });
  target.on("pageerror", (error) => problems.push(`[${label}] page error: ${error.message}`));
}

/** Runs `step` while the browser may log `pattern` as an error (a response status the step provokes). */
async function allowing(pattern: RegExp, step: () => Promise<void>): Promise<void> {
  allowed.push(pattern);
  try {
    await step();
    // The browser logs a failed response a moment after the page has handled it.
    await new Promise((done) => setTimeout(done, 300));
  } finally {
    allowed = allowed.filter((p) => p !== pattern);
  }
}

async function shot(target: Page, name: string, options: { keepToasts?: boolean; fullPage?: boolean } = {}): Promise<void> {
  // A full-page capture of a scrolled page draws the sticky top bar mid-page.
  if (options.fullPage !== false) await target.evaluate(() => window.scrollTo(0, 0));
  await target.screenshot({
    path: join(SCREENSHOTS, `${name}.png`),
    fullPage: options.fullPage !== false,
    animations: "disabled",
    caret: "hide",
    style: options.keepToasts ? undefined : ".toasts { display: none !important; }",
  });
}

/** axe-core, injected into the page (CDP evaluation, which the page's CSP does not govern): no serious or critical violation. */
async function checkAxe(target: Page, where: string): Promise<void> {
  // From the top, as the page is shown after a navigation: a control a click scrolled under the sticky
  // top bar would otherwise be measured through the bar's translucent background.
  await target.evaluate(() => window.scrollTo(0, 0));
  if (!(await target.evaluate(() => "axe" in window))) await target.evaluate(AXE_SOURCE);
  const violations = await target.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: unknown) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) }));
  });
  axeReport.push({ where, violations });
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious, `axe: serious or critical violations on ${where}`).toEqual([]);
}

/** Every form control and button on the page has an accessible name; no sideways scrolling; axe passes. */
async function checkAccessibleAndFits(target: Page, where: string): Promise<void> {
  const report = await target.evaluate(() => {
    const visible = (el: Element) => {
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      return box.width > 0 && box.height > 0 && style.visibility !== "hidden";
    };
    const unnamed: string[] = [];
    for (const el of document.querySelectorAll("input, select, textarea")) {
      if (!visible(el)) continue;
      const control = el as HTMLInputElement;
      if ((control.labels?.length ?? 0) === 0 && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby")) unnamed.push(el.outerHTML.slice(0, 120));
    }
    for (const el of document.querySelectorAll("button, a[href]")) {
      if (!visible(el)) continue;
      if ((el.textContent ?? "").trim() === "" && !el.getAttribute("aria-label")) unnamed.push(el.outerHTML.slice(0, 120));
    }
    return { unnamed, scrollWidth: document.documentElement.scrollWidth };
  });
  // Against the viewport asked for: a mobile browser widens its layout viewport (innerWidth) to fit content
  // that overflows, which would hide the very overflow this looks for.
  const width = target.viewportSize()?.width ?? 0;
  expect(report.unnamed, `controls without an accessible name on ${where}`).toEqual([]);
  expect(report.scrollWidth - width, `page scrolls sideways on ${where}`).toBeLessThanOrEqual(0);
  await checkAxe(target, where);
}

const body = (content: string, extra: Partial<TPromptBody> = {}): TPromptBody => ({
  model: "gpt-4o-mini",
  temperature: 0.2,
  messages: [
    { role: "system", content },
    { role: "user", content: "{{hc:question:string}}" },
  ],
  ...extra,
});

/** Creates a prompt through the API, as another person or a script would; returns its id and v1.0's. */
async function seed(name: string, tags: string[], content: string): Promise<{ id: string; v1: string }> {
  const created = await api.prompts.create.mutate({ name, tags, body: body(content) });
  return { id: created.prompt.id, v1: created.version.id };
}

function idsFromUrl(url: string): { promptId: string; versionId: string } {
  const match = /#\/prompts\/([^/]+)\/versions\/([^/?]+)/.exec(url);
  if (!match) throw new Error(`not a version URL: ${url}`);
  return { promptId: decodeURIComponent(match[1]!), versionId: decodeURIComponent(match[2]!) };
}

async function newContext(options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const created = await browser.newContext({ viewport: LAPTOP, deviceScaleFactor: 1, locale: "en-GB", timezoneId: "UTC", colorScheme: "light", ...options });
  created.setDefaultTimeout(15_000);
  return created;
}

/** A signed-in page of its own (another tab, another person). */
async function signedInPage(options: BrowserContextOptions = {}, label = "second"): Promise<{ context: BrowserContext; page: Page }> {
  const created = await newContext(options);
  await created.addInitScript((key) => window.localStorage.setItem("promptreg.apiKey", key), ADMIN_KEY);
  const opened = await created.newPage();
  watch(opened, label);
  return { context: created, page: opened };
}

/** The page's live status says the change stream is connected. */
async function waitLive(target: Page): Promise<void> {
  await target.locator(".live-indicator.live-live").waitFor();
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with 'apt-get install -y chromium' (or set PROMPTREG_CHROMIUM)`);
  await mkdir(SCREENSHOTS, { recursive: true });
  await buildDashboard();
  stack = await startStack();
  api = createPromptregClient({ url: stack.url, apiKey: ADMIN_KEY });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
  });
  context = await newContext();
  page = await context.newPage();
  watch(page, "laptop");
});

afterAll(async () => {
  await writeFile(join(SCREENSHOTS, "axe-report.json"), `${JSON.stringify(axeReport, null, 2)}\n`).catch(() => undefined);
  await browser?.close();
  await stack?.stop();
});

describe("dashboard", () => {
  it("refuses a wrong API key, then signs in with a good one", async () => {
    await page.goto(stack.url);
    await expect.poll(() => page.getByRole("heading", { name: "Sign in" }).isVisible()).toBe(true);
    await shot(page, "01-sign-in");
    await checkAccessibleAndFits(page, "sign-in");

    await allowing(/status of 401/, async () => {
      await page.getByLabel("API key").fill("not-a-real-key-0000000000");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("This API key was not accepted").waitFor();
    });
    await page.getByLabel("API key").fill(ADMIN_KEY);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "No prompts yet" }).waitFor();
    await waitLive(page);
    await shot(page, "02-prompts-empty");
    await checkAccessibleAndFits(page, "empty prompt list");
  });

  it("creates a prompt with typed variables; problems show after the first try and clear as they are fixed", async () => {
    await page.getByRole("link", { name: "Create your first prompt" }).click();
    await page.getByRole("heading", { name: "New prompt" }).waitFor();

    // Nothing is flagged before a first try; then each problem is shown, and goes as soon as it is fixed.
    await expect.poll(() => page.locator(".field-error").count()).toBe(0);
    await page.getByRole("button", { name: "Create prompt" }).click();
    await page.getByText("Give the prompt a name.").waitFor();
    await page.getByText("Message 1 is empty: write its text or remove it.").waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("aria-invalid"))).toBe("true");
    await page.getByLabel("Name", { exact: true }).fill("support-agent");
    await page.getByText("Give the prompt a name.").waitFor({ state: "hidden" });
    await page.getByLabel("Tags").fill("support, email");
    await page
      .getByLabel("Content of message 1 (system)")
      .fill("You are a support agent for {{hc:company:string}}.\nAnswer in at most {{hc:max_sentences:number}} sentences.");
    await page.getByText("Message 1 is empty").waitFor({ state: "hidden" });
    await page.getByLabel("Content of message 2 (user)").fill("{{hc:question:string}}");
    await expect.poll(() => page.locator(".field-error").count()).toBe(0);
    await page.getByLabel("Temperature").fill("0.3");
    // The editor lists the variables it found as you type.
    await page.getByRole("list", { name: "Variables used" }).getByText("max_sentences").waitFor();
    // The highlight overlay wraps exactly like the textarea over it: the textarea never needs to scroll.
    await page.getByLabel("Content of message 2 (user)").fill(`${"A long line that has to wrap {{hc:question:string}} ".repeat(8)}\n\n{{hc:question:string}}\n`);
    const overflow = await page.locator(".hl-input").evaluateAll((areas) => areas.map((a) => a.scrollHeight - a.clientHeight));
    expect(overflow.every((extra) => extra <= 0), `textarea taller than its overlay: ${overflow.join(", ")}`).toBe(true);
    await page.getByLabel("Content of message 2 (user)").fill("{{hc:question:string}}");
    await shot(page, "03-new-prompt");
    await checkAccessibleAndFits(page, "new prompt");

    await page.getByRole("button", { name: "Create prompt" }).click();
    await page.getByRole("heading", { name: "support-agent", level: 1 }).waitFor();
    const row = page.getByRole("link", { name: /^Version v1\.0/ });
    await row.waitFor();
    await row.click();
    await page.getByRole("link", { name: "New version from v1.0" }).waitFor();
    ({ promptId, versionId: v10 } = idsFromUrl(page.url()));
    await expect.poll(() => page.locator("mark.ph-number").first().textContent()).toBe("{{hc:max_sentences:number}}");
  });

  it("refuses an unchanged or empty version with the reason, then creates v1.1 and deploys it to staging after a confirmation", async () => {
    await page.getByRole("link", { name: "New version from v1.0" }).click();
    await page.getByRole("heading", { name: "New version", exact: true }).waitFor();
    await page.getByLabel("Commit message").fill("Warmer tone");

    // Unchanged: refused, saying why; nothing is created.
    await page.getByRole("button", { name: "Create v1.1" }).click();
    await page.getByText("Nothing changed from v1.0").waitFor();
    await shot(page, "05a-editor-unchanged");
    // An emptied message is refused too; the reason goes once it is written again.
    const system = page.getByLabel("Content of message 1 (system)");
    await system.fill("   ");
    await page.getByText("Message 1 is empty: write its text or remove it.").waitFor();
    await system.fill("You are a friendly, patient support agent for {{hc:company:string}}.\nAnswer in at most {{hc:max_sentences:number}} sentences.");
    await page.getByText("Message 1 is empty").waitFor({ state: "hidden" });
    await page.getByText("Nothing changed from v1.0").waitFor({ state: "hidden" });
    expect((await api.versions.list.query({ promptId })).length).toBe(1);

    // Leaving with unsaved changes asks first (Cancel, then the browser's Back); refusing keeps the draft.
    const asked: string[] = [];
    const refuse = (dialog: Dialog) => {
      asked.push(dialog.message());
      void dialog.dismiss();
    };
    page.on("dialog", refuse);
    try {
      await page.getByRole("link", { name: "Cancel" }).click();
      await expect.poll(() => asked.length).toBe(1);
      await page.evaluate(() => window.history.back());
      await expect.poll(() => asked.length).toBe(2);
    } finally {
      page.off("dialog", refuse);
    }
    expect(asked[0]).toContain("unsaved changes");
    await expect.poll(() => page.url()).toMatch(/\/edit$/);
    expect(await page.getByLabel("Commit message").inputValue()).toBe("Warmer tone");
    expect(await system.inputValue()).toContain("friendly, patient");

    // A save that deploys warns before, and asks to confirm, naming what the environment serves now.
    await page.getByLabel("Deploy it when it is created").check();
    await expect.poll(() => page.getByLabel("Deploy to").inputValue()).toBe("staging");
    await page.getByText("Saving deploys at once: applications reading staging get v1.1 immediately").waitFor();
    await shot(page, "05-editor");
    await checkAccessibleAndFits(page, "editor");
    await page.getByRole("button", { name: "Create v1.1 and deploy to staging" }).click();
    const confirm = page.getByRole("dialog", { name: "Deploy v1.1 to staging?" });
    await confirm.getByText("staging serves no version of this prompt now").waitFor();
    await shot(page, "05b-editor-confirm-deploy", { fullPage: false });
    await checkAxe(page, "editor: deploy confirmation");
    // Cancel keeps the draft and creates nothing.
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await confirm.waitFor({ state: "hidden" });
    expect((await api.versions.list.query({ promptId })).length).toBe(1);
    await page.keyboard.press("Control+s");
    await confirm.getByRole("button", { name: "Create v1.1 and deploy" }).click();
    await page.getByRole("link", { name: "New version from v1.1" }).waitFor();
    v11 = idsFromUrl(page.url()).versionId;
    expect(v11).not.toBe(v10);
    await expect.poll(() => page.locator("h1").textContent()).toContain("staging");
    await shot(page, "04-version");
    await checkAccessibleAndFits(page, "version");
  });

  it("compares v1.0 and v1.1 side by side", async () => {
    await page.getByRole("link", { name: "Compare with v1.0" }).click();
    await page.getByRole("table", { name: "Changes from v1.0 to v1.1" }).waitFor();
    const removed = page.locator(".diff-removed .diff-text");
    const added = page.locator(".diff-added .diff-text");
    await expect.poll(() => removed.allTextContents()).toEqual([expect.stringContaining("You are a support agent") as unknown]);
    await expect.poll(() => added.allTextContents()).toEqual([expect.stringContaining("friendly, patient") as unknown]);
    await expect.poll(() => page.locator(".diff-added mark.diff-word").allTextContents()).toEqual(["friendly, patient "]);
    await shot(page, "06-compare");
    await checkAccessibleAndFits(page, "compare");
  });

  it("deploys v1.1 to production from a keyboard-operable dialog", async () => {
    await page.goto(`${stack.url}/#/prompts/${promptId}/versions/${v11}`);
    const deployButton = page.getByRole("button", { name: "Deploy…" });
    await deployButton.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Deploy v1.1" });
    await dialog.waitFor();
    // Escape closes it and gives focus back to the button that opened it.
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    await expect.poll(() => deployButton.evaluate((el) => el === document.activeElement)).toBe(true);

    await deployButton.click();
    await dialog.getByLabel("Environment").selectOption("production");
    await dialog.getByText("production serves v1.0 now and will serve v1.1").waitFor();
    await shot(page, "07-deploy-dialog", { fullPage: false });
    await checkAxe(page, "deploy dialog");
    await dialog.getByRole("button", { name: "Deploy to production" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByText("Deployed v1.1 to production").waitFor();
    await expect.poll(() => page.locator("h1").textContent()).toContain("production");
  });

  it("shows a rollback as a rollback, exactly one live row per environment, and restores a removed environment", async () => {
    await page.getByRole("link", { name: "support-agent" }).click();
    await page.getByRole("link", { name: "Deployments" }).click();
    await page.getByRole("heading", { name: "History" }).waitFor();
    const rows = page.locator("table tbody tr");
    const live = (environment: string) => page.locator("table tbody tr.is-live", { has: page.locator(".badge", { hasText: new RegExp(`^${environment}$`) }) });
    await expect.poll(() => rows.count()).toBe(3);
    await expect.poll(() => live("production").count()).toBe(1);
    await expect.poll(() => live("staging").count()).toBe(1);

    await page.getByRole("button", { name: "Roll back to v1.0 (production)" }).click();
    const dialog = page.getByRole("dialog", { name: "Roll back production?" });
    await dialog.getByText("serves v1.1 now").waitFor();
    await dialog.getByRole("button", { name: "Roll back to v1.0" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByText("Rolled production back to v1.0").waitFor();
    await expect.poll(() => rows.count()).toBe(4);
    const production = page.locator(".env-card", { has: page.locator(".badge", { hasText: /^production$/ }) });
    await expect.poll(() => production.textContent()).toContain("v1.0");
    // The newest row says what happened: a rollback, live; production's first deployment of v1.0 is not live any more.
    await expect.poll(() => rows.first().textContent()).toMatch(/production.*Rolled back.*live.*v1\.0.*v1\.1/);
    await expect.poll(() => live("production").count()).toBe(1);
    await expect.poll(() => page.locator("table tbody tr.is-live").count()).toBe(2);
    await shot(page, "08-deployments");
    await checkAccessibleAndFits(page, "deployments");

    // Remove staging, then restore it from the removal's row.
    await page.getByRole("button", { name: "Remove the staging environment" }).click();
    const remove = page.getByRole("dialog", { name: "Remove staging?" });
    await remove.getByRole("button", { name: "Remove staging" }).click();
    await remove.waitFor({ state: "hidden" });
    await expect.poll(() => rows.count()).toBe(5);
    await expect.poll(() => rows.first().textContent()).toMatch(/staging.*Removed/);
    await expect.poll(() => live("staging").count()).toBe(0);
    expect(await page.locator(".env-card").count()).toBe(1);
    await page.getByRole("button", { name: "Restore v1.1 (staging)" }).click();
    await page.getByRole("dialog", { name: "Restore staging?" }).getByRole("button", { name: "Restore at v1.1" }).click();
    await expect.poll(() => page.locator(".env-card").count()).toBe(2);
    await expect.poll(() => rows.count()).toBe(6);
    await expect.poll(() => live("staging").count()).toBe(1);
    await expect.poll(() => page.locator("table tbody tr.is-live").count()).toBe(2);
  });

  it("pages a deployment history far past 200 entries, and filters it by environment", async () => {
    const long = await seed("long-history", ["ops"], "History of {{hc:company:string}}.");
    const v11Long = (await api.versions.create.mutate({ promptId: long.id, baseVersionId: long.v1, commitMessage: "second", body: body("Second {{hc:company:string}}.") })).id;
    for (let i = 0; i < 230; i++) {
      await api.environments.set.mutate({ promptId: long.id, versionId: i % 2 === 0 ? v11Long : long.v1, environment: i % 5 === 0 ? "staging" : "production" });
    }
    const total = 231;
    await page.goto(`${stack.url}/#/prompts/${long.id}/deployments`);
    const rows = page.locator("table tbody tr");
    await expect.poll(() => rows.count()).toBe(50);
    await page.getByText("50 entries shown; older ones follow").waitFor();
    while ((await rows.count()) < total) {
      const before = await rows.count();
      await page.getByRole("button", { name: "Load older entries" }).click();
      await expect.poll(() => rows.count()).toBeGreaterThan(before);
    }
    await page.getByText(`${total} entries, the whole history`).waitFor();
    await expect.poll(() => page.getByRole("button", { name: "Load older entries" }).count()).toBe(0);
    // Every entry once, and one live row per environment in all of them.
    const times = await page.locator("table tbody tr time").evaluateAll((els) => els.map((el) => el.getAttribute("datetime")));
    expect(times).toHaveLength(total);
    expect([...times].sort().reverse()).toEqual(times);
    expect(await page.locator("table tbody tr.is-live").count()).toBe(2);
    // The oldest entry is the first deployment of v1.0 to production.
    await expect.poll(() => rows.last().textContent()).toMatch(/production.*Deployed.*v1\.0/);

    await page.getByLabel("Environment", { exact: true }).selectOption("staging");
    await expect.poll(() => page.url()).toContain("environment=staging");
    await expect.poll(() => rows.count()).toBe(46);
    expect(await page.locator("table tbody tr .badge").allTextContents()).toEqual(Array(46).fill("staging"));
    await shot(page, "08b-deployments-long-history", { fullPage: false });
  });

  it("runs v1.1 in the playground: Run waits for good inputs, overrides apply, the answer streams, code to copy", async () => {
    await page.goto(`${stack.url}/#/prompts/${promptId}/playground`);
    const versionSelect = page.getByLabel("Version", { exact: true });
    // Production is v1.0 after the rollback: the playground starts there.
    await expect.poll(() => versionSelect.inputValue()).toBe(v10);
    await versionSelect.selectOption(v11);
    const run = page.getByRole("button", { name: "Run", exact: true });
    // Nothing typed: three problems, and Run is off.
    await expect.poll(() => run.isDisabled()).toBe(true);
    await page.getByText("Run is off until these 3 are fixed: company, max_sentences, question.").waitFor();
    await page.getByLabel("company").fill("Acme");
    await page.getByLabel("question").fill("Where is my order?");
    const compiled = page.getByLabel("Compiled request body");
    await expect.poll(() => compiled.textContent()).toContain("friendly, patient support agent for Acme");
    await page.getByText("1 problem before this can run").waitFor();
    await expect.poll(() => run.isDisabled()).toBe(true);
    // An empty text is flagged although the gateway would take it: every variable is required.
    await page.getByLabel("company").fill("");
    await page.getByLabel("company").blur();
    await page.locator("#input-company-error").getByText("Required: this text is empty.").waitFor();
    await page.getByLabel("company").fill("Acme");
    await page.locator("#input-company-error").waitFor({ state: "detached" });
    await page.getByLabel("max_sentences").fill("3");
    await expect.poll(() => compiled.textContent()).toContain("at most 3 sentences");
    await expect.poll(() => run.isDisabled()).toBe(false);

    // Overrides for this run: they show in the compiled request and reach the model.
    await page.getByText("Run settings: model, temperature, max tokens").click();
    await page.getByLabel("Model", { exact: true }).fill("gpt-4o");
    await page.getByLabel("Temperature", { exact: true }).fill("3");
    await page.locator("#override-temperature-error").getByText("Temperature is a number from 0 to 2.").waitFor();
    await expect.poll(() => run.isDisabled()).toBe(true);
    await page.getByLabel("Temperature", { exact: true }).fill("0.9");
    await page.getByLabel("Max tokens", { exact: true }).fill("64");
    await expect.poll(() => compiled.textContent()).toMatch(/"model": "gpt-4o"[\s\S]*"temperature": 0\.9[\s\S]*"max_tokens": 64/);

    // The answer streams: the fake model sends it in pieces, and the page shows them as they come.
    stack.fake.reset();
    stack.fake.behave({ kind: "stream", chunks: ["Your order ", "left our warehouse ", "this morning ", "and arrives tomorrow."], delayMs: 400 });
    await page.keyboard.press("Control+Enter");
    const answer = page.locator(".answer-text");
    await page.getByText("Streaming…").waitFor();
    const early = await answer.textContent();
    expect(early === "Your order " || early === "Your order left our warehouse ", `early text: ${early}`).toBe(true);
    await page.getByText("streamed", { exact: true }).waitFor();
    expect(await answer.textContent()).toBe("Your order left our warehouse this morning and arrives tomorrow.");
    await page.getByText("served v1.1").waitFor();
    const sent = stack.fake.requests.at(-1)!.body as { model: string; temperature: number; max_tokens: number; stream: boolean };
    expect(sent).toMatchObject({ model: "gpt-4o", temperature: 0.9, max_tokens: 64, stream: true });

    // Code for the same call.
    const code = page.getByRole("tabpanel");
    await expect.poll(() => code.textContent()).toContain('import OpenAI from "openai"');
    await expect.poll(() => code.textContent()).toContain(`prompt_id: "${promptId}"`);
    await page.getByRole("tab", { name: "Python" }).click();
    await expect.poll(() => code.textContent()).toMatch(/extra_body=\{\s*"prompt_id": "\w+",\s*"version_id": "[^"]+",\s*"inputs": \{\s*"company": "Acme",\s*"max_sentences": 3,/);
    await page.keyboard.press("ArrowRight");
    await expect.poll(() => page.getByRole("tab", { name: "curl" }).getAttribute("aria-selected")).toBe("true");
    await expect.poll(() => code.textContent()).toContain('"max_tokens": 64');
    await shot(page, "09-playground");
    await checkAccessibleAndFits(page, "playground");

    // A model that refuses: the gateway's error, in words.
    stack.fake.behave({ kind: "status", status: 429, body: { error: { message: "Rate limit reached for gpt-4o", type: "requests", code: "rate_limit_exceeded" } } });
    await allowing(/status of 429/, async () => {
      await run.click();
      await page.getByText("The gateway answered 429 · rate_limit_exceeded").waitFor();
    });
    await page.getByText("Rate limit reached for gpt-4o").waitFor();
    await shot(page, "10-playground-error");
    stack.fake.behave({ kind: "complete" });
    await run.click();
    await expect.poll(() => page.locator(".answer-text").textContent()).toBe("echo: Where is my order?");

    // Stop: a slow answer is cut where it is, what came is kept, and Run is back.
    stack.fake.behave({ kind: "stream", chunks: ["Checking ", "the carrier… ", "still ", "checking ", "and done."], delayMs: 1500 });
    await run.click();
    await expect.poll(() => answer.textContent()).toBe("Checking ");
    await page.getByRole("button", { name: "Stop", exact: true }).click();
    await page.getByText("stopped", { exact: true }).waitFor();
    await run.waitFor();
    expect(await answer.textContent()).toMatch(/^Checking (the carrier… )?$/);
    stack.fake.behave({ kind: "complete" });

    // What was typed outlives the page: another tab of the prompt and back, then a reload.
    const nav = page.getByRole("navigation", { name: "Prompt sections" });
    const kept = async () => {
      await expect.poll(() => page.getByLabel("company").inputValue()).toBe("Acme");
      expect(await page.getByLabel("max_sentences").inputValue()).toBe("3");
      expect(await page.getByLabel("Model", { exact: true }).inputValue()).toBe("gpt-4o");
      expect(await page.getByLabel("Max tokens", { exact: true }).inputValue()).toBe("64");
      expect(await page.getByLabel("Stream the answer").isChecked()).toBe(true);
    };
    await nav.getByRole("link", { name: "Versions" }).click();
    await page.getByRole("link", { name: /^Version v1\.1/ }).waitFor();
    await nav.getByRole("link", { name: "Playground" }).click();
    await kept();
    await page.reload();
    await kept();
    await expect.poll(() => run.isDisabled()).toBe(false);
  });

  it("deletes a version (a deployed one is refused, naming its environments), renames a prompt, edits tags, deletes a prompt", async () => {
    // v1.1 serves staging: it cannot be deleted, and the dialog says where it is deployed.
    await page.goto(`${stack.url}/#/prompts/${promptId}/versions/${v11}`);
    await page.getByRole("button", { name: "Delete…" }).click();
    const refused = page.getByRole("dialog", { name: "v1.1 cannot be deleted" });
    await refused.getByText("v1.1 is deployed to staging: applications reading that environment get it. Move it to another version first").waitFor();
    await shot(page, "11-delete-version-refused", { fullPage: false });
    await checkAxe(page, "delete version: refused");
    await refused.getByRole("button", { name: "OK" }).click();

    // A version no environment serves can be deleted; it leaves the list.
    const v12 = await api.versions.create.mutate({ promptId, baseVersionId: v11, commitMessage: "Try a shorter answer", body: body("Short {{hc:company:string}} {{hc:max_sentences:number}}") });
    await page.goto(`${stack.url}/#/prompts/${promptId}`);
    await page.getByRole("link", { name: /^Version v1\.2/ }).waitFor();
    await page.getByRole("button", { name: "Delete v1.2" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete v1.2?" });
    await confirm.getByText("No environment serves it").waitFor();
    await shot(page, "11b-delete-version", { fullPage: false });
    await confirm.getByRole("button", { name: "Delete v1.2" }).click();
    await page.getByText("Deleted v1.2").waitFor();
    await page.getByRole("link", { name: /^Version v1\.2/ }).waitFor({ state: "detached" });
    await expect(api.versions.byId.query({ versionId: v12.id })).rejects.toMatchObject({ data: { httpStatus: 404 } });

    // Deployed to production from elsewhere meanwhile: the server refuses, and the dialog says why.
    const v13 = await api.versions.create.mutate({ promptId, baseVersionId: v11, commitMessage: "Deployed behind your back", body: body("Other {{hc:company:string}} {{hc:max_sentences:number}}") });
    await page.getByRole("link", { name: /^Version v1\.3/ }).waitFor();
    await page.getByRole("button", { name: "Delete v1.3" }).click();
    await api.environments.set.mutate({ promptId, versionId: v13.id, environment: "development" });
    await allowing(/status of 409/, async () => {
      await page.getByRole("dialog", { name: "Delete v1.3?" }).getByRole("button", { name: "Delete v1.3" }).click();
      await page.getByRole("dialog").getByText(/is deployed to development/).waitFor();
    });
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();

    // Rename and tags.
    await page.getByRole("button", { name: "Rename" }).click();
    const rename = page.getByRole("dialog", { name: "Rename prompt" });
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("type"))).toBe("text");
    await rename.getByLabel("Name").fill("support-agent-eu");
    await shot(page, "12-rename", { fullPage: false });
    await rename.getByRole("button", { name: "Rename" }).click();
    await page.getByRole("heading", { name: "support-agent-eu", level: 1 }).waitFor();
    await page.getByRole("button", { name: "Edit tags" }).click();
    const tags = page.getByRole("dialog", { name: "Edit tags" });
    await tags.getByLabel("Tags").fill("support, email, eu, support");
    await expect.poll(() => tags.locator(".tag").allTextContents()).toEqual(["support", "email", "eu"]);
    await checkAxe(page, "edit tags");
    await tags.getByRole("button", { name: "Save tags" }).click();
    await expect.poll(async () => (await api.prompts.byId.query({ promptId })).tags).toEqual(["support", "email", "eu"]);
    await expect.poll(() => page.locator(".prompt-meta .tag").allTextContents()).toEqual(["support", "email", "eu"]);
    await api.prompts.rename.mutate({ promptId, name: "support-agent" });
    await page.getByRole("heading", { name: "support-agent", level: 1 }).waitFor();

    // Delete a whole prompt: typing its name confirms.
    const doomed = await seed("old-faq", ["faq"], "Old answers for {{hc:company:string}}.");
    await page.goto(`${stack.url}/#/prompts/${doomed.id}`);
    await page.getByRole("button", { name: "Delete prompt" }).click();
    const del = page.getByRole("dialog", { name: "Delete old-faq?" });
    await del.getByText("Applications reading production get a 404").waitFor();
    const button = del.getByRole("button", { name: "Delete prompt" });
    await expect.poll(() => button.isDisabled()).toBe(true);
    await del.getByLabel("Type old-faq to confirm").fill("old-faq");
    await shot(page, "13-delete-prompt", { fullPage: false });
    await checkAxe(page, "delete prompt");
    await button.click();
    await page.getByRole("heading", { name: "Prompts", level: 1 }).waitFor();
    await page.getByText("Deleted “old-faq”").waitFor();
    await expect(api.prompts.byId.query({ promptId: doomed.id })).rejects.toMatchObject({ data: { httpStatus: 404 } });
  });

  it("lists prompts with their latest version, version count, environments and last change; searches by name or id; sorts", async () => {
    await seed("billing-faq", ["billing"], "You answer billing questions for {{hc:company:string}}.");
    const onboarding = await seed("onboarding-email", ["email", "growth"], "Write a welcome email to {{hc:name:string}}.");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Prompts" }).click();
    await page.getByRole("heading", { name: "Prompts", level: 1 }).waitFor();
    const names = page.locator(".card-title");
    await expect.poll(() => names.allTextContents()).toEqual(["onboarding-email", "billing-faq", "long-history", "support-agent"]);
    const support = page.locator(".prompt-row", { has: page.getByRole("link", { name: "support-agent", exact: true }) });
    await expect.poll(() => support.locator(".prompt-row-latest").textContent()).toMatch(/v1\.3.*Deployed behind your back.*3 versions/);
    await expect.poll(() => support.locator(".env-pair").allTextContents()).toEqual(["productionv1.0", "developmentv1.3", "stagingv1.1"]);
    await expect.poll(() => support.locator(".prompt-row-updated").textContent()).toContain("just now");
    await shot(page, "02-prompts");
    await checkAccessibleAndFits(page, "prompt list");

    const search = page.getByLabel("Search prompts by name or id");
    await search.fill("BILL");
    await expect.poll(() => names.allTextContents()).toEqual(["billing-faq"]);
    await search.fill(onboarding.id);
    await expect.poll(() => names.allTextContents()).toEqual(["onboarding-email"]);
    await search.fill("");
    await page.getByLabel("Sort").selectOption("name");
    await expect.poll(() => names.allTextContents()).toEqual(["billing-faq", "long-history", "onboarding-email", "support-agent"]);
    await page.getByLabel("Sort").selectOption("updated");
    await expect.poll(() => names.allTextContents()).toEqual(["onboarding-email", "billing-faq", "support-agent", "long-history"]);
    await page.getByLabel("Tag", { exact: true }).selectOption("email");
    await expect.poll(() => names.allTextContents()).toEqual(["onboarding-email", "support-agent"]);
    await expect.poll(() => page.url()).toMatch(/sort=updated/);
    await search.fill("nothing-like-this");
    await page.getByRole("heading", { name: "No prompts match" }).waitFor();

    await page.goto(`${stack.url}/#/prompts/${promptId}`);
    await page.getByRole("link", { name: /^Version v1\.1/ }).waitFor();
    // The browser tab names the prompt, not its id.
    await expect.poll(() => page.title()).toBe("Versions · support-agent — promptreg");
    await shot(page, "04-prompt-versions");
    await checkAccessibleAndFits(page, "versions tab");
  });

  it("pages a long version list", async () => {
    const many = await seed("many-versions", [], "Version zero for {{hc:company:string}}.");
    for (let i = 1; i <= 30; i++) await api.versions.create.mutate({ promptId: many.id, baseVersionId: many.v1, commitMessage: `Change ${i}`, body: body(`Version ${i} for {{hc:company:string}}.`) });
    await page.goto(`${stack.url}/#/prompts/${many.id}`);
    await page.getByRole("heading", { name: /^31 versions/ }).waitFor();
    const rows = page.locator(".version-row");
    await expect.poll(() => rows.count()).toBe(25);
    await expect.poll(() => rows.first().textContent()).toContain("Change 30");
    await page.getByRole("navigation", { name: "Version pages" }).getByText("Page 1 of 2").waitFor();
    await page.getByRole("link", { name: "Next →" }).click();
    await expect.poll(() => rows.count()).toBe(6);
    await expect.poll(() => rows.last().textContent()).toContain("First version.");
    await expect.poll(() => page.url()).toContain("?page=1");
    await shot(page, "04b-versions-page-2");
  });

  it("refreshes every screen from the change stream when something changes elsewhere, without a reload or a focus change", async () => {
    const other = await signedInPage({}, "live");
    try {
      // A marker that a reload would wipe.
      const mark = async (target: Page) => target.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
      const marked = async (target: Page) => target.evaluate(() => (window as unknown as { marker?: number }).marker === 1);

      // The prompt list: a prompt created elsewhere appears.
      await other.page.goto(`${stack.url}/#/`);
      await other.page.locator(".card-title").first().waitFor();
      await waitLive(other.page);
      await mark(other.page);
      await seed("created-elsewhere", [], "Hi {{hc:name:string}}.");
      await other.page.getByRole("link", { name: "created-elsewhere" }).waitFor();

      // The versions tab: a version created elsewhere appears; a rename shows in the heading.
      await other.page.goto(`${stack.url}/#/prompts/${promptId}`);
      await other.page.getByRole("link", { name: /^Version v1\.3/ }).waitFor();
      await waitLive(other.page);
      await mark(other.page);
      const v14 = await api.versions.create.mutate({ promptId, baseVersionId: v11, commitMessage: "Made in CI", body: body("CI {{hc:company:string}} {{hc:max_sentences:number}}") });
      await other.page.getByRole("link", { name: /^Version v1\.4: Made in CI/ }).waitFor();
      await api.prompts.rename.mutate({ promptId, name: "support-agent-renamed-elsewhere" });
      await other.page.getByRole("heading", { name: "support-agent-renamed-elsewhere", level: 1 }).waitFor();
      await api.prompts.rename.mutate({ promptId, name: "support-agent" });

      // The deployments tab: a deployment made elsewhere shows as the live row, in the cards and in the header.
      await other.page.getByRole("link", { name: "Deployments" }).click();
      await other.page.getByRole("heading", { name: "History" }).waitFor();
      await other.page.locator("table tbody tr").first().waitFor();
      const rowsBefore = await other.page.locator("table tbody tr").count();
      await api.environments.set.mutate({ promptId, versionId: v14.id, environment: "staging" });
      await expect.poll(() => other.page.locator("table tbody tr").count()).toBe(rowsBefore + 1);
      await expect.poll(() => other.page.locator("table tbody tr").first().textContent()).toMatch(/staging.*Deployed.*live.*v1\.4/);
      await expect.poll(() => other.page.locator(".env-summary").textContent()).toContain("v1.4");
      // A version deleted elsewhere, while its page is open, says so.
      const v15 = await api.versions.create.mutate({ promptId, baseVersionId: v11, commitMessage: "Short-lived", body: body("Brief {{hc:company:string}} {{hc:max_sentences:number}}") });
      await other.page.goto(`${stack.url}/#/prompts/${promptId}/versions/${v15.id}`);
      await other.page.getByRole("heading", { name: /v1\.5/ }).waitFor();
      await waitLive(other.page);
      await api.versions.delete.mutate({ promptId, versionId: v15.id });
      await other.page.getByRole("heading", { name: "Version not found" }).waitFor();

      // A prompt deleted elsewhere while it is open says so.
      const gone = await seed("deleted-elsewhere", [], "Bye {{hc:name:string}}.");
      await other.page.goto(`${stack.url}/#/prompts/${gone.id}`);
      await other.page.getByRole("heading", { name: "deleted-elsewhere", level: 1 }).waitFor();
      await waitLive(other.page);
      await mark(other.page);
      await api.prompts.delete.mutate({ promptId: gone.id });
      await other.page.getByRole("heading", { name: "This prompt was deleted" }).waitFor();
      await shot(other.page, "14-deleted-elsewhere");
      expect(await marked(other.page)).toBe(true);
    } finally {
      await other.context.close();
    }
  });

  it("moves focus to a page's heading once it has loaded, however slowly", async () => {
    await page.goto(`${stack.url}/#/prompts/${promptId}`);
    await page.getByRole("link", { name: /^Version v1\.1/ }).waitFor();
    // The version's own data answers late.
    const slow = (url: URL) => url.pathname.includes("versions.withBody");
    await page.route(slow, async (route) => {
      await new Promise((done) => setTimeout(done, 1500));
      // Let go after the test's unroute: the page may have moved on.
      await route.continue().catch(() => undefined);
    });
    try {
      await page.getByRole("link", { name: /^Version v1\.1/ }).focus();
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: /v1\.1/, level: 1 }).waitFor();
      await expect.poll(() => page.evaluate(() => document.activeElement?.tagName === "H1" && document.activeElement.textContent?.includes("v1.1"))).toBe(true);

      // Focus put somewhere else while the page loads stays there.
      await page.goto(`${stack.url}/#/prompts/${promptId}`);
      await page.getByRole("link", { name: /^Version v1\.0/ }).click();
      await page.getByRole("button", { name: "Sign out" }).focus();
      await page.getByRole("heading", { name: /v1\.0/, level: 1 }).waitFor();
      await new Promise((done) => setTimeout(done, 200));
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Sign out");
    } finally {
      await page.unroute(slow);
    }
  });

  it("lists keyboard shortcuts in a help dialog (?), and they work", async () => {
    await page.goto(`${stack.url}/#/prompts/${promptId}`);
    await page.getByRole("link", { name: /^Version v1\.1/ }).waitFor();
    await page.locator("body").click({ position: { x: 5, y: 300 } });
    await page.keyboard.press("?");
    const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await help.waitFor();
    for (const action of ["Search prompts", "New prompt", "Go to Prompts", "Versions tab", "Compare tab", "Deployments tab", "Playground tab"]) {
      await help.getByText(action, { exact: true }).waitFor();
    }
    await shot(page, "15-shortcuts", { fullPage: false });
    await checkAxe(page, "shortcuts dialog");
    await page.keyboard.press("Escape");
    await help.waitFor({ state: "hidden" });

    await page.keyboard.press("3");
    await page.getByRole("heading", { name: "History" }).waitFor();
    await page.keyboard.press("4");
    await page.getByLabel("Version", { exact: true }).waitFor();
    // Typing in a field is never taken for a shortcut.
    await page.getByLabel("question").fill("2 g p ?");
    await expect.poll(() => page.url()).toContain("/playground");
    expect(await page.getByRole("dialog").count()).toBe(0);
    await page.locator("body").click({ position: { x: 5, y: 300 } });
    await page.keyboard.press("g");
    await page.keyboard.press("p");
    await page.getByRole("heading", { name: "Prompts", level: 1 }).waitFor();
    await page.keyboard.press("/");
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("prompt-search");
    await page.locator("body").click({ position: { x: 5, y: 300 } });
    await page.keyboard.press("n");
    await page.getByRole("heading", { name: "New prompt", level: 1 }).waitFor();
  });

  it("follows the system's dark mode, every screen readable", async () => {
    const dark = await signedInPage({ colorScheme: "dark" }, "dark");
    try {
      const background = () => dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      await dark.page.goto(`${stack.url}/#/`);
      await dark.page.locator(".card-title").first().waitFor();
      await waitLive(dark.page);
      expect(await background()).toBe("rgb(14, 15, 19)");
      await shot(dark.page, "dark-02-prompts");
      await checkAccessibleAndFits(dark.page, "dark: prompt list");
      await dark.page.goto(`${stack.url}/#/prompts/${promptId}/versions/${v11}`);
      await dark.page.getByRole("link", { name: "New version from v1.1" }).waitFor();
      await shot(dark.page, "dark-04-version");
      await checkAccessibleAndFits(dark.page, "dark: version");
      await dark.page.goto(`${stack.url}/#/prompts/${promptId}/compare?from=${v10}&to=${v11}`);
      await dark.page.locator(".diff-added").first().waitFor();
      await shot(dark.page, "dark-06-compare");
      await checkAccessibleAndFits(dark.page, "dark: compare");
      await dark.page.goto(`${stack.url}/#/prompts/${promptId}/deployments`);
      await dark.page.locator("table tbody tr").first().waitFor();
      await shot(dark.page, "dark-08-deployments");
      await checkAccessibleAndFits(dark.page, "dark: deployments");
      await dark.page.goto(`${stack.url}/#/prompts/${promptId}/playground?version=${v11}`);
      await dark.page.getByLabel("company").fill("Acme");
      await dark.page.getByLabel("max_sentences").fill("2");
      await dark.page.getByLabel("question").fill("Can I change my address?");
      await dark.page.getByRole("button", { name: "Run", exact: true }).click();
      await expect.poll(() => dark.page.locator(".answer-text").textContent()).toBe("echo: Can I change my address?");
      await shot(dark.page, "dark-09-playground");
      await checkAccessibleAndFits(dark.page, "dark: playground");
      await dark.page.goto(`${stack.url}/#/prompts/${promptId}/versions/${v11}/edit`);
      await dark.page.getByRole("heading", { name: "New version", exact: true }).waitFor();
      await dark.page.getByRole("button", { name: /^Create v1\.\d+$/ }).click();
      await dark.page.getByText("Say what changed").waitFor();
      await shot(dark.page, "dark-05-editor");
      await checkAccessibleAndFits(dark.page, "dark: editor with errors");
    } finally {
      await dark.context.close();
    }
  });

  it("works at phone width", async () => {
    const phone = await newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await phone.addInitScript((key) => window.localStorage.setItem("promptreg.apiKey", key), ADMIN_KEY);
    const small = await phone.newPage();
    watch(small, "phone");
    try {
      await small.goto(`${stack.url}/#/`);
      await small.locator(".card-title").first().waitFor();
      await checkAccessibleAndFits(small, "phone prompt list");
      await shot(small, "phone-01-prompts");

      await small.goto(`${stack.url}/#/prompts/${promptId}`);
      await small.getByRole("link", { name: /^Version v1\.1/ }).waitFor();
      await checkAccessibleAndFits(small, "phone prompt");
      await shot(small, "phone-02-prompt");

      // A long name without spaces wraps (heading and breadcrumbs) instead of widening the page.
      const { id: longId } = await seed(`a${"very".repeat(28)}long-name-without-any-spaces`, [], "Hello {{hc:name:string}}.");
      await small.goto(`${stack.url}/#/prompts/${longId}`);
      await small.getByRole("link", { name: /^Version v1\.0/ }).waitFor();
      await checkAccessibleAndFits(small, "phone prompt with a long name");
      await small.getByRole("link", { name: /^Version v1\.0/ }).click();
      await small.getByRole("link", { name: "New version from v1.0" }).waitFor();
      await checkAccessibleAndFits(small, "phone version of a prompt with a long name");
      await small.getByRole("link", { name: "New version from v1.0" }).click();
      await small.getByRole("heading", { name: "New version", exact: true }).waitFor();
      await checkAccessibleAndFits(small, "phone editor of a prompt with a long name");
      await small.goto(`${stack.url}/#/`);
      await small.locator(".card-title").first().waitFor();
      await checkAccessibleAndFits(small, "phone prompt list with a long name");

      await small.goto(`${stack.url}/#/prompts/${promptId}/compare?from=${v10}&to=${v11}`);
      await small.locator(".diff-added").first().waitFor();
      // Narrow screens start with the unified layout.
      expect(await small.getByRole("button", { name: "Unified" }).getAttribute("aria-pressed")).toBe("true");
      await checkAccessibleAndFits(small, "phone compare");
      await shot(small, "phone-03-compare");

      // The history table scrolls inside its box; nothing in it may widen the page.
      await small.goto(`${stack.url}/#/prompts/${promptId}/deployments`);
      await small.locator("table tbody tr").first().waitFor();
      await checkAccessibleAndFits(small, "phone deployments");
      await shot(small, "phone-05-deployments");

      await small.goto(`${stack.url}/#/prompts/${promptId}/playground?version=${v11}`);
      await small.getByLabel("company").fill("Acme");
      await small.getByLabel("max_sentences").fill("2");
      await small.getByLabel("question").fill("Can I change my address?");
      await small.getByRole("button", { name: "Run", exact: true }).click();
      await expect.poll(() => small.locator(".answer-text").textContent()).toBe("echo: Can I change my address?");
      await checkAccessibleAndFits(small, "phone playground");
      await shot(small, "phone-04-playground");

      await small.getByRole("button", { name: "Sign out" }).click();
      await small.getByRole("heading", { name: "Sign in" }).waitFor();
      expect(await small.evaluate(() => window.localStorage.getItem("promptreg.apiKey"))).toBeNull();
    } finally {
      await phone.close();
    }
  });

  it("logged no console errors and no page errors", () => {
    expect(problems).toEqual([]);
  });
});
