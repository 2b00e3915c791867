// The CluedIn dialect's identity mapping and wire format (no servers).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JOB_ID_PATTERN, JobInputSchema } from '../../../core/jobs/model.ts';
import { compileTriggers } from '../../../core/triggers/compile.ts';
import { CluedInError, problem } from '../../../api/dialects/cluedin/errors.ts';
import { jobIdFor, jobRunIdOf, normalizeGuid, parseJobId, parseRecurringId, runIdOf } from '../../../api/dialects/cluedin/ids.ts';
import {
  cluedinState,
  dotnetDate,
  jobIdsFromForm,
  jobIdsFromJson,
  parseAbandon,
  parseCronPatch,
  parseJobTargets,
  parseRecurringJob,
  parseRunsQuery,
  progressCount,
  renderRun,
  stateCounts,
  withCron,
} from '../../../api/dialects/cluedin/mapping.ts';

const CFG = '5b593555-7575-4a85-95f1-53b727ae061e';
const ORG = 'e4fa89de-a3e7-4d4a-b3b1-7e4f25c1ed97';
const THIRD = 'add490b8-e387-42de-99cb-f6d7b82fc78f';
const USER = 'eedd5056-0e1a-429e-9e3b-19104d63bd9a';
const SEED_ID = `${CFG}|${ORG}|${THIRD}`;

/** The 400 a parser throws, with the fields it names. */
function fields(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CluedInError, String(err));
    assert.equal(err.status, 400);
    return err.details.map((d) => d.path);
  }
  assert.fail('expected a 400');
}

