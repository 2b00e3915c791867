// The Jobs page as people use it (#18 item 3), in Debian's Chromium, as a plain user: search by
// name and id (a stranger's job with the same words never shows), filters and sorting (all answered
// by the server, last outcome included), schedules in words with their time zone, and bulk pause / delete whose confirm
// dialog says what the server's dry run counted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { adminAuth, api, apiUrl } from '../support/env.ts';
import { waitFor } from '../support/wait-for.ts';
import { chromiumMissing, launchChromium, loggedInContext, watchedPage } from '../support/browser.ts';

type Json = Record<string, unknown>;

describe('dashboard: the Jobs page (search, filters, sorting, words, bulk)', { skip: chromiumMissing(), timeout: 240_000 }, () => {
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  // A word only this test's jobs carry.
  const w = `uj${randomUUID().slice(0, 6)}`;
  const user = { username: `ui-jobs-${w}`, password: 'ui-jobs-password' };
  const auth = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
  const ids = { alpha: `${w}-alpha`, beta: `${w}-beta`, gamma: `${w}-gamma`, delta: `${w}-delta`, stranger: `${w}-stranger`, other: `other-${randomUUID().slice(0, 8)}` };

  const create = async (body: Json, as: string = auth) => {
    const res = await api('POST', '/v1/jobs', { auth: as, body: { type: 'http', data: { url: 'http://127.0.0.1:9/never', method: 'GET' }, ...body } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  };
  /** The job ids of the table's rows, in order. */
  const rows = async () => await page.$$eval('tbody tr[data-job-id]', (trs) => trs.map((tr) => tr.getAttribute('data-job-id') ?? ''));
  const rowsAre = async (expected: string[], what: string) => {
    await waitFor(async () => JSON.stringify(await rows()) === JSON.stringify(expected), 20_000, `${what}: rows ${JSON.stringify(expected)}`).catch(async (err: unknown) => {
      throw new Error(`${(err as Error).message}; rows are ${JSON.stringify(await rows())}`);
    });
  };
  const sorted = (...xs: string[]) => [...xs].sort();
  /** The rows hold exactly these ids, in any order (an unsorted list comes in Temporal's order). */
  const rowSetIs = async (expected: string[], what: string) => {
    await waitFor(async () => JSON.stringify((await rows()).sort()) === JSON.stringify(expected), 20_000, `${what}: rows ${JSON.stringify(expected)}`).catch(async (err: unknown) => {
      throw new Error(`${(err as Error).message}; rows are ${JSON.stringify(await rows())}`);
    });
  };
  const setFilter = async (selector: string, value: string) => {
    const el = await page.$(selector);
    if ((await el?.evaluate((e) => e.tagName)) === 'SELECT') await page.selectOption(selector, value);
    else await page.fill(selector, value);
  };
  const clearFilters = async () => {
    for (const name of ['type', 'tag', 'owner']) await setFilter(`input[name="${name}"]`, '');
    for (const name of ['dialect', 'enabled', 'lastOutcome', 'sort']) await setFilter(`select[name="${name}"]`, '');
  };

  before(async () => {
    const res = await api('POST', '/v1/users', { body: { ...user, role: 'user' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    await create({ id: ids.alpha, name: `Alpha ${w.toUpperCase()} payroll`, tags: ['billing'], timezone: 'Europe/Paris', triggers: [{ type: 'cron', dialect: 'quartz', expression: '0 15 10 ? * 6L' }] });
    await create({ id: ids.beta, name: 'Beta digest', enabled: false, triggers: [{ type: 'cron', expression: '*/15 * * * *' }] });
    await create({ id: ids.gamma, name: 'Gamma close', triggers: [{ type: 'cron', dialect: 'hangfire', expression: '0 0 L-3W * *' }] });
    await create({ id: ids.delta, name: 'Delta poll', triggers: [{ type: 'cron', dialect: 'dapr', expression: '@every 1h' }] });
    // The user's job without the word: a search leaves it out.
    await create({ id: ids.other, name: 'Other job', triggers: [{ type: 'cron', expression: '0 2 * * *' }] });
    // The admin's job has the word in its id and name: the user must never see it.
    await create({ id: ids.stranger, name: `Stranger ${w} payroll`, triggers: [{ type: 'cron', expression: '0 1 * * *' }] }, adminAuth());
    await waitFor(async () => (await api<{ items: unknown[] }>('GET', `/v1/jobs?q=${w}`)).body.items.length === 5, 20_000, 'the jobs in the list');
    await waitFor(async () => (await api<{ items: unknown[] }>('GET', `/v1/jobs?q=${ids.other}`)).body.items.length === 1, 20_000, 'the other job in the list');

    browser = await launchChromium();
    // A dashboard session (the page no longer answers a Basic challenge).
    const context = await loggedInContext(browser, apiUrl(), { timezoneId: 'UTC' }, user);
    context.setDefaultTimeout(30_000);
    page = await watchedPage(context, pageErrors);
  });
  after(async () => {
    await browser?.close();
    for (const id of Object.values(ids)) await api('DELETE', `/v1/jobs/${id}`).catch(() => undefined);
  });

  it('searches by name and id, case-insensitively, never showing a stranger’s job; shows schedules in words', async () => {
    await page.goto(`${apiUrl()}/ui/#/jobs`);
    await rowSetIs(sorted(ids.alpha, ids.beta, ids.delta, ids.gamma, ids.other), 'all of the user’s jobs, no search');
    await page.fill('input[name="q"]', w.toUpperCase());
    // The unsorted list comes in Temporal's order: compared as sets.
    await rowSetIs(sorted(ids.alpha, ids.beta, ids.delta, ids.gamma), 'search by the word');
    assert.equal(await page.$(`tr[data-job-id="${ids.stranger}"]`), null);
    // The search is in the address: a reload keeps it.
    await waitFor(() => page.url().endsWith(`#/jobs?q=${w.toUpperCase()}`), 5_000, `the search in the address (${page.url()})`);

    // Schedules in words, each with its time zone; the expression as written stays beside it.
    const words = async (id: string) => (await page.textContent(`tr[data-job-id="${id}"] .schedule .words`))?.trim();
    assert.equal(await words(ids.alpha), 'At 10:15, on the last Friday of the month (Europe/Paris)');
    assert.equal(await words(ids.beta), 'Every 15 minutes (UTC)');
    assert.equal(await words(ids.gamma), 'At 00:00, on the weekday nearest 3 days before the last day of the month (UTC)');
    // cronstrue cannot read @every: the server's own description.
    assert.equal(await words(ids.delta), 'every 3600s (UTC)');
    await page.waitForSelector(`tr[data-job-id="${ids.alpha}"] .schedule:has-text("cron 0 15 10 ? * 6L (quartz, Europe/Paris)")`);

    // By name only, and by id only.
    await page.fill('input[name="q"]', 'beta DIG');
    await rowsAre([ids.beta], 'search by name');
    await page.fill('input[name="q"]', `${w}-gam`);
    await rowsAre([ids.gamma], 'search by id');
    // The stranger's name: nothing, said as such.
    await page.fill('input[name="q"]', `Stranger ${w}`);
    await rowsAre([], "search for a stranger's job");
    await page.waitForSelector('p.empty:has-text("No job matches the search and filters.")');

    // Opened from a link with the search in it.
    await page.goto(`${apiUrl()}/ui/#/jobs?q=${w}-alpha`);
    await rowsAre([ids.alpha], 'search from the address');
    assert.equal(await page.inputValue('input[name="q"]'), `${w}-alpha`);
    assert.deepEqual(pageErrors, []);
  });

  it('filters by state, dialect, tag and type, and sorts by name and next run', async () => {
    await page.goto(`${apiUrl()}/ui/#/jobs?q=${w}`);
    await rowSetIs(sorted(ids.alpha, ids.beta, ids.delta, ids.gamma), 'search');
    await clearFilters();

    await setFilter('select[name="enabled"]', 'false');
    await rowsAre([ids.beta], 'paused only');
    await setFilter('select[name="enabled"]', 'true');
    await setFilter('select[name="sort"]', 'name');
    await rowsAre([ids.alpha, ids.delta, ids.gamma], 'enabled, by name');
    await setFilter('select[name="enabled"]', '');
    await setFilter('select[name="sort"]', '-nextRunAt');
    // Latest first: the end-of-month weekday (28 December or later) after the last Friday, the
    // hourly @every last; the paused job has no next run, which sorts as the latest.
    await rowsAre([ids.beta, ids.gamma, ids.alpha, ids.delta], 'sorted by next run, latest first');
    await setFilter('select[name="sort"]', 'nextRunAt');
    await rowsAre([ids.delta, ids.alpha, ids.gamma, ids.beta], 'sorted by next run, soonest first');

    await setFilter('select[name="sort"]', '');
    await setFilter('input[name="tag"]', 'billing');
    await rowsAre([ids.alpha], 'tag billing');
    await setFilter('input[name="tag"]', '');
    await setFilter('select[name="dialect"]', 'fusion');
    await rowsAre([], 'dialect fusion');
    await setFilter('select[name="dialect"]', 'native');
    await setFilter('input[name="type"]', 'http');
    await rowSetIs(sorted(ids.alpha, ids.beta, ids.delta, ids.gamma), 'dialect native, type http');
    await setFilter('input[name="type"]', 'shell');
    await rowsAre([], 'type shell');
    await setFilter('input[name="type"]', '');
    // None of them has been run by its schedule yet.
    await setFilter('select[name="lastOutcome"]', 'failed');
    await rowsAre([], 'last outcome failed');
    await setFilter('select[name="lastOutcome"]', 'none');
    await rowSetIs(sorted(ids.alpha, ids.beta, ids.delta, ids.gamma), 'not run by the schedule yet');
    await clearFilters();
    assert.deepEqual(pageErrors, []);
  });

  it('pauses the selected jobs after a confirm that shows the dry run’s count, then deletes one', async () => {
    await page.goto(`${apiUrl()}/ui/#/jobs?q=${w}&sort=name`);
    await rowsAre([ids.alpha, ids.beta, ids.delta, ids.gamma], 'search, by name');
    assert.equal(await page.isDisabled('button[data-bulk="pause"]'), true, 'nothing selected: no bulk action');

    await page.check('input[data-select-all]');
    await page.waitForSelector('[data-selected-count]:has-text("4 selected")');
    // Beta is paused already: the server's dry run counts 3 to change.
    const message = new Promise<string>((resolve) => {
      page.once('dialog', (d) => {
        resolve(d.message());
        void d.accept();
      });
    });
    await page.click('button[data-bulk="pause"]');
    assert.match(await message, /^Pause 3 of 4 selected job\(s\)\? \(1 already paused\)/);
    for (const id of [ids.alpha, ids.delta, ids.gamma]) {
      await waitFor(async () => (await api<{ enabled: boolean }>('GET', `/v1/jobs/${id}`, { auth })).body.enabled === false, 20_000, `${id} paused`);
      await page.waitForSelector(`tr[data-job-id="${id}"] .badge[data-status="paused"]`);
    }
    await page.waitForSelector('[data-selected-count]:has-text("none selected")');

    // Cancelling the confirm changes nothing.
    await page.check(`input[data-select="${ids.beta}"]`);
    const dismissed = new Promise<void>((resolve) => {
      page.once('dialog', (d) => {
        void d.dismiss().then(resolve);
      });
    });
    await page.click('button[data-bulk="delete"]');
    // The dialog comes after the dry run's answer: wait for it, so that the next one is the next click's.
    await dismissed;
    assert.equal((await api('GET', `/v1/jobs/${ids.beta}`, { auth })).status, 200);

    const deleting = new Promise<string>((resolve) => {
      page.once('dialog', (d) => {
        resolve(d.message());
        void d.accept();
      });
    });
    await page.click('button[data-bulk="delete"]');
    assert.match(await deleting, /^Delete 1 of 1 selected job\(s\)\?/);
    await waitFor(async () => (await api('GET', `/v1/jobs/${ids.beta}`, { auth })).status === 404, 20_000, 'beta deleted');
    await rowsAre([ids.alpha, ids.delta, ids.gamma], 'after the delete');
    // The stranger's job was never touched.
    assert.equal((await api<{ enabled: boolean }>('GET', `/v1/jobs/${ids.stranger}`)).body.enabled, true);
    assert.deepEqual(pageErrors, []);
  });
});
