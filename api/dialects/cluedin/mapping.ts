// The CluedIn dialect's wire format and its translation to and from canonical jobs and runs (no
// servers, no Temporal). Request bodies bind as ASP.NET Core binds them: property names in any
// case; unknown properties are rejected (400 naming them) rather than silently dropped.
import { z } from 'zod';
import type { ErrorDetail, KairosError } from '../../../core/errors.ts';
import type { Job, JobInput } from '../../../core/jobs/model.ts';
import { MAX_OFFSET } from '../../../core/runs/overview.ts';
import { trimEndChar } from '../../../core/text.ts';
import type { RunProgress, RunStatus } from '../../../core/runs/types.ts';
import { badRequest } from './errors.ts';
import { withDetails } from '../kit/errors.ts';
import { isKind } from '../kit/jobs.ts';
import {
  CLUEDIN_DIALECT,
  formatRecurringId,
  jobIdFor,
  normalizeGuid,
  parseRecurringId,
  type CluedInType,
  type RecurringId,
} from './ids.ts';

type Json = Record<string, unknown>;

// ---- binding ----------------------------------------------------------------------------------

/**
 * An object's properties keyed by their documented names, matched case-insensitively; 400 for a
 * body that is not an object, an unknown property, or one property given twice in different cases.
 */
export function bind(body: unknown, names: readonly string[], what: string): Json {
  if (body === undefined || body === null) throw badRequest(`${what}: a JSON object body is required`, [{ path: '$', message: 'A non-empty request body is required.' }]);
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest(`${what}: the body must be a JSON object`, [{ path: '$', message: 'must be a JSON object' }]);
  const byLower = new Map(names.map((n) => [n.toLowerCase(), n]));
  const out: Json = {};
  for (const [key, value] of Object.entries(body)) {
    const name = byLower.get(key.toLowerCase());
    if (!name) throw badRequest(`${what}: unknown property '${key.slice(0, 100)}'`, [{ path: key.slice(0, 100), message: `is not a property of ${what}; expected ${names.join(', ')}` }]);
    if (name in out) throw badRequest(`${what}: property '${name}' given twice`, [{ path: name, message: 'is given more than once (property names are matched case-insensitively)' }]);
    out[name] = value;
  }
  return out;
}

