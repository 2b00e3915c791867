// The Dapr dialect's wire format and its translation to the canonical job (no servers).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JOB_ID_PATTERN } from '../../../core/jobs/model.ts';
import { compileTriggers } from '../../../core/triggers/compile.ts';
import { DaprError } from '../../../api/dialects/dapr/errors.ts';
import { daprErrorFor } from '../../../api/dialects/dapr/errors.ts';
import {
  checkJobRules,
  daprNameProblem,
  jobIdFor,
  parseJobId,
  parseScheduleBody,
  renderJob,
  toJobInput,
  type DaprJob,
} from '../../../api/dialects/dapr/mapping.ts';

const now = new Date('2026-03-01T10:00:00.400Z');
const delivery = { appUrl: 'http://127.0.0.1:6001' };
const input = (job: DaprJob, name = 'backup') => toJobInput({ id: jobIdFor(undefined, name), name, job, delivery, now });
const compile = (job: DaprJob) => {
  const i = input(job);
  return compileTriggers(i.triggers ?? [], {
    now,
    startOn: i.startOn ? new Date(i.startOn) : undefined,
    endOn: i.endOn ? new Date(i.endOn) : undefined,
    maxRuns: i.maxRuns,
  }).spec;
};
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof DaprError) return `${err.status} ${err.errorCode}`;
    throw err;
  }
  return 'ok';
};

describe('dapr names and ids', () => {
  it('maps names to readable, valid, reversible ids', () => {
    for (const [app, name] of [
      [undefined, 'prod-db-backup'],
      [undefined, 'a:b c|d@e'],
      ['orders', 'Job_1.x'],
      [undefined, 'dapr@x:y'],
    ] as const) {
      const id = jobIdFor(app, name);
      assert.match(id, JOB_ID_PATTERN);
      assert.deepEqual(parseJobId(id), { ...(app ? { appId: app } : {}), name });
    }
    assert.equal(jobIdFor(undefined, 'prod-db-backup'), 'dapr:prod-db-backup');
    assert.equal(jobIdFor('orders', 'a b'), 'dapr@orders:a@20b');
    assert.notEqual(jobIdFor(undefined, 'a b'), jobIdFor(undefined, 'a@20b'));
  });

  it("applies Dapr's name rule", () => {
    assert.equal(daprNameProblem('my_job:1 x'), undefined);
    for (const bad of ['bad/name', 'bad#name', 'bad?name', 'x/', 'a'.repeat(600)]) assert.ok(daprNameProblem(bad), bad);
  });
});

describe('dapr request body', () => {
  it('reads the flat, snake_case and wrapped shapes alike', () => {
    const flat = parseScheduleBody({ schedule: '@daily', dueTime: '10s', repeats: '3', ttl: '1h', data: 'x', failurePolicy: { constant: { interval: '2s', maxRetries: 1 } } });
    const snake = parseScheduleBody({ schedule: '@daily', due_time: '10s', repeats: 3, ttl: '1h', data: 'x', failure_policy: { constant: { interval: '2s', max_retries: 1 } } });
    const wrapped = parseScheduleBody({ job: { schedule: '@daily', dueTime: '10s', repeats: 3, ttl: '1h', data: 'x', failurePolicy: { constant: { interval: '2s', maxRetries: 1 } } } });
    assert.deepEqual(flat, snake);
    assert.deepEqual(flat, wrapped);
    assert.equal(flat.overwrite, false);
    assert.equal(parseScheduleBody({ job: { dueTime: '1s' }, overwrite: true }).overwrite, true);
    assert.deepEqual(parseScheduleBody({ dueTime: '1s', data: null }).job, { dueTime: '1s', data: null });
  });

  it("answers with Dapr's codes", () => {
    assert.equal(code(() => parseScheduleBody({ name: 'x', schedule: '@daily' })), '400 DAPR_SCHEDULER_JOB_NAME');
    assert.equal(code(() => parseScheduleBody({ scheudle: '@daily' })), '400 ERR_MALFORMED_REQUEST');
    assert.equal(code(() => parseScheduleBody([])), '400 ERR_MALFORMED_REQUEST');
    assert.equal(code(() => parseScheduleBody({ failurePolicy: { drop: {}, constant: {} } })), '400 ERR_MALFORMED_REQUEST');
    assert.equal(code(() => checkJobRules('x', {})), '400 DAPR_SCHEDULER_SCHEDULE_EMPTY');
    assert.equal(code(() => checkJobRules(' ', { schedule: '@daily' })), '400 DAPR_SCHEDULER_JOB_NAME_EMPTY');
    assert.equal(code(() => checkJobRules('x', { dueTime: '1s', repeats: 2 })), '400 DAPR_SCHEDULER_SCHEDULE_JOB');
    assert.equal(code(() => checkJobRules('x', { dueTime: '1s', ttl: '1m' })), '400 DAPR_SCHEDULER_SCHEDULE_JOB');
    assert.equal(code(() => checkJobRules('x', { schedule: '@daily', repeats: 0 })), '400 DAPR_SCHEDULER_SCHEDULE_JOB');
    assert.equal(code(() => checkJobRules('x', { schedule: '@daily', dueTime: '1s', repeats: 1, ttl: '1h' })), 'ok');
  });

  it('renders a missing job as Dapr does (500) and validation as 400', () => {
    const nf = daprErrorFor({ daprOp: 'get', daprName: 'j' }, { status: 404, code: 'not_found', message: 'x', details: [] });
    assert.equal(nf.status, 500);
    assert.equal(nf.body.errorCode, 'DAPR_SCHEDULER_GET_JOB');
    const v = daprErrorFor({ daprOp: 'schedule' }, { status: 400, code: 'validation', message: 'invalid trigger', details: [{ path: 'triggers.0.expression', message: 'bad' }] });
    assert.equal(v.status, 400);
    assert.equal(v.body.errorCode, 'DAPR_SCHEDULER_SCHEDULE_JOB');
    assert.equal(v.body.details.length, 2);
  });
});

