// /v1/docs in Debian's Chromium: the native API's OpenAPI document as an interactive page (Swagger
// UI) that loads under its own CSP with no violation, lists the operations, and opens one; the
// widened CSP is the docs page's only (the dashboard keeps its strict one); only the named files of
// swagger-ui-dist are served.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { api, apiUrl } from '../support/env.ts';
import { adminCredentials, chromiumMissing, launchChromium } from '../support/browser.ts';

describe('API docs page (/v1/docs)', { skip: chromiumMissing(), timeout: 120_000 }, () => {
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    browser = await launchChromium();
    const context = await browser.newContext({ httpCredentials: { ...adminCredentials(), origin: apiUrl() } });
    context.setDefaultTimeout(30_000);
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      // A failed load is reported below with its URL.
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(`console: ${msg.text()}`);
    });
    // The browser asks for /favicon.ico on its own; the API has none (404), which is not the page's.
    page.on('response', (r) => {
      if (r.status() >= 400 && new URL(r.url()).pathname !== '/favicon.ico') problems.push(`${r.status()} ${r.url()}`);
    });
  });
  after(async () => {
    await browser?.close();
  });

  it('loads under its CSP, lists the operations and opens one', async () => {
    const res = await page.goto(`${apiUrl()}/v1/docs`);
    assert.equal(res?.status(), 200);
    const csp = res?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'(;|$)/u, 'scripts from this origin only');
    assert.match(csp, /style-src 'self' 'unsafe-inline'/u);
    await page.getByText('Create a job', { exact: true }).first().waitFor();
    await page.getByText('Kairos', { exact: false }).first().waitFor();
    // Open one operation: its parameters show.
    await page.locator('.opblock-summary-path', { hasText: '/v1/jobs/{id}/run' }).first().click();
    await page.locator('.opblock.is-open .parameters-container').first().waitFor();
    assert.deepEqual(problems.filter((p) => /Content Security Policy|Refused to/u.test(p)), [], 'no CSP violation');
    assert.deepEqual(problems, []);
  });

  it('widens the CSP for the docs page only, and serves only the named Swagger UI files', async () => {
    const ui = await fetch(`${apiUrl()}/ui/`, { headers: { authorization: `Basic ${Buffer.from(`${adminCredentials().username}:${adminCredentials().password}`).toString('base64')}` } });
    assert.doesNotMatch(ui.headers.get('content-security-policy') ?? '', /unsafe-inline/u, 'the dashboard keeps its strict CSP');
    for (const file of ['package.json', 'index.html', '..%2Fpackage.json', 'swagger-ui.js.map']) {
      assert.equal((await api('GET', `/v1/docs/${file}`)).status, 404, file);
    }
    assert.equal((await api('GET', '/v1/docs/swagger-ui.css')).status, 200);
    assert.equal((await api('GET', '/v1/docs', { auth: 'Basic d3Jvbmc6d3Jvbmc=' })).status, 401, 'behind authentication like every /v1 path');
  });
});
