// The Volt MX wire format ↔ canonical job translation, and the dialect's error bodies (no servers).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JobInputSchema, type Job } from '../../../core/jobs/model.ts';
import { JobService, type JobView } from '../../../core/jobs/service.ts';
import type { RunStats } from '../../../core/runs/service.ts';
import { adminErrorBody, identityErrorBody, VoltmxError } from '../../../api/dialects/voltmx/errors.ts';
import {
  canonicalIdOf,
  executionStatusOf,
  historyStatuses,
  jobIdOfCanonical,
  parseJobBody,
  parseJobIdParam,
  renderJobDetail,
  renderJobSummary,
  renderRun,
  serviceCall,
  toJobInput,
  voltmxField,
  voltmxTime,
  type ServiceInfo,
} from '../../../api/dialects/voltmx/mapping.ts';

const SERVER = 'http://foundry.example:8080';

/** The create sample of Volt MX's page. */
const sample = () => ({
  jobId: 2,
  jobName: 'testjob1',
  jobFrequency: '19 0 * * * ? *',
  description: 'Job for testjob2',
  jobServiceInfo: {
    version: '1.0',
    serviceType: 'intSer',
    serviceName: 'jsonservices',
    objectName: '',
    operationName: 'metadatajson',
    requestheaderMap: {},
    serviceExecutionType: 'SERVER_URL',
    postData: '{}',
    operationSecurityLevel: 'public',
  },
  jobStatus: 'Active',
  historyStrategy: 'OFF',
  retentionPeriod: '30',
  jobFrequencyInfo: { frequencyType: 1, minuteValues: [0], hourValues: [1] },
});

function rejects(fn: () => unknown, status: number, field: string | RegExp): VoltmxError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof VoltmxError, `expected VoltmxError, got ${String(err)}`);
    assert.equal(err.status, status);
    assert.ok(
      err.fields.some((f) => (typeof field === 'string' ? f.field === field : field.test(f.field))),
      `a field ${String(field)} in ${JSON.stringify(err.fields)}`,
    );
    return err;
  }
  assert.fail('expected an error');
}

const asJob = (input: ReturnType<typeof toJobInput>, over: Partial<Job> = {}): Job => ({
  ...JobInputSchema.parse(input),
  id: String(input.id),
  name: String(input.name),
  ownerId: 'u1',
  createdAt: '2026-01-02T03:04:05.000Z',
  updatedAt: '2026-01-02T03:04:05.678Z',
  version: 1,
  ...over,
});

const view = (job: Job, state: Partial<JobView['state']> = {}): JobView => ({
  job,
  state: { enabled: job.enabled, nextRunAt: null, lastRunAt: null, running: [], remainingActions: null, ...state },
});

describe('Volt MX ids', () => {
  it('maps job N onto a derived canonical id and back', () => {
    assert.equal(canonicalIdOf(7), 'voltmx.job.7');
    assert.equal(jobIdOfCanonical('voltmx.job.7'), 7);
    for (const id of ['voltmx.job.07', 'voltmx.job.x', 'other', 'voltmx.job.99999999999', 'voltmx.job.']) assert.equal(jobIdOfCanonical(id), undefined, id);
  });

  it('reads "7" and "job7" (the page writes /admin/api/jobs/job1) from a path; anything else is a 400 naming jobId', () => {
    assert.equal(parseJobIdParam('7'), 7);
    assert.equal(parseJobIdParam('job1'), 1);
    for (const bad of ['0', '-1', 'abc', '1.5', '2147483648', '', 'job', '..%2F']) rejects(() => parseJobIdParam(bad), 400, 'jobId');
  });
});

