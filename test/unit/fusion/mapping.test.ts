// The Fusion wire format ↔ canonical job translation (no servers).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileTriggers, nextFireTimes } from '../../../core/triggers/compile.ts';
import type { Job } from '../../../core/jobs/model.ts';
import { FusionError, fusionErrorBody, renderFusionError } from '../../../api/dialects/fusion/errors.ts';
import {
  candidateIds,
  countersOf,
  fromCanonicalTrigger,
  fusionStatusOf,
  fusionTriggersOf,
  parseDatasource,
  parseFusionTime,
  parseFusionTriggers,
  parseResource,
  parseScheduleBody,
  parseTask,
  renderTask,
  resourceOf,
  toCanonicalTriggers,
} from '../../../api/dialects/fusion/mapping.ts';

function rejects(fn: () => unknown, status: number, message: RegExp): FusionError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FusionError, `expected FusionError, got ${String(err)}`);
    assert.equal(err.status, status);
    assert.match(err.message, message);
    return err;
  }
  assert.fail('expected an error');
}

const job = (over: Partial<Job>): Job =>
  ({
    id: 'j',
    name: 'j',
    type: 'http',
    description: '',
    notes: '',
    ownerId: 'admin',
    tags: [],
    enabled: true,
    triggers: [],
    timezone: 'UTC',
    data: { url: 'http://127.0.0.1:1/x', method: 'GET', query: {}, headers: {} },
    retry: { maxAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, nonRetryableErrors: [] },
    timeout: { startToClose: '1h' },
    overlap: 'skip',
    misfire: { catchupWindow: '1m' },
    pauseOnFailure: false,
    history: { strategy: 'FULL' },
    extras: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 1,
    ...over,
  }) as Job;

describe('fusion resources', () => {
  it('parses <type>:<id> and rejects a missing or unknown type', () => {
    assert.deepEqual(parseResource('datasource:movie-db'), { type: 'datasource', id: 'movie-db' });
    assert.deepEqual(parseResource('task:dapr:nightly'), { type: 'task', id: 'dapr:nightly' });
    rejects(() => parseResource('movie-db'), 400, /must be <type>:<id>/);
    rejects(() => parseResource('task:'), 400, /must be <type>:<id>/);
    rejects(() => parseResource('pipeline:x'), 400, /unknown job type 'pipeline'/);
  });

  it('maps Fusion-created jobs to fusion.<type>.<id> and shows other jobs by their driver', () => {
    assert.deepEqual(candidateIds({ type: 'task', id: 'delete-old' }), ['fusion.task.delete-old', 'delete-old']);
    assert.deepEqual(candidateIds({ type: 'task', id: 'report.v2' }), ['report.v2'], 'not a Fusion id: only the native id');
    assert.deepEqual(candidateIds({ type: 'task', id: 'fusion.task.x' }), [], 'a Fusion job is never addressed by its canonical id');
    assert.deepEqual(resourceOf({ id: 'fusion.datasource.movies', type: 'datasource', dialect: 'fusion' }), { type: 'datasource', id: 'movies' });
    assert.deepEqual(resourceOf({ id: 'nightly-1', type: 'http', dialect: 'native' }), { type: 'task', id: 'nightly-1' });
    assert.deepEqual(resourceOf({ id: 'gc', type: 'cleanup', dialect: 'native' }), { type: 'task', id: 'gc' });
    assert.deepEqual(resourceOf({ id: 'ingest', type: 'datasource', dialect: 'native' }), { type: 'datasource', id: 'ingest' });
    assert.deepEqual(resourceOf({ id: 'dapr:x', type: 'http', dialect: 'dapr' }), { type: 'task', id: 'dapr:x' });
  });
});

