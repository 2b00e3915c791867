// The Informer wire format ↔ canonical job translation and its error shape (no servers).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Context } from 'koa';
import { JobInputSchema, type Job } from '../../../core/jobs/model.ts';
import { KairosError } from '../../../core/errors.ts';
import { normalizeError } from '../../../api/errors.ts';
import type { RunView } from '../../../core/runs/service.ts';
import { InformerError, renderInformerError } from '../../../api/dialects/informer/errors.ts';
import {
  applyBody,
  canonicalIdOfUuid,
  defaultFields,
  driverTypeOf,
  fieldsOf,
  inferIntervalType,
  informerIdOf,
  parseBody,
  parseInformerDate,
  parseListQuery,
  renderJob,
  simpleIntervalMs,
  toJobInput,
  triggersFor,
  renderHistoryRow,
} from '../../../api/dialects/informer/mapping.ts';

const uuid = '550e8400-e29b-41d4-a716-446655440000';
const schedule = (interval: string | null, intervalType: 'cron' | 'simple' | 'once' | null = null, startOn: string | null = null) =>
  triggersFor({ interval, intervalType, startOn, endOn: null });

function errorOf(fn: () => unknown): InformerError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InformerError) return err;
    throw err;
  }
  assert.fail('expected an InformerError');
}

