// The web dashboard (/ui/): its files served without credentials (the page logs in: ui-login.test.ts), only files
// of ui/ (no traversal), with a restrictive CSP; and, in Debian's Chromium, the pages do what they
// show: jobs with their schedules, run now → a succeeded run, stop a running run, change a cron,
// pause/resume, delete, and the API's error message in the banner.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { adminAuth, api, apiUrl, temporalHasWebUi, uniqueId } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';
import { chromiumMissing, launchChromium, loggedInContext, watchedPage } from '../support/browser.ts';
import { loadConfig } from '../../core/config.ts';
import { openDatabase } from '../../core/db/open.ts';
import { notRunId, RunSkipStore } from '../../core/runs/skip-store.ts';

/**
 * A GET with the path and headers sent exactly as written: fetch would normalise "../" away, and
 * adds Cache-Control: no-cache to a conditional request (which makes any server answer 200).
 */
async function rawGet(
  path: string,
  auth: string | null = adminAuth(),
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(apiUrl());
  return await new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET', headers: { ...headers, ...(auth ? { authorization: auth } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.end();
  });
}

describe('dashboard over HTTP', () => {
  it('serves its files without credentials (the login form is in them); its settings ask for credentials: 401 with a Basic challenge, in the native error shape', async () => {
    for (const auth of [null, 'Basic d3Jvbmc6Y3JlZGVudGlhbHM=']) {
      for (const path of ['/ui/', '/ui/app.js']) assert.equal((await rawGet(path, auth)).status, 200, path);
      assert.equal((await rawGet('/ui/no-such.js', auth)).status, 404);
      const res = await rawGet('/ui/config.json', auth);
      assert.equal(res.status, 401);
      assert.match(String(res.headers['www-authenticate']), /^Basic realm="kairos"$/i);
      assert.equal((JSON.parse(res.body) as { error: { code: string } }).error.code, 'unauthenticated');
    }
  });

  it('serves the page with content types, a restrictive CSP, revalidation, and /ui → /ui/', async () => {
    const redirect = await rawGet('/ui');
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.location, '/ui/');

    const page = await rawGet('/ui/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html; charset=utf-8/);
    assert.match(page.body, /<script type="module" src="app.js"><\/script>/);
    const csp = String(page.headers['content-security-policy']);
    for (const part of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) assert.ok(csp.includes(part), csp);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['cache-control'], 'private, no-cache');

    for (const [path, type] of [['/ui/app.js', 'text/javascript'], ['/ui/style.css', 'text/css'], ['/ui/index.html', 'text/html']]) {
      const res = await api('GET', path ?? '');
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', new RegExp(`^${type}`), path);
    }
    const etag = (await rawGet('/ui/app.js')).headers.etag;
    assert.ok(typeof etag === 'string' && etag.length > 0);
    const cached = await rawGet('/ui/app.js', adminAuth(), { 'if-none-match': etag });
    assert.equal(cached.status, 304);
    assert.equal(cached.body, '');

    const cfg = await api<{ temporalUiUrl: string | null; namespace: string }>('GET', '/ui/config.json');
    assert.equal(cfg.status, 200);
    if (temporalHasWebUi()) assert.match(cfg.body.temporalUiUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    else assert.equal(cfg.body.temporalUiUrl, null, 'the cluster has no Web UI to link');
  });

  it('serves nothing outside ui/: traversal, encoded traversal, absolute paths and unknown types are 404s', async () => {
    const paths = [
      '/ui/../package.json', '/ui/..%2Fpackage.json', '/ui/%2e%2e%2fpackage.json', '/ui/%2e%2e/package.json', '/ui/..%5Cpackage.json',
      '/ui/....//package.json', '/ui/..%2F..%2F..%2Fetc%2Fpasswd', '/ui/%2Fetc%2Fpasswd', '/ui//etc/passwd', '/ui/..', '/ui/.',
      '/ui/%00app.js', '/ui/app.js%00.html', '/ui/app.ts', '/ui/.eslintrc', '/ui/app.js/', '/ui/../api/ui.ts', '/ui/..%2Fapi%2Fui.ts',
    ];
    for (const path of paths) {
      const res = await rawGet(path);
      assert.ok(res.status === 404 || res.status === 400, `${path} → ${res.status}`);
      assert.doesNotMatch(res.body, /"name": "kairos"|root:x:0:0|UI_CSP/, path);
    }
  });

  it('lists runs across jobs for the dashboard (GET /v1/runs): paged, filtered, validated', async () => {
    const id = uniqueId('ui-api');
    assert.equal((await api('POST', '/v1/jobs', { body: { id, type: 'http', data: { url: 'http://127.0.0.1:9/never' }, retry: { maxAttempts: 1 } } })).status, 201);
    try {
      const run = await api<{ runId: string }>('POST', `/v1/jobs/${id}/run`);
      type Page = { items: { runId: string; jobId: string; status: string; jobName: string | null; phase: string | null }[]; total: number; offset: number; limit: number };
      const page = await waitFor(
        async () => {
          const r = await api<Page>('GET', `/v1/runs?jobId=${id}&status=failed`);
          return r.status === 200 && r.body.items.length === 1 ? r.body : undefined;
        },
        30_000,
        'the failed run in the cross-job list',
      );
      assert.equal(page.items[0]?.runId, run.body.runId);
      assert.equal(page.items[0]?.jobName, id);
      assert.equal(page.items[0]?.phase, null);
      assert.deepEqual([page.total, page.offset, page.limit], [1, 0, 20]);
      const all = await api<Page>('GET', '/v1/runs?limit=1');
      assert.equal(all.body.items.length, 1);
      assert.ok(all.body.total >= 1);
      for (const bad of ['status=nope', 'limit=0', 'limit=101', 'offset=-1', 'offset=9999&limit=100', 'bogus=1']) {
        const r = await api<{ error: { code: string } }>('GET', `/v1/runs?${bad}`);
        assert.equal(r.status, 400, bad);
        assert.equal(r.body.error.code, 'validation', bad);
      }
    } finally {
      await api('DELETE', `/v1/jobs/${id}`);
    }
  });
});

