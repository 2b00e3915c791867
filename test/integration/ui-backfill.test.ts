// The job page's Backfill button in Debian's Chromium (#17 item 5): the dialog's preview is the
// server's dry run (the fire times of the range), a bad range shows the API's error and starts
// nothing, and "Run backfill" after a confirm starts exactly the previewed runs, listed as backfill.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { api, apiUrl, uniqueId } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';
import { chromiumMissing, launchChromium, loggedInContext } from '../support/browser.ts';

/** A `datetime-local` value of a UTC instant (the page runs in UTC below). */
const localInput = (d: Date) => d.toISOString().slice(0, 16);

describe('dashboard: backfill a job from its page', { skip: chromiumMissing(), timeout: 180_000 }, () => {
  let browser: Browser;
  let page: Page;
  let target: HttpTarget;
  const pageErrors: string[] = [];
  const id = uniqueId('ui-backfill');

  before(async () => {
    target = await startHttpTarget();
    browser = await launchChromium();
    const context = await loggedInContext(browser, apiUrl(), { timezoneId: 'UTC' });
    context.setDefaultTimeout(30_000);
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });
  after(async () => {
    await browser?.close();
    await api('DELETE', `/v1/jobs/${id}`);
    await target?.close();
  });

  it('previews the fire times, refuses a bad range with the API error, then runs the backfill after a confirm', async () => {
    // Paused: only the backfill runs it.
    const created = await api('POST', '/v1/jobs', {
      body: { id, name: 'UI backfill', type: 'http', enabled: false, data: { url: `${target.url}/bf` }, retry: { maxAttempts: 1 }, triggers: [{ type: 'cron', expression: '*/10 * * * *' }] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const t0 = new Date(Math.floor((Date.now() - 3600_000) / 600_000) * 600_000);
    const t2 = new Date(t0.getTime() + 20 * 60_000);

    await page.goto(`${apiUrl()}/ui/#/jobs/${id}`);
    await page.click('section > div > .actions button:has-text("Backfill")');
    await page.waitForSelector('#backfill-dialog[open]');

    // A range the wrong way round: the API's 400 in the dialog, nothing started.
    await page.fill('#backfill-dialog input[name="from"]', localInput(t2));
    await page.fill('#backfill-dialog input[name="to"]', localInput(t0));
    await page.click('#backfill-dialog button:has-text("Preview")');
    await page.waitForSelector('#backfill-dialog .error:has-text("after from")');
    assert.equal(await page.isDisabled('#backfill-run'), true);

    await page.fill('#backfill-dialog input[name="from"]', localInput(t0));
    await page.fill('#backfill-dialog input[name="to"]', localInput(t2));
    await page.selectOption('#backfill-dialog select[name="overlap"]', 'allow_all');
    await page.click('#backfill-dialog button:has-text("Preview")');
    await page.waitForSelector('#backfill-dialog [data-count="3"]');
    const listed = await page.$$eval('#backfill-dialog ol li', (lis) => lis.length);
    assert.equal(listed, 3);
    assert.equal((await api<{ items: unknown[] }>('GET', `/v1/jobs/${id}/runs`)).body.items.length, 0, 'a preview starts nothing');

    page.once('dialog', (d) => void d.accept());
    await page.click('#backfill-run');
    await page.waitForSelector('#backfill-dialog', { state: 'hidden' });
    // The job's runs table shows the three backfilled runs (the page polls).
    await waitFor(async () => (await page.$$('tr[data-run-id][data-status="succeeded"]')).length === 3, 60_000, 'three succeeded runs on the page');
    const runs = await waitFor(
      async () => {
        const r = await api<{ items: { trigger: string; scheduledAt: string }[] }>('GET', `/v1/jobs/${id}/runs`);
        return r.body.items.length === 3 && r.body.items.every((x) => x.trigger === 'backfill') ? r.body.items : undefined;
      },
      30_000,
      'three backfill runs',
    );
    assert.deepEqual(runs.map((r) => new Date(r.scheduledAt).getTime()).sort(), [0, 10, 20].map((m) => t0.getTime() + m * 60_000));
    assert.deepEqual(pageErrors, []);
  });
});