/** zod issues → 400 with the documented field names. */
function zodFail(what: string, issues: readonly { path: readonly PropertyKey[]; message: string }[]): never {
  const details: ErrorDetail[] = issues.map((i) => ({ path: i.path.map(String).join('.') || '$', message: i.message }));
  throw badRequest(`${what}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
}

const Guid = z.string({ error: 'must be a GUID string' }).transform((v, ctx) => {
  const g = normalizeGuid(v);
  if (!g) {
    ctx.addIssue({ code: 'custom', message: `'${v.slice(0, 60)}' is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)` });
    return z.NEVER;
  }
  return g;
});

const Cron = z.string({ error: 'must be a cron expression string' }).trim().min(1, 'must not be empty').max(200, 'is longer than 200 characters');

// ---- PATCH api/v1/hangfire/jobs/{type}: {id, cron} ------------------------------------------

export const CronPatchSchema = z.object({
  id: z.string({ error: 'must be a GUID string' }).min(1, 'is required').describe('the configuration GUID, or the recurring job id <ConfigurationId>|<OrganizationId>|<GUID>'),
  cron: Cron,
});

export interface CronPatch {
  /** The configuration the id names (a bare GUID is the configuration id). */
  configurationId: string;
  /** The full Hangfire id when the client sent one (it must then match the job's). */
  recurringId?: string;
  cron: string;
}

export function parseCronPatch(body: unknown): CronPatch {
  const b = bind(body, ['id', 'cron'], 'cron update');
  const parsed = CronPatchSchema.safeParse(b);
  if (!parsed.success) zodFail('invalid cron update', parsed.error.issues);
  const target = parseTarget(parsed.data.id);
  if (!target) throw badRequest(`invalid cron update: id '${parsed.data.id.slice(0, 120)}' is neither a GUID nor a recurring job id`, [{ path: 'id', message: 'must be the configuration id (a GUID) or the recurring job id <ConfigurationId>|<OrganizationId>|<GUID>' }]);
  return { ...target, cron: parsed.data.cron };
}

/** A GUID (the configuration id) or a recurring job id; undefined for anything else. */
export function parseTarget(text: string): { configurationId: string; recurringId?: string } | undefined {
  const guid = normalizeGuid(text);
  if (guid) return { configurationId: guid };
  const r = parseRecurringId(text);
  return r ? { configurationId: r.configurationId, recurringId: formatRecurringId(r) } : undefined;
}

// ---- POST hangfire/recurring/trigger|remove: jobIds[] ----------------------------------------

export const MAX_JOB_IDS = 1000;
/** The form keys that carry ids: CluedIn's `jobIds[]`, and `jobs[]` as Hangfire's own dashboard posts them. */
const ID_KEY = /^(jobIds|jobs)(\[\d*\])?$/i;

/** The ids of a form body (`jobIds[]=…&jobIds[]=…`, `jobIds=…`, `jobIds[0]=…`), in order. */
export function jobIdsFromForm(raw: string): string[] {
  const ids: string[] = [];
  for (const [key, value] of new URLSearchParams(raw)) {
    if (!ID_KEY.test(key)) throw badRequest(`unknown form field '${key.slice(0, 100)}'`, [{ path: key.slice(0, 100), message: 'expected jobIds[]' }]);
    ids.push(value);
  }
  return ids;
}

const JobIdList = z.array(z.string()).min(1).max(MAX_JOB_IDS);
/** A trigger/remove body (form: jobIds[]=…; JSON: {"jobIds": [...]} or "jobs"), as the OpenAPI document shows it. */
export const JobIdsBodySchema = z.object({ jobIds: JobIdList.optional(), jobs: JobIdList.optional() });

/** The ids of a JSON body: {"jobIds": [...]} (or "jobs"). */
export function jobIdsFromJson(body: unknown): string[] {
  if (body === undefined) return []; // no body: reported as the missing jobIds[]
  const b = bind(body, ['jobIds', 'jobs'], 'request');
  const list = b.jobIds ?? b.jobs;
  const key = b.jobIds !== undefined ? 'jobIds' : 'jobs';
  if (b.jobIds !== undefined && b.jobs !== undefined) throw badRequest('give jobIds or jobs, not both', [{ path: 'jobs', message: 'give jobIds or jobs, not both' }]);
  if (!z.array(z.string()).safeParse(list).success) throw badRequest(`${key} must be an array of strings`, [{ path: `${key}[]`, message: 'must be an array of job id strings' }]);
  return list as string[];
}

export interface JobTarget {
  configurationId: string;
  recurringId?: string;
  /** As the client sent it, for messages. */
  text: string;
}

/** Checks the ids of a trigger/remove request: at least one, each a recurring job id or a configuration GUID. */
export function parseJobTargets(ids: string[]): JobTarget[] {
  if (ids.length === 0) throw badRequest('jobIds[] is required: give at least one recurring job id', [{ path: 'jobIds[]', message: 'at least one job id is required' }]);
  if (ids.length > MAX_JOB_IDS) throw badRequest(`too many job ids (${ids.length}); at most ${MAX_JOB_IDS} per request`, [{ path: 'jobIds[]', message: `at most ${MAX_JOB_IDS} ids` }]);
  const out: JobTarget[] = [];
  const details: ErrorDetail[] = [];
  ids.forEach((text, i) => {
    const t = parseTarget(text);
    if (t) out.push({ ...t, text });
    else details.push({ path: `jobIds[${i}]`, message: `'${text.slice(0, 120)}' is not a recurring job id (<ConfigurationId>|<OrganizationId>|<GUID>) or a configuration GUID` });
  });
  if (details.length) throw badRequest(`invalid job ids: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  return out;
}

// ---- PATCH api/v1/jobs/abandonwork: {jobRunId, jobId} -----------------------------------------

export const AbandonSchema = z.object({ jobRunId: Guid, jobId: Guid });

