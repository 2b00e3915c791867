// The Informer Jobs wire format and its translation to and from the canonical job. Pure functions.
//
// Identity: a job created here has the canonical id `informer.<uuid>` and is shown by its UUID; any
// other job (native, another dialect's, a draft) is shown by its canonical id. Both resolve by a
// direct read of the schedule. Natural ids are `<owner username>:<slug>` (resolved in routes.ts).
// Informer's own fields that the canonical job does not model (its type name, interval text and
// kind, datasets, lockedAt, source) are kept verbatim in extras.informer, so a GET returns what was
// written.
import { z } from 'zod';
import type { Job, JobInput } from '../../../core/jobs/model.ts';
import type { JobView } from '../../../core/jobs/service.ts';
import type { RunView } from '../../../core/runs/service.ts';
import type { Permissions } from '../../../core/sharing/access.ts';
import { TriggerSchema, type TriggerInput } from '../../../core/triggers/model.ts';
import { parseDuration } from '../../../core/triggers/duration.ts';
import { InformerError, invalid } from './errors.ts';
import { own } from '../../../core/objects/own.ts';
import { changedSince } from '../kit/jobs.ts';

// ---------------------------------------------------------------------------------------------
// Ids

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);
export const canonicalIdOfUuid = (uuid: string) => `informer.${uuid.toLowerCase()}`;

/** The id Informer clients see: the UUID of a job created here, else the canonical id. */
export function informerIdOf(canonicalId: string): string {
  const m = /^informer\.([0-9a-f-]{36})$/.exec(canonicalId);
  return m && isUuid(m[1] ?? '') ? (m[1] ?? canonicalId) : canonicalId;
}

// ---------------------------------------------------------------------------------------------
// Types: Informer's driver names onto Kairos drivers

/** Informer type names that are another name for a Kairos driver. */
const TYPE_ALIASES: Record<string, string> = { 'api-call': 'http' };
export const driverTypeOf = (informerType: string): string => own(TYPE_ALIASES, informerType) ?? informerType;

// ---------------------------------------------------------------------------------------------
// Schedules: interval + intervalType → triggers

export const INTERVAL_TYPES = ['cron', 'simple', 'once'] as const;
export type IntervalType = (typeof INTERVAL_TYPES)[number];

const SIMPLE_UNITS: [RegExp, number][] = [
  [/^(s|secs?|seconds?)$/, 1000],
  [/^(m|mins?|minutes?)$/, 60_000],
  [/^(h|hrs?|hours?)$/, 3_600_000],
  [/^(d|days?)$/, 86_400_000],
  [/^(w|weeks?)$/, 7 * 86_400_000],
];

/** "1 hour", "30 minutes", "2d", "15m", "1h30m", "PT15M" → ms; undefined when it is none of these. */
export function simpleIntervalMs(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  const m = /^(\d+)\s*([a-z]+)$/.exec(t);
  if (m) {
    const unit = SIMPLE_UNITS.find(([re]) => re.test(m[2] ?? ''));
    if (unit) return Number(m[1]) * unit[1];
  }
  const ms = parseDuration(text.trim());
  return ms === null ? undefined : ms;
}