describe('CluedIn identity', () => {
  it('maps a configuration onto a readable, valid Kairos job id and back', () => {
    const id = jobIdFor('crawling', CFG.toUpperCase());
    assert.equal(id, `cluedin.crawling.${CFG}`);
    assert.match(id, JOB_ID_PATTERN);
    assert.deepEqual(parseJobId(id), { type: 'crawling', configurationId: CFG });
    assert.equal(parseJobId('cluedin.crawling.not-a-guid'), undefined);
    assert.equal(parseJobId(`native.${CFG}`), undefined);
  });

  it("reads the seed's Hangfire id and .NET GUID spellings", () => {
    assert.deepEqual(parseRecurringId(SEED_ID), { configurationId: CFG, organizationId: ORG, third: THIRD });
    assert.equal(parseRecurringId(`${CFG}|${ORG}`), undefined);
    assert.equal(parseRecurringId(`${CFG}|${ORG}|x`), undefined);
    assert.equal(normalizeGuid(`{${CFG.toUpperCase()}}`), CFG);
    assert.equal(normalizeGuid('5b59355575754a8595f153b727ae061e'), undefined);
  });

  it('packs every kind of run id into a GUID that rebuilds it exactly', () => {
    const job = jobIdFor('crawling', CFG);
    const runs = [
      `${job}-2026-11-23T15:15:00Z`,
      `${job}-manual-2026-03-08T070509042Z-0a1b2c3d`,
      `${job}-dependency-2099-12-31T235959999Z-ffffffff`,
      `${job}-backfill-2000-01-01T000000000Z-00000000`,
    ];
    const guids = new Set<string>();
    for (const runId of runs) {
      const g = jobRunIdOf(job, runId);
      assert.ok(g, runId);
      assert.match(g, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.deepEqual(runIdOf(CFG, g), { jobId: job, runId });
      assert.deepEqual(runIdOf(CFG.toUpperCase(), g.toUpperCase()), { jobId: job, runId });
      guids.add(g);
    }
    assert.equal(guids.size, runs.length);
  });

  it('a JobRunId names runs of its own configuration only', () => {
    const job = jobIdFor('crawling', CFG);
    const g = jobRunIdOf(job, `${job}-2026-11-23T15:15:00Z`) ?? '';
    assert.equal(runIdOf(ORG, g), undefined);
    assert.equal(runIdOf(CFG, THIRD), undefined, 'a version-4 GUID is no JobRunId');
    assert.equal(runIdOf(CFG, 'nope'), undefined);
    assert.equal(jobRunIdOf(job, 'someone-else-2026-11-23T15:15:00Z'), undefined);
    assert.equal(jobRunIdOf('native-job', 'native-job-2026-11-23T15:15:00Z'), undefined);
  });
});

describe('CluedIn requests', () => {
  it('PATCH cron: {id, cron} in any case; id is the configuration GUID or the Hangfire id', () => {
    assert.deepEqual(parseCronPatch({ id: CFG, cron: '47 0/4 * * *' }), { configurationId: CFG, cron: '47 0/4 * * *' });
    assert.deepEqual(parseCronPatch({ Id: SEED_ID, Cron: '0 * * * *' }), { configurationId: CFG, recurringId: SEED_ID, cron: '0 * * * *' });
    assert.deepEqual(fields(() => parseCronPatch({ id: CFG })), ['cron']);
    assert.deepEqual(fields(() => parseCronPatch({ id: 'x', cron: '* * * * *' })), ['id']);
    assert.deepEqual(fields(() => parseCronPatch({ id: CFG, cron: '   ' })), ['cron']);
    assert.deepEqual(fields(() => parseCronPatch({ id: CFG, cron: '* * * * *', extra: 1 })), ['extra']);
    assert.deepEqual(fields(() => parseCronPatch({ id: CFG, ID: CFG, cron: '* * * * *' })), ['id']);
    assert.deepEqual(fields(() => parseCronPatch([1])), ['$']);
    assert.deepEqual(fields(() => parseCronPatch(undefined)), ['$']);
  });

  it('trigger/remove: jobIds[] from a form (or jobs[] as Hangfire posts it) or JSON', () => {
    assert.deepEqual(jobIdsFromForm(`jobIds%5B%5D=${encodeURIComponent(SEED_ID)}&jobIds[]=${CFG}`), [SEED_ID, CFG]);
    assert.deepEqual(jobIdsFromForm(`jobs[]=a&jobIds=b&jobIds[3]=c`), ['a', 'b', 'c']);
    assert.deepEqual(fields(() => jobIdsFromForm('jobIds[]=a&other=1')), ['other']);
    assert.deepEqual(jobIdsFromJson({ jobIds: [SEED_ID] }), [SEED_ID]);
    assert.deepEqual(fields(() => jobIdsFromJson({ jobIds: 'x' })), ['jobIds[]']);
    assert.deepEqual(jobIdsFromJson(undefined), [], 'no body: then reported as the missing jobIds[]');
    assert.deepEqual(parseJobTargets([SEED_ID, CFG]), [
      { configurationId: CFG, recurringId: SEED_ID, text: SEED_ID },
      { configurationId: CFG, text: CFG },
    ]);
    assert.deepEqual(fields(() => parseJobTargets([])), ['jobIds[]']);
    assert.deepEqual(fields(() => parseJobTargets([SEED_ID, 'bad', `${CFG}|x|y`])), ['jobIds[1]', 'jobIds[2]']);
  });

  it('abandon work: jobRunId and jobId, both GUIDs', () => {
    assert.deepEqual(parseAbandon({ jobRunId: THIRD.toUpperCase(), JobId: CFG }), { jobRunId: THIRD, jobId: CFG });
    assert.deepEqual(fields(() => parseAbandon({ jobId: CFG })), ['jobRunId']);
    assert.deepEqual(fields(() => parseAbandon({ jobRunId: 1, jobId: 'x' })).sort(), ['jobId', 'jobRunId']);
  });

  it('jobs query: page and take required, state and configurationId optional (null means none)', () => {
    assert.deepEqual(parseRunsQuery({ page: '0', take: '20', state: 'null', configurationId: 'null' }), { page: 0, take: 20, state: undefined, configurationId: undefined });
    assert.deepEqual(parseRunsQuery({ Page: '2', TAKE: '5', state: 'executing', configurationid: CFG.toUpperCase(), other: 'x' }), { page: 2, take: 5, state: 'Executing', configurationId: CFG });
    assert.deepEqual(fields(() => parseRunsQuery({})), ['page', 'take']);
    assert.deepEqual(fields(() => parseRunsQuery({ page: '-1', take: '0' })), ['page', 'take']);
    assert.deepEqual(fields(() => parseRunsQuery({ page: '0', take: '10', state: 'Succeeded' })), ['state']);
    assert.deepEqual(fields(() => parseRunsQuery({ page: '0', take: '10', configurationId: 'x' })), ['configurationId']);
    assert.deepEqual(fields(() => parseRunsQuery({ page: ['0', '1'], take: '10' })), ['page']);
    assert.deepEqual(fields(() => parseRunsQuery({ page: '10', take: '1000' })), ['page']);
    assert.equal(parseRunsQuery({ page: '9', take: '1000' }).page, 9);
  });

  it('upsert body → a hangfire-cron job keeping the CluedIn fields', () => {
    const u = parseRecurringJob(
      { configurationId: CFG, OrganizationId: ORG, UserId: USER, Id: SEED_ID, Cron: '47 0/4 * * *', Job: 'Acceptance', Task: { type: 'http', data: { url: 'http://127.0.0.1:9/x' } } },
      'crawling',
    );
    assert.equal(u.input.id, `cluedin.crawling.${CFG}`);
    assert.deepEqual(u.input.triggers, [{ type: 'cron', dialect: 'hangfire', expression: '47 0/4 * * *', timezone: 'UTC' }]);
    assert.deepEqual(u.input.extras, {
      dialect: 'cluedin',
      cluedin: { type: 'crawling', id: SEED_ID, configurationId: CFG, organizationId: ORG, userId: USER, queue: 'default', alarm: '00:00:00', configurationName: null },
    });
    const spec = JobInputSchema.parse(u.input);
    const compiled = compileTriggers(spec.triggers, { now: new Date('2026-04-06T13:47:16Z'), timezone: spec.timezone });
    assert.ok(compiled.spec, 'the seed cron compiles');
    // The seed's Id and NextExecution: 47 minutes past every 4th hour.
    assert.deepEqual(fields(() => parseRecurringJob({ ConfigurationId: CFG, OrganizationId: ORG, UserId: USER, Cron: '* * * * *', Id: `${ORG}|${CFG}|${THIRD}`, Task: { Type: 'http', Data: {} } }, 'crawling')), ['Id']);
    assert.deepEqual(fields(() => parseRecurringJob({ ConfigurationId: CFG }, 'crawling')).sort(), ['Cron', 'OrganizationId', 'Task', 'UserId']);
    assert.deepEqual(fields(() => parseRecurringJob({ ConfigurationId: CFG, OrganizationId: ORG, UserId: USER, Cron: '* * * * *', Task: { Type: 'http', Data: {}, x: 1 } }, 'crawling')), ['x']);
    assert.deepEqual(fields(() => parseRecurringJob({ ConfigurationId: CFG, OrganizationId: ORG, UserId: USER, Cron: '* * * * *', Alarm: 'soon', Task: { Type: 'http', Data: {} } }, 'crawling')), ['Alarm']);
  });

  it('PATCH replaces the cron trigger, keeping its time zone', () => {
    const t = withCron({ timezone: 'UTC', triggers: [{ type: 'cron', dialect: 'unix', expression: '0 * * * *', timezone: 'Europe/Paris', enabled: true }] }, '*/5 * * * *');
    assert.deepEqual(t, [{ type: 'cron', dialect: 'hangfire', expression: '*/5 * * * *', timezone: 'Europe/Paris', enabled: true }]);
    assert.deepEqual(withCron({ timezone: 'UTC', triggers: [] }, '0 0 * * *'), [{ type: 'cron', dialect: 'hangfire', expression: '0 0 * * *', timezone: 'UTC', enabled: true }]);
  });
});

describe('CluedIn responses', () => {
  it('states and counts from Kairos statuses', () => {
    assert.equal(cluedinState('running', 'queued'), 'Queued');
    assert.equal(cluedinState('running', 'executing'), 'Executing');
    assert.equal(cluedinState('succeeded'), 'Completed');
    assert.equal(cluedinState('timed_out'), 'Failed');
    assert.equal(cluedinState('terminated'), 'Cancelled');
    assert.deepEqual(stateCounts({ running: 3, succeeded: 4, failed: 1, timed_out: 1, cancelled: 2, terminated: 2, skipped: 0, missed: 0 }, 1), { completed: 4, executing: 2, failed: 2, queued: 1, cancelled: 4 });
  });

  it('progress: records written for a datasource run, else the driver counter', () => {
    assert.equal(progressCount(null), 0);
    assert.equal(progressCount({ done: 1, total: 1, unit: 'requests' }), 1);
    assert.equal(progressCount({ done: 1077, written: 1070 } as never), 1070);
  });

  it('dates as Json.NET writes them', () => {
    assert.equal(dotnetDate('2020-04-06T16:47:00.000Z', 'utc'), '2020-04-06T16:47:00Z');
    assert.equal(dotnetDate('2020-03-18T17:06:20.170Z', 'offset'), '2020-03-18T17:06:20.17+00:00');
    assert.equal(dotnetDate(null, 'utc'), null);
  });

  it('a run row has the seed fields', () => {
    const row = renderRun({
      configurationId: CFG, jobRunId: THIRD, jobName: 'Acceptance', configurationName: null, progress: { done: 710 }, state: 'Cancelled',
      scheduledAt: '2020-03-18T17:06:20.170Z', startedAt: '2020-03-18T17:06:20.536Z', endedAt: null,
    });
    assert.deepEqual(Object.keys(row), ['Id', 'JobRunId', 'Job', 'ConfigurationName', 'Progress', 'Status', 'QueuedAt', 'StartedAt', 'FinishedAt']);
    assert.equal(row.Progress, 710);
    assert.equal(row.StartedAt, '2020-03-18T17:06:20.536+00:00');
    assert.equal(renderRun({ ...row, configurationId: CFG, jobRunId: THIRD, jobName: 'x', configurationName: null, progress: null, state: 'Queued', scheduledAt: '2020-03-18T17:06:20Z', startedAt: '2020-03-18T17:06:21Z', endedAt: null }).StartedAt, null);
  });

  it('errors are ASP.NET Core problem details naming each field', () => {
    const p = problem({ path: '/cluedin/api/v1/jobs', state: { requestId: 'r1' } }, 400, 'invalid query', [{ path: 'take', message: 'The take field is required.' }]);
    assert.deepEqual(p, {
      type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
      title: 'One or more validation errors occurred.',
      status: 400,
      detail: 'invalid query',
      instance: '/cluedin/api/v1/jobs',
      traceId: 'r1',
      errors: { take: ['The take field is required.'] },
    });
    assert.equal(problem({ path: '/x', state: {} }, 404, 'gone', []).title, 'Not Found');
  });
});
