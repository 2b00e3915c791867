// Browser tests drive Debian's Chromium through playwright-core: no browser is ever downloaded
// (scripts/ensure-test-deps.sh installs the chromium package when it can).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM = process.env.KAIROS_CHROMIUM ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium, or set KAIROS_CHROMIUM)`;
}

/** Headless Chromium without the sandbox (tests run as root in containers) and without background traffic. */
export async function launchChromium(): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** The admin login the harness created, for a browser context's httpCredentials. */
export function adminCredentials(): { username: string; password: string } {
  return { username: process.env.KAIROS_ADMIN_USER ?? '', password: process.env.KAIROS_ADMIN_PASSWORD ?? '' };
}

/**
 * A browser context logged in to the dashboard as `creds` (default: the harness's admin): a session
 * opened with POST /v1/sessions, whose cookie the context's pages share (the page reads the CSRF token
 * from GET /v1/sessions/current). The login form itself is tested in ui-login.test.ts.
 */
export async function loggedInContext(browser: Browser, baseUrl: string, options: BrowserContextOptions = {}, creds = adminCredentials()): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  const res = await context.request.post(`${baseUrl}/v1/sessions`, { data: creds, failOnStatusCode: false });
  if (res.status() !== 201) {
    await context.close();
    throw new Error(`dashboard login as ${creds.username} failed: HTTP ${res.status()} ${await res.text()}`);
  }
  return context;
}

/**
 * A new page of `context` whose script errors (and console errors other than the 4xx answers the
 * dashboard shows itself) are collected in `errors`: tests assert it stays empty.
 */
export async function watchedPage(context: BrowserContext, errors: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 4\d\d/.test(msg.text())) errors.push(msg.text());
  });
  return page;
}

/** axe-core's browser bundle, found as Node finds the package (a devDependency). */
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Evaluates a browser-side expression (the tests compile without the DOM's types). */
export async function js<T>(page: Page, expression: string): Promise<T> {
  return (await page.evaluate(expression)) as T;
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core on the page and fails on any serious or critical violation (listing them), except
 * the rule ids in `known` (violations of third-party code the page cannot fix, each named where the
 * test calls this); returns the known ones that occurred.
 */
export async function assertAccessible(page: Page, what: string, known: readonly string[] = []): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await js<AxeViolation[]>(
    page,
    `axe.run(document).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) })))`,
  );
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const bad = serious.filter((v) => !known.includes(v.id));
  assert.deepEqual(bad, [], `${what}: ${JSON.stringify(bad, null, 1)}`);
  return serious.map((v) => v.id);
}
