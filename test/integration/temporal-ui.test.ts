// Runs are readable in Temporal Web UI: every runJob workflow carries a user-metadata summary (job
// name · dialect · trigger) and details, on the schedule's action (so every scheduled run has it)
// and on a run-now start. Read back through the Temporal client from the real server, as Web UI and
// `temporal workflow describe` read it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { api, temporalClient, uniqueId } from '../support/env.ts';
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
