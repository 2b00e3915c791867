// The Dapr Jobs wire format and its translation to and from the canonical job. Pure functions, no I/O.
//
// Request body: flat, as the runtime reads it (JobHTTPRequest: protojson, so both `dueTime` and
// `due_time` spellings), or wrapped in "job" as the Jobs API page shows it. A job named N of app A
// is the canonical job `dapr:N` (default app) or `dapr@A:N`; it is an `http` job that POSTs the
// job's data to `{app}/job/N`, retried per the failure policy, and the request is kept verbatim in
// extras.dapr so a GET returns what was set.
import { z } from 'zod';
import type { ErrorDetail } from '../../../core/errors.ts';
import type { JobInput, Job } from '../../../core/jobs/model.ts';
import { parseDuration, parseRfc3339, isIsoCalendarDuration } from '../../../core/triggers/duration.ts';
import { DAPR_CODES, DaprError } from './errors.ts';

// ---------------------------------------------------------------------------------------------
// Names and ids

/** Dapr's own rule (its scheduler's validator): without "_", ":", "-" and " ", lower-cased, each "||" segment is a DNS-1123 subdomain. */
export function daprNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'job name cannot be empty';
  const sanitized = name.replace(/[_: -]/g, '').toLowerCase();
  const label = '[a-z0-9](?:[-a-z0-9]*[a-z0-9])?';
  const subdomain = new RegExp(`^${label}(?:\\.${label})*$`);
  for (const segment of sanitized.split('||')) {
    if (segment.length > 253 || !subdomain.test(segment)) {
      return `job name is invalid "${name}": must be letters, digits, '.', '-', '_', ':' and ' ', starting and ending with a letter or digit`;
    }
  }
  return undefined;
}

const ID_SAFE = /[A-Za-z0-9._:-]/;
export const MAX_ID_LENGTH = 200;

