/**
 * The dashboard end to end, in Debian's Chromium driven by playwright-core, against a real server, database
 * and (fake) LLM: sign in -> create a prompt -> new version -> diff -> deploy -> roll back -> playground,
 * then the main screens at phone width. Saves a screenshot of each screen (see SCREENSHOTS below).
 *
 * Any console error or page error fails the test, except the network errors the test provokes on purpose
 * (a wrong API key's 401, the playground's 400 for a missing input), which are allowed only in those steps.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Dialog, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, APP_DIR, buildDashboard, startStack, type Stack } from "./stack";

const CHROMIUM = process.env["PROMPTREG_CHROMIUM"] ?? "/usr/bin/chromium";
// `pnpm screenshots` refreshes the committed ones in screenshots/; a plain test run writes beside them, ignored by git.
const SCREENSHOTS = resolve(APP_DIR, process.env["PROMPTREG_SCREENSHOTS_DIR"] ?? ".e2e-screenshots");
const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];
let allowed: RegExp[] = [];

let promptId = "";
let v10 = "";
let v11 = "";

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

async function shot(target: Page, name: string, options: { keepToasts?: boolean } = {}): Promise<void> {
  // A full-page capture of a scrolled page draws the sticky top bar mid-page.
  await target.evaluate(() => window.scrollTo(0, 0));
  await target.screenshot({
    path: join(SCREENSHOTS, `${name}.png`),
    fullPage: true,
    animations: "disabled",
    caret: "hide",
    style: options.keepToasts ? undefined : ".toasts { display: none !important; }",
  });
}

/** Every form control and button on the page has an accessible name; no sideways scrolling. */
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
}