describe('dapr job → canonical job', () => {
  it('delivers the data as JSON to {app}/job/{name} with the failure policy as retry', () => {
    const i = input({ dueTime: '1m', data: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: 'v' } }, 'a:b c');
    const data = i.data as Record<string, unknown>;
    assert.equal(data.url, 'http://127.0.0.1:6001/job/a:b%20c');
    assert.equal(data.method, 'POST');
    assert.equal(data.body, '{"@type":"type.googleapis.com/google.protobuf.StringValue","value":"v"}');
    assert.deepEqual(data.finalStatus, [404]);
    assert.equal(i.retry?.maxAttempts, 4, 'default: 3 retries');
    assert.equal(i.retry?.initialInterval, '1000ms');
    assert.equal(i.retry?.backoff, 1);
    assert.equal(input({ dueTime: '1m', failurePolicy: { drop: {} } }).retry?.maxAttempts, 1);
    assert.equal(input({ dueTime: '1m', failurePolicy: { constant: { interval: '0.5s', maxRetries: 2 } } }).retry?.initialInterval, '500ms');
    assert.equal('body' in (input({ dueTime: '1m' }).data as object), false, 'no data, no body');
    assert.deepEqual(input({ dueTime: '1m' }).extras, { dialect: 'dapr', dapr: { name: 'backup', job: { dueTime: '1m' } } });
  });

  it("compiles Dapr's timing: repeats, ttl from dueTime or from now, nothing before dueTime", () => {
    const oneShot = compile({ dueTime: '1m' });
    assert.equal(oneShot?.remainingActions, 1);
    const repeats = compile({ schedule: '@every 10s', repeats: 3 });
    assert.equal(repeats?.remainingActions, 3, "repeats without a due time is the job's maxRuns");
    assert.equal(repeats?.startAt, undefined);
    const ttlNow = compile({ schedule: '@every 10s', ttl: '1h' });
    assert.equal(ttlNow?.endAt?.toISOString(), '2026-03-01T11:00:00.400Z', 'ttl counts from now');
    const ttlDue = compile({ schedule: '@every 10s', dueTime: '2026-03-02T00:00:00Z', ttl: '1h' });
    assert.equal(ttlDue?.startAt?.toISOString(), '2026-03-02T00:00:00.000Z');
    assert.equal(ttlDue?.endAt?.toISOString(), '2026-03-02T01:00:00.000Z');
    const due = compile({ schedule: '@every 10s', dueTime: '2026-03-02T00:00:00Z' });
    assert.equal(due?.startAt?.toISOString(), '2026-03-02T00:00:00.000Z');
  });

  it('moves a due time that has passed just far enough ahead to be caught', () => {
    const past = input({ dueTime: '2020-01-01T00:00:00Z' });
    const at = (past.triggers?.[0] as { at: string }).at;
    assert.equal(at, '2026-03-01T10:00:03.000Z');
    const zero = input({ dueTime: '0s' });
    assert.equal((zero.triggers?.[0] as { at: string }).at, '2026-03-01T10:00:03.000Z');
  });

  it('returns what was set, with the default failure policy when none was', () => {
    assert.deepEqual(renderJob('j', { schedule: '@daily', repeats: 2, data: 5 }), {
      name: 'j',
      schedule: '@daily',
      repeats: 2,
      data: 5,
      failurePolicy: { constant: { interval: '1s', maxRetries: 3 } },
    });
  });
});