export function parseAbandon(body: unknown): { jobRunId: string; jobId: string } {
  const b = bind(body, ['jobRunId', 'jobId'], 'abandon work');
  const parsed = AbandonSchema.safeParse(b);
  if (!parsed.success) zodFail('invalid abandon work request', parsed.error.issues.map((i) => ({ ...i, message: i.code === 'invalid_type' && i.input === undefined ? 'is required' : i.message })));
  return parsed.data;
}

// ---- GET api/v1/jobs?page&take&state&configurationId ------------------------------------------

export const CLUEDIN_STATES = ['Queued', 'Executing', 'Completed', 'Failed', 'Cancelled'] as const;
export type CluedInState = (typeof CLUEDIN_STATES)[number];
export const MAX_TAKE = 1000;

/** The runs query as the OpenAPI document shows it; parseRunsQuery checks each field with it (ASP.NET's words for a bad one). */
export const RunsQuerySchema = z.object({
  page: z.string().trim().regex(/^\d{1,9}$/).transform(Number).pipe(z.number().int().min(0).max(100_000)).describe('page number, from 0'),
  take: z.string().trim().regex(/^\d{1,9}$/).transform(Number).pipe(z.number().int().min(1).max(MAX_TAKE)).describe('page size'),
  state: z.enum(CLUEDIN_STATES).optional().describe('case-insensitive; empty or "null": any'),
  configurationId: z.string().optional().describe('a GUID: only the runs of this configuration'),
});

export interface RunsQuery {
  page: number;
  take: number;
  state?: CluedInState;
  configurationId?: string;
}

/** "null" and "" mean no filter, as a client that serialises a null parameter sends them. */
const isNullish = (v: string) => v === '' || v.toLowerCase() === 'null';

/** Query parameters bind case-insensitively; unknown ones are ignored, as ASP.NET Core does. */
export function parseRunsQuery(query: Record<string, string | string[] | undefined>): RunsQuery {
  const q = new Map<string, string>();
  const repeated = new Set<string>();
  const details: ErrorDetail[] = [];
  for (const [key, value] of Object.entries(query)) {
    const k = key.toLowerCase();
    if (!['page', 'take', 'state', 'configurationid'].includes(k) || value === undefined) continue;
    if (Array.isArray(value) || q.has(k) || repeated.has(k)) {
      if (!repeated.has(k)) details.push({ path: key, message: 'is given more than once' });
      repeated.add(k);
      q.delete(k);
    } else q.set(k, value);
  }
  const int = (name: 'page' | 'take', min: number, max: number): number | undefined => {
    const v = q.get(name.toLowerCase());
    if (repeated.has(name.toLowerCase())) return undefined;
    if (v === undefined || isNullish(v)) {
      details.push({ path: name, message: `The ${name} field is required.` });
      return undefined;
    }
    const n = RunsQuerySchema.shape[name].safeParse(v);
    if (!n.success) {
      details.push({ path: name, message: `The value '${v.slice(0, 40)}' is not valid for ${name}: an integer from ${min} to ${max} is required.` });
      return undefined;
    }
    return n.data;
  };
  const page = int('page', 0, 100_000);
  const take = int('take', 1, MAX_TAKE);
  let state: CluedInState | undefined;
  const s = q.get('state');
  if (s !== undefined && !isNullish(s)) {
    state = CLUEDIN_STATES.find((x) => x.toLowerCase() === s.trim().toLowerCase());
    if (!state) details.push({ path: 'state', message: `The value '${s.slice(0, 40)}' is not a job state: one of ${CLUEDIN_STATES.join(', ')}.` });
  }
  let configurationId: string | undefined;
  const c = q.get('configurationid');
  if (c !== undefined && !isNullish(c)) {
    configurationId = normalizeGuid(c);
    if (!configurationId) details.push({ path: 'configurationId', message: `The value '${c.slice(0, 60)}' is not a GUID.` });
  }
  if (page !== undefined && take !== undefined && (page + 1) * take > MAX_OFFSET) {
    details.push({ path: 'page', message: `The page ${page} of ${take} reaches past the first ${MAX_OFFSET} jobs: (page + 1) × take may be at most ${MAX_OFFSET}.` });
  }
  if (details.length || page === undefined || take === undefined) {
    throw badRequest(`invalid query: ${details.map((d) => `${d.path}: ${d.message}`).join(' ')}`, details);
  }
  return { page, take, state, configurationId };
}

