// Volt MX job ↔ canonical job. A Volt MX job calls one Foundry service operation on a schedule: it
// becomes an `http` job whose request is built, at save time, from `jobServiceInfo` and the
// configured Foundry server URL; `jobFrequency` (Quartz cron) becomes a quartz cron trigger;
// `jobStatus` is enabled/paused; `historyStrategy`/`retentionPeriod` are the canonical history
// policy. Everything Volt MX sent is also kept verbatim in `extras.voltmx`, so a GET returns it.
import { z } from 'zod';
import { KairosError } from '../../../core/errors.ts';
import type { Job, JobInput } from '../../../core/jobs/model.ts';
import type { RunStats, RunSummary } from '../../../core/runs/service.ts';
import type { RunStatus } from '../../../core/runs/types.ts';
import type { JobView } from '../../../core/jobs/service.ts';
import { invalid, VoltmxError, type FieldError } from './errors.ts';
import { own } from '../../../core/objects/own.ts';

export const DIALECT = 'voltmx';
/** Volt MX job ids are Java ints. */
export const MAX_JOB_ID = 2_147_483_647;

/** The canonical id of Volt MX job N: readable in Temporal Web UI, derived, so no lookup is needed. */
export const canonicalIdOf = (jobId: number): string => `voltmx.job.${jobId}`;

/** Volt MX job id of a canonical id, or undefined if the id is not a Volt MX job's. */
export function jobIdOfCanonical(id: string): number | undefined {
  const m = /^voltmx\.job\.([1-9]\d{0,9})$/.exec(id);
  const n = m ? Number(m[1]) : NaN;
  return Number.isInteger(n) && n <= MAX_JOB_ID ? n : undefined;
}

/** A job id from a path: "7", or "job7" as the Volt MX page writes its example URL. */
/** A job id in a path: 12, or job12 as Volt MX's page writes it. */
export const JOB_ID_PARAM = /^(?:job)?(\d{1,10})$/;

export function parseJobIdParam(raw: string): number {
  const m = JOB_ID_PARAM.exec(raw);
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_JOB_ID) {
    throw invalid([{ field: 'jobId', message: `must be a job id: a whole number from 1 to ${MAX_JOB_ID}` }]);
  }
  return n;
}

// ---- the wire format ------------------------------------------------------------------------------

const SERVICE_TYPES = ['intSer', 'objSer', 'orchSer'] as const;
const HISTORY = ['OFF', 'MINIMAL', 'ERROR', 'FULL'] as const;
/** Object-service verbs → HTTP methods of Foundry's object API. */
const OBJECT_VERBS: Record<string, 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'> = {
  get: 'GET',
  create: 'POST',
  update: 'PUT',
  partialupdate: 'PATCH',
  delete: 'DELETE',
};