const skip = chromiumMissing();

describe('dashboard in Chromium', { skip, timeout: 240_000 }, () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let target: HttpTarget;
  const jobs: string[] = [];
  const pageErrors: string[] = [];

  const createJob = async (body: Record<string, unknown>) => {
    const res = await api<{ id: string }>('POST', '/v1/jobs', { body: { type: 'http', retry: { maxAttempts: 1 }, ...body } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    jobs.push(res.body.id);
    return res.body.id;
  };
  const row = (jobId: string) => `tr[data-job-id="${jobId}"]`;
  const visit = async (hash: string) => {
    await page.goto(`${apiUrl()}/ui/${hash}`);
  };

  before(async () => {
    target = await startHttpTarget();
    target.respond = (req, res) => {
      if (req.path.startsWith('/hang')) return; // never answers: the run stays in flight until stopped
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    };
    browser = await launchChromium();
    // Logged in as the login form would (ui-login.test.ts): every action below sends the CSRF token.
    context = await loggedInContext(browser, apiUrl());
    context.setDefaultTimeout(30_000);
    page = await watchedPage(context, pageErrors);
  });

  after(async () => {
    await browser?.close();
    for (const id of jobs) await api('DELETE', `/v1/jobs/${id}`);
    await target?.close();
  });

  it('with wrong credentials the page shows its login form, not the dashboard', async () => {
    const stranger = await browser.newContext({ httpCredentials: { username: 'nobody', password: 'not-the-password', origin: apiUrl() } });
    try {
      const p = await stranger.newPage();
      await p.goto(`${apiUrl()}/ui/`);
      await p.waitForSelector('#login-form');
      assert.equal(await p.isHidden('#main-nav'), true);
      assert.equal(await p.textContent('#whoami'), '');
    } finally {
      await stranger.close();
    }
  });

  it('shows the overview with counts and the logged-in user', async () => {
    await createJob({ id: uniqueId('ui-overview'), data: { url: `${target.url}/ok` } });
    await visit('#/');
    await page.waitForSelector('#whoami:has-text("admin")');
    await page.waitForSelector('[data-card="jobs"] .value');
    const jobsCount = Number(await page.textContent('[data-card="jobs"] .value'));
    assert.ok(jobsCount >= 1, `jobs card shows ${jobsCount}`);
    await page.waitForSelector('a.card.action[href="#/runs"]');
    await page.waitForSelector('a.card.action[href="#/jobs"]');
    assert.deepEqual(pageErrors, []);
  });

  it('lists a job with its schedule; run now ends in a succeeded run on the Jobs and Runs pages', async () => {
    const id = await createJob({ id: uniqueId('ui-cron'), name: 'UI nightly', data: { url: `${target.url}/ok` }, triggers: [{ type: 'cron', dialect: 'unix', expression: '0 3 * * *', timezone: 'Europe/Paris' }] });
    await visit('#/jobs');
    // The list comes from schedule visibility, which may lag a create by about a second: the poll catches up.
    await page.waitForSelector(`${row(id)} .schedule:has-text("cron 0 3 * * * (unix, Europe/Paris)")`);
    assert.match((await page.textContent(row(id))) ?? '', /never/);
    if (temporalHasWebUi()) {
      const temporal = await page.getAttribute(`${row(id)} a.ext`, 'href');
      assert.match(temporal ?? '', new RegExp(`^http://127\\.0\\.0\\.1:\\d+/namespaces/[^/]+/schedules/${id}$`));
    } else {
      assert.equal(await page.locator(`${row(id)} a.ext`).count(), 0, 'no link into a Web UI the cluster does not have');
    }

    await page.click(`${row(id)} button:has-text("Run now")`);
    await page.waitForSelector(`${row(id)} .badge[data-status="succeeded"]`, { timeout: 60_000 });
    const runs = await api<{ items: { runId: string; status: string }[] }>('GET', `/v1/jobs/${id}/runs`);
    assert.equal(runs.body.items.length, 1);
    const runId = runs.body.items[0]?.runId ?? '';
    assert.match(runId, new RegExp(`^${id}-manual-`));
    assert.equal(target.requests.filter((r) => r.path === '/ok').length >= 1, true);

    await visit('#/runs?status=succeeded');
    await page.waitForSelector(`tr[data-run-id="${runId}"][data-status="succeeded"]`);
    assert.match((await page.textContent(`tr[data-run-id="${runId}"]`)) ?? '', /UI nightly/);
    assert.deepEqual(pageErrors, []);
  });

  it('polls the Jobs page without reading every unchanged job again', async () => {
    const id = await createJob({ id: uniqueId('ui-quiet'), data: { url: `${target.url}/ok` }, triggers: [{ type: 'cron', dialect: 'unix', expression: '0 3 1 1 *' }] });
    const seen: string[] = [];
    const record = (req: { url(): string }) => seen.push(new URL(req.url()).pathname);
    page.on('request', record);
    try {
      await visit('#/jobs');
      await page.waitForSelector(row(id));
      const lists = () => seen.filter((p) => p === '/v1/jobs').length;
      const listsAtFirstRow = lists();
      // Two more polls of the list (one every 4 s) while nothing about the job changes.
      await waitFor(() => lists() >= listsAtFirstRow + 2, 20_000, 'two more polls of the job list');
      assert.equal(seen.filter((p) => p === `/v1/jobs/${id}`).length, 1, `the unchanged job was read once: ${seen.join(' ')}`);
    } finally {
      page.off('request', record);
    }
  });

  it('shows a fire time that did not run on the Runs page: skipped, its reason and due time, no Temporal link', async () => {
    const id = await createJob({ id: uniqueId('ui-skip'), name: 'UI skipped', data: { url: `${target.url}/ok` } });
    const job = (await api<{ incarnation: string; ownerId: string }>('GET', `/v1/jobs/${id}`)).body;
    // The row as the recorder writes it (its own tests cover finding it: run-skips.test.ts).
    const db = openDatabase(loadConfig(process.env).database);
    const at = new Date(Date.now() - 60_000);
    at.setUTCMilliseconds(0);
    const rowId = notRunId(id, at, 'skipped');
    try {
      await new RunSkipStore(db).record([
        { id: rowId, jobId: id, incarnation: job.incarnation, ownerId: job.ownerId, dialect: 'native', jobName: 'UI skipped', scheduledAt: at.toISOString(), status: 'skipped', reason: 'overlap', detail: 'run x was still running (overlap policy)', recordedAt: new Date().toISOString() },
      ]);
    } finally {
      await db.close();
    }
    await visit('#/runs?status=skipped');
    const tr = `tr[data-run-id="${rowId}"][data-status="skipped"]`;
    await page.waitForSelector(tr);
    const text = (await page.textContent(tr)) ?? '';
    assert.match(text, /UI skipped/);
    assert.match(text, /the previous run was still running \(overlap policy\)/);
    assert.equal(await page.getAttribute(`${tr} .skip-reason`, 'title'), 'run x was still running (overlap policy)');
    assert.equal(await page.locator(`${tr} a.ext`).count(), 0, 'no Web UI link for a fire time that never ran');
    assert.deepEqual(pageErrors, []);
  });

  it('starts a run from the Runs page and stops it while it runs', async () => {
    const id = await createJob({ id: uniqueId('ui-hang'), name: 'UI hanging call', data: { url: `${target.url}/hang`, timeout: '5m' } });
    await visit('#/runs');
    await page.waitForSelector(`select[aria-label="job to run"] option[value="${id}"]`, { state: 'attached' });
    await page.selectOption('select[aria-label="job to run"]', id);
    await page.click('button:has-text("Start run")');
    const running = `tr[data-run-id^="${id}-manual-"][data-status="running"]`;
    await page.waitForSelector(running);
    const runId = (await page.getAttribute(running, 'data-run-id')) ?? '';
    // In flight: the driver has started (the target saw the call), and the row shows its progress.
    await waitFor(() => target.requests.some((r) => r.path === '/hang'), 30_000, 'the call to reach the target');
    await page.waitForSelector(`${running} .progress`);

    page.once('dialog', (d) => void d.accept());
    await page.click(`${running} button:has-text("Stop")`);
    await page.waitForSelector(`tr[data-run-id="${runId}"][data-status="cancelled"]`, { timeout: 60_000 });
    const run = await api<{ status: string }>('GET', `/v1/runs/${encodeURIComponent(runId)}`);
    assert.equal(run.body.status, 'cancelled');
    assert.deepEqual(pageErrors, []);
  });

  it('changes a cron (with a preview), shows an invalid one as the API error in the banner, pauses and resumes', async () => {
    const id = await createJob({ id: uniqueId('ui-edit'), name: 'UI editable', data: { url: `${target.url}/ok` }, triggers: [{ type: 'cron', expression: '0 3 * * *' }] });
    await visit('#/jobs');
    await page.waitForSelector(`${row(id)} .schedule:has-text("cron 0 3 * * *")`);

    await page.click(`${row(id)} button:has-text("Change cron")`);
    await page.fill('#cron-dialog input[name="cron-0"]', '61 * * * *');
    await page.waitForSelector('#cron-dialog .preview.error');
    await page.click('#cron-dialog button:has-text("Save")');
    await page.waitForSelector('#banner:not([hidden])');
    assert.match((await page.textContent('#banner-text')) ?? '', /invalid trigger/);
    assert.equal((await api<{ triggers: { expression: string }[] }>('GET', `/v1/jobs/${id}`)).body.triggers[0]?.expression, '0 3 * * *');

    await page.fill('#cron-dialog input[name="cron-0"]', '30 4 * * 1-5');
    await page.waitForSelector('#cron-dialog .preview:not(.error):has-text("next:")');
    await page.click('#cron-dialog button:has-text("Save")');
    await page.waitForSelector('#cron-dialog', { state: 'hidden' });
    await page.waitForSelector(`${row(id)} .schedule:has-text("cron 30 4 * * 1-5 (unix")`);
    await page.waitForSelector('#banner', { state: 'hidden' });
    const saved = await api<{ triggers: { expression: string }[]; version: number }>('GET', `/v1/jobs/${id}`);
    assert.equal(saved.body.triggers[0]?.expression, '30 4 * * 1-5');
    assert.equal(saved.body.version, 2);

    await page.click(`${row(id)} button:has-text("Pause")`);
    await page.waitForSelector(`${row(id)} .badge[data-status="paused"]`);
    assert.equal((await api<{ state: { enabled: boolean } }>('GET', `/v1/jobs/${id}`)).body.state.enabled, false);
    await page.click(`${row(id)} button:has-text("Resume")`);
    await page.waitForSelector(`${row(id)} .badge[data-status="enabled"]`);
    assert.equal((await api<{ state: { enabled: boolean } }>('GET', `/v1/jobs/${id}`)).body.state.enabled, true);
  });

  it("opens a job's runs and deletes the job after a confirm", async () => {
    const id = await createJob({ id: uniqueId('ui-detail'), name: 'UI detail', data: { url: `${target.url}/ok` }, triggers: [{ type: 'interval', every: '1h' }] });
    await api('POST', `/v1/jobs/${id}/run`);
    await visit(`#/jobs/${id}`);
    await page.waitForSelector(`dl[data-job-id="${id}"]:has-text("every 1h")`);
    await page.waitForSelector(`tr[data-run-id^="${id}-manual-"][data-status="succeeded"]`, { timeout: 60_000 });

    page.once('dialog', (d) => void d.accept());
    await page.click('section > div > .actions button:has-text("Delete")');
    await page.waitForURL(/#\/jobs$/);
    assert.equal((await api('GET', `/v1/jobs/${id}`)).status, 404);
    assert.deepEqual(pageErrors, []);
  });
});