/** Kairos statuses a CluedIn state covers (Queued and Executing are both in-flight runs). */
export function statusesOf(state: CluedInState): RunStatus[] {
  switch (state) {
    case 'Queued':
    case 'Executing':
      return ['running'];
    case 'Completed':
      return ['succeeded'];
    case 'Failed':
      return ['failed', 'timed_out'];
    case 'Cancelled':
      return ['cancelled', 'terminated'];
  }
}

/** A Kairos run status as CluedIn names it; an in-flight run is Queued until its driver has started. */
export function cluedinState(status: RunStatus, phase?: 'queued' | 'executing'): CluedInState {
  switch (status) {
    case 'running':
      return phase === 'queued' ? 'Queued' : 'Executing';
    case 'succeeded':
      return 'Completed';
    case 'failed':
    case 'timed_out':
      return 'Failed';
    case 'cancelled':
    case 'terminated':
      return 'Cancelled';
    case 'skipped':
    case 'missed':
      // CluedIn has no state for a fire time that did not run; such runs (a DST repeat runJob left
      // out) ended without doing the work, which is what Cancelled says.
      return 'Cancelled';
  }
}

export interface StateCounts {
  completed: number;
  executing: number;
  failed: number;
  queued: number;
  cancelled: number;
}

export function stateCounts(byStatus: Record<RunStatus, number>, queued: number): StateCounts {
  return {
    completed: byStatus.succeeded,
    executing: Math.max(0, byStatus.running - queued),
    failed: byStatus.failed + byStatus.timed_out,
    queued,
    cancelled: byStatus.cancelled + byStatus.terminated,
  };
}

/**
 * "Number of clues completed by job": a datasource run's records written to its sink (clues are
 * CluedIn's records), otherwise the driver's `done` counter; 0 before any progress.
 */
export function progressCount(p: RunProgress | null | undefined): number {
  if (!p) return 0;
  const written = (p as unknown as { written?: unknown }).written;
  if (typeof written === 'number' && Number.isFinite(written)) return Math.trunc(written);
  return Number.isFinite(p.done) ? Math.trunc(p.done) : 0;
}

// ---- dates as Json.NET writes them -----------------------------------------------------------

/**
 * An ISO instant as Json.NET writes .NET dates: 7-digit fraction with trailing zeros dropped, and
 * `Z` for a UTC DateTime or `+00:00` for a DateTimeOffset (CluedIn's run rows use the latter).
 */
export function dotnetDate(iso: string | null | undefined, style: 'utc' | 'offset'): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  const [base, ms] = d.toISOString().replace('Z', '').split('.');
  const frac = trimEndChar(`${ms ?? '000'}0000`, '0');
  return `${base}${frac ? `.${frac}` : ''}${style === 'utc' ? 'Z' : '+00:00'}`;
}

// ---- recurring jobs: upsert body and rendering ------------------------------------------------

export const RECURRING_FIELDS = ['Id', 'ConfigurationId', 'OrganizationId', 'UserId', 'Cron', 'Queue', 'Alarm', 'Job', 'ConfigurationName', 'TimeZone', 'Task'] as const;

const TaskSchema = z
  .object({
    Type: z.string({ error: 'must be a Kairos job type string, e.g. "http" or "datasource"' }).min(1).max(50),
    Data: z.record(z.string(), z.unknown(), { error: "must be an object: the driver's configuration" }),
  })
  .strict();

export const RecurringSchema = z.object({
  Id: z.string({ error: 'must be a string' }).optional(),
  ConfigurationId: Guid,
  OrganizationId: Guid,
  UserId: Guid,
  Cron,
  Queue: z.string({ error: 'must be a string' }).trim().min(1).max(100).regex(/^[a-z0-9_-]+$/, 'must be lower-case letters, digits, _ and - (a Hangfire queue name)').default('default'),
  Alarm: z
    .string({ error: 'must be a time span string such as "00:00:00"' })
    .regex(/^(\d+\.)?\d{1,2}:\d{2}:\d{2}(\.\d{1,7})?$/, 'must be a .NET TimeSpan such as "00:00:00" or "1.02:30:00"')
    .default('00:00:00'),
  Job: z.string({ error: 'must be a string' }).trim().min(1).max(200).optional(),
  ConfigurationName: z.string({ error: 'must be a string or null' }).max(200).nullable().default(null),
  TimeZone: z.string({ error: 'must be an IANA time zone string' }).min(1).max(100).default('UTC'),
  Task: z.preprocess((v) => (v && typeof v === 'object' && !Array.isArray(v) ? bind(v, ['Type', 'Data'], 'Task') : v), TaskSchema),
});

