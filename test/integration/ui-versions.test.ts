// A job's Versions and Audit panels (#18 item 5) in Debian's Chromium, as the job's owner: the list of
// versions, the line diff of two versions (lines marked with +/−, not colour alone), Restore (a new
// version with the old definition; a change made meanwhile (the API's 409 to a stale If-Match) is a clear message, then the list
// shows it), the audit trail with authors, details on demand and paging; axe-core in light and dark.
// Then the admins' Audit page, whose nav link only admins see, and jsdiff's modules as served.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, apiUrl, uniqueId } from '../support/env.ts';
import { waitFor } from '../support/wait-for.ts';
import { assertAccessible, chromiumMissing, js, launchChromium, loggedInContext } from '../support/browser.ts';

type Json = Record<string, unknown>;

describe("dashboard: a job's versions and audit trail", { skip: chromiumMissing(), timeout: 240_000 }, () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const user = { username: uniqueId('ui-ver-user'), password: 'ui-versions-password' };
  const auth = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
  let userId = '';
  const id = uniqueId('ui-ver');
  /** How many times the page has read the job's trail (it polls). */
  let trailReads = 0;

  const versionRows = async () => await page.$$eval('[data-panel="versions"] tbody tr[data-version]', (trs) => trs.map((tr) => tr.getAttribute('data-version') ?? ''));
  const versionRowsAre = async (expected: string[], what: string) => {
    await waitFor(async () => JSON.stringify(await versionRows()) === JSON.stringify(expected), 20_000, `${what}: versions ${JSON.stringify(expected)}`).catch(async (err: unknown) => {
      throw new Error(`${(err as Error).message}; rows are ${JSON.stringify(await versionRows())}`);
    });
  };
  const lines = async (kind: 'added' | 'removed') => await page.$$eval(`.diff-line.${kind}`, (els) => els.map((e) => e.textContent ?? ''));
  const patch = async (body: Json) => {
    const res = await api('PATCH', `/v1/jobs/${id}`, { auth, body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const definitionOf = async (n: number) => (await api<{ definition: Json }>('GET', `/v1/jobs/${id}/versions/${n}`, { auth })).body.definition;

  before(async () => {
    const res = await api<{ id: string }>('POST', '/v1/users', { body: { ...user, role: 'user' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    userId = res.body.id;
    const created = await api('POST', '/v1/jobs', {
      auth,
      body: { id, name: 'UI versions', type: 'http', enabled: false, description: 'first', data: { url: 'http://127.0.0.1:9/never', method: 'GET' }, triggers: [{ type: 'cron', expression: '0 3 * * *' }] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await patch({ description: 'second' });
    await patch({ description: 'third' });
    browser = await launchChromium();
    // bypassCSP: only so that the test can inject axe-core; the page's own code never needs it.
    context = await loggedInContext(browser, apiUrl(), { colorScheme: 'light', timezoneId: 'UTC', bypassCSP: true }, user);
    context.setDefaultTimeout(30_000);
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('request', (r) => {
      if (r.url().includes(`/v1/jobs/${id}/audit`)) trailReads++;
    });
  });
  after(async () => {
    await browser?.close();
    await api('DELETE', `/v1/jobs/${id}`);
    if (userId) await api('DELETE', `/v1/users/${userId}`);
  });

  it('lists the versions, diffs v3 against v2 by default and any two on demand, with +/− signs', async () => {
    await page.goto(`${apiUrl()}/ui/#/jobs/${id}`);
    await versionRowsAre(['3', '2', '1'], 'three versions');
    const v3 = page.locator('[data-panel="versions"] tr[data-version="3"]');
    assert.match((await v3.textContent()) ?? '', /changed description/);
    assert.ok(((await v3.textContent()) ?? '').includes(user.username), 'the author by name');
    assert.match((await page.locator('[data-panel="versions"] tr[data-version="1"]').textContent()) ?? '', /first version/);
    assert.equal(await page.inputValue('select[name="old"]'), '2');
    assert.equal(await page.inputValue('select[name="new"]'), '3');
    await page.waitForSelector('.diff-line.added');
    assert.deepEqual(await lines('removed'), ['−  "description": "second",']);
    assert.deepEqual(await lines('added'), ['+  "description": "third",']);
    // Marked by more than colour: the elements are <del>/<ins> and the sign is text.
    assert.equal(await page.$$eval('del.diff-line', (els) => els.length), 1);
    assert.equal(await page.$$eval('ins.diff-line', (els) => els.length), 1);

    // Any two: v1 against v3.
    await page.selectOption('select[name="old"]', '1');
    await waitFor(async () => (await lines('removed')).some((l) => l.includes('"first"')), 10_000, 'the v1 → v3 diff');
    assert.deepEqual(await lines('added'), ['+  "description": "third",']);
    // A row's Diff button: that version against the one before.
    await page.click('[data-panel="versions"] tr[data-version="2"] button:has-text("Diff")');
    await waitFor(async () => (await lines('added')).includes('+  "description": "second",'), 10_000, 'the v1 → v2 diff');
    assert.equal(await page.inputValue('select[name="old"]'), '1');
    await assertAccessible(page, 'job page with versions and audit, light');
  });

  it('restores v1 after a confirm: the job has v1 definition again as v4', async () => {
    let confirmText = '';
    page.once('dialog', (d) => {
      confirmText = d.message();
      void d.accept();
    });
    await page.click('[data-panel="versions"] tr[data-version="1"] button:has-text("Restore")');
    await versionRowsAre(['4', '3', '2', '1'], 'a fourth version');
    assert.match(confirmText, /Restore version 1/);
    const job = (await api<Json>('GET', `/v1/jobs/${id}`, { auth })).body;
    assert.equal(job.description, 'first');
    assert.deepEqual(await definitionOf(4), await definitionOf(1));
    // The live version has no Restore; the selection follows the new version.
    assert.equal(await page.locator('[data-panel="versions"] tr[data-version="4"] button:has-text("Restore")').count(), 0);
    await waitFor(async () => (await lines('added')).includes('+  "description": "first",'), 10_000, 'the v3 → v4 diff');
  });

  it('says clearly when the job changed since the page read it (a stale If-Match: 409), then shows the change', async () => {
    // The change lands between the page's read and its restore, whatever the page polled before.
    await page.route(`**/v1/jobs/${id}/versions/2/restore`, async (route) => {
      await patch({ description: 'changed elsewhere' });
      await route.continue();
    });
    page.once('dialog', (d) => void d.accept());
    await page.click('[data-panel="versions"] tr[data-version="2"] button:has-text("Restore")');
    await page.waitForSelector('#banner:not([hidden])');
    assert.match((await page.textContent('#banner-text')) ?? '', /Version 2 was not restored: the job was changed elsewhere/);
    await versionRowsAre(['5', '4', '3', '2', '1'], "the other client's change");
    await page.unroute(`**/v1/jobs/${id}/versions/2/restore`);
    assert.equal((await api<Json>('GET', `/v1/jobs/${id}`, { auth })).body.description, 'changed elsewhere', 'the restore changed nothing');
    await page.click('#banner-close');
  });

  it('lists the audit trail with the author, details on demand, and pages', async () => {
    const actions = async () => await page.$$eval('.audit tbody tr[data-action]', (trs) => trs.map((tr) => [tr.getAttribute('data-action'), tr.getAttribute('data-outcome'), tr.children[1]?.textContent]));
    await waitFor(async () => (await actions()).length >= 6, 20_000, 'the audit rows');
    assert.deepEqual(await actions(), [
      ['job.restore', 'failed', user.username],
      ['job.patch', 'ok', user.username],
      ['job.restore', 'ok', user.username],
      ['job.patch', 'ok', user.username],
      ['job.patch', 'ok', user.username],
      ['job.create', 'ok', user.username],
    ]);
    // The failed restore's detail: its status.
    const failed = page.locator('.audit tr[data-action="job.restore"][data-outcome="failed"]');
    await failed.locator('summary').click();
    assert.match((await failed.locator('pre.detail').textContent()) ?? '', /"status": 409/);
    // The detail stays open across polls (the rows are kept while the events are the same).
    const reads = trailReads;
    await waitFor(async () => trailReads >= reads + 2, 20_000, 'two more polls of the trail');
    assert.equal(await failed.locator('details').getAttribute('open'), '');

    // Enough events for a second page (20 a page): pause/resume the job from the API.
    for (let i = 0; i < 8; i++) {
      assert.equal((await api('POST', `/v1/jobs/${id}/${i % 2 === 0 ? 'resume' : 'pause'}`, { auth })).status, 200);
    }
    for (let i = 0; i < 8; i++) await patch({ description: `round ${i}` });
    await waitFor(async () => (await actions()).length === 20, 20_000, 'a full first page');
    const older = page.locator('.audit .pager button:has-text("Older")');
    assert.equal(await older.isEnabled(), true);
    await older.click();
    await waitFor(async () => (await actions()).at(-1)?.[0] === 'job.create', 20_000, 'the second page ends with the create');
    assert.equal(await page.locator('.audit .pager button:has-text("Older")').isDisabled(), true);
    await page.click('.audit .pager button:has-text("Newer")');
    await waitFor(async () => (await actions()).length === 20, 20_000, 'back on the first page');
  });

  it('passes axe-core in dark mode with a diff shown, and fits a phone', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await page.waitForSelector('.diff-line.added');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
    await assertAccessible(page, 'job page with versions and audit, dark');
    // On a phone the tables and the diff scroll inside their own boxes, not the page.
    await page.setViewportSize({ width: 390, height: 844 });
    await waitFor(async () => await js<boolean>(page, 'document.documentElement.scrollWidth <= window.innerWidth'), 5_000, 'the job page fits 390 px');
    // A non-admin has no Audit page link.
    assert.equal(await page.isHidden('#nav-audit'), true);
    assert.deepEqual(pageErrors, []);
  });

  it("shows admins the whole log on the Audit page, filtered by job", async () => {
    const admin = await loggedInContext(browser, apiUrl(), { colorScheme: 'light', bypassCSP: true });
    try {
      const p = await admin.newPage();
      const errors: string[] = [];
      p.on('pageerror', (err) => errors.push(err.message));
      await p.goto(`${apiUrl()}/ui/#/`);
      await p.waitForSelector('#nav-audit:not([hidden])');
      await p.click('#nav-audit');
      await p.waitForSelector('h1:has-text("Audit log")');
      await p.fill('input[name="job"]', id);
      await p.press('input[name="job"]', 'Enter');
      await waitFor(async () => {
        const jobs = await p.$$eval('.audit tbody tr[data-action]', (trs) => trs.map((tr) => tr.children[2]?.textContent ?? ''));
        return jobs.length === 20 && jobs.every((j) => j === id);
      }, 20_000, "the job's events only");
      await assertAccessible(p, 'Audit page, light');
      assert.deepEqual(errors, []);
    } finally {
      await admin.close();
    }
  });

  it("serves jsdiff's ES modules from the package, and nothing else of it", async () => {
    for (const path of ['/ui/vendor/diff/index.js', '/ui/vendor/diff/diff/line.js', '/ui/vendor/diff/util/params.js']) {
      const res = await fetch(`${apiUrl()}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /text\/javascript/);
      assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    }
    for (const path of ['/ui/vendor/diff/index.d.ts', '/ui/vendor/diff/package.json', '/ui/vendor/diff/%2e%2e/package.json', '/ui/vendor/diff/..%2f..%2fpackage.json', '/ui/vendor/diff/diff/%2e%2e%2f%2e%2e%2fLICENSE', '/ui/vendor/diff/Diff/base.js', '/ui/vendor/diff/a/b/c.js']) {
      assert.equal((await fetch(`${apiUrl()}${path}`)).status, 404, path);
    }
  });
});