describe('fusion triggers', () => {
  it('reads the seed examples: value or expression, booleans as strings', () => {
    const a = parseFusionTriggers([{ type: 'cron', enabled: true, value: '0 */10 * * * *' }]);
    assert.deepEqual(a, [{ type: 'cron', enabled: true, value: '0 */10 * * * *' }]);
    const b = parseFusionTriggers([{ type: 'cron', enabled: 'true', expression: '0 15 10 ? * MON-FRI' }]);
    assert.deepEqual(b, [{ type: 'cron', enabled: true, expression: '0 15 10 ? * MON-FRI' }]);
    assert.equal(parseFusionTriggers([{ type: 'cron', enabled: 'True', value: '0 0 * * * ?' }])[0]?.enabled, true);
    assert.equal(parseFusionTriggers([{ type: 'cron', enabled: 'false', value: '0 0 * * * ?' }])[0]?.enabled, false);
    assert.equal(parseFusionTriggers([{ type: 'cron', value: '0 0 * * * ?' }])[0]?.enabled, true, 'enabled defaults to true');
  });

  it('a trigger type named like an inherited member ("constructor", "toString") is an unknown type, a 400', () => {
    for (const type of ['constructor', 'toString', '__proto__']) rejects(() => parseFusionTriggers([{ type, enabled: true }]), 400, /is not one of cron, interval, job/);
  });

  it('compiles the seed crons as Quartz, with * in both day fields as every day', () => {
    const now = new Date('2026-03-02T08:00:00Z'); // a Monday
    const c1 = compileTriggers(toCanonicalTriggers(parseFusionTriggers([{ type: 'cron', enabled: true, value: '0 */10 * * * *' }]), new Map()), { now });
    assert.ok(c1.spec);
    assert.deepEqual(
      nextFireTimes(c1.spec, now, 3).map((d) => d.toISOString()),
      ['2026-03-02T08:10:00.000Z', '2026-03-02T08:20:00.000Z', '2026-03-02T08:30:00.000Z'],
    );
    const c2 = compileTriggers(toCanonicalTriggers(parseFusionTriggers([{ type: 'cron', enabled: 'true', expression: '0 15 10 ? * MON-FRI' }]), new Map()), { now });
    assert.ok(c2.spec);
    assert.deepEqual(
      nextFireTimes(c2.spec, new Date('2026-03-06T11:00:00Z'), 2).map((d) => d.toISOString()),
      ['2026-03-09T10:15:00.000Z', '2026-03-10T10:15:00.000Z'],
      'Friday 11:00 → Monday and Tuesday 10:15',
    );
  });

  it('maps interval and job triggers', () => {
    const t = parseFusionTriggers([
      { type: 'interval', enabled: true, startTime: '2026-05-17T20:58:10.503Z', endTime: '2026-06-01T00:00Z', interval: 2, repeatUnit: 'hour' },
      { type: 'interval', enabled: 'false', interval: '3', repeatUnit: 'DAY' },
      { type: 'job', enabled: true, jobID: 'task:a', runOnSuccess: 'True', runOnFailure: false, runOnAbort: 'false' },
      { type: 'job', jobID: 'task:b' },
    ]);
    const canonical = toCanonicalTriggers(t, new Map([['task:a', 'fusion.task.a'], ['task:b', 'b']]));
    assert.deepEqual(canonical, [
      { type: 'interval', every: '2h', startAt: '2026-05-17T20:58:10.503Z', endAt: '2026-06-01T00:00:00.000Z', enabled: true },
      { type: 'interval', every: '72h', enabled: false },
      { type: 'job', jobId: 'fusion.task.a', on: ['succeeded'], enabled: true },
      { type: 'job', jobId: 'b', on: ['succeeded'], enabled: true },
    ]);
    rejects(
      () => toCanonicalTriggers(parseFusionTriggers([{ type: 'job', jobID: 'task:a', runOnSuccess: false }]), new Map([['task:a', 'a']])),
      400,
      /trigger 0 \(job\): at least one of runOnSuccess/,
    );
  });

  it('names the trigger and the reason for every mistake', () => {
    rejects(() => parseFusionTriggers([{ type: 'calendar' }]), 400, /trigger 0: type 'calendar' is not one of cron, interval, job/);
    rejects(() => parseFusionTriggers([{ enabled: true }]), 400, /trigger 0: type missing/);
    rejects(() => parseFusionTriggers([{ type: 'cron', enabled: true }]), 400, /trigger 0 \(cron\).*"value"/);
    rejects(() => parseFusionTriggers([{ type: 'cron', value: 'a', expression: 'b' }]), 400, /differ/);
    rejects(() => parseFusionTriggers([{ type: 'cron', enabled: 'yes', value: '0 0 * * * ?' }]), 400, /triggers\[0\]\.enabled: must be true or false/);
    const ok = { type: 'cron', value: '0 0 * * * ?' };
    rejects(() => parseFusionTriggers([ok, { type: 'interval', interval: 0, repeatUnit: 'minute' }]), 400, /trigger 1 \(interval\): triggers\[1\]\.interval: must be at least 1/);
    rejects(() => parseFusionTriggers([{ type: 'interval', interval: 5, repeatUnit: 'week' }]), 400, /repeatUnit: must be one of minute, hour, day/);
    rejects(() => parseFusionTriggers([{ type: 'interval', interval: 5, repeatUnit: 'minute', startTime: 'tomorrow' }]), 400, /startTime: must be an ISO-8601/);
    rejects(() => parseFusionTriggers([{ type: 'cron', value: '* * * * * ?', color: 'red' }]), 400, /unknown field\(s\) color/);
    rejects(() => parseFusionTriggers({}), 400, /"triggers" must be an array/);
  });

  it('reads a schedule body: enabled and triggers, the resource if it matches', () => {
    assert.deepEqual(parseScheduleBody({ enabled: 'false' }, 'task:a'), { enabled: false });
    assert.deepEqual(parseScheduleBody({ resource: 'task:a', triggers: [] }, 'task:a'), { triggers: [] });
    rejects(() => parseScheduleBody({ resource: 'task:b' }, 'task:a'), 400, /path names 'task:a'/);
    rejects(() => parseScheduleBody({ enable: true }, 'task:a'), 400, /unknown field\(s\) enable/);
    rejects(() => parseScheduleBody([], 'task:a'), 400, /JSON object/);
  });

  it('echoes triggers as written while they describe the job, else renders the canonical ones', () => {
    const fusion = parseFusionTriggers([{ type: 'cron', enabled: 'true', expression: '0 15 10 ? * MON-FRI' }]);
    const canonical = [{ type: 'cron' as const, expression: '0 15 10 ? * MON-FRI', dialect: 'quartz' as const, enabled: true }];
    const j = job({ triggers: canonical, extras: { fusion: { triggers: fusion, triggersFor: canonical } } });
    assert.deepEqual(fusionTriggersOf(j, (id) => `task:${id}`), fusion);
    const changed = job({ triggers: [{ type: 'cron', expression: '*/5 * * * *', dialect: 'unix', enabled: true }], extras: j.extras });
    assert.deepEqual(fusionTriggersOf(changed, (id) => `task:${id}`), [{ type: 'cron', enabled: true, value: '*/5 * * * *', dialect: 'unix' }]);
  });

  it('renders canonical interval and job triggers in Fusion form', () => {
    assert.deepEqual(fromCanonicalTrigger({ type: 'interval', every: '90m', enabled: true }, String), { type: 'interval', enabled: true, interval: 90, repeatUnit: 'minute' });
    assert.deepEqual(fromCanonicalTrigger({ type: 'interval', every: 'PT48H', enabled: false }, String), { type: 'interval', enabled: false, interval: 2, repeatUnit: 'day' });
    assert.deepEqual(fromCanonicalTrigger({ type: 'job', jobId: 'fusion.task.a', on: ['failed', 'aborted'], enabled: true }, () => 'task:a'), {
      type: 'job',
      enabled: true,
      jobID: 'task:a',
      runOnSuccess: false,
      runOnFailure: true,
      runOnAbort: true,
    });
  });

  it('reads W3C date-times, a missing zone as UTC', () => {
    assert.equal(parseFusionTime('2017-05-17T20:58:10.503Z'), '2017-05-17T20:58:10.503Z');
    assert.equal(parseFusionTime('1997-07-16T19:20+01:00'), '1997-07-16T18:20:00.000Z');
    assert.equal(parseFusionTime('2026-01-02T03:04:05'), '2026-01-02T03:04:05.000Z');
    assert.equal(parseFusionTime('2026-01-02'), '2026-01-02T00:00:00.000Z');
    assert.equal(parseFusionTime('2026-02-30T00:00:00Z'), undefined);
    assert.equal(parseFusionTime('soon'), undefined);
  });
});

