// The gateway's schedule and workflow operations against the real dev server (core/temporal/
// gateway.ts): pause and unpause, trigger, the paged listings and count, a run's history, cancel,
// and its failures as domain errors. A job made through /v1 is the schedule under test.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KairosError } from '../../core/errors.ts';
import { RUN_JOB_WORKFLOW } from '../../core/temporal/contract.ts';
import { TemporalGateway } from '../../core/temporal/gateway.ts';
import { enums } from '../../core/temporal/proto.ts';
import { api, temporalClient, uniqueId } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';

describe('Temporal gateway (shared stack)', () => {
  let temporal: TemporalGateway;
  let target: HttpTarget;
  before(async () => {
    temporal = new TemporalGateway(await temporalClient());
    target = await startHttpTarget();
  });
  after(async () => {
    await temporal?.close();
    await target?.close();
  });

  it('pause, unpause and trigger a job’s schedule; list, count and read the run it started', async () => {
    const id = uniqueId('gw');
    assert.equal((await api('POST', '/v1/jobs', { body: { id, type: 'http', data: { url: `${target.url}/gw/${id}` } } })).status, 201);
    try {
      const subject = { what: 'job', id };
      await temporal.schedules.pause(id, 'paused by the gateway test', subject);
      assert.equal((await temporal.schedules.describe(id, subject)).schedule?.state?.paused, true);
      // The API answers from the job's head (README, How reads work): a pause made behind Kairos's
      // back, as this one is, shows in its reads only once the job is next written through Kairos.
      await temporal.schedules.unpause(id, 'unpaused by the gateway test', subject);
      assert.equal((await temporal.schedules.describe(id, subject)).schedule?.state?.paused, false);

      await temporal.schedules.trigger(id, enums.ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL, subject);
      const query = `WorkflowType = '${RUN_JOB_WORKFLOW}' AND KairosJobId = '${id}' AND ExecutionStatus = 'Completed'`;
      const run = await waitFor(async () => {
        for await (const e of temporal.workflows.list(query, 1)) return e;
        return undefined;
      }, 20_000, 'the triggered run to complete and be listed');
      assert.equal(await temporal.workflows.count(query), 1);
      const workflowId = run.execution?.workflowId ?? '';
      const types: string[] = [];
      for await (const ev of temporal.workflows.history(workflowId)) types.push(enums.EventType[ev.eventType ?? 0] ?? '');
      assert.equal(types[0], 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
      assert.equal(types.at(-1), 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
      assert.ok(target.requests.some((r) => r.path === `/gw/${id}`), 'the run called the job’s target');

      let schedules = 0;
      for await (const s of temporal.schedules.list(`KairosJobId = '${id}'`, 1)) if (s.scheduleId === id) schedules++;
      assert.ok(schedules <= 1, 'listed at most once (visibility may lag)');
    } finally {
      assert.equal((await api('DELETE', `/v1/jobs/${id}`)).status, 204);
    }
  });

  it('failures are domain errors: unknown schedule and workflow → not_found naming the subject; cancel of a closed run → not_found', async () => {
    const id = uniqueId('gw-missing');
    await assert.rejects(temporal.schedules.describe(id, { what: 'job', id }), (err) => err instanceof KairosError && err.kind === 'not_found' && err.message === `job '${id}' not found`);
    await assert.rejects(temporal.schedules.pause(id, 'x', { what: 'job', id }), (err) => err instanceof KairosError && err.kind === 'not_found');
    await assert.rejects(temporal.workflows.describe(id, undefined, { what: 'run', id }), (err) => err instanceof KairosError && err.message === `run '${id}' not found`);
    await assert.rejects(temporal.workflows.cancel(id, undefined, { what: 'run', id }), (err) => err instanceof KairosError && err.kind === 'not_found');
  });

  it('starting a workflow id that is already running → conflict', async () => {
    const workflowId = uniqueId('gw-dup');
    // A task queue no worker polls: the execution stays running, untouched, until terminated.
    const start = { workflowId, taskQueue: uniqueId('gw-idle'), args: [] };
    await temporal.workflows.start('kairosGatewayProbe', start, { what: 'probe', id: workflowId });
    try {
      await assert.rejects(
        temporal.workflows.start('kairosGatewayProbe', start, { what: 'probe', id: workflowId }),
        (err) => err instanceof KairosError && err.kind === 'conflict' && err.message === `probe '${workflowId}' already exists`,
      );
    } finally {
      await temporal.workflows.terminate(workflowId, undefined, 'test over');
    }
  });

});