/** `dapr:<name>` for the default app, `dapr@<app>:<name>`; characters an id cannot hold become @HH (UTF-8). */
export function jobIdFor(appId: string | undefined, name: string): string {
  let enc = '';
  for (const ch of name) {
    if (ID_SAFE.test(ch)) enc += ch;
    else for (const b of Buffer.from(ch, 'utf8')) enc += `@${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return appId === undefined ? `dapr:${enc}` : `dapr@${appId}:${enc}`;
}

/** The inverse of jobIdFor (undefined for an id that is not a Dapr job's). */
export function parseJobId(id: string): { appId?: string; name: string } | undefined {
  const m = /^dapr(?:@([A-Za-z0-9][A-Za-z0-9._-]*))?:(.*)$/s.exec(id);
  if (!m) return undefined;
  const bytes: number[] = [];
  const text = m[2] ?? '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '@') {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0));
  }
  return { ...(m[1] !== undefined ? { appId: m[1] } : {}), name: Buffer.from(bytes).toString('utf8') };
}

// ---------------------------------------------------------------------------------------------
// The request body

/** google.protobuf.Duration in JSON ("3s", "0.5s"); Go durations ("1m30s") are accepted too. */
const ProtoDuration = z.string().refine((s) => /^\d+(?:\.\d{1,9})?s$/.test(s) || (parseDuration(s) ?? -1) >= 0, {
  message: 'must be a duration such as "1s" or "0.5s"',
});
/** uint32 as protojson reads it: a number or a decimal string. */
const Uint32 = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(
  z.number().int({ message: 'must be a whole number' }).min(0, { message: 'must not be negative' }).max(4_294_967_295),
);

const ConstantSchema = z
  .object({ interval: ProtoDuration.optional(), maxRetries: Uint32.optional(), max_retries: Uint32.optional() })
  .strict()
  .superRefine((c, ctx) => {
    if (c.maxRetries !== undefined && c.max_retries !== undefined) ctx.addIssue({ code: 'custom', message: 'give maxRetries or max_retries, not both' });
  })
  .transform((c) => {
    const maxRetries = c.maxRetries ?? c.max_retries;
    return { ...(c.interval !== undefined ? { interval: c.interval } : {}), ...(maxRetries !== undefined ? { maxRetries } : {}) };
  });

export const FailurePolicySchema = z
  .object({ drop: z.object({}).strict().optional(), constant: ConstantSchema.optional() })
  .strict()
  .superRefine((p, ctx) => {
    if ((p.drop === undefined) === (p.constant === undefined)) ctx.addIssue({ code: 'custom', message: 'must have exactly one of "drop" or "constant"' });
  })
  .transform((p) => (p.drop !== undefined ? { drop: {} } : { constant: p.constant ?? {} }));
export type FailurePolicy = z.output<typeof FailurePolicySchema>;

export const DEFAULT_FAILURE_POLICY: FailurePolicy = { constant: { interval: '1s', maxRetries: 3 } };

const JOB_FIELDS = ['schedule', 'dueTime', 'due_time', 'repeats', 'ttl', 'data', 'overwrite', 'failurePolicy', 'failure_policy', 'name'] as const;

const JobBodySchema = z
  .object({
    name: z.string().optional(),
    schedule: z.string().optional(),
    dueTime: z.string().optional(),
    due_time: z.string().optional(),
    repeats: Uint32.optional(),
    ttl: z.string().optional(),
    data: z.unknown().optional(),
    overwrite: z.boolean().optional(),
    failurePolicy: FailurePolicySchema.optional(),
    failure_policy: FailurePolicySchema.optional(),
  })
  .strict()
  .meta({ id: 'DaprJobBody' }); // its name in the Dapr OpenAPI document (api/openapi.ts)

/**
 * A schedule request as the OpenAPI document shows it: the job's fields, or {"job": {…}} with
 * "overwrite" beside it (parseScheduleBody reads both; the name is the URL's).
 */
export const ScheduleBodySchema = z.union([JobBodySchema, z.object({ job: JobBodySchema, overwrite: z.boolean().optional() }).strict()]);

/** A job as GET answers it (renderJob). */
export const DaprJobViewSchema = z
  .object({
    name: z.string(),
    schedule: z.string().optional(),
    repeats: z.number().int().optional(),
    dueTime: z.string().optional(),
    ttl: z.string().optional(),
    data: z.unknown().optional(),
    failurePolicy: z.union([z.object({ drop: z.object({}) }), z.object({ constant: z.object({ interval: z.string().optional(), maxRetries: z.number().int().optional() }) })]),
  })
  .meta({ id: 'DaprJob' });

/** A Dapr job as it is kept (and returned by GET): camelCase fields, absent when not set. */
export interface DaprJob {
  schedule?: string;
  dueTime?: string;
  repeats?: number;
  ttl?: string;
  data?: unknown;
  failurePolicy?: FailurePolicy;
}

export interface ScheduleRequest {
  job: DaprJob;
  overwrite: boolean;
}

const malformed = (message: string, violations: ErrorDetail[] = []) =>
  new DaprError(400, DAPR_CODES.malformed, `failed deserializing HTTP body: ${message}`, violations);
const invalid = (message: string, violations: ErrorDetail[] = []) =>
  new DaprError(400, DAPR_CODES.scheduleJob, `failed to schedule job due to: ${message}`, violations);

/**
 * Reads a schedule request body (already JSON-decoded; undefined for an empty body). Throws
 * DaprError with Dapr's code for every mistake, so nothing is created.
 */
export function parseScheduleBody(raw: unknown): ScheduleRequest {
  let flat: unknown = raw ?? {};
  if (typeof flat !== 'object' || flat === null || Array.isArray(flat)) throw malformed('the body must be a JSON object');
  let overwrite: unknown;
  // The Jobs API page's shape: {"job": {...}} (optionally with "overwrite" beside it, as ScheduleJobRequest has).
  const keys = Object.keys(flat);
  if ('job' in flat) {
    const outer = flat as Record<string, unknown>;
    const extra = keys.filter((k) => k !== 'job' && k !== 'overwrite');
    if (extra.length > 0) throw malformed(`unknown field(s) beside "job": ${extra.join(', ')}`);
    if (typeof outer.job !== 'object' || outer.job === null || Array.isArray(outer.job)) throw malformed('"job" must be a JSON object');
    overwrite = outer.overwrite;
    flat = outer.job;
  }
  const unknown = Object.keys(flat as object).filter((k) => !(JOB_FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw malformed(
      `unknown field(s): ${unknown.join(', ')} (expected ${JOB_FIELDS.filter((f) => f !== 'name').join(', ')})`,
      unknown.map((u) => ({ path: u, message: 'unknown field' })),
    );
  }
  const parsed = JobBodySchema.safeParse(flat);
  if (!parsed.success) {
    const violations = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    throw malformed(violations.map((v) => `${v.path}: ${v.message}`).join('; '), violations);
  }
  const b = parsed.data;
  if (b.name !== undefined && b.name !== '') throw new DaprError(400, DAPR_CODES.jobName, 'Set the job name in the url only');
  const pairs: [string, unknown, unknown][] = [
    ['dueTime', b.dueTime, b.due_time],
    ['failurePolicy', b.failurePolicy, b.failure_policy],
  ];
  for (const [field, a, c] of pairs) if (a !== undefined && c !== undefined) throw malformed(`give ${field} once (camelCase or snake_case, not both)`);
  if (overwrite !== undefined && b.overwrite !== undefined) throw malformed('give overwrite once');
  if (overwrite !== undefined && typeof overwrite !== 'boolean') throw malformed('overwrite: must be true or false', [{ path: 'overwrite', message: 'must be true or false' }]);
  const dueTime = b.dueTime ?? b.due_time;
  const failurePolicy = b.failurePolicy ?? b.failure_policy;
  const job: DaprJob = {
    ...(b.schedule !== undefined ? { schedule: b.schedule } : {}),
    ...(dueTime !== undefined ? { dueTime } : {}),
    ...(b.repeats !== undefined ? { repeats: b.repeats } : {}),
    ...(b.ttl !== undefined ? { ttl: b.ttl } : {}),
    ...('data' in b && b.data !== undefined ? { data: b.data } : {}),
    ...(failurePolicy !== undefined ? { failurePolicy } : {}),
  };
  return { job, overwrite: (overwrite as boolean | undefined) ?? b.overwrite ?? false };
}

/** Dapr's rules for the combination of fields (its runtime and scheduler check them in this order). */
export function checkJobRules(name: string, job: DaprJob): void {
  if (name.trim() === '') throw new DaprError(400, DAPR_CODES.jobNameEmpty, 'Name is empty');
  if (job.schedule === undefined && job.dueTime === undefined) throw new DaprError(400, DAPR_CODES.scheduleEmpty, 'Schedule is empty');
  const nameProblem = daprNameProblem(name);
  if (nameProblem) throw invalid(nameProblem);
  if (job.schedule === undefined && (job.repeats ?? 0) > 1) throw invalid('job must have a schedule to repeat', [{ path: 'repeats', message: 'needs a schedule' }]);
  if (job.repeats !== undefined && job.repeats < 1) throw invalid('defined repeats must be greater than 0', [{ path: 'repeats', message: 'must be greater than 0' }]);
  if (job.schedule === undefined && job.ttl !== undefined) throw invalid('job must have a schedule to have a ttl', [{ path: 'ttl', message: 'needs a schedule' }]);
  for (const field of ['dueTime', 'ttl'] as const) {
    const v = job[field];
    if (v !== undefined && isIsoCalendarDuration(v)) {
      throw invalid(`${field}: ISO 8601 years and months are not supported by Kairos; use weeks, days, hours, minutes or seconds, or an RFC 3339 time`, [
        { path: field, message: 'years and months are not supported' },
      ]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// To the canonical job

export interface Delivery {
  /** The app's base address (no trailing slash). */
  appUrl: string;
  /** Name of the Kairos secret sent as `dapr-api-token`, if any. */
  appTokenSecret?: string;
}

/** An instant or a duration counted from `now` (Go or ISO 8601); undefined when it is neither. */
function resolvePointInTime(text: string, now: Date): Date | undefined {
  const abs = parseRfc3339(text);
  if (abs) return abs;
  const ms = parseDuration(text);
  return ms === null ? undefined : new Date(now.getTime() + ms);
}

const retryFrom = (fp: FailurePolicy): NonNullable<JobInput['retry']> => {
  if ('drop' in fp) return { maxAttempts: 1, initialInterval: '1s', backoff: 1, nonRetryableErrors: [] };
  const ms = fp.constant.interval ? (parseDuration(fp.constant.interval) ?? 0) : 0;
  // Dapr retries at once without an interval; Temporal needs a positive one.
  const interval = `${Math.max(Math.round(ms), 1)}ms`;
  // No maxRetries = retry without end in Dapr; the canonical retry stops at 1000 attempts.
  const attempts = fp.constant.maxRetries === undefined ? 1000 : Math.min(fp.constant.maxRetries + 1, 1000);
  return { maxAttempts: attempts, initialInterval: interval, backoff: 1, maxInterval: interval, nonRetryableErrors: [] };
};

/**
 * The canonical job for a Dapr job. Dapr's timing maps onto triggers so:
 *   schedule only            → cron (dialect dapr): the first fire is the schedule's next time after now
 *   dueTime only             → once at dueTime
 *   schedule + dueTime       → cron + once at dueTime, nothing before dueTime (repeats / ttl on the once:
 *                              ttl counts from dueTime, as in Dapr); @every counts from dueTime
 *   schedule + repeats / ttl → cron with the job's maxRuns = repeats and endOn = ttl (counted from now,
 *                              as in Dapr)
 * A dueTime that has passed needs nothing here: the core fires an overdue `once` at once, as one of
 * its repeats.
 */
export function toJobInput(opts: { id: string; name: string; appId?: string; job: DaprJob; delivery: Delivery; now: Date }): JobInput {
  const { job, name, now } = opts;
  const triggers: NonNullable<JobInput['triggers']> = [];
  let startOn: string | undefined;
  let endOn: string | undefined;
  // repeats without a due time: the job's own run cap (with one, the once trigger carries it).
  const maxRuns = job.dueTime === undefined ? job.repeats : undefined;
  if (job.schedule !== undefined) triggers.push({ type: 'cron', dialect: 'dapr', expression: job.schedule });
  if (job.dueTime !== undefined) {
    // Resolved once, here: the trigger's time and the schedule's start are then one instant. (An
    // unreadable dueTime stays as written, for the compiler's 400.)
    const due = resolvePointInTime(job.dueTime, now)?.toISOString();
    triggers.push({
      type: 'once',
      at: due ?? job.dueTime,
      ...(job.schedule !== undefined && job.repeats !== undefined ? { repeats: job.repeats } : {}),
      ...(job.ttl !== undefined ? { ttl: job.ttl } : {}),
    });
    if (job.schedule !== undefined && job.repeats === undefined && job.ttl === undefined && due) startOn = due;
  } else if (job.ttl !== undefined) {
    const end = resolvePointInTime(job.ttl, now);
    if (!end) throw invalid('ttl format not recognized', [{ path: 'ttl', message: 'must be an RFC 3339 time, a Go duration or an ISO 8601 duration' }]);
    endOn = end.toISOString();
  }
  const headers: Record<string, unknown> = { 'content-type': 'application/json' };
  if (opts.delivery.appTokenSecret) headers['dapr-api-token'] = { $secret: opts.delivery.appTokenSecret };
  const path = encodeURIComponent(name).replace(/%3A/gi, ':');
  return {
    id: opts.id,
    name,
    type: 'http',
    description: `Dapr job "${name}"${opts.appId ? ` of app ${opts.appId}` : ''}`,
    tags: ['dapr'],
    triggers,
    ...(startOn ? { startOn } : {}),
    ...(endOn ? { endOn } : {}),
    ...(maxRuns !== undefined ? { maxRuns } : {}),
    data: {
      url: `${opts.delivery.appUrl}/job/${path}`,
      method: 'POST',
      headers,
      // The job's data as JSON text (a string stays a JSON string); no data → an empty body, as Dapr sends.
      ...(job.data !== undefined ? { body: JSON.stringify(job.data) } : {}),
      // Dapr treats a 404 from the app as final; every other failure follows the failure policy.
      finalStatus: [404],
    },
    retry: retryFrom(job.failurePolicy ?? DEFAULT_FAILURE_POLICY),
    // Dapr triggers a job's ticks one after another, a failing tick's retries before the next tick,
    // and fires the ticks it missed in turn afterwards.
    overlap: 'buffer_all',
    misfire: { catchupWindow: '8760h' },
    extras: { dialect: 'dapr', dapr: { name, ...(opts.appId ? { appId: opts.appId } : {}), job } },
  };
}

// ---------------------------------------------------------------------------------------------
// From the canonical job

/** The Dapr job kept with a canonical job, or undefined when the job is not a Dapr job. */
export function daprJobOf(job: Job): { name: string; appId?: string; job: DaprJob } | undefined {
  if (job.extras['dialect'] !== 'dapr') return undefined;
  const d = job.extras['dapr'] as { name?: unknown; appId?: unknown; job?: unknown } | undefined;
  if (!d || typeof d.name !== 'string' || typeof d.job !== 'object' || d.job === null) return undefined;
  return { name: d.name, ...(typeof d.appId === 'string' ? { appId: d.appId } : {}), job: d.job as DaprJob };
}

/** GET's body: what was set, with the default failure policy when none was. */
export function renderJob(name: string, job: DaprJob): Record<string, unknown> {
  return {
    name,
    ...(job.schedule !== undefined ? { schedule: job.schedule } : {}),
    ...(job.repeats !== undefined ? { repeats: job.repeats } : {}),
    ...(job.dueTime !== undefined ? { dueTime: job.dueTime } : {}),
    ...(job.ttl !== undefined ? { ttl: job.ttl } : {}),
    ...(job.data !== undefined ? { data: job.data } : {}),
    failurePolicy: job.failurePolicy ?? DEFAULT_FAILURE_POLICY,
  };
}