function storedJob(input: Record<string, unknown>): Job {
  return { ...JobInputSchema.parse(input), id: String(input.id), name: String(input.name), ownerId: 'usr_1', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z', version: 1 };
}

describe('Informer ids', () => {
  it('a UUID is the job informer.<uuid>; other jobs keep their canonical id', () => {
    assert.equal(canonicalIdOfUuid(uuid.toUpperCase()), `informer.${uuid}`);
    assert.equal(informerIdOf(`informer.${uuid}`), uuid);
    assert.equal(informerIdOf('nightly-report'), 'nightly-report');
    assert.equal(informerIdOf(`draft.informer.${uuid}`), `draft.informer.${uuid}`);
  });
});

describe('Informer schedules', () => {
  it('cron: 5 fields are Unix cron, 6 fields have seconds first; other counts are a 400 naming interval', () => {
    assert.deepEqual(schedule('0 8 * * *', 'cron'), [{ type: 'cron', dialect: 'unix', expression: '0 8 * * *' }]);
    assert.deepEqual(schedule('30 0 8 * * *', 'cron'), [{ type: 'cron', dialect: 'dapr', expression: '30 0 8 * * *' }]);
    assert.deepEqual(schedule('@daily', 'cron'), [{ type: 'cron', dialect: 'unix', expression: '@daily' }]);
    const e = errorOf(() => schedule('* * *', 'cron'));
    assert.equal(e.status, 400);
    assert.deepEqual(e.details.map((d) => d.path), ['interval']);
  });

  it('simple intervals in words or as durations', () => {
    assert.equal(simpleIntervalMs('1 hour'), 3_600_000);
    assert.equal(simpleIntervalMs('30 minutes'), 1_800_000);
    assert.equal(simpleIntervalMs('2 days'), 172_800_000);
    assert.equal(simpleIntervalMs('1 week'), 604_800_000);
    assert.equal(simpleIntervalMs('15m'), 900_000);
    assert.equal(simpleIntervalMs('PT15M'), 900_000);
    assert.equal(simpleIntervalMs('fortnightly'), undefined);
    assert.deepEqual(schedule('1 hour', 'simple', '2026-01-01T00:00:00.000Z'), [{ type: 'interval', every: '3600s', startAt: '2026-01-01T00:00:00.000Z' }]);
    assert.equal(errorOf(() => schedule('500ms', 'simple')).details[0]?.path, 'interval');
    assert.equal(errorOf(() => schedule('often', 'simple')).details[0]?.path, 'interval');
  });

  it('once at a date-time, or at startOn when there is no interval; none = manual only', () => {
    assert.deepEqual(schedule('2026-03-01T09:00:00Z', 'once'), [{ type: 'once', at: '2026-03-01T09:00:00.000Z' }]);
    assert.deepEqual(schedule(null, 'once', '2026-03-01T09:00:00.000Z'), [{ type: 'once', at: '2026-03-01T09:00:00.000Z' }]);
    assert.deepEqual(schedule(null), []);
    assert.deepEqual(schedule('  '), []);
    assert.equal(errorOf(() => schedule('tomorrow', 'once')).details[0]?.path, 'interval');
  });

  it('infers the kind of an interval given without intervalType', () => {
    assert.equal(inferIntervalType('0 8 * * *'), 'cron');
    assert.equal(inferIntervalType('1 hour'), 'simple');
    assert.equal(inferIntervalType('2026-03-01T09:00:00Z'), 'once');
  });

  it('dates: ISO 8601 (zone optional, UTC assumed); days that do not exist are refused', () => {
    assert.equal(parseInformerDate('2024-01-01'), '2024-01-01T00:00:00.000Z');
    assert.equal(parseInformerDate('2024-01-01T09:00:00+02:00'), '2024-01-01T07:00:00.000Z');
    assert.equal(parseInformerDate('2026-02-30'), undefined);
    assert.equal(parseInformerDate('next tuesday'), undefined);
  });
});

describe('Informer bodies', () => {
  it('job types: Informer\'s api-call is the http driver; any other name is itself, inherited member names included', () => {
    assert.equal(driverTypeOf('api-call'), 'http');
    assert.equal(driverTypeOf('datasource'), 'datasource');
    assert.equal(driverTypeOf('constructor'), 'constructor');
    assert.equal(driverTypeOf('toString'), 'toString');
  });

  it('create needs name and type; unknown and mistyped fields are named', () => {
    const missing = errorOf(() => parseBody({}, 'create'));
    assert.deepEqual(missing.details.map((d) => d.path), ['name', 'type']);
    assert.match(missing.message, /"name" is required/);
    assert.deepEqual(errorOf(() => parseBody({ name: 'x', type: 'http', colour: 1 }, 'create')).details, [{ path: 'colour', message: 'is not allowed' }]);
    assert.deepEqual(errorOf(() => parseBody({ name: 'x', type: 'http', enabled: 'yes' }, 'create')).details.map((d) => d.path), ['enabled']);
    assert.deepEqual(errorOf(() => parseBody({ name: 'x', type: 'http', intervalType: 'hourly' }, 'create')).details.map((d) => d.path), ['intervalType']);
    assert.deepEqual(errorOf(() => parseBody({ name: 'x', type: 'http', datasets: { a: 5 } }, 'create')).details.map((d) => d.path), ['datasets.a']);
    assert.equal(errorOf(() => parseBody([1], 'create')).status, 400);
    assert.equal(errorOf(() => parseBody(undefined, 'update')).status, 400);
  });

  it('update accepts a GET body sent back: computed fields are ignored, read-only ones collected for checking', () => {
    const b = parseBody({ id: uuid, slug: 's', ownerId: 'alice', nextRunAt: null, _links: {}, permissions: {}, name: 'n' }, 'update');
    assert.equal(b.name, 'n');
    assert.deepEqual(b.readOnly, { id: uuid, slug: 's', ownerId: 'alice' });
    assert.equal(b.slug, undefined);
    assert.deepEqual(errorOf(() => parseBody({ id: uuid }, 'create')).details, [{ path: 'id', message: 'is not allowed' }]);
  });

  it('applying a body: creates start disabled; a new interval re-infers its kind; schedule changes are reported', () => {
    const { fields, scheduleChanged } = applyBody(defaultFields(), parseBody({ name: 'Daily', type: 'http', interval: '0 8 * * *' }, 'create'));
    assert.equal(fields.enabled, false);
    assert.equal(fields.intervalType, 'cron');
    assert.equal(scheduleChanged, true);
    const again = applyBody(fields, parseBody({ interval: '2 hours' }, 'update'));
    assert.equal(again.fields.intervalType, 'simple');
    assert.equal(applyBody(fields, parseBody({ notes: 'n' }, 'update')).scheduleChanged, false);
  });

  it('to the canonical job and back, the Informer fields as written', () => {
    const { fields } = applyBody(
      defaultFields(),
      parseBody({ name: 'Daily Sales Report', type: 'api-call', enabled: true, interval: '0 8 * * *', timezone: 'America/New_York', data: { url: 'http://x/y' }, datasets: { sales: 'sales-2024' }, notes: 'n', startOn: '2024-01-01' }, 'create'),
    );
    const input = toJobInput({ ...fields, slug: 'daily-sales-report' }, { id: `informer.${uuid}` }, true, true);
    assert.equal(input.type, 'http');
    assert.equal(input.startOn, '2024-01-01T00:00:00.000Z');
    assert.deepEqual(input.triggers, [{ type: 'cron', dialect: 'unix', expression: '0 8 * * *' }]);
    assert.equal((input.extras as Record<string, unknown>).dialect, 'informer');
    const job = storedJob(input as Record<string, unknown>);
    const back = fieldsOf(job);
    assert.equal(back.type, 'api-call');
    assert.equal(back.interval, '0 8 * * *');
    assert.deepEqual(back.datasets, { sales: 'sales-2024' });
    assert.equal(back.slug, 'daily-sales-report');
    // Triggers changed through another API: the interval is read from them, not from the stale text.
    const changed = fieldsOf({ ...job, triggers: [{ type: 'interval', every: '15m', enabled: true }] });
    assert.deepEqual([changed.interval, changed.intervalType], ['15m', 'simple']);
  });

  it('a job written elsewhere keeps its dialect and triggers when Informer changes other fields', () => {
    const native = storedJob({ id: 'nightly', name: 'Nightly', type: 'http', data: { url: 'http://x' }, triggers: [{ type: 'cron', dialect: 'quartz', expression: '0 0 12 ? * 6#3' }], extras: { dialect: 'fusion' } });
    const f = fieldsOf(native);
    assert.deepEqual([f.interval, f.intervalType], ['0 0 12 ? * 6#3', 'cron']);
    const { createdAt: _c, updatedAt: _u, version: _v, ...base } = native;
    const input = toJobInput({ ...f, notes: 'x' }, base, false);
    assert.deepEqual(input.triggers, native.triggers);
    assert.equal((input.extras as Record<string, unknown>).dialect, 'fusion');
  });

  it('list queries: defaults, sort with -, bounds named', () => {
    assert.deepEqual(parseListQuery({}), { sort: { field: 'name', dir: 1 }, limit: 30, start: 0 });
    assert.deepEqual(parseListQuery({ q: ' sales ', sort: '-nextRunAt', limit: '5', start: '10' }), { q: 'sales', sort: { field: 'nextRunAt', dir: -1 }, limit: 5, start: 10 });
    for (const [query, field] of [[{ sort: 'colour' }, 'sort'], [{ limit: '0' }, 'limit'], [{ limit: 'x' }, 'limit'], [{ start: '-1' }, 'start'], [{ q: ['a', 'b'] }, 'q']] as const) {
      const e = errorOf(() => parseListQuery(query));
      assert.equal(e.source, 'query');
      assert.equal(e.details[0]?.path, field);
    }
  });
});

describe('Informer rendering', () => {
  it('a job with HAL links, templated ids, and its permissions', () => {
    const { fields } = applyBody(defaultFields(), parseBody({ name: 'R', type: 'http', data: { url: 'http://x' } }, 'create'));
    const job = storedJob(toJobInput({ ...fields, slug: 'r' }, { id: `informer.${uuid}` }, true, true) as Record<string, unknown>);
    const body = renderJob(
      { job, state: { enabled: false, nextRunAt: null, lastRunAt: null, running: [], remainingActions: null } },
      { base: '/informer/api', owner: 'alice', permissions: { read: true, edit: false, run: false, share: false, delete: false }, editingId: null },
    );
    assert.equal(body.id, uuid);
    assert.equal(body.ownerId, 'alice');
    assert.deepEqual((body._links as Record<string, unknown>).self, { href: `/informer/api/jobs/${uuid}` });
    assert.deepEqual(body.permissions, { read: true, edit: false, delete: false, run: false });
  });

  it('errors in the Boom shape, with the core\'s paths named as Informer fields', () => {
    const render = (thrown: unknown) => {
      const ctx = { state: {}, status: 0, body: undefined as unknown } as unknown as Context;
      renderInformerError(ctx, normalizeError(thrown), thrown);
      return { status: ctx.status, body: ctx.body };
    };
    const v = render(new KairosError('validation', 'invalid trigger', [{ path: 'triggers.0.expression', message: 'minute 61 is out of range' }]));
    assert.deepEqual(v, { status: 400, body: { statusCode: 400, error: 'Bad Request', message: '"interval" minute 61 is out of range', validation: { source: 'payload', keys: ['interval'] } } });
    assert.deepEqual(render(new KairosError('not_found', "job 'x' not found")).body, { statusCode: 404, error: 'Not Found', message: "job 'x' not found" });
    assert.deepEqual(render(new InformerError(403, 'no')).body, { statusCode: 403, error: 'Forbidden', message: 'no' });
    assert.deepEqual(render(new Error('boom')), { status: 500, body: { statusCode: 500, error: 'Internal Server Error', message: 'internal error' } });
  });
});

describe('history rows', () => {
  const base: RunView = {
    runId: 'job-1-manual-abc',
    jobId: 'job-1',
    status: 'succeeded',
    trigger: 'manual',
    scheduledAt: '2026-12-04T10:00:00.000Z',
    startedAt: '2026-12-04T10:00:00.050Z',
    endedAt: '2026-12-04T10:00:01.550Z',
    durationMs: 1500,
    startDelayMs: 50,
    attempts: 1,
    error: null,
    progress: null,
    output: { status: 200 },
    cause: null,
    dependents: [],
    input: null,
    requestedBy: null,
    currentAttempt: null,
  };
  const row = (v: Partial<RunView>) => renderHistoryRow({ ...base, ...v }, { jobId: 'uuid-1', owner: 'alice' });

  it('has the fields Informer gives a history row, duration as [start, end]', () => {
    assert.deepEqual(row({}), {
      id: 'job-1-manual-abc',
      jobId: 'uuid-1',
      ownerId: 'alice',
      success: true,
      warnings: [],
      duration: ['2026-12-04T10:00:00.050Z', '2026-12-04T10:00:01.550Z'],
      data: { status: 'succeeded', trigger: 'manual', attempts: 1, history: [{ task: { key: 'job:progress.invoking_job' }, result: { key: 'job:status.success', success: true } }], output: { status: 200 } },
      progress: null,
      createdAt: '2026-12-04T10:00:00.000Z',
    });
  });

  it('a running row: success null, no end, the failed attempt it retries as a warning', () => {
    const r = row({ status: 'running', endedAt: null, durationMs: null, attempts: 2, error: { type: 'HttpError', message: 'HTTP 503' }, output: null });
    assert.equal(r.success, null);
    assert.deepEqual(r.duration, ['2026-12-04T10:00:00.050Z', null]);
    assert.deepEqual(r.warnings, ['attempt 2 failed: HTTP 503']);
  });

  it('a failed row carries its error in data, not as a warning; a retried success warns', () => {
    const failed = row({ status: 'failed', error: { type: 'HttpError', message: 'HTTP 400' }, output: null });
    assert.equal(failed.success, false);
    assert.deepEqual(failed.warnings, []);
    assert.deepEqual((failed.data as { error: unknown }).error, { type: 'HttpError', message: 'HTTP 400' });
    assert.deepEqual(row({ attempts: 3 }).warnings, ['succeeded on attempt 3 after 2 failed']);
    // A run its DST policy left out: not a success, and the warning says why.
    const skipped = row({ status: 'skipped', skip: { scheduledAt: base.scheduledAt, reason: 'dst', detail: 'repeats 01:30 of the change' }, output: null });
    assert.equal(skipped.success, false);
    assert.deepEqual(skipped.warnings, ['repeats 01:30 of the change']);
  });
});
