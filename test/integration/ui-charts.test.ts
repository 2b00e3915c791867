// The dashboard's charts (issue #18 item 4) in Debian's Chromium, as a plain user whose http jobs
// really ran against a loopback target: the job page and the Overview draw bars for the succeeded
// and failed runs and duration lines, each chart an image with a summary and a hidden data table;
// the 24h / 7d / 30d switch refetches; the bars' colours follow the theme; axe passes, light and dark.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, apiUrl, uniqueId } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';
import { assertAccessible, chromiumMissing, js, launchChromium, loggedInContext } from '../support/browser.ts';

interface Totals {
  total: { counts: { succeeded: number; failed: number } };
}

describe('dashboard: charts of runs over time', { skip: chromiumMissing(), timeout: 240_000 }, () => {
  let browser: Browser;
  let target: HttpTarget;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const w = uniqueId('uic');
  const user = { username: `ui-charts-${w}`, password: 'ui-charts-password' };
  const auth = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
  const ids = { ok: `${w}-ok`, fail: `${w}-fail` };

  /**
   * A logged-in page. `axe`: with the CSP bypassed, only so that the test can inject axe-core; the
   * charts are first drawn without it, where a CSP violation (an inline style) is a console error.
   */
  const newPage = async (colorScheme: 'light' | 'dark', axe = false): Promise<Page> => {
    const context = await loggedInContext(browser, apiUrl(), { timezoneId: 'Europe/Paris', colorScheme, ...(axe ? { bypassCSP: true } : {}) }, user);
    context.setDefaultTimeout(30_000);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/status of 4\d\d/.test(msg.text())) pageErrors.push(msg.text());
    });
    return page;
  };
  const count = async (page: Page, selector: string) => (await page.$$(selector)).length;

  before(async () => {
    target = await startHttpTarget();
    target.respond = (req, res) => {
      if (req.path.startsWith('/ok')) setTimeout(() => res.writeHead(200).end('ok'), 100);
      else res.writeHead(500).end('boom');
    };
    const res = await api('POST', '/v1/users', { body: { ...user, role: 'user' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    for (const [id, path] of [[ids.ok, '/ok'], [ids.fail, '/fail']] as const) {
      const created = await api('POST', '/v1/jobs', { auth, body: { id, name: id, type: 'http', triggers: [], data: { url: `${target.url}${path}` }, retry: { maxAttempts: 1 } } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    for (const id of [ids.ok, ids.ok, ids.fail]) assert.equal((await api('POST', `/v1/jobs/${id}/run`, { auth })).status, 202);
    // The runs have ended and the worker's batch is in the rollup (bounded wait).
    await waitFor(
      async () => {
        const s = (await api<Totals>('GET', '/v1/stats/series', { auth })).body;
        return s.total.counts.succeeded === 2 && s.total.counts.failed === 1;
      },
      45_000,
      "the user's three runs in the series",
    );
    browser = await launchChromium();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    for (const id of Object.values(ids)) await api('DELETE', `/v1/jobs/${id}`).catch(() => undefined);
    await target?.close();
  });

  it("draws a job's runs: bars, duration lines, summaries and hidden tables; the switch refetches", async () => {
    const page = await newPage('light');
    await page.goto(`${apiUrl()}/ui/#/jobs/${ids.ok}`);
    await page.waitForSelector('svg[data-chart="success"] rect[data-kind="succeeded"]');
    assert.equal(await count(page, 'svg[data-chart="success"] rect[data-kind="failed"]'), 0, 'the ok job never failed');
    // Both runs in one bar of the current hour (or two, across an hour's end).
    const bars = await count(page, 'svg[data-chart="success"] rect[data-kind="succeeded"]');
    assert.ok(bars === 1 || bars === 2, String(bars));
    assert.ok((await count(page, 'svg[data-chart="duration"] circle[data-series="p50"]')) >= 1);
    assert.ok((await count(page, 'svg[data-chart="duration"] circle[data-series="p95"]')) >= 1);
    // Manual runs are never late: no lateness line.
    assert.equal(await count(page, 'svg[data-chart="lateness"] [data-series="late"]'), 0);

    // Images with summaries, and the numbers as tables for screen readers.
    const label = await page.getAttribute('svg[data-chart="success"]', 'aria-label');
    assert.match(label ?? '', /^Runs and success rate: 2 runs in the last 24 hours: 2 succeeded, 0 failed, 0 stopped or aborted; success rate 100 %/);
    assert.equal(await page.getAttribute('svg[data-chart="success"]', 'role'), 'img');
    assert.match((await page.getAttribute('svg[data-chart="duration"]', 'aria-label')) ?? '', /^Run duration: in the last 24 hours, median [\d.]+ (ms|s), 95th percentile [\d.]+ (ms|s)/);
    assert.match((await page.getAttribute('svg[data-chart="lateness"]', 'aria-label')) ?? '', /no scheduled runs/);
    const rows = await page.$$eval('figure:has(svg[data-chart="success"]) table.visually-hidden tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    assert.ok(rows.length >= 1 && rows.reduce((n, r) => n + Number(r[1]), 0) === 2, JSON.stringify(rows));
    // Hidden from sight, not from the accessibility tree.
    assert.equal(await js<string>(page, `getComputedStyle(document.querySelector('table.visually-hidden')).position`), 'absolute');
    // x labels in local time (Europe/Paris): the 24 hourly buckets start on the hour.
    const xs = await page.$$eval('svg[data-chart="success"] text.chart-x', (ts) => ts.map((t) => t.textContent ?? ''));
    assert.ok(xs.length >= 4 && xs.every((t) => /^\d\d:00$/.test(t)), JSON.stringify(xs));

    // The switch: 7 days refetches (28 six-hour buckets), then 30 days (30 daily).
    for (const [window, labelRe] of [['7d', /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) \d\d:00$/], ['30d', /^\d\d-\d\d$/]] as const) {
      const fetched = page.waitForResponse((r) => r.url().includes(`/v1/jobs/${ids.ok}/stats/series?window=${window}`) && r.status() === 200);
      await page.click(`button[data-window="${window}"]`);
      await fetched;
      await page.waitForSelector(`.charts[data-window="${window}"] svg[data-chart="success"] rect[data-kind="succeeded"]`);
      assert.equal(await page.getAttribute(`button[data-window="${window}"]`, 'aria-pressed'), 'true');
      assert.equal(await page.getAttribute('button[data-window="24h"]', 'aria-pressed'), 'false');
      assert.match((await page.getAttribute('svg[data-chart="success"]', 'aria-label')) ?? '', new RegExp(`2 runs in the last ${window === '7d' ? '7' : '30'} days`));
      const labels = await page.$$eval('svg[data-chart="success"] text.chart-x', (ts) => ts.map((t) => t.textContent ?? ''));
      assert.ok(labels.length >= 4 && labels.every((t) => labelRe.test(t)), `${window}: ${JSON.stringify(labels)}`);
    }
    // Drawn under the dashboard's CSP: no violation (each is a console error).
    assert.deepEqual(pageErrors, []);
  });

  it('draws the overall charts on the Overview (succeeded and failed bars), accessible in dark mode with the theme’s colours', async () => {
    const light = await newPage('light', true);
    await light.goto(`${apiUrl()}/ui/#/`);
    await light.waitForSelector('svg[data-chart="success"] rect[data-kind="failed"]');
    await light.waitForSelector('svg[data-chart="success"] rect[data-kind="succeeded"]');
    assert.match((await light.getAttribute('svg[data-chart="success"]', 'aria-label')) ?? '', /3 runs in the last 24 hours: 2 succeeded, 1 failed, 0 stopped or aborted; success rate 66\.7 %/);
    const fill = `getComputedStyle(document.querySelector('svg[data-chart="success"] rect[data-kind="failed"]')).fill`;
    const lightFill = await js<string>(light, fill);
    await assertAccessible(light, 'overview with charts, light');
    await light.goto(`${apiUrl()}/ui/#/jobs/${ids.ok}`);
    await light.waitForSelector('svg[data-chart="duration"] circle[data-series="p95"]');
    await assertAccessible(light, 'job page with charts, light');

    const dark = await newPage('dark', true);
    await dark.goto(`${apiUrl()}/ui/#/`);
    await dark.waitForSelector('svg[data-chart="success"] rect[data-kind="failed"]');
    assert.equal(await dark.getAttribute('html', 'data-theme'), 'dark');
    const darkFill = await js<string>(dark, fill);
    assert.notEqual(darkFill, lightFill, 'the bars take the theme’s colours');
    assert.match(darkFill, /^rgb/);
    await assertAccessible(dark, 'overview with charts, dark');
    // The job page's charts in dark too.
    await dark.goto(`${apiUrl()}/ui/#/jobs/${ids.fail}`);
    await dark.waitForSelector('svg[data-chart="success"] rect[data-kind="failed"]');
    await assertAccessible(dark, 'job page with charts, dark');
    assert.deepEqual(pageErrors, []);
  });
});