/** What CluedIn fields a Kairos job keeps in `extras.cluedin` (returned as written). */
export interface CluedInExtras {
  type: CluedInType;
  id: string;
  configurationId: string;
  organizationId: string;
  userId: string;
  queue: string;
  alarm: string;
  configurationName: string | null;
}

export interface RecurringUpsert {
  recurring: RecurringId;
  input: JobInput & { id: string };
}

/** The upsert body → the canonical job it describes. */
export function parseRecurringJob(body: unknown, type: CluedInType): RecurringUpsert {
  const b = bind(body, RECURRING_FIELDS, 'recurring job');
  const parsed = RecurringSchema.safeParse(b);
  if (!parsed.success) zodFail('invalid recurring job', parsed.error.issues.map((i) => ({ ...i, message: i.code === 'invalid_type' && i.input === undefined ? 'is required' : i.message })));
  const r = parsed.data;
  let recurring: RecurringId = { configurationId: r.ConfigurationId, organizationId: r.OrganizationId, third: r.UserId };
  if (r.Id !== undefined) {
    const given = parseRecurringId(r.Id);
    if (!given || given.configurationId !== r.ConfigurationId || given.organizationId !== r.OrganizationId) {
      throw badRequest('invalid recurring job: Id must be <ConfigurationId>|<OrganizationId>|<GUID> with this ConfigurationId and OrganizationId', [
        { path: 'Id', message: 'must be <ConfigurationId>|<OrganizationId>|<GUID> with the ConfigurationId and OrganizationId of the body' },
      ]);
    }
    recurring = given;
  }
  const extras: CluedInExtras = {
    type,
    id: formatRecurringId(recurring),
    configurationId: r.ConfigurationId,
    organizationId: r.OrganizationId,
    userId: r.UserId,
    queue: r.Queue,
    alarm: r.Alarm,
    configurationName: r.ConfigurationName,
  };
  return {
    recurring,
    input: {
      id: jobIdFor(type, r.ConfigurationId),
      name: r.Job ?? `${type} ${r.ConfigurationId}`,
      type: r.Task.Type,
      data: r.Task.Data,
      // Hangfire evaluates recurring jobs in UTC unless told otherwise; Cronos semantics.
      triggers: [{ type: 'cron', dialect: 'hangfire', expression: r.Cron, timezone: r.TimeZone }],
      timezone: r.TimeZone,
      extras: { dialect: CLUEDIN_DIALECT, cluedin: extras },
    },
  };
}

/** The job's CluedIn fields, or undefined when it is not a CluedIn job. */
export function cluedinExtras(job: Pick<Job, 'extras'>): CluedInExtras | undefined {
  const e = job.extras.cluedin as Partial<CluedInExtras> | undefined;
  if (job.extras.dialect !== CLUEDIN_DIALECT || !e || typeof e !== 'object' || typeof e.id !== 'string' || typeof e.configurationId !== 'string') return undefined;
  return {
    type: (e.type ?? 'crawling') as CluedInType,
    id: e.id,
    configurationId: e.configurationId,
    organizationId: String(e.organizationId ?? ''),
    userId: String(e.userId ?? ''),
    queue: typeof e.queue === 'string' ? e.queue : 'default',
    alarm: typeof e.alarm === 'string' ? e.alarm : '00:00:00',
    configurationName: typeof e.configurationName === 'string' ? e.configurationName : null,
  };
}

/** A job's cron text as written (its first cron trigger), or null if it has none. */
export function cronOf(job: Pick<Job, 'triggers'>): string | null {
  const t = job.triggers.find((x) => x.type === 'cron');
  return t && t.type === 'cron' ? t.expression : null;
}