describe('parsing a Volt MX job', () => {
  it('accepts the page\'s own sample', () => {
    const b = parseJobBody(sample());
    assert.equal(b.jobName, 'testjob1');
    assert.equal(b.jobServiceInfo.serviceType, 'intSer');
  });

  it('names each offending field and why', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ jobName: undefined }, 'jobName'],
      [{ jobName: '  ' }, 'jobName'],
      [{ jobName: 5 }, 'jobName'],
      [{ jobStatus: 'Paused' }, 'jobStatus'],
      [{ historyStrategy: 'SOME' }, 'historyStrategy'],
      [{ retentionPeriod: '0' }, 'retentionPeriod'],
      [{ retentionPeriod: 'thirty' }, 'retentionPeriod'],
      [{ jobId: 1.5 }, 'jobId'],
      [{ jobFrequencyInfo: { frequencyType: 9 } }, 'jobFrequencyInfo.frequencyType'],
      [{ jobServiceInfo: undefined }, 'jobServiceInfo'],
      [{ jobServiceInfo: { ...sample().jobServiceInfo, serviceType: 'restSer' } }, 'jobServiceInfo.serviceType'],
      [{ jobServiceInfo: { ...sample().jobServiceInfo, serviceExecutionType: 'CLIENT' } }, 'jobServiceInfo.serviceExecutionType'],
      [{ jobServiceInfo: { ...sample().jobServiceInfo, serviceName: '../admin' } }, 'jobServiceInfo.serviceName'],
      [{ jobServiceInfo: { ...sample().jobServiceInfo, requestheaderMap: { 'bad header': 'x' } } }, 'jobServiceInfo.requestheaderMap.bad header'],
      [{ jobServiceInfo: { ...sample().jobServiceInfo, requestheaderMap: { 'x-a': 5 } } }, 'jobServiceInfo.requestheaderMap.x-a'],
      [{ jobServiceInfo: { ...sample().jobServiceInfo, extra: 1 } }, 'jobServiceInfo.extra'],
      [{ scheudle: '* * * * * ?' }, 'scheudle'],
    ];
    for (const [over, field] of cases) {
      const err = rejects(() => parseJobBody({ ...sample(), ...over }), 400, field);
      assert.match(err.message, new RegExp(field.split('.').pop()?.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') ?? ''));
    }
    rejects(() => parseJobBody([1]), 400, '');
    rejects(() => parseJobBody(null), 400, '');
  });
});

describe('the service call', () => {
  const info = (over: Partial<ServiceInfo>): ServiceInfo => ({ ...parseJobBody(sample()).jobServiceInfo, ...over });

  it('integration and orchestration operations: POST {server}/services/{service}/{operation} with postData as JSON', () => {
    const c = serviceCall(info({ postData: '{"cityName":"Paris"}', requestheaderMap: { 'X-VoltMX-App-Key': 'k' } }), SERVER);
    assert.deepEqual(c, {
      url: `${SERVER}/services/jsonservices/metadatajson`,
      method: 'POST',
      headers: { 'X-VoltMX-App-Key': 'k', 'content-type': 'application/json' },
      body: '{"cityName":"Paris"}',
    });
    assert.equal(serviceCall(info({ serviceType: 'orchSer', serviceName: 'a b' }), SERVER).url, `${SERVER}/services/a%20b/metadatajson`);
    assert.equal(serviceCall(info({ postData: '{}' }), SERVER).body, undefined, 'an empty postData sends no body');
    assert.equal(serviceCall(info({ postData: { a: 1 } }), SERVER).body, '{"a":1}');
  });

  it('object operations: the verb is the method, reads take postData as the query', () => {
    const get = serviceCall(info({ serviceType: 'objSer', objectName: 'Customer', operationName: 'get', postData: '{"$filter":"id eq 1"}' }), SERVER);
    assert.deepEqual(get, { url: `${SERVER}/services/data/v1/jsonservices/objects/Customer`, method: 'GET', headers: {}, query: { $filter: 'id eq 1' } });
    assert.equal(serviceCall(info({ serviceType: 'objSer', objectName: 'Customer', operationName: 'partialUpdate' }), SERVER).method, 'PATCH');
    rejects(() => serviceCall(info({ serviceType: 'objSer', objectName: '', operationName: 'get' }), SERVER), 400, 'jobServiceInfo.objectName');
    rejects(() => serviceCall(info({ serviceType: 'objSer', objectName: 'C', operationName: 'fly' }), SERVER), 400, 'jobServiceInfo.operationName');
    for (const inherited of ['constructor', 'toString']) rejects(() => serviceCall(info({ serviceType: 'objSer', objectName: 'C', operationName: inherited }), SERVER), 400, 'jobServiceInfo.operationName');
  });

  it('postData that is not a JSON object, or no configured server, is a 400 naming the field', () => {
    rejects(() => serviceCall(info({ postData: '{nope' }), SERVER), 400, 'jobServiceInfo.postData');
    rejects(() => serviceCall(info({ postData: '[1]' }), SERVER), 400, 'jobServiceInfo.postData');
    const err = rejects(() => serviceCall(info({}), undefined), 400, 'jobServiceInfo.serviceExecutionType');
    assert.match(err.message, /KAIROS_VOLTMX_SERVER_URL/);
  });
});