/** An ISO 8601 date or date-time (a missing zone is UTC) → RFC 3339 in UTC; undefined if not one. */
export function parseInformerDate(s: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(s.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', sec = '00', frac = '', zone = 'Z'] = m;
  const z2 = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const t = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${sec}${frac.slice(0, 4)}${z2}`);
  if (Number.isNaN(t)) return undefined;
  const back = new Date(t);
  // Date.parse rolls 2026-02-30 over to March: a date that does not exist is refused.
  if (z2 === 'Z' && (back.getUTCDate() !== Number(d) || back.getUTCMonth() + 1 !== Number(mo))) return undefined;
  return back.toISOString();
}

/** What kind of interval a text is when the client gave no intervalType. */
export function inferIntervalType(interval: string): IntervalType {
  if (parseInformerDate(interval) !== undefined) return 'once';
  if (simpleIntervalMs(interval) !== undefined) return 'simple';
  return 'cron';
}

export interface ScheduleFields {
  interval: string | null;
  intervalType: IntervalType | null;
  startOn: string | null;
  endOn: string | null;
}

/** The canonical triggers of an Informer schedule; 400 naming `interval` for one that cannot be. */
export function triggersFor(f: ScheduleFields): TriggerInput[] {
  const text = f.interval?.trim() ?? '';
  if (text === '') {
    if (f.intervalType === 'once' && f.startOn) return [{ type: 'once', at: f.startOn }];
    return [];
  }
  const kind = f.intervalType ?? inferIntervalType(text);
  if (kind === 'cron') {
    const fields = text.split(/\s+/).length;
    if (text.startsWith('@') || fields === 5) return [{ type: 'cron', dialect: 'unix', expression: text }];
    // Six fields: seconds first, as Informer's cron parser reads them (robfig's reading: dom/dow ORed).
    if (fields === 6) return [{ type: 'cron', dialect: 'dapr', expression: text }];
    throw invalid('interval', `must be a cron expression of 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first); got ${fields}`);
  }
  if (kind === 'simple') {
    const ms = simpleIntervalMs(text);
    if (ms === undefined) throw invalid('interval', 'must be a simple interval such as "1 hour", "30 minutes", "2 days" or "15m"');
    if (ms < 1000 || ms % 1000 !== 0) throw invalid('interval', 'must be a whole number of seconds, at least 1 second');
    return [{ type: 'interval', every: `${ms / 1000}s`, ...(f.startOn ? { startAt: f.startOn } : {}) }];
  }
  const at = parseInformerDate(text);
  if (at === undefined) throw invalid('interval', 'must be an ISO 8601 date-time for intervalType "once", such as "2026-03-01T09:00:00Z"');
  return [{ type: 'once', at }];
}

/** interval / intervalType of a job that was not written through this dialect, from its first trigger. */
function scheduleOfTriggers(triggers: Job['triggers']): { interval: string | null; intervalType: IntervalType | null } {
  const t = triggers[0];
  if (t?.type === 'cron') return { interval: t.expression, intervalType: 'cron' };
  if (t?.type === 'interval') return { interval: t.every, intervalType: 'simple' };
  if (t?.type === 'once') return { interval: t.at, intervalType: 'once' };
  return { interval: null, intervalType: null };
}

// ---------------------------------------------------------------------------------------------
// Informer's fields of a job

/** A dataset association: a dataset id, or {datasetId, snapshots}. */
const DatasetRef = z.union([
  z.string().min(1, { message: 'must not be empty' }),
  z.object({ datasetId: z.string({ error: 'must be a string' }).min(1, { message: 'must not be empty' }), snapshots: z.record(z.string(), z.unknown()).optional() }).strict(),
], { error: 'must be a dataset id or {"datasetId", "snapshots"}' });

export interface InformerExtras {
  /** The triggers interval/intervalType compiled to, as stored: a later change through another API is noticed. */
  triggers?: unknown[];
  type: string;
  interval: string | null;
  intervalType: IntervalType | null;
  datasets: Record<string, z.infer<typeof DatasetRef>> | null;
  lockedAt: string | null;
  source: string | null;
  sourceId: string | null;
}

/** Everything Informer shows of a job and may write. */
export interface InformerFields extends InformerExtras {
  name: string;
  slug: string | null;
  description: string;
  notes: string;
  data: Record<string, unknown>;
  enabled: boolean;
  timezone: string;
  startOn: string | null;
  endOn: string | null;
  tags: string[];
}

export function informerExtrasOf(job: Job): InformerExtras | undefined {
  const x = job.extras['informer'];
  return typeof x === 'object' && x !== null ? (x as InformerExtras) : undefined;
}

/** Triggers as the job model stores them (defaults filled in), for comparison. */
const normalized = (triggers: readonly unknown[]): unknown[] => triggers.map((t) => TriggerSchema.safeParse(t).data ?? t);

/** The Informer fields of any canonical job. */
export function fieldsOf(job: Job): InformerFields {
  const x = informerExtrasOf(job);
  // The interval text as written, unless the triggers were changed since through another API.
  const current = x?.triggers !== undefined && !changedSince(x.triggers, job.triggers);
  const schedule = x && current ? { interval: x.interval, intervalType: x.intervalType } : scheduleOfTriggers(job.triggers);
  return {
    type: x?.type ?? job.type,
    ...schedule,
    datasets: x?.datasets ?? null,
    lockedAt: x?.lockedAt ?? null,
    source: x?.source ?? null,
    sourceId: x?.sourceId ?? null,
    name: job.name,
    slug: job.slug ?? null,
    description: job.description,
    notes: job.notes,
    data: job.data,
    enabled: job.enabled,
    timezone: job.timezone,
    startOn: job.startOn ?? null,
    endOn: job.endOn ?? null,
    tags: job.tags,
  };
}

// ---------------------------------------------------------------------------------------------
// Request bodies

const Str = (max: number) => z.string({ error: 'must be a string' }).max(max, { message: `must be at most ${max} characters` });
const DateField = z
  .string({ error: 'must be an ISO 8601 date-time string or null' })
  .transform((s, ctx) => {
    const iso = parseInformerDate(s);
    if (iso === undefined) ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 date-time such as "2026-03-01T09:00:00Z"' });
    return iso ?? '';
  })
  .nullable();

/** The fields a client may write (POST and PUT); each optional here, required ones checked by the caller. */
const WRITABLE = {
  name: Str(200).trim().min(1, { message: 'must not be empty' }),
  type: Str(50).trim().min(1, { message: 'must not be empty' }),
  description: Str(4000).nullable(),
  notes: Str(20_000).nullable(),
  data: z.record(z.string(), z.unknown(), { error: 'must be an object' }).nullable(),
  enabled: z.boolean({ error: 'must be true or false' }),
  interval: Str(1000).nullable(),
  intervalType: z.enum(INTERVAL_TYPES, { error: 'must be one of cron, simple, once' }).nullable(),
  timezone: Str(100).nullable(),
  startOn: DateField,
  endOn: DateField,
  lockedAt: DateField,
  datasets: z.record(z.string(), DatasetRef, { error: 'must be an object of alias → dataset' }).nullable(),
  tags: z.array(Str(100).min(1, { message: 'must not be empty' }), { error: 'must be an array of strings' }).max(50, { message: 'at most 50 tags' }),
  slug: z.string({ error: 'must be a string' }).regex(/^[a-z0-9][a-z0-9-]{0,99}$/, { message: 'must be lower-case letters, digits and - (at most 100)' }),
} as const;
type Writable = { [K in keyof typeof WRITABLE]?: z.output<(typeof WRITABLE)[K]> };

/** Fields a GET returns that a client may send back unchanged; a different value is refused. */
const READ_ONLY = ['id', 'ownerId', 'slug', 'source', 'sourceId'] as const;
/** Fields computed by the server, ignored when a client sends a GET body back. */
const COMPUTED = ['_links', '_embedded', 'permissions', 'nextRunAt', 'createdAt', 'updatedAt', 'heartbeat', 'editingId', 'naturalId', 'ownerName', 'sharing'];

/** A job body as the OpenAPI document shows it: every writable field (POST needs name and type). */
export const InformerJobBodySchema = z.object(WRITABLE).partial().meta({ id: 'InformerJobInput' });

export type Body = Writable & { readOnly: Partial<Record<(typeof READ_ONLY)[number], unknown>> };

/** Reads a JSON body into the writable fields; 400 naming each unknown or invalid field. */
export function parseBody(raw: unknown, mode: 'create' | 'update'): Body {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InformerError(400, raw === undefined ? 'a JSON object body is required' : 'the body must be a JSON object', [{ path: '', message: 'must be a JSON object' }]);
  }
  const obj = raw as Record<string, unknown>;
  const allowed = new Set<string>([...Object.keys(WRITABLE), ...READ_ONLY, ...COMPUTED]);
  if (mode === 'create') for (const k of [...READ_ONLY, ...COMPUTED]) if (k !== 'slug') allowed.delete(k);
  const unknown = Object.keys(obj).filter((k) => !allowed.has(k));
  if (unknown.length > 0) {
    throw new InformerError(400, unknown.map((k) => `"${k}" is not allowed`).join('; '), unknown.map((k) => ({ path: k, message: 'is not allowed' })));
  }
  const out: Body = { readOnly: {} };
  const issues: { path: string; message: string }[] = [];
  for (const [key, schema] of Object.entries(WRITABLE)) {
    // On update the slug (the natural id) is read-only: fixed once created.
    if (!(key in obj) || (mode === 'update' && key === 'slug')) continue;
    const r = (schema as z.ZodType).safeParse(obj[key]);
    if (r.success) (out as Record<string, unknown>)[key] = r.data;
    else for (const i of r.error.issues) issues.push({ path: [key, ...i.path.map(String)].join('.'), message: i.message });
  }
  if (mode === 'update') for (const key of READ_ONLY) if (key in obj) out.readOnly[key] = obj[key];
  if (mode === 'create') {
    for (const key of ['name', 'type'] as const) if (!(key in obj)) issues.push({ path: key, message: 'is required' });
  }
  if (issues.length > 0) throw new InformerError(400, issues.map((i) => `"${i.path}" ${i.message}`).join('; '), issues);
  return out;
}

/** Informer's fields after applying a body (create: over the defaults; update: over the job's). */
export function applyBody(base: InformerFields, b: Body): { fields: InformerFields; scheduleChanged: boolean } {
  const f: InformerFields = { ...base };
  if (b.name !== undefined) f.name = b.name;
  if (b.type !== undefined) f.type = b.type;
  if (b.description !== undefined) f.description = b.description ?? '';
  if (b.notes !== undefined) f.notes = b.notes ?? '';
  if (b.data !== undefined) f.data = b.data ?? {};
  if (b.enabled !== undefined) f.enabled = b.enabled;
  if (b.timezone !== undefined) f.timezone = b.timezone ?? 'UTC';
  if (b.lockedAt !== undefined) f.lockedAt = b.lockedAt;
  if (b.datasets !== undefined) f.datasets = b.datasets;
  if (b.tags !== undefined) f.tags = b.tags;
  if (b.slug !== undefined) f.slug = b.slug;
  let scheduleChanged = false;
  for (const k of ['interval', 'intervalType', 'startOn', 'endOn'] as const) {
    if (b[k] === undefined) continue;
    (f as unknown as Record<string, unknown>)[k] = b[k];
    scheduleChanged = true;
  }
  // A new interval without its kind: the kind is read from the text again.
  if (b.interval !== undefined && b.intervalType === undefined) f.intervalType = f.interval ? inferIntervalType(f.interval) : null;
  return { fields: f, scheduleChanged };
}

export const defaultFields = (): InformerFields => ({
  type: '',
  interval: null,
  intervalType: null,
  datasets: null,
  lockedAt: null,
  source: null,
  sourceId: null,
  name: '',
  slug: null,
  description: '',
  notes: '',
  data: {},
  // Informer creates jobs disabled unless told otherwise.
  enabled: false,
  timezone: 'UTC',
  startOn: null,
  endOn: null,
  tags: [],
});

/**
 * The canonical input for Informer fields over a base input (the job's current one on update, so a
 * job written elsewhere keeps what Informer does not show: retry, timeout, overlap, …). Its triggers
 * are recomputed only when the schedule changed or the job was written here.
 */
export function toJobInput(f: InformerFields, base: Record<string, unknown>, recompute: boolean, creating = false): JobInput {
  const triggers = recompute ? triggersFor(f) : ((base.triggers as unknown[] | undefined) ?? []);
  const extras: InformerExtras = {
    triggers: normalized(triggers),
    type: f.type,
    interval: f.interval,
    intervalType: f.intervalType,
    datasets: f.datasets,
    lockedAt: f.lockedAt,
    source: f.source,
    sourceId: f.sourceId,
  };
  const { startOn: _s, endOn: _e, ...rest } = base;
  return {
    ...rest,
    name: f.name,
    ...(f.slug ? { slug: f.slug } : {}),
    type: driverTypeOf(f.type),
    description: f.description,
    notes: f.notes,
    tags: f.tags,
    enabled: f.enabled,
    timezone: f.timezone,
    ...(f.startOn ? { startOn: f.startOn } : {}),
    ...(f.endOn ? { endOn: f.endOn } : {}),
    data: f.data,
    triggers,
    // A job written elsewhere keeps its dialect (other dialects recognise their jobs by it).
    extras: { ...((base.extras as Record<string, unknown> | undefined) ?? {}), ...(creating ? { dialect: 'informer' } : {}), informer: extras },
  } as JobInput;
}

// ---------------------------------------------------------------------------------------------
// Rendering

export interface RenderOptions {
  /** Path prefix of the API, e.g. "/informer/api". */
  base: string;
  /** The owner as Informer shows it (a username). */
  owner: string;
}

const link = (href: string) => ({ href });

/** What a list item and a full job both begin with. */
function head(v: JobView, f: InformerFields, o: RenderOptions) {
  return {
    id: informerIdOf(v.job.id),
    type: f.type,
    name: f.name,
    slug: f.slug ?? v.job.id,
    description: f.description,
    ownerId: o.owner,
    interval: f.interval,
    intervalType: f.intervalType,
    timezone: f.timezone,
    enabled: v.state.enabled,
    nextRunAt: v.state.nextRunAt,
  };
}

/** An item of GET /api/jobs. */
export function renderListItem(v: JobView, o: RenderOptions): Record<string, unknown> {
  const f = fieldsOf(v.job);
  return {
    _links: { self: link(`${o.base}/jobs/${informerIdOf(v.job.id)}`) },
    ...head(v, f, o),
    startOn: f.startOn,
    endOn: f.endOn,
    lockedAt: f.lockedAt,
    createdAt: v.job.createdAt,
    updatedAt: v.job.updatedAt,
  };
}

/** GET /api/jobs/{id}. */
export function renderJob(v: JobView, o: RenderOptions & { permissions: Permissions; editingId: string | null }): Record<string, unknown> {
  const f = fieldsOf(v.job);
  const id = informerIdOf(v.job.id);
  const self = `${o.base}/jobs/${id}`;
  return {
    ...head(v, f, o),
    lockedAt: f.lockedAt,
    heartbeat: null,
    startOn: f.startOn,
    endOn: f.endOn,
    data: f.data,
    notes: f.notes,
    source: f.source,
    sourceId: f.sourceId,
    editingId: o.editingId,
    createdAt: v.job.createdAt,
    updatedAt: v.job.updatedAt,
    _links: {
      self: link(self),
      'inf:job-history': link(`${self}/history`),
      'inf:job-actions': link(`${self}/actions`),
      'inf:job-datasets': link(`${self}/datasets`),
    },
    permissions: { read: o.permissions.read, edit: o.permissions.edit, delete: o.permissions.delete, run: o.permissions.run },
  };
}

// ---------------------------------------------------------------------------------------------
// List queries

/** Sort keys answered from the schedule list itself (no read per job). */
export const SORT_FIELDS = ['name', 'type', 'enabled', 'nextRunAt', 'lastRunAt', 'ownerId', 'id'] as const;
export type SortField = (typeof SORT_FIELDS)[number];
export const MAX_LIMIT = 1000;

export interface ListQuery {
  q?: string;
  sort: { field: SortField; dir: 1 | -1 };
  limit: number;
  start: number;
}

function one(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalid(name, 'must be given once', 'query');
  return v;
}

const wholeNumber = (min: number, max: number, dflt: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be between ${min} and ${max}`).max(max, `must be between ${min} and ${max}`))
    .default(dflt);

