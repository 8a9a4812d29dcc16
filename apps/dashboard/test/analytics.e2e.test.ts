/**
 * The Metrics and Requests tabs end to end, in Debian's Chromium driven by playwright-core, against a real
 * server, database and fake LLM: calls made through the gateway (two versions, two environments, provider
 * failures, captured inputs with a redacted variable) show up per version with their error rate and a
 * chart; the request log filters by status, opens a call's details, and opens the call in the playground
 * with its inputs. Screenshots of both tabs (laptop and phone) and an axe-core check of each. Any console
 * or page error fails the test.
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
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

let promptId = "";
let v10 = "";
let v11 = "";

const template = (greeting: string) => ({
  model: "gpt-4o-mini",
  temperature: 0.2,
  messages: [
    { role: "system" as const, content: `${greeting} You help customers of {{hc:company:string}}.` },
    { role: "user" as const, content: "{{hc:customer:string}} asks: {{hc:question:string}}" },
  ],
});

async function call(environment: string, question: string): Promise<number> {
  const res = await fetch(`${stack.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ prompt_id: promptId, environment, inputs: { company: "Acme", customer: "Ann Smith", question } }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function shot(name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true, animations: "disabled", caret: "hide", style: ".toasts { display: none !important; }" });
}

async function checkAxe(where: string, target: Page = page): Promise<void> {
  if (!(await target.evaluate(() => "axe" in window))) await target.evaluate(AXE_SOURCE);
  const violations = await target.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: unknown) => Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical"), `axe on ${where}`).toEqual([]);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with 'apt-get install -y chromium' (or set PROMPTREG_CHROMIUM)`);
  await mkdir(SCREENSHOTS, { recursive: true });
  await buildDashboard();
  stack = await startStack();
  api = createPromptregClient({ url: stack.url, apiKey: ADMIN_KEY });
  const created = await api.prompts.create.mutate({ name: "support answers", tags: ["support"], body: template("Hello.") });
  promptId = created.prompt.id;
  v10 = created.version.id;
  v11 = (await api.versions.create.mutate({ promptId, baseVersionId: v10, body: template("Hi there!"), commitMessage: "Warmer greeting", environment: "staging" })).id;
  await api.captureSettings.set.mutate({ promptId, enabled: true, redactVariables: ["customer"] });
  // Calls through the gateway: production (v1.0) and staging (v1.1), and two provider failures on staging.
  for (let i = 0; i < 6; i++) expect(await call("production", `Where is order ${i}?`)).toBe(200);
  for (let i = 0; i < 3; i++) expect(await call("staging", `Can I return item ${i}?`)).toBe(200);
  stack.fake.behave({ kind: "status", status: 500, body: { error: { message: "overloaded", type: "server_error", code: "overloaded" } } });
  for (let i = 0; i < 2; i++) expect(await call("staging", "Is anyone there?")).toBe(500);
  stack.fake.reset();
  // Recorded within seconds.
  const deadline = Date.now() + 20_000;
  let counted = 0;
  while (counted < 11 && Date.now() < deadline) {
    counted = (await api.metrics.byVersion.query({ promptId })).versions.reduce((n, v) => n + v.requests, 0);
    if (counted < 11) await new Promise((r) => setTimeout(r, 200));
  }
  expect(counted).toBe(11);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: "en-GB", timezoneId: "UTC", colorScheme: "light" });
  context.setDefaultTimeout(15_000);
  await context.addInitScript((key) => window.localStorage.setItem("promptreg.apiKey", key), ADMIN_KEY);
  page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("metrics and requests", () => {
  it("shows the versions side by side, with their error rates and a chart over time", async () => {
    await page.goto(`${stack.url}/#/prompts/${promptId}/metrics`);
    const table = page.locator(".metrics-table");
    await table.waitFor();
    const row = (versionId: string) => table.locator(`tr[data-version="${versionId}"]`);
    await expect.poll(() => row(v11).locator("td").nth(1).innerText()).toBe("5");
    expect(await row(v10).locator("td").nth(1).innerText()).toBe("6");
    // 2 of v1.1's 5 calls failed at the provider; none of v1.0's.
    expect(await row(v11).locator("td").nth(2).innerText()).toBe("40 %");
    expect(await row(v10).locator("td").nth(2).innerText()).toBe("0 %");
    // Newest version first, each with the environments it serves.
    expect(await table.locator("tbody tr").first().getAttribute("data-version")).toBe(v11);
    expect(await row(v10).innerText()).toContain("production");
    expect(await row(v11).locator("td").last().innerText()).toMatch(/^\$/);
    await page.locator(".time-chart svg circle").first().waitFor();
    expect(await page.locator(".time-chart-legend").innerText()).toContain("v1.1");

    await page.getByLabel("Show").selectOption("errorRate");
    await expect.poll(() => page.url()).toContain("chart=errorRate");
    await page.getByLabel("Environment", { exact: true }).selectOption("production");
    await expect.poll(() => table.locator("tbody tr").count()).toBe(1);
    await page.getByLabel("Environment", { exact: true }).selectOption("");
    await page.getByLabel("Show").selectOption("requests");
    await expect.poll(() => table.locator("tbody tr").count()).toBe(2);
    await shot("16-metrics");
    await checkAxe("metrics");

    // A window without calls says so.
    await page.getByLabel("Window").selectOption("1h");
    await expect.poll(() => page.url()).toContain("window=1h");
    await expect.poll(() => table.locator("tbody tr").count()).toBe(2);
  });

  it("lists the calls newest first, filters them, and opens one in the playground with its inputs", async () => {
    await page.goto(`${stack.url}/#/prompts/${promptId}/requests`);
    const rows = page.locator(".requests-table tbody tr.call-row");
    await expect.poll(() => rows.count()).toBe(11);
    expect(await page.locator(".history-foot").innerText()).toContain("11 calls");
    expect(await page.locator(".capture-settings").innerText()).toContain("Input capture on");
    await shot("17-requests");
    await checkAxe("requests");

    await page.getByLabel("Status").selectOption("error");
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.first().innerText()).toContain("500");
    expect(await rows.first().innerText()).toContain("overloaded");
    await page.getByLabel("Status").selectOption("");
    await page.getByLabel("Version").selectOption(v10);
    await expect.poll(() => rows.count()).toBe(6);

    // The newest call of v1.0: its details, inputs with the redacted variable, then the playground.
    await rows.first().getByRole("button").click();
    const details = page.locator(".call-details");
    await details.waitFor();
    expect(await details.innerText()).toContain('"customer": "[redacted]"');
    expect(await details.innerText()).toContain('"question": "Where is order 5?"');
    await shot("18-request-details");
    await details.getByRole("link", { name: "Open in playground" }).click();
    await expect.poll(() => page.url()).toContain("/playground");
    await expect.poll(() => page.getByLabel("question").inputValue()).toBe("Where is order 5?");
    expect(await page.getByLabel("company").inputValue()).toBe("Acme");
    // Redacted: left for the user to fill in.
    expect(await page.getByLabel("customer").inputValue()).toBe("");
    await shot("19-playground-from-request");
  });

  it("pages the log, a later page pinned to when it was opened so new calls do not shift it", async () => {
    for (let i = 0; i < 20; i++) expect(await call("production", `Paging question ${i}`)).toBe(200);
    await page.goto(`${stack.url}/#/prompts/${promptId}/requests`);
    const rows = page.locator(".requests-table tbody tr.call-row");
    const foot = page.locator(".history-foot");
    await expect.poll(() => foot.innerText(), { timeout: 30_000 }).toContain("31 calls");
    expect(await rows.count()).toBe(25);
    expect(await foot.innerText()).toContain("Page 1 of 2");
    await page.getByRole("navigation", { name: "Request log pages" }).getByRole("link", { name: "Next →" }).click();
    await expect.poll(() => page.url()).toContain("page=1");
    expect(page.url()).toContain("to=");
    await expect.poll(() => rows.count()).toBe(6);
    // The oldest call of all is the last row of the last page.
    expect(await rows.last().innerText()).toContain("v1.0");
    // A call made now is not counted on the pinned pages, and the newest are one click away.
    expect(await call("staging", "One more")).toBe(200);
    await expect.poll(async () => (await api.requests.list.query({ promptId })).total, { timeout: 30_000 }).toBe(32);
    await page.reload();
    await expect.poll(() => rows.count()).toBe(6);
    expect(await foot.innerText()).toContain("31 calls");
    await page.getByRole("link", { name: "Back to the newest" }).click();
    await expect.poll(() => foot.innerText()).toContain("32 calls");
    expect(await rows.first().innerText()).toContain("staging");
    expect(page.url()).not.toContain("to=");
  });

  it("follows the system's dark mode, readable (axe)", async () => {
    const dark = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: "en-GB", timezoneId: "UTC", colorScheme: "dark" });
    await dark.addInitScript((key) => window.localStorage.setItem("promptreg.apiKey", key), ADMIN_KEY);
    const night = await dark.newPage();
    night.on("console", (message) => {
      if (message.type() === "error") problems.push(`[dark] console error: ${message.text()}`);
    });
    night.on("pageerror", (error) => problems.push(`[dark] page error: ${error.message}`));
    try {
      for (const [tab, name] of [["metrics", "dark-10-metrics"], ["requests", "dark-11-requests"]] as const) {
        await night.goto(`${stack.url}/#/prompts/${promptId}/${tab}`);
        await night.locator(tab === "metrics" ? ".time-chart svg circle" : ".requests-table tbody tr.call-row").first().waitFor();
        // The dark palette is in use (not the light one's near-white background).
        expect(await night.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe("rgb(14, 15, 19)");
        await checkAxe(`dark: ${tab}`, night);
        await night.evaluate(() => window.scrollTo(0, 0));
        await night.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true, animations: "disabled", caret: "hide" });
      }
    } finally {
      await dark.close();
    }
  });

  it("fits a phone's width", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, locale: "en-GB", timezoneId: "UTC", colorScheme: "light" });
    await phone.addInitScript((key) => window.localStorage.setItem("promptreg.apiKey", key), ADMIN_KEY);
    const small = await phone.newPage();
    try {
      for (const [tab, name] of [["metrics", "phone-06-metrics"], ["requests", "phone-07-requests"]] as const) {
        await small.goto(`${stack.url}/#/prompts/${promptId}/${tab}`);
        await small.locator(tab === "metrics" ? ".metrics-table" : ".requests-table").waitFor();
        const overflow = await small.evaluate(() => document.documentElement.scrollWidth - 390);
        expect(overflow, `${tab} scrolls sideways`).toBeLessThanOrEqual(0);
        await small.evaluate(() => window.scrollTo(0, 0));
        await small.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true, animations: "disabled", caret: "hide" });
      }
    } finally {
      await phone.close();
    }
    expect(problems).toEqual([]);
  });
});
