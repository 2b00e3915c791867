// The dashboard's run page (#18 item 2) in Debian's Chromium against the real stack: a failed http
// run (error type and message, attempts, the JSON body pretty-printed), a slow run that retries (the
// current attempt, the last failure; Stop ends it cancelled), a run waiting to retry (when the next
// attempt is due; Abort ends it), Run again with the run's input, a
// datasource run's counters, a stranger's run answering like a missing one; and axe-core on the run
// page, the Overview and the Runs page, in the light and the dark theme.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, apiUrl, filesDir, uniqueId } from '../support/env.ts';
import { respondByPath, startHttpTarget, type HttpTarget, type Route } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';
import { finishedRun } from '../support/runs.ts';
import { adminCredentials, assertAccessible, chromiumMissing, launchChromium, loggedInContext, watchedPage } from '../support/browser.ts';

interface Run {
  runId: string;
  status: string;
  attempts: number;
  input: unknown;
  requestedBy: string | null;
  error: { type: string; message: string } | null;
}

describe('dashboard: the run page', { skip: chromiumMissing(), timeout: 300_000 }, () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let target: HttpTarget;
  let dir: string;
  const pageErrors: string[] = [];
  const jobs: string[] = [];
  const routes = new Map<string, Route>();
  let failedRun = '';

  const createJob = async (body: Record<string, unknown>) => {
    const res = await api<{ id: string }>('POST', '/v1/jobs', { body: { type: 'http', triggers: [], ...body } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    jobs.push(res.body.id);
    return res.body.id;
  };
  const runNow = async (jobId: string, input?: unknown) => {
    const res = await api<{ runId: string }>('POST', `/v1/jobs/${jobId}/run`, input === undefined ? {} : { body: { input } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    return res.body.runId;
  };
  const openRun = async (runId: string) => {
    await page.goto(`${apiUrl()}/ui/#/runs/${encodeURIComponent(runId)}`);
    await page.waitForSelector(`dl.fields[data-run-id="${runId}"]`);
  };

  before(async () => {
    target = await startHttpTarget();
    target.respond = respondByPath(routes);
    dir = await mkdtemp(join(filesDir(), 'kairos-ui-run-'));
    browser = await launchChromium();
    // bypassCSP: only so that the test can inject axe-core; the page's own code never needs it.
    context = await loggedInContext(browser, apiUrl(), { timezoneId: 'UTC', bypassCSP: true });
    context.setDefaultTimeout(30_000);
    page = await watchedPage(context, pageErrors);
  });
  after(async () => {
    await browser?.close();
    for (const id of jobs) await api('DELETE', `/v1/jobs/${id}`).catch(() => undefined);
    await target?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("shows a failed run's error type and message, its attempts and the JSON body pretty-printed; the Runs page links to it", async () => {
    const path = `/fail-${uniqueId('f')}`;
    routes.set(path, (_req, res) => res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"database down","code":42}'));
    const id = await createJob({ id: uniqueId('ui-fail'), data: { url: `${target.url}${path}` }, retry: { maxAttempts: 2, initialInterval: '100ms' } });
    // A job that follows its failures: the failed run starts it (dependents), and that run names its cause.
    const follower = await createJob({ id: uniqueId('ui-after'), data: { url: `${target.url}/ok` }, triggers: [{ type: 'job', jobId: id, on: ['failed'] }] });
    failedRun = await runNow(id);
    const run = await finishedRun<Run>(failedRun);
    assert.equal(run.status, 'failed');

    // Reached from the Runs page's link, as people get there.
    await page.goto(`${apiUrl()}/ui/#/runs?status=failed`);
    await page.click(`a.run-link[href="#/runs/${encodeURIComponent(failedRun)}"]`);
    await page.waitForSelector(`dl.fields[data-run-id="${failedRun}"][data-status="failed"]`);
    assert.equal(await page.textContent('.run-error .error-type'), 'HttpStatus500');
    assert.match((await page.textContent('.run-error .error-message')) ?? '', /answered 500/);
    assert.equal(await page.textContent('[data-attempts]'), '2');
    assert.equal(await page.getAttribute('[data-http-status]', 'data-http-status'), '500');
    // FULL history keeps the failed attempt's body: shown pretty-printed.
    assert.equal(await page.textContent('pre[data-body]'), '{\n  "error": "database down",\n  "code": 42\n}');
    assert.equal(await page.textContent(`dl.fields a[href="#/jobs/${encodeURIComponent(id)}"]`), id);
    // The timeline: scheduled → started (lateness) → ended (duration).
    assert.match((await page.textContent('.timeline [data-step="started"]')) ?? '', /late|on time/);
    assert.match((await page.textContent('.timeline [data-step="ended"]')) ?? '', /took /);
    assert.equal(await page.$('button:text-is("Stop")'), null, 'no Stop for a finished run');
    // The run it started, and back through its cause.
    const dependent = await page.waitForSelector(`dl.fields a[href^="#/runs/${encodeURIComponent(follower)}-"]`);
    await dependent.click();
    await page.waitForSelector(`dl.fields a[data-cause="${failedRun}"]`);
    assert.match((await page.textContent('dl.fields')) ?? '', new RegExp(`\\(${id} failed\\)`));
    await page.click(`dl.fields a[data-cause="${failedRun}"]`);
    await page.waitForSelector(`dl.fields[data-run-id="${failedRun}"]`);
    await assertAccessible(page, 'the failed run page (light)');
    assert.deepEqual(pageErrors, []);
  });

  it('shows a slow, retrying run with its attempt and last failure; Stop ends it cancelled', async () => {
    const path = `/slow-${uniqueId('s')}`;
    let n = 0;
    routes.set(path, (_req, res) => {
      n++;
      // The first attempt fails, the second never answers.
      if (n === 1) res.writeHead(500, { 'content-type': 'text/plain' }).end('first attempt fails');
    });
    const id = await createJob({ id: uniqueId('ui-slow'), data: { url: `${target.url}${path}`, timeout: '5m' }, retry: { maxAttempts: 3, initialInterval: '200ms', backoff: 1 } });
    const runId = await runNow(id);
    await openRun(runId);
    // The page reads the run again on each poll until the second attempt is executing.
    await page.waitForSelector('.attempt[data-state="executing"] #attempt-title:text-is("Attempt 2 of 3")', { timeout: 30_000 });
    assert.match((await page.textContent('.attempt .last-failure')) ?? '', /^HttpStatus500: .*answered 500/);
    assert.ok(await page.$(`dl.fields[data-status="running"]`));
    await assertAccessible(page, 'the running run page (light)');

    page.once('dialog', (d) => void d.accept());
    await page.click('button:text-is("Stop")');
    await page.waitForSelector(`dl.fields[data-status="cancelled"]`, { timeout: 30_000 });
    assert.equal(await page.$('.attempt'), null, 'no attempt section once it has ended');
    assert.equal((await api<Run>('GET', `/v1/runs/${runId}`)).body.status, 'cancelled');
    assert.deepEqual(pageErrors, []);
  });

  it('shows when a run waiting to retry tries next; Abort ends it terminated', async () => {
    const path = `/down-${uniqueId('d')}`;
    routes.set(path, (_req, res) => res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance'));
    const id = await createJob({ id: uniqueId('ui-retry'), data: { url: `${target.url}${path}` }, retry: { maxAttempts: 4, initialInterval: '10m' } });
    const runId = await runNow(id);
    await openRun(runId);
    await page.waitForSelector('.attempt[data-state="retrying"] #attempt-title:text-is("Attempt 2 of 4")', { timeout: 30_000 });
    assert.match((await page.textContent('.attempt')) ?? '', /waiting to retry/);
    assert.match((await page.textContent('.attempt .last-failure')) ?? '', /^HttpStatus503: /);
    // Due one retry interval after the failure: "in 10 min".
    assert.match((await page.textContent('.attempt .next-attempt')) ?? '', /\(in (9|10) min\)/);
    page.once('dialog', (d) => void d.accept());
    await page.click('button:text-is("Abort")');
    await page.waitForSelector(`dl.fields[data-status="terminated"]`, { timeout: 30_000 });
    assert.equal(await page.textContent('.run-error .error-type'), 'Terminated');
    assert.deepEqual(pageErrors, []);
  });

  it("runs again with the run's input, and opens the new run's page", async () => {
    const id = await createJob({ id: uniqueId('ui-again'), data: { url: `${target.url}/ok` } });
    const first = await runNow(id, { batch: 7 });
    await finishedRun<Run>(first);
    await openRun(first);
    assert.match((await page.textContent('dl.fields pre')) ?? '', /"batch": 7/);
    assert.equal(await page.getAttribute('button:text-is("Run again")', 'title'), `Start ${id} again with this run's input`);
    await page.click('button:text-is("Run again")');
    const second = await waitFor(
      () => {
        const m = /#\/runs\/(.+)$/.exec(page.url());
        const runId = m ? decodeURIComponent(m[1] ?? '') : '';
        return runId && runId !== first ? runId : undefined;
      },
      15_000,
      "the new run's page to open",
    );
    await page.waitForSelector(`dl.fields[data-run-id="${second}"]`);
    const again = await finishedRun<Run>(second);
    assert.deepEqual(again.input, { batch: 7 });
    assert.equal(again.requestedBy, adminCredentials().username);
    await page.waitForSelector(`dd:text-is("run now by ${adminCredentials().username}")`);
  });

  it("shows a datasource run's counters, bad records and checkpoint", async () => {
    const csv = join(dir, 'rows.csv');
    await writeFile(csv, 'id,n\n1,10\n2,20\n3,not-a-number\n4,40\n');
    const res = await api<{ id: string }>('POST', '/v1/jobs', {
      body: {
        id: uniqueId('ui-ds'),
        type: 'datasource',
        data: { source: { kind: 'file', path: csv, format: 'csv' }, key: 'id', mapping: { id: { type: 'integer' }, n: { type: 'integer' } }, sink: { kind: 'ndjson', path: join(dir, 'out.ndjson') } },
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    jobs.push(res.body.id);
    const runId = await runNow(res.body.id);
    assert.equal((await finishedRun<Run>(runId)).status, 'succeeded');
    await openRun(runId);
    const counter = async (k: string) => await page.textContent(`[data-counter="${k}"]`);
    assert.deepEqual([await counter('read'), await counter('written'), await counter('failed')], ['4', '3', '1']);
    assert.match((await page.textContent('table')) ?? '', /not-a-number/);
    assert.ok(await page.$('pre[aria-label="checkpoint"]'));
    await assertAccessible(page, 'the datasource run page (light)');
  });

  it("answers a stranger's run exactly like a missing one", async () => {
    const user = { username: uniqueId('ui-run-user'), password: 'ui-run-password' };
    assert.equal((await api('POST', '/v1/users', { body: { ...user, role: 'user' } })).status, 201);
    const ctx = await loggedInContext(browser, apiUrl(), {}, user);
    try {
      const p = await ctx.newPage();
      const shown = async (runId: string) => {
        await p.goto(`${apiUrl()}/ui/#/runs/${encodeURIComponent(runId)}`);
        await p.waitForSelector('h1:text-is("Run not found")');
        return (await p.textContent('main'))?.replace(runId, '<id>');
      };
      assert.equal(await shown(failedRun), await shown(`${failedRun}-nope`));
      assert.equal(await p.$('.run-error'), null);
    } finally {
      await ctx.close();
    }
  });

  it('passes axe-core on the Overview, the Runs page and the run page, in light and dark', async () => {
    const dark = await loggedInContext(browser, apiUrl(), { colorScheme: 'dark', timezoneId: 'UTC', bypassCSP: true });
    try {
      for (const [p, theme] of [
        [page, 'light'],
        [await dark.newPage(), 'dark'],
      ] as const) {
        await p.goto(`${apiUrl()}/ui/#/`);
        await p.waitForSelector('.cards [data-card="runs"]');
        await assertAccessible(p, `Overview (${theme})`);
        await p.goto(`${apiUrl()}/ui/#/runs`);
        await p.waitForSelector('tr[data-run-id]');
        await assertAccessible(p, `Runs page (${theme})`);
        await p.goto(`${apiUrl()}/ui/#/runs/${encodeURIComponent(failedRun)}`);
        await p.waitForSelector('.run-error .error-type');
        await assertAccessible(p, `failed run page (${theme})`);
      }
    } finally {
      await dark.close();
    }
  });
});
