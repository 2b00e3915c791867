// The Dapr dialect's wire format and its translation to the canonical job (no servers).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JOB_ID_PATTERN } from '../../../core/jobs/model.ts';
import { compileTriggers, nextFireTimes } from '../../../core/triggers/compile.ts';
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
/** The next n fire times of a Dapr job after `now`, as hh:mm:ss. */
const fires = (job: DaprJob, n: number) =>
  nextFireTimes(compile(job) ?? { calendars: [], intervals: [], timezone: 'UTC' }, now, n).map((d) => d.toISOString().slice(11, 19));
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

  it('fires a due time that has passed, or is "0s", at once and counts it as one of the repeats', () => {
    const past = input({ dueTime: '2020-01-01T00:00:00Z' });
    assert.equal((past.triggers?.[0] as { at: string }).at, '2020-01-01T00:00:00.000Z', 'kept as written, not moved ahead');
    const pastSpec = compile({ dueTime: '2020-01-01T00:00:00Z' });
    assert.equal(pastSpec?.triggerImmediately, true);
    assert.equal(pastSpec?.remainingActions, 0, 'the immediate fire is the only one');
    assert.deepEqual(pastSpec?.calendars, []);
    for (const dueTime of ['0s', '1s', 'PT0S', '2026-03-01T10:00:00Z']) {
      const s = compile({ dueTime });
      assert.equal(s?.triggerImmediately, true, dueTime);
      assert.equal(s?.remainingActions, 0, dueTime);
    }
    const later = compile({ dueTime: '3s' });
    assert.equal(later?.triggerImmediately, undefined, 'far enough ahead for the schedule itself');
    assert.equal(later?.remainingActions, 1);
    // repeats: 1 with a schedule: the immediate fire uses it up
    const once = compile({ schedule: '@every 1s', dueTime: '2020-01-01T00:00:00Z', repeats: 1 });
    assert.equal(once?.triggerImmediately, true);
    assert.equal(once?.remainingActions, 0);
    const three = compile({ schedule: '@every 1s', dueTime: '0s', repeats: 3 });
    assert.equal(three?.remainingActions, 2);
    // a ttl that ended before now: Dapr's job has expired, nothing fires
    const expired = { schedule: '@every 10s', dueTime: '2026-03-01T09:00:00Z', ttl: '30m' };
    assert.equal(compile(expired)?.triggerImmediately, undefined);
    assert.deepEqual(fires(expired, 3), []);
  });

  it('an overdue dueTime with a schedule fires now, then on the schedule counted from dueTime', () => {
    // due 09:59:55 (passed), @every 10s: now, then 10:00:05, 10:00:15, …
    const passed = { schedule: '@every 10s', dueTime: '2026-03-01T09:59:55Z' };
    assert.equal(compile(passed)?.triggerImmediately, true);
    assert.equal(compile(passed)?.remainingActions, undefined);
    assert.deepEqual(fires(passed, 3), ['10:00:05', '10:00:15', '10:00:25']);
    // due in a second: fired at once, so the schedule starts just after it (no second fire at dueTime)
    const soon = { schedule: '@every 10s', dueTime: '1s', repeats: 3 };
    assert.equal(compile(soon)?.triggerImmediately, true);
    assert.equal(compile(soon)?.remainingActions, 2);
    assert.deepEqual(fires(soon, 5), ['10:00:12', '10:00:22']);
  });

  it('@every with a dueTime ticks at dueTime + k·every, not from creation', () => {
    const job = { schedule: '@every 10s', dueTime: '2026-03-01T10:00:07Z' };
    assert.deepEqual(compile(job)?.intervals, [{ everyMs: 10_000, offsetMs: 7_000 }]);
    assert.equal(compile(job)?.startAt?.toISOString(), '2026-03-01T10:00:07.000Z');
    assert.deepEqual(fires(job, 3), ['10:00:07', '10:00:17', '10:00:27']);
    // a relative dueTime is one instant for the fire and the phase: 10:00:00.400 + 5s → 10:00:06
    assert.deepEqual(fires({ schedule: '@every 10s', dueTime: '5s', repeats: 3 }, 3), ['10:00:06', '10:00:16', '10:00:26']);
    assert.deepEqual(fires({ schedule: '@every 2s', dueTime: '5s', ttl: '3s' }, 3), ['10:00:06', '10:00:08']);
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