describe('Volt MX → canonical → Volt MX', () => {
  it('a Quartz cron trigger in UTC, enabled from jobStatus, history from historyStrategy/retentionPeriod, one attempt, extras verbatim', () => {
    const input = toJobInput(parseJobBody(sample()), 9, { serverUrl: SERVER, updatedUser: 'ana@example.com' });
    assert.equal(input.id, 'voltmx.job.9');
    assert.deepEqual(input.triggers, [{ type: 'cron', dialect: 'quartz', expression: '19 0 * * * ? *' }]);
    assert.equal(input.timezone, 'UTC');
    assert.equal(input.enabled, true);
    assert.deepEqual(input.history, { strategy: 'OFF', retentionDays: 30 });
    assert.deepEqual(input.retry, { maxAttempts: 1 });
    assert.ok(JobInputSchema.safeParse(input).success);

    const inactive = toJobInput(parseJobBody({ ...sample(), jobStatus: 'Inactive', jobFrequency: null, historyStrategy: undefined, retentionPeriod: undefined }), 9, { serverUrl: SERVER, updatedUser: 'x' });
    assert.equal(inactive.enabled, false);
    assert.deepEqual(inactive.triggers, []);
    assert.deepEqual(inactive.history, { strategy: 'MINIMAL' });
  });

  it('the canonical job passes the job service\'s validation, secret references in headers included', () => {
    const body = parseJobBody({ ...sample(), jobServiceInfo: { ...sample().jobServiceInfo, requestheaderMap: { 'X-VoltMX-App-Key': { $secret: 'VOLTMX_APP_KEY' } } } });
    const { spec } = new JobService({} as never).validate(toJobInput(body, 3, { serverUrl: SERVER, updatedUser: 'ana' }));
    assert.deepEqual(spec.data.headers, { 'X-VoltMX-App-Key': { $secret: 'VOLTMX_APP_KEY' } });
    assert.equal(spec.triggers[0]?.type, 'cron');
  });

  it('GET returns what was written, field for field', () => {
    const body = sample();
    const job = asJob(toJobInput(parseJobBody(body), 2, { serverUrl: SERVER, updatedUser: 'ana' }));
    const detail = renderJobDetail(view(job), 2);
    const { jobId: _j, ...expected } = body;
    assert.deepEqual(detail, { jobId: 2, ...expected });
    assert.equal(renderJobDetail(view(job, { enabled: false }), 2).jobStatus, 'Inactive', 'status follows the schedule');
  });

  it('a list row carries the run counts and percentages, the last run and the next fire time', () => {
    const job = asJob(toJobInput(parseJobBody(sample()), 2, { serverUrl: SERVER, updatedUser: 'ana' }));
    const stats: RunStats = {
      total: 5,
      byStatus: { running: 1, succeeded: 3, failed: 1, cancelled: 0, terminated: 0, timed_out: 0, skipped: 0, missed: 0 },
      successRate: 0.75,
      meanDurationMs: 10,
      sampleSize: 4,
      lastRun: { runId: 'r', jobId: job.id, status: 'failed', trigger: 'manual', scheduledAt: '', startedAt: '', endedAt: null, durationMs: null, startDelayMs: 0 },
      nextRunAt: null,
    };
    const row = renderJobSummary(view(job, { nextRunAt: '2026-01-02T04:00:19.000Z' }), 2, stats);
    assert.deepEqual(row, {
      jobId: 2,
      jobName: 'testjob1',
      description: 'Job for testjob2',
      cronExpression: '19 0 * * * ? *',
      updatedUser: 'ana',
      updatedDate: '2026-01-02 03:04:05',
      jobStatus: 'Active',
      jobHistoryTotal: 5,
      jobHistorySuccessCount: 3,
      jobHistoryFailCount: 1,
      jobHistorySucPercentage: 75,
      jobHistoryFailPercentage: 25,
      jobLastRunStatus: 'Fail',
      jobNextRunTime: '2026-01-02 04:00:19',
    });
    const none = renderJobSummary(view(job), 2, { ...stats, total: 0, byStatus: { running: 0, succeeded: 0, failed: 0, cancelled: 0, terminated: 0, timed_out: 0, skipped: 0, missed: 0 }, lastRun: null });
    assert.equal(none.jobHistorySucPercentage, 0);
    assert.equal(none.jobHistoryFailPercentage, 0);
    assert.equal(none.jobLastRunStatus, null);
  });

  it('history records, and which runs a strategy shows', () => {
    const job = asJob(toJobInput(parseJobBody({ ...sample(), historyStrategy: 'FULL' }), 2, { serverUrl: SERVER, updatedUser: 'ana' }));
    const run = renderRun({ runId: 'r', jobId: job.id, status: 'succeeded', trigger: 'manual', scheduledAt: '', startedAt: '2026-01-02T03:04:05.000Z', endedAt: '2026-01-02T03:04:07.000Z', durationMs: 2000, startDelayMs: 0 }, job);
    assert.deepEqual(run, {
      jobRunId: Date.parse('2026-01-02T03:04:05.000Z'),
      jobStartTime: '2026-01-02 03:04:05',
      jobEndTime: '2026-01-02 03:04:07',
      jobDuration: 2000,
      executionFrequency: '19 0 * * * ? *',
      executionStatus: 'Success',
      completeHistory: true,
    });
    assert.equal(historyStatuses('OFF'), 'none');
    assert.equal(historyStatuses('MINIMAL'), 'all');
    assert.deepEqual(historyStatuses('ERROR'), ['failed', 'timed_out', 'cancelled', 'terminated']);
    assert.equal(executionStatusOf('timed_out'), 'Fail');
    assert.equal(executionStatusOf('running'), 'Running');
    assert.equal(voltmxTime(null), null);
  });

  it('names the job service\'s error paths as Volt MX fields', () => {
    assert.equal(voltmxField('triggers.0.expression'), 'jobFrequency');
    assert.equal(voltmxField('history.retentionDays'), 'retentionPeriod');
    assert.equal(voltmxField('data.headers.x'), 'jobServiceInfo');
    assert.equal(voltmxField('query.cursor'), 'cursor');
  });
});

describe('error bodies', () => {
  it('admin APIs: status FAIL, the code and fields in result, no token', () => {
    assert.deepEqual(adminErrorBody('INVALID_FIELD', 'jobName: is required', [{ field: 'jobName', message: 'is required' }]), {
      status: 'FAIL',
      result: { code: 'INVALID_FIELD', errors: [{ field: 'jobName', message: 'is required' }] },
      message: 'jobName: is required',
      token: null,
    });
  });

  it('login: the identity service\'s code numbering', () => {
    const b = identityErrorBody(401, 'FAILURE_EXPIRED_TOKEN', 'Token expired', []);
    assert.equal(b.code, -6);
    assert.equal(b.mfcode, 'Auth-6');
    assert.equal(b.domain, 'AUTH');
    assert.equal(identityErrorBody(401, 'FAILURE_INVALID_USER_CREDENTIALS', 'x', []).code, -4);
  });
});