/** Creates a prompt over REST; returns its id. */
async function seed(name: string, tags: string[], content: string): Promise<string> {
  const response = await fetch(`${stack.url}/v1/prompt-2025`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({
      name,
      tags,
      promptBody: { model: "gpt-4o-mini", temperature: 0.2, messages: [{ role: "system", content }, { role: "user", content: "{{hc:question:string}}" }] },
    }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { data: { id: string } }).data.id;
}

function idsFromUrl(url: string): { promptId: string; versionId: string } {
  const match = /#\/prompts\/([^/]+)\/versions\/([^/?]+)/.exec(url);
  if (!match) throw new Error(`not a version URL: ${url}`);
  return { promptId: decodeURIComponent(match[1]!), versionId: decodeURIComponent(match[2]!) };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with 'apt-get install -y chromium' (or set PROMPTREG_CHROMIUM)`);
  await mkdir(SCREENSHOTS, { recursive: true });
  await buildDashboard();
  stack = await startStack();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
  });
  context = await browser.newContext({ viewport: LAPTOP, deviceScaleFactor: 1, locale: "en-GB", timezoneId: "UTC" });
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
  watch(page, "laptop");
});

afterAll(async () => {
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
    await shot(page, "02-prompts-empty");
  });

  it("creates a prompt with typed variables", async () => {
    await page.getByRole("link", { name: "Create your first prompt" }).click();
    await page.getByRole("heading", { name: "New prompt" }).waitFor();
    await page.getByLabel("Name", { exact: true }).fill("support-agent");
    await page.getByLabel("Tags").fill("support, email");
    await page
      .getByLabel("Content of message 1 (system)")
      .fill("You are a support agent for {{hc:company:string}}.\nAnswer in at most {{hc:max_sentences:number}} sentences.");
    await page.getByLabel("Content of message 2 (user)").fill("{{hc:question:string}}");
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

  it("creates v1.1 from v1.0 in the editor and deploys it to staging on save", async () => {
    await page.getByRole("link", { name: "New version from v1.0" }).click();
    await page.getByRole("heading", { name: "New version", exact: true }).waitFor();
    const system = page.getByLabel("Content of message 1 (system)");
    await system.fill("You are a friendly, patient support agent for {{hc:company:string}}.\nAnswer in at most {{hc:max_sentences:number}} sentences.");
    await page.getByLabel("Commit message").fill("Warmer tone");

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

    await page.getByLabel("Deploy it when it is created").check();
    await expect.poll(() => page.getByLabel("Deploy to").inputValue()).toBe("staging");
    await shot(page, "05-editor");
    await checkAccessibleAndFits(page, "editor");

    await page.getByRole("button", { name: "Create v1.1 and deploy to staging" }).click();
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
    await shot(page, "07-deploy-dialog");
    await dialog.getByRole("button", { name: "Deploy to production" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByText("Deployed v1.1 to production").waitFor();
    await expect.poll(() => page.locator("h1").textContent()).toContain("production");
  });

  it("shows the deployment history and rolls production back to v1.0", async () => {
    await page.getByRole("link", { name: "support-agent" }).click();
    await page.getByRole("link", { name: "Deployments" }).click();
    await page.getByRole("heading", { name: "History" }).waitFor();
    const rows = page.locator("table tbody tr");
    await expect.poll(() => rows.count()).toBe(3);

    await page.getByRole("button", { name: "Roll production back to v1.0" }).click();
    const dialog = page.getByRole("dialog", { name: "Roll back production?" });
    await dialog.getByText("serves v1.1 now").waitFor();
    await dialog.getByRole("button", { name: "Roll back to v1.0" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByText("Rolled production back to v1.0").waitFor();
    await expect.poll(() => rows.count()).toBe(4);
    const production = page.locator(".env-card", { has: page.locator(".badge", { hasText: /^production$/ }) });
    await expect.poll(() => production.textContent()).toContain("v1.0");
    await expect.poll(() => rows.first().textContent()).toMatch(/production.*Deployed.*live.*v1\.0.*v1\.1/);
    await shot(page, "08-deployments");
    await checkAccessibleAndFits(page, "deployments");

    // Remove staging, then bring it back by rolling back the removal.
    await page.getByRole("button", { name: "Remove the staging environment" }).click();
    const remove = page.getByRole("dialog", { name: "Remove staging?" });
    await remove.getByRole("button", { name: "Remove staging" }).click();
    await remove.waitFor({ state: "hidden" });
    await expect.poll(() => rows.count()).toBe(5);
    await expect.poll(() => rows.first().textContent()).toMatch(/staging.*Removed/);
    expect(await page.locator(".env-card").count()).toBe(1);
    await page.getByRole("button", { name: "Roll staging back to v1.1" }).click();
    await page.getByRole("dialog", { name: "Roll back staging?" }).getByRole("button", { name: "Roll back to v1.1" }).click();
    await expect.poll(() => page.locator(".env-card").count()).toBe(2);
    await expect.poll(() => rows.count()).toBe(6);
  });

  it("runs v1.1 in the playground: compiled request, input errors, then the answer through the gateway", async () => {
    await page.getByRole("link", { name: "Playground" }).click();
    const versionSelect = page.getByLabel("Version", { exact: true });
    // Production is v1.0 after the rollback: the playground starts there.
    await expect.poll(() => versionSelect.inputValue()).toBe(v10);
    await versionSelect.selectOption(v11);
    await page.getByLabel("company").fill("Acme");
    await page.getByLabel("question").fill("Where is my order?");
    const compiled = page.getByLabel("Compiled request body");
    await expect.poll(() => compiled.textContent()).toContain("friendly, patient support agent for Acme");
    await page.getByText("1 problem before this can run").waitFor();

    await allowing(/status of 400/, async () => {
      await page.getByRole("button", { name: "Run" }).click();
      await page.getByText("The gateway answered 400 · invalid_inputs").waitFor();
    });
    await page.locator("#input-max_sentences-error").waitFor();
    await shot(page, "10-playground-error");

    await page.getByLabel("max_sentences").fill("3");
    await expect.poll(() => compiled.textContent()).toContain("at most 3 sentences");
    await page.keyboard.press("Control+Enter");
    await page.locator(".answer-text").waitFor();
    expect(await page.locator(".answer-text").textContent()).toBe("echo: Where is my order?");
    await page.getByText("served v1.1").waitFor();
    await shot(page, "09-playground");
    await checkAccessibleAndFits(page, "playground");
  });

  it("lists, searches and filters prompts", async () => {
    await seed("billing-faq", ["billing"], "You answer billing questions for {{hc:company:string}}.");
    await seed("onboarding-email", ["email", "growth"], "Write a welcome email to {{hc:name:string}}.");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Prompts" }).click();
    await page.getByRole("heading", { name: "Prompts", level: 1 }).waitFor();
    const names = page.locator(".card-title");
    await expect.poll(() => names.allTextContents()).toEqual(["onboarding-email", "billing-faq", "support-agent"]);
    await shot(page, "02-prompts");
    await checkAccessibleAndFits(page, "prompt list");

    await page.getByLabel("Search prompts by name").fill("BILL");
    await expect.poll(() => names.allTextContents()).toEqual(["billing-faq"]);
    await page.getByLabel("Search prompts by name").fill("");
    await page.getByLabel("Tag", { exact: true }).selectOption("email");
    await expect.poll(() => names.allTextContents()).toEqual(["onboarding-email", "support-agent"]);
    await page.getByLabel("Search prompts by name").fill("nothing-like-this");
    await page.getByRole("heading", { name: "No prompts match" }).waitFor();

    await page.goto(`${stack.url}/#/prompts/${promptId}`);
    await page.getByRole("link", { name: /^Version v1\.1/ }).waitFor();
    // The browser tab names the prompt, not its id.
    await expect.poll(() => page.title()).toBe("Versions · support-agent — promptreg");
    await shot(page, "04-prompt-versions");
  });

  it("works at phone width", async () => {
    const phone = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "en-GB", timezoneId: "UTC" });
    phone.setDefaultTimeout(15_000);
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
      const longId = await seed(`a${"very".repeat(28)}long-name-without-any-spaces`, [], "Hello {{hc:name:string}}.");
      await small.goto(`${stack.url}/#/prompts/${longId}`);
      await small.getByRole("link", { name: /^Version v1\.0/ }).waitFor();
      await checkAccessibleAndFits(small, "phone prompt with a long name");
      await small.getByRole("link", { name: /^Version v1\.0/ }).click();
      await small.getByRole("link", { name: "New version from v1.0" }).waitFor();
      await checkAccessibleAndFits(small, "phone version of a prompt with a long name");
      await small.getByRole("link", { name: "New version from v1.0" }).click();
      await small.getByRole("heading", { name: "New version", exact: true }).waitFor();
      await checkAccessibleAndFits(small, "phone editor of a prompt with a long name");

      await small.goto(`${stack.url}/#/prompts/${promptId}/compare`);
      await small.locator(".diff-added").first().waitFor();
      // Narrow screens start with the unified layout.
      expect(await small.getByRole("button", { name: "Unified" }).getAttribute("aria-pressed")).toBe("true");
      await checkAccessibleAndFits(small, "phone compare");
      await shot(small, "phone-03-compare");

      // The history table scrolls inside its box; nothing in it (the visually hidden "Roll back" header) may widen the page.
      await small.goto(`${stack.url}/#/prompts/${promptId}/deployments`);
      await small.locator("table tbody tr").first().waitFor();
      await checkAccessibleAndFits(small, "phone deployments");
      await shot(small, "phone-05-deployments");

      await small.goto(`${stack.url}/#/prompts/${promptId}/playground?version=${v11}`);
      await small.getByLabel("company").fill("Acme");
      await small.getByLabel("max_sentences").fill("2");
      await small.getByLabel("question").fill("Can I change my address?");
      await small.getByRole("button", { name: "Run" }).click();
      await small.locator(".answer-text").waitFor();
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
