// Runs are readable in Temporal Web UI: every runJob workflow carries a user-metadata summary (job
// name · dialect · trigger) and details, on the schedule's action (so every scheduled run has it)
// and on a run-now start. Read back through the Temporal client from the real server, as Web UI and
// `temporal workflow describe` read it. And with KAIROS_TEMPORAL_UI_URL the dashboard links into
// that Web UI whatever the Temporal (a cluster's address is not something Kairos can know).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { loadConfig } from '../../core/config.ts';
import { bootstrapAdminInState } from '../../core/auth/bootstrap.ts';
import { ensureBuilt, privateStackEnv, spawnNode, stopChild, waitReady } from '../../scripts/stack.ts';
import { api, namespace, temporalAddress, temporalClient, uniqueId } from '../support/env.ts';
import { chromiumMissing, launchChromium, loggedInContext } from '../support/browser.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';

describe('Temporal Web UI: run summaries', { timeout: 120_000 }, () => {
  let client: Client;
  let target: HttpTarget;
  const jobs: string[] = [];

  before(async () => {
    client = await temporalClient();
    target = await startHttpTarget();
  });

  after(async () => {
    for (const id of jobs) await api('DELETE', `/v1/jobs/${id}`);
    await target?.close();
    await client?.connection.close();
  });

  it("a scheduled run and a run now each say which job, dialect and trigger in the workflow's summary", async () => {
    const name = uniqueId('nightly-export');
    const created = await api<{ id: string }>('POST', '/v1/jobs', {
      body: { name, type: 'http', retry: { maxAttempts: 1 }, data: { url: `${target.url}/ok` }, triggers: [{ type: 'cron', expression: '0 0 * * *' }] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    jobs.push(id);

    // The schedule's action carries it, so every run the schedule starts does.
    const schedule = client.schedule.getHandle(id);
    const action = (await schedule.describe()).action;
    assert.equal(action.type, 'startWorkflow');
    assert.equal(action.staticSummary, `${name} · native · cron 0 0 * * *`);
    assert.match(action.staticDetails ?? '', new RegExp(`job \`${id}\``));

    // Run now, by the harness's admin login.
    const run = await api<{ runId: string }>('POST', `/v1/jobs/${id}/run`);
    assert.equal(run.status, 202, JSON.stringify(run.body));
    const manual = await client.workflow.getHandle(run.body.runId).describe();
    assert.equal(await manual.staticSummary(), `${name} · native · run now by ${process.env.KAIROS_ADMIN_USER}`);
    assert.match((await manual.staticDetails()) ?? '', /Started by: run now by /);

    // A run the schedule itself starts (fired now through Temporal, as a fire time would).
    await schedule.trigger();
    const scheduled = await waitFor(
      async () => (await schedule.describe()).info.recentActions.at(-1)?.action.workflow.workflowId,
      30_000,
      'the scheduled run',
    );
    const desc = await client.workflow.getHandle(scheduled).describe();
    assert.equal(await desc.staticSummary(), `${name} · native · cron 0 0 * * *`);
    assert.match((await desc.staticDetails()) ?? '', /Triggers:\n- at 00:00:00/);
  });
});

describe('dashboard links into the Temporal Web UI at KAIROS_TEMPORAL_UI_URL', { timeout: 240_000 }, () => {
  const admin = { user: 'ui-url-admin', password: 'ui-url-admin-password' };
  const auth = `Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString('base64')}`;
  let dataDir: string;
  let child: ChildProcess | undefined;
  let baseUrl: string;
  const jobs: string[] = [];

  before(async () => {
    // An API of its own (the compiled one, as a user runs it) on the harness's Temporal, dev server or
    // cluster alike, told where Web UI is.
    dataDir = mkdtempSync(join(tmpdir(), 'kairos-ui-url-'));
    const env = await privateStackEnv(dataDir, admin, {
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_NAMESPACE: namespace(),
      KAIROS_TEMPORAL_UI_URL: 'https://temporal.example.test/web/',
    });
    const cfg = loadConfig(env);
    await bootstrapAdminInState(cfg);
    await ensureBuilt();
    const log = join(dataDir, 'api.log');
    child = spawnNode('api/index.ts', env, log);
    baseUrl = `http://${cfg.host}:${cfg.port}`;
    await waitReady(baseUrl, 60_000, [[child, log]]);
  });

  after(async () => {
    for (const id of jobs) await api('DELETE', `/v1/jobs/${id}`, { baseUrl, auth });
    if (child) await stopChild(child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("the page's settings carry the configured address", async () => {
    const cfg = await api<{ temporalUiUrl: string | null; namespace: string }>('GET', '/ui/config.json', { baseUrl, auth });
    assert.equal(cfg.status, 200);
    assert.deepEqual(cfg.body, { temporalUiUrl: 'https://temporal.example.test/web', namespace: namespace() });
  });

  it("a job's row links its schedule there", { skip: chromiumMissing() }, async () => {
    const created = await api<{ id: string }>('POST', '/v1/jobs', {
      baseUrl,
      auth,
      body: { name: uniqueId('ui-url'), type: 'http', data: { url: 'http://127.0.0.1:9/never' }, triggers: [{ type: 'cron', expression: '0 3 * * *' }] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    jobs.push(id);
    const browser = await launchChromium();
    try {
      const context = await loggedInContext(browser, baseUrl, {}, { username: admin.user, password: admin.password });
      context.setDefaultTimeout(30_000);
      const page = await context.newPage();
      await page.goto(`${baseUrl}/ui/#/jobs`);
      const link = `tr[data-job-id="${id}"] a.ext`;
      await page.waitForSelector(link);
      assert.equal(await page.getAttribute(link, 'href'), `https://temporal.example.test/web/namespaces/${encodeURIComponent(namespace())}/schedules/${id}`);
    } finally {
      await browser.close();
    }
  });
});
