// Proves the stack is real: a schedule created on the dev server starts runJob, the worker executes
// its activity against a real HTTP target, and visibility reports the run completed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { JobInputSchema } from '../../core/jobs/model.ts';
import { executionPlan } from '../../core/jobs/execution-plan.ts';
import type { RunJobInput } from '../../core/runs/types.ts';
import { api, taskQueue, temporalClient, uniqueId } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';

describe('platform', () => {
  let client: Client;
  let target: HttpTarget;
  before(async () => {
    client = await temporalClient();
    target = await startHttpTarget();
  });
  after(async () => {
    await target.close();
    await client.connection.close();
  });

  it('answers health checks without authentication', async () => {
    const health = await api('GET', '/healthz', { auth: null });
    assert.equal(health.status, 200);
    assert.deepEqual(health.body, { status: 'ok' });
    const ready = await api('GET', '/readyz', { auth: null });
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
  });

  it('runs a schedule on the real dev server through the worker', async () => {
    const id = uniqueId('platform');
    const spec = JobInputSchema.parse({ id, type: 'http', data: { url: `${target.url}/hit/${id}` } });
    const job = { ...spec, id, name: id, ownerId: 'test', createdAt: '', updatedAt: '', version: 1 };
    const input: RunJobInput = { job, plan: executionPlan(job), triggeredBy: 'schedule' };
    const handle = await client.schedule.create({
      scheduleId: id,
      spec: {},
      action: { type: 'startWorkflow', workflowType: 'runJob', taskQueue: taskQueue(), args: [input] },
    });
    try {
      await handle.trigger();
      await waitFor(() => target.requests.find((r) => r.path === `/hit/${id}`), 30_000, 'the worker to call the target');
      const completed = await waitFor(
        async () => {
          for await (const wf of client.workflow.list({ query: `TemporalScheduledById = '${id}' AND ExecutionStatus = 'Completed'` })) return wf;
          return undefined;
        },
        30_000,
        'visibility to report the run completed',
      );
      assert.equal(completed.type, 'runJob');
      const result = (await client.workflow.getHandle(completed.workflowId).result()) as { outcome: string; output: { status: number } };
      assert.equal(result.outcome, 'succeeded');
      assert.equal(result.output.status, 200);
    } finally {
      await handle.delete();
    }
  });
});