/** A job list's query: what parseListQuery reads, and the OpenAPI parameters. */
export const ListQuerySchema = z.object({
  q: z.string().optional().describe('search: a substring of the name or the description'),
  sort: z
    .string()
    .regex(new RegExp(`^[-+]?(${SORT_FIELDS.join('|')})$`), `must be one of ${SORT_FIELDS.join(', ')} (prefix - for descending)`)
    .default('name')
    .describe(`one of ${SORT_FIELDS.join(', ')}; prefix - for descending`),
  limit: wholeNumber(1, MAX_LIMIT, 30),
  start: wholeNumber(0, 1e9, 0).describe('the first item of the page'),
});

/** One query field by its schema: a blank value is the default; a bad one is Informer's 400 naming it. */
function field<K extends keyof typeof ListQuerySchema.shape>(query: Record<string, unknown>, name: K): z.output<(typeof ListQuerySchema.shape)[K]> {
  const text = one(query[name], name)?.trim();
  const r = ListQuerySchema.shape[name].safeParse(text === '' && name !== 'q' ? undefined : text);
  if (!r.success) throw invalid(name, r.error.issues[0]?.message ?? 'is invalid', 'query');
  return r.data as z.output<(typeof ListQuerySchema.shape)[K]>;
}

export function parseListQuery(query: Record<string, unknown>): ListQuery {
  const q = field(query, 'q');
  const sortText = field(query, 'sort');
  return {
    ...(q ? { q } : {}),
    sort: { field: sortText.replace(/^[-+]/, '') as SortField, dir: sortText.startsWith('-') ? -1 : 1 },
    limit: field(query, 'limit'),
    start: field(query, 'start'),
  };
}