describe('fusion tasks and datasources', () => {
  it('maps rest-call to the http driver and system-logs-cleanup to the cleanup driver', () => {
    const rest = parseTask({
      id: 'ping',
      type: 'rest-call',
      callParams: { uri: 'http://127.0.0.1:9/hook', method: 'post', queryParams: { wt: 'json' }, headers: { 'x-a': 'b' }, entity: '<commit/>' },
    });
    assert.equal(rest.type, 'http');
    assert.deepEqual(rest.data, { url: 'http://127.0.0.1:9/hook', method: 'POST', query: { wt: 'json' }, headers: { 'x-a': 'b' }, body: '<commit/>' });
    const top = parseTask({ id: 'ping', type: 'rest-call', callParams: { uri: 'https://x.test/', method: 'GET' }, entity: 'e' });
    assert.equal(top.data.body, 'e', 'entity beside callParams is read too');
    assert.equal((top.task.callParams as { method: string }).method, 'get');

    const gc = parseTask({ id: 'delete-old-system-logs', type: 'system-logs-cleanup', days: 7, collection: 'system_logs' });
    assert.equal(gc.type, 'cleanup');
    assert.deepEqual(gc.data, { olderThanDays: 7 });
    assert.deepEqual(parseTask({ id: 'd', type: 'system-logs-cleanup' }).data, { olderThanDays: 30 }, 'days defaults to 30');
  });

  it('rejects bad tasks with the field and the reason', () => {
    rejects(() => parseTask({ id: 'bad id!', type: 'rest-call' }), 400, /invalid id/);
    rejects(() => parseTask({ id: 'x', type: 'shell' }), 400, /type must be one of rest-call, system-logs-cleanup/);
    rejects(() => parseTask({ id: 'x', type: 'rest-call', callParams: { uri: 'solr://c/update', method: 'post' } }), 400, /callParams\.uri: only http/);
    rejects(() => parseTask({ id: 'x', type: 'rest-call', callParams: { uri: 'http://a/', method: 'patch' } }), 400, /callParams\.method/);
    rejects(() => parseTask({ id: 'x', type: 'system-logs-cleanup', collection: 'signals' }), 400, /collection/);
    rejects(() => parseTask({ id: 'x', type: 'system-logs-cleanup', query: 'level_s:DEBUG' }), 400, /query/);
    rejects(() => parseTask({ id: 'x', type: 'system-logs-cleanup' }, 'y'), 400, /path names 'y'/);
  });

  it('renders a native http job as a rest-call task', () => {
    const t = renderTask(job({ id: 'nightly', data: { url: 'http://a/b', method: 'PUT', query: {}, headers: { h: '1' }, body: { x: 1 } } }), 'nightly');
    assert.deepEqual(t, { id: 'nightly', type: 'rest-call', callParams: { uri: 'http://a/b', method: 'put', headers: { h: '1' }, entity: '{"x":1}' } });
  });

  it('reads a datasource: properties are the driver data, the rest is kept', () => {
    const d = parseDatasource({ id: 'movies-db', connector: 'lucid.fs', type: 'file', pipeline: 'default', properties: { source: { kind: 'file' } } });
    assert.deepEqual(d.data, { source: { kind: 'file' } });
    assert.equal(d.datasource.connector, 'lucid.fs');
    rejects(() => parseDatasource({ id: 'x' }), 400, /properties/);
  });
});

