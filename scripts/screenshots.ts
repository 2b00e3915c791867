// Takes the README's screenshots of the dashboard: a private stack (dev server, SQLite, its own data
// dir and ports, as the integration tests use), a handful of jobs of several dialects run against a
// loopback target (one of them failing), then Chromium at a desktop size, light and dark. Writes
// ui/screenshots/*.png; run it by hand when the pages change (`npx tsx scripts/screenshots.ts`) and
// commit the images: CI never runs it, so the tree stays clean.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../core/config.ts';
import { bootstrapAdminInState } from '../core/auth/bootstrap.ts';
import { launchStack, privateStackEnv, type Stack } from './stack.ts';
import { launchChromium, loggedInContext } from '../test/support/browser.ts';

const OUT = fileURLToPath(new URL('../ui/screenshots/', import.meta.url));
const ADMIN = { user: 'admin', password: 'screenshots-admin-pw' };
const VIEWPORT = { width: 1280, height: 820 };

/** A loopback HTTP target: `/ok` answers 200 with JSON after a short pause, `/fail` 503 with an error body. */
async function startTarget(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/fail')) {
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'warehouse unavailable', retryAfter: 30 }));
      return;
    }
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ rows: 1284, status: 'exported' })), 150 + Math.random() * 300);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Calls the native API as the admin; throws on a non-2xx answer. */
async function call<T = Record<string, unknown>>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

/** Polls `fn` until it returns true (bounded). */
async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The demo jobs: several dialects and schedules, one that fails. */
function demoJobs(target: string): Record<string, unknown>[] {
  const http = (path: string, extra: Record<string, unknown> = {}) => ({ type: 'http', data: { url: `${target}${path}`, method: 'POST' }, ...extra });
  return [
    { id: 'nightly-report', name: 'Nightly report', tags: ['reports'], ...http('/ok'), timezone: 'America/New_York', triggers: [{ type: 'cron', dialect: 'quartz', expression: '0 15 10 ? * MON-FRI' }] },
    { id: 'sync-inventory', name: 'Sync inventory', tags: ['warehouse'], ...http('/ok'), triggers: [{ type: 'cron', dialect: 'unix', expression: '*/15 * * * *' }] },
    { id: 'export-ledger', name: 'Export ledger', tags: ['finance'], ...http('/fail'), retry: { maxAttempts: 2, initialInterval: '1s' }, triggers: [{ type: 'cron', dialect: 'hangfire', expression: '0 2 L * *' }] },
    { id: 'purge-sessions', name: 'Purge sessions', tags: ['maintenance'], ...http('/ok'), triggers: [{ type: 'interval', every: '1h' }] },
    { id: 'month-end-close', name: 'Month-end close', tags: ['finance'], ...http('/ok'), timezone: 'Europe/London', triggers: [{ type: 'cron', dialect: 'quartz', expression: '0 0 18 L * ?' }] },
  ];
}

/** Waits until the page shows `ready` (a selector) and its requests have settled, then captures it. */
async function shoot(page: Page, name: string, ready: string, fullPage = false): Promise<void> {
  await page.waitForSelector(ready, { timeout: 30_000 });
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage });
  console.error(`[screenshots] ${name}.png`);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'kairos-shots-'));
  const target = await startTarget();
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  try {
    const env = await privateStackEnv(dataDir, ADMIN, { KAIROS_TEMPORAL: 'dev' });
    const cfg = loadConfig(env);
    await bootstrapAdminInState(cfg);
    stack = await launchStack(cfg, { env, onProgress: (m) => console.error(`[screenshots] ${m}`) });
    const base = stack.apiUrl;
    for (const job of demoJobs(target.url)) await call(base, 'POST', '/v1/jobs', job);
    // A second version of one job, so that its page has a diff to show.
    await call(base, 'PATCH', '/v1/jobs/nightly-report', { tags: ['reports', 'daily'] });
    const runs: string[] = [];
    for (const id of ['nightly-report', 'sync-inventory', 'export-ledger', 'sync-inventory', 'purge-sessions', 'nightly-report']) {
      runs.push((await call<{ runId: string }>(base, 'POST', `/v1/jobs/${id}/run`)).runId);
    }
    await until('the demo runs to end', async () => {
      const page = await call<{ items: { status: string }[] }>(base, 'GET', '/v1/runs?limit=50');
      return page.items.length >= runs.length && page.items.every((r) => r.status !== 'running');
    });
    const failed = runs[2] as string;

    browser = await launchChromium();
    for (const scheme of ['light', 'dark'] as const) {
      const anonymous = await browser.newContext({ viewport: VIEWPORT, colorScheme: scheme });
      if (scheme === 'light') {
        const login = await anonymous.newPage();
        await login.goto(`${base}/ui/`);
        await shoot(login, 'login', 'form input[type=password]');
      }
      await anonymous.close();
      const context = await loggedInContext(browser, base, { viewport: VIEWPORT, colorScheme: scheme }, { username: ADMIN.user, password: ADMIN.password });
      const page = await context.newPage();
      const suffix = scheme === 'dark' ? '-dark' : '';
      await page.goto(`${base}/ui/#/`);
      await shoot(page, `overview${suffix}`, '.cards');
      if (scheme === 'light') {
        await page.goto(`${base}/ui/#/jobs`);
        await shoot(page, 'jobs', 'table tbody tr >> text=Nightly report');
        await page.goto(`${base}/ui/#/jobs/nightly-report`);
        await shoot(page, 'job', 'h1:has-text("Nightly report")', true);
        await page.goto(`${base}/ui/#/runs`);
        await shoot(page, 'runs', 'table tbody tr');
        await page.goto(`${base}/ui/#/runs/${encodeURIComponent(failed)}`);
        await shoot(page, 'run-failed', '.run-error', true);
        await page.goto(`${base}/v1/docs`);
        await shoot(page, 'api-docs', '.swagger-ui .opblock');
      }
      await context.close();
    }
  } finally {
    await browser?.close();
    await stack?.stop();
    await target.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