// ---------------------------------------------------------------------------------------------
// Runs: the answer of a run and the job's history rows

/** The execution steps Informer reports for a run (Kairos jobs have one: invoking the job's driver). */
export function executionSteps(run: Pick<RunView, 'status' | 'error'>): Record<string, unknown>[] {
  const success = run.status === 'succeeded';
  const result =
    run.status === 'running'
      ? { key: 'job:status.running', success: null }
      : success
        ? { key: 'job:status.success', success }
        : { key: `job:status.${run.status}`, success, ...(run.error ? { message: run.error.message } : {}) };
  return [{ task: { key: 'job:progress.invoking_job' }, result }];
}

/**
 * Warnings of a run that did its work: retries it needed, or the last attempt's error while it is
 * still retrying. A failed run's error is its result, not a warning.
 */
function warningsOf(run: RunView): string[] {
  // A run its job's DST policy left out did no work; Informer's rows have no status for it but this.
  if (run.status === 'skipped' || run.status === 'missed') return [run.skip?.detail ?? `${run.status}: ${run.skip?.reason ?? 'did not run'}`];
  if (run.status === 'running') return run.error ? [`attempt ${run.attempts} failed: ${run.error.message}`] : [];
  if (run.status === 'succeeded' && run.attempts > 1) return [`succeeded on attempt ${run.attempts} after ${run.attempts - 1} failed`];
  return [];
}

/**
 * One row of GET /api/jobs/{id}/history (and GET …/history/{historyId}) as Informer has it: the row's
 * id (the run id), the job and its owner, `success` (null while running), `warnings`, `duration` as
 * `[start, end]` (end null while running), `data` (what the run did: status, trigger, attempts, its
 * steps, error and output as the job's history strategy keeps them), `progress` (datasource counters)
 * and `createdAt` (when the run was due).
 */
export function renderHistoryRow(run: RunView, o: { jobId: string; owner: string }): Record<string, unknown> {
  return {
    id: run.runId,
    jobId: o.jobId,
    ownerId: o.owner,
    success: run.status === 'running' ? null : run.status === 'succeeded',
    warnings: warningsOf(run),
    duration: [run.startedAt, run.endedAt],
    data: {
      status: run.status,
      trigger: run.trigger,
      attempts: run.attempts,
      history: executionSteps(run),
      ...(run.error ? { error: run.error } : {}),
      ...(run.output !== null && run.output !== undefined ? { output: run.output } : {}),
    },
    progress: run.progress,
    createdAt: run.scheduledAt,
  };
}