describe('fusion status and errors', () => {
  it('speaks ready/running/success/failed/aborted', () => {
    assert.equal(fusionStatusOf('running'), 'running');
    assert.equal(fusionStatusOf('succeeded'), 'success');
    assert.equal(fusionStatusOf('skipped'), 'aborted', 'a run its DST policy skipped did not fail');
    assert.equal(fusionStatusOf('failed'), 'failed');
    assert.equal(fusionStatusOf('timed_out'), 'failed');
    assert.equal(fusionStatusOf('cancelled'), 'aborted');
    assert.equal(fusionStatusOf('terminated'), 'aborted');
  });

  it('collects record counters for extra', () => {
    assert.deepEqual(countersOf({ read: 10, written: 9, failed: 1, total: null }, undefined), { read: 10, written: 9, failed: 1 });
    assert.equal(countersOf(null, null), undefined);
  });

  it('renders errors in Fusion shape, keeping a FusionError status', () => {
    const ctx = { method: 'GET', path: '/api/jobs/task:x', state: {} } as never;
    renderFusionError(ctx, { status: 500, code: 'internal', message: 'internal error', details: [] }, new FusionError(404, "job 'task:x' not found"));
    const c = ctx as { status: number; body: unknown };
    assert.equal(c.status, 404);
    assert.deepEqual(c.body, fusionErrorBody({ method: 'GET', path: '/api/jobs/task:x' }, 404, "job 'task:x' not found", []));
    assert.deepEqual(c.body, {
      type: 'RESTError',
      httpStatusCode: 404,
      httpStatusMessage: 'Not Found',
      requestMethod: 'GET',
      requestUri: '/api/jobs/task:x',
      message: "job 'task:x' not found",
    });
  });
});