/** The job's triggers with its cron replaced (the time zone kept; a job without one gets a UTC Hangfire cron). */
export function withCron(job: Pick<Job, 'triggers' | 'timezone'>, cron: string): Job['triggers'] {
  const current = job.triggers.find((x) => x.type === 'cron');
  const next: Job['triggers'][number] =
    current?.type === 'cron'
      ? { ...current, dialect: 'hangfire', expression: cron }
      : { type: 'cron', dialect: 'hangfire', expression: cron, timezone: job.timezone, enabled: true };
  return [next, ...job.triggers.filter((x) => x.type !== 'cron')];
}

export interface RecurringView {
  Id: string;
  ConfigurationId: string;
  OrganizationId: string;
  UserId: string;
  Cron: string | null;
  Queue: string;
  Alarm: string;
  CreatedAt: string | null;
  LastJobId: string | null;
  NextExecution: string | null;
  LastExecution: string | null;
}

export function renderRecurring(
  job: Job,
  e: CluedInExtras,
  state: { nextRunAt: string | null; lastRunAt: string | null },
  last: { jobRunId: string | null; startedAt: string } | undefined,
): RecurringView {
  const lastAt = [state.lastRunAt, last?.startedAt].filter((x): x is string => !!x).sort().pop() ?? null;
  return {
    Id: e.id,
    ConfigurationId: e.configurationId,
    OrganizationId: e.organizationId,
    UserId: e.userId,
    Cron: cronOf(job),
    Queue: e.queue,
    Alarm: e.alarm,
    CreatedAt: dotnetDate(job.createdAt, 'utc'),
    LastJobId: last?.jobRunId ?? null,
    NextExecution: dotnetDate(state.nextRunAt, 'utc'),
    LastExecution: dotnetDate(lastAt, 'utc'),
  };
}

export interface RunRow {
  Id: string;
  JobRunId: string;
  Job: string;
  ConfigurationName: string | null;
  Progress: number;
  Status: CluedInState;
  QueuedAt: string | null;
  StartedAt: string | null;
  FinishedAt: string | null;
}

export function renderRun(r: {
  configurationId: string;
  jobRunId: string;
  jobName: string;
  configurationName: string | null;
  progress: RunProgress | null;
  state: CluedInState;
  scheduledAt: string;
  startedAt: string;
  endedAt: string | null;
}): RunRow {
  return {
    Id: r.configurationId,
    JobRunId: r.jobRunId,
    Job: r.jobName,
    ConfigurationName: r.configurationName,
    Progress: progressCount(r.progress),
    Status: r.state,
    // Queued when it was due (a scheduled run's fire time, a triggered run's request); started when
    // a worker took it up; a queued run has not started.
    QueuedAt: dotnetDate(r.scheduledAt, 'offset'),
    StartedAt: r.state === 'Queued' ? null : dotnetDate(r.startedAt, 'offset'),
    FinishedAt: dotnetDate(r.endedAt, 'offset'),
  };
}

// ---- the core's validation errors, said in the client's field names ---------------------------

/** The job service's validation errors, with its canonical field names said as the client sent them. */
export function renamed(err: unknown, names: [RegExp, string][]): unknown {
  if (!isKind(err, 'validation')) return err;
  const e = err as KairosError;
  const details: ErrorDetail[] = e.details.map((d) => {
    for (const [re, name] of names) if (re.test(d.path)) return { path: d.path.replace(re, name), message: d.message };
    return d;
  });
  return badRequest(withDetails(e.message, details), details);
}

export const UPSERT_FIELDS: [RegExp, string][] = [
  [/^triggers\.0\.expression$/, 'Cron'],
  [/^triggers\.0\.timezone$|^timezone$/, 'TimeZone'],
  [/^triggers(\.0)?$/, 'Cron'],
  [/^data(?=\.|$)/, 'Task.Data'],
  [/^type$/, 'Task.Type'],
  [/^name$/, 'Job'],
];
export const PATCH_FIELDS: [RegExp, string][] = [[/^triggers(\.\d+)?(\.expression)?$/, 'cron']];