const str = (what = 'a string') => z.string({ error: `must be ${what}` });
/** A header value: text, or a Kairos secret reference resolved by the worker at run time. */
const HeaderValue = z.union([str(), z.object({ $secret: str() }).strict()], { error: 'must be a string or {"$secret": "NAME"}' });
const PathSegment = str()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .refine((s) => !/[/\\?#]|^\.\.?$/.test(s), 'must be a single name (no / \\ ? #)');

export const ServiceInfoSchema = z
  .object({
    version: str().max(50).nullish(),
    serviceType: z.enum(SERVICE_TYPES, { error: 'must be "intSer" (integration), "objSer" (object) or "orchSer" (orchestration)' }),
    serviceName: PathSegment,
    objectName: str().max(200).nullish(),
    operationName: PathSegment,
    requestheaderMap: z.record(str().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name'), HeaderValue, { error: 'must be an object of header names to values' }).nullish(),
    serviceExecutionType: z.literal('SERVER_URL', { error: 'must be "SERVER_URL"' }),
    postData: z.union([str(), z.record(z.string(), z.unknown())], { error: 'must be a JSON object or a string holding one' }).nullish(),
    operationSecurityLevel: str().max(50).nullish(),
  })
  .strict();
export type ServiceInfo = z.output<typeof ServiceInfoSchema>;

const FrequencyInfoSchema = z
  .object({ frequencyType: z.number({ error: 'must be 1 (hour), 2 (day), 3 (week) or 4 (month)' }).int().min(1).max(4) })
  // The console's own fields (minuteValues, hourValues, …) are kept as sent; jobFrequency is what runs.
  .catchall(z.union([z.array(z.union([z.number(), z.string()]), { error: 'must be a list of numbers or names' }), z.number(), z.string(), z.null()]));

export const JobBodySchema = z
  .object({
    jobId: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(1).max(MAX_JOB_ID).nullish(),
    jobName: str().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    jobFrequency: str().trim().min(1, 'must not be empty').max(200).nullish(),
    description: str().max(4000).nullish(),
    jobServiceInfo: ServiceInfoSchema,
    jobStatus: z.enum(['Active', 'Inactive'], { error: 'must be "Active" or "Inactive"' }).nullish(),
    historyStrategy: z.enum(HISTORY, { error: 'must be one of OFF, MINIMAL, ERROR, FULL' }).nullish(),
    retentionPeriod: z
      .union([str().regex(/^\d{1,4}$/, 'must be a number of days'), z.number({ error: 'must be a number of days' }).int('must be a whole number of days')])
      .refine((v) => Number(v) >= 1 && Number(v) <= 3650, 'must be from 1 to 3650 days')
      .nullish(),
    jobFrequencyInfo: FrequencyInfoSchema.nullish(),
  })
  .strict()
  .meta({ id: 'VoltmxJob' }); // its name in the Volt MX OpenAPI document (api/openapi.ts)
export type JobBody = z.output<typeof JobBodySchema>;

function issuesToFields(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.map((i) => {
    const field = i.path.map(String).join('.');
    if (i.code === 'unrecognized_keys') {
      const keys = (i as { keys?: string[] }).keys ?? [];
      return { field: [field, keys[0] ?? ''].filter(Boolean).join('.'), message: `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}` };
    }
    if (i.code === 'invalid_type' && i.message.startsWith('Invalid input')) return { field, message: 'is required' };
    return { field, message: i.message };
  });
}

/** Parses a create/update body; a 400 naming every offending field. */
export function parseJobBody(raw: unknown): JobBody {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid([{ field: '', message: 'the body must be a JSON object (a Volt MX job)' }]);
  const r = JobBodySchema.safeParse(raw);
  if (!r.success) throw invalid(issuesToFields(r.error.issues));
  return r.data;
}

// ---- the service call -----------------------------------------------------------------------------

export interface HttpCall {
  url: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers: Record<string, string | { $secret: string }>;
  query?: Record<string, string>;
  body?: string;
}

/** postData as a JSON object (undefined when empty); a string must hold a JSON object. */
export function postDataObject(postData: ServiceInfo['postData']): Record<string, unknown> | undefined {
  if (postData === null || postData === undefined) return undefined;
  if (typeof postData !== 'string') return Object.keys(postData).length ? postData : undefined;
  if (postData.trim() === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(postData);
  } catch {
    throw invalid([{ field: 'jobServiceInfo.postData', message: 'must be JSON text of an object, e.g. "{\\"cityName\\":\\"Paris\\"}"' }]);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid([{ field: 'jobServiceInfo.postData', message: 'must hold a JSON object' }]);
  return Object.keys(v).length ? (v as Record<string, unknown>) : undefined;
}

/**
 * The request a run sends, as Foundry's runtime serves services: integration and orchestration
 * operations at POST {server}/services/{service}/{operation} with postData as the JSON body; object
 * operations at {server}/services/data/v1/{service}/objects/{object}, the verb as the method.
 */
export function serviceCall(info: ServiceInfo, serverUrl: string | undefined): HttpCall {
  if (!serverUrl) {
    throw new VoltmxError(400, 'SERVER_URL_NOT_CONFIGURED', 'jobServiceInfo: no Volt MX Foundry server is configured to run services on (set KAIROS_VOLTMX_SERVER_URL); nothing was saved', [
      { field: 'jobServiceInfo.serviceExecutionType', message: 'SERVER_URL needs KAIROS_VOLTMX_SERVER_URL on the Kairos server' },
    ]);
  }
  const enc = encodeURIComponent;
  const data = postDataObject(info.postData);
  const headers: HttpCall['headers'] = { ...(info.requestheaderMap ?? {}) };
  const hasType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
  if (info.serviceType !== 'objSer') {
    if (data && !hasType) headers['content-type'] = 'application/json';
    return { url: `${serverUrl}/services/${enc(info.serviceName)}/${enc(info.operationName)}`, method: 'POST', headers, ...(data ? { body: JSON.stringify(data) } : {}) };
  }
  const objectName = info.objectName?.trim() ?? '';
  if (objectName === '' || /[/\\?#]/.test(objectName)) {
    throw invalid([{ field: 'jobServiceInfo.objectName', message: 'is required for an object service (serviceType "objSer"): a single object name' }]);
  }
  const method = own(OBJECT_VERBS, info.operationName.toLowerCase());
  if (!method) {
    throw invalid([{ field: 'jobServiceInfo.operationName', message: `must be an object-service verb: ${Object.keys(OBJECT_VERBS).join(', ')}` }]);
  }
  const url = `${serverUrl}/services/data/v1/${enc(info.serviceName)}/objects/${enc(objectName)}`;
  if (method === 'GET' || method === 'DELETE') {
    // Foundry's object reads take their parameters ($filter, $select, …) in the query string.
    const query = data ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])) : undefined;
    return { url, method, headers, ...(query ? { query } : {}) };
  }
  if (data && !hasType) headers['content-type'] = 'application/json';
  return { url, method, headers, ...(data ? { body: JSON.stringify(data) } : {}) };
}

// ---- Volt MX → canonical --------------------------------------------------------------------------

export interface VoltmxExtras {
  jobId: number;
  jobFrequency: string | null;
  description: string | null;
  jobServiceInfo: ServiceInfo;
  retentionPeriod: string | number | null;
  jobFrequencyInfo: Record<string, unknown> | null;
  updatedUser: string;
}

/** The canonical job input for a Volt MX job body (`jobId` is the allocated or addressed one). */
export function toJobInput(body: JobBody, jobId: number, opts: { serverUrl?: string; updatedUser: string }): JobInput {
  const call = serviceCall(body.jobServiceInfo, opts.serverUrl);
  const extras: VoltmxExtras = {
    jobId,
    jobFrequency: body.jobFrequency ?? null,
    description: body.description ?? null,
    jobServiceInfo: body.jobServiceInfo,
    retentionPeriod: body.retentionPeriod ?? null,
    jobFrequencyInfo: body.jobFrequencyInfo ?? null,
    updatedUser: opts.updatedUser,
  };
  return {
    id: canonicalIdOf(jobId),
    name: body.jobName,
    type: 'http',
    description: body.description ?? '',
    enabled: body.jobStatus !== 'Inactive',
    // Quartz, as the Volt MX console writes it (seconds first, `?`, optional year); UTC.
    triggers: body.jobFrequency ? [{ type: 'cron', dialect: 'quartz', expression: body.jobFrequency }] : [],
    timezone: 'UTC',
    data: { url: call.url, method: call.method, headers: call.headers, ...(call.query ? { query: call.query } : {}), ...(call.body !== undefined ? { body: call.body } : {}) },
    // Volt MX calls the service once per firing; a retry would call a non-idempotent service again.
    retry: { maxAttempts: 1 },
    history: {
      strategy: body.historyStrategy ?? 'MINIMAL',
      ...(body.retentionPeriod !== null && body.retentionPeriod !== undefined ? { retentionDays: Number(body.retentionPeriod) } : {}),
    },
    extras: { dialect: DIALECT, voltmx: extras },
  };
}

/** The job service's error paths (`triggers.0.expression`) as Volt MX fields. */
export function voltmxField(path: string): string {
  if (path.startsWith('query.')) return path.slice('query.'.length);
  if (/^triggers(\.|$)/.test(path)) return 'jobFrequency';
  if (path === 'name') return 'jobName';
  if (path.startsWith('history.retentionDays')) return 'retentionPeriod';
  if (path.startsWith('history')) return 'historyStrategy';
  if (path.startsWith('data')) return 'jobServiceInfo';
  if (path === 'description') return 'description';
  return path;
}

/** The job service's validation errors, named as Volt MX fields. */
export function translated(err: unknown): unknown {
  if (!(err instanceof KairosError) || err.kind !== 'validation') return err;
  const fields = err.details.map((d) => ({ field: voltmxField(d.path), message: d.message }));
  return invalid(fields.length ? fields : [{ field: '', message: err.message }], fields.length ? undefined : err.message);
}

// ---- canonical → Volt MX --------------------------------------------------------------------------

export function extrasOf(job: Job): VoltmxExtras | undefined {
  if (job.extras['dialect'] !== DIALECT) return undefined;
  const x = job.extras[DIALECT];
  return typeof x === 'object' && x !== null ? (x as VoltmxExtras) : undefined;
}

/** "2018-12-24 09:04:55" (UTC), as Volt MX writes times. */
export function voltmxTime(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** The cron the job runs on now: a cron trigger changed through another API shows as it is. */
export function frequencyOf(job: Job): string | null {
  const cron = job.triggers.find((t) => t.type === 'cron');
  return cron && cron.type === 'cron' ? cron.expression : (extrasOf(job)?.jobFrequency ?? null);
}

export function renderJobDetail(v: JobView, jobId: number) {
  const x = extrasOf(v.job);
  return {
    jobId,
    jobName: v.job.name,
    jobFrequency: frequencyOf(v.job),
    description: x ? x.description : v.job.description || null,
    jobServiceInfo: x?.jobServiceInfo ?? null,
    jobStatus: v.state.enabled ? 'Active' : 'Inactive',
    historyStrategy: v.job.history.strategy,
    retentionPeriod: x?.retentionPeriod !== undefined && x.retentionPeriod !== null ? String(x.retentionPeriod) : v.job.history.retentionDays !== undefined ? String(v.job.history.retentionDays) : null,
    jobFrequencyInfo: x?.jobFrequencyInfo ?? null,
  };
}

/** Volt MX's word for a run's status. */
export function executionStatusOf(s: RunStatus): 'Success' | 'Fail' | 'Running' {
  if (s === 'succeeded') return 'Success';
  if (s === 'running') return 'Running';
  return 'Fail'; // failed, timed out, stopped or aborted: the service call did not complete
}

export function renderJobSummary(v: JobView, jobId: number, stats: RunStats) {
  const success = stats.byStatus.succeeded;
  const fail = stats.byStatus.failed + stats.byStatus.timed_out + stats.byStatus.cancelled + stats.byStatus.terminated;
  const finished = success + fail;
  const pct = (n: number) => (finished ? Math.round((n * 100) / finished) : 0);
  const x = extrasOf(v.job);
  return {
    jobId,
    jobName: v.job.name,
    description: x ? x.description : v.job.description || null,
    cronExpression: frequencyOf(v.job),
    updatedUser: x?.updatedUser ?? v.job.ownerId,
    updatedDate: voltmxTime(v.job.updatedAt),
    jobStatus: v.state.enabled ? 'Active' : 'Inactive',
    // Fire times that did not run are no Volt MX history records (it has no status for them).
    jobHistoryTotal: stats.total - stats.byStatus.skipped - stats.byStatus.missed,
    jobHistorySuccessCount: success,
    jobHistoryFailCount: fail,
    jobHistorySucPercentage: pct(success),
    jobHistoryFailPercentage: finished ? 100 - pct(success) : 0,
    jobLastRunStatus: v.state.running.length > 0 ? 'Running' : stats.lastRun ? executionStatusOf(stats.lastRun.status) : null,
    jobNextRunTime: voltmxTime(v.state.nextRunAt),
  };
}

/** The statuses a job's history shows under its strategy: OFF none, ERROR failed runs, else all. */
export function historyStatuses(strategy: Job['history']['strategy']): RunStatus[] | 'none' | 'all' {
  if (strategy === 'OFF') return 'none';
  if (strategy === 'ERROR') return ['failed', 'timed_out', 'cancelled', 'terminated'];
  return 'all';
}

/** One history record. jobRunId is the run's start in ms since the epoch: stable and ordered. */
export function renderRun(run: RunSummary, job: Job) {
  return {
    jobRunId: new Date(run.startedAt).getTime(),
    jobStartTime: voltmxTime(run.startedAt),
    jobEndTime: voltmxTime(run.endedAt),
    jobDuration: run.durationMs,
    executionFrequency: frequencyOf(job),
    executionStatus: executionStatusOf(run.status),
    completeHistory: job.history.strategy === 'FULL',
  };
}
