// The Fusion wire format and its translation to and from the canonical job. Pure functions, no I/O.
//
// Identity: a Fusion resource is `<type>:<id>`. A job created through this dialect has the canonical
// id `fusion.<type>.<id>` (Fusion ids are letters, digits, _ and -, so the mapping is reversible and
// readable in Temporal Web UI). Any other job (native, Dapr, …) is shown as `<type>:<canonical id>`,
// its type chosen by its driver: `datasource` → datasource, every other driver → task. Spark jobs
// need a Spark cluster, which Kairos does not have.
import { z } from 'zod';
import { KairosError, type ErrorDetail } from '../../../core/errors.ts';
import { JOB_ID_PATTERN, type Job } from '../../../core/jobs/model.ts';
import type { Trigger, TriggerInput } from '../../../core/triggers/model.ts';
import { parseDuration } from '../../../core/triggers/duration.ts';
import { badRequest, type FusionError } from './errors.ts';
import { own } from '../../../core/objects/own.ts';
import { asWritten } from '../kit/jobs.ts';

// ---------------------------------------------------------------------------------------------
// Resources and ids

export const FUSION_TYPES = ['datasource', 'spark', 'task'] as const;
export type FusionType = (typeof FUSION_TYPES)[number];
export const FUSION_ID = /^[A-Za-z0-9_-]{1,128}$/;
const FUSION_ID_RULE = 'must be 1-128 letters, digits, _ or -';

export interface Resource {
  type: FusionType;
  id: string;
}

export const isFusionType = (t: string): t is FusionType => (FUSION_TYPES as readonly string[]).includes(t);

export function unknownType(type: string): FusionError {
  return badRequest(`unknown job type '${type}': must be one of ${FUSION_TYPES.join(', ')}`, [{ path: 'type', message: `unknown job type '${type}'` }]);
}

/** `task:delete-old-logs` → {type, id}; 400 for a missing type or an unknown one. */
export function parseResource(text: string): Resource {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) {
    throw badRequest(`invalid resource '${text}': must be <type>:<id>, such as task:delete-old-system-logs`, [
      { path: 'resource', message: 'must be <type>:<id>' },
    ]);
  }
  const type = text.slice(0, colon);
  if (!isFusionType(type)) throw unknownType(type);
  return { type, id: text.slice(colon + 1) };
}

export const formatResource = (r: Resource): string => `${r.type}:${r.id}`;

export const canonicalIdFor = (r: Resource): string => `fusion.${r.type}.${r.id}`;

/** The Fusion type a driver's jobs appear as. */
export const fusionTypeOfDriver = (driverType: string): FusionType => (driverType === 'datasource' ? 'datasource' : 'task');

/** The Fusion resource of any canonical job (from the list summary or the job itself). */
export function resourceOf(job: { id: string; type: string; dialect: string }): Resource {
  if (job.dialect === 'fusion') {
    const m = /^fusion\.(datasource|spark|task)\.([A-Za-z0-9_-]{1,128})$/.exec(job.id);
    if (m) return { type: m[1] as FusionType, id: m[2] ?? '' };
  }
  return { type: fusionTypeOfDriver(job.type), id: job.id };
}

export function dialectOfJob(job: Job): string {
  const d = job.extras['dialect'];
  return typeof d === 'string' ? d : 'native';
}

/** Canonical ids a resource may name, most specific first (each is then read directly, never listed). */
export function candidateIds(r: Resource): string[] {
  const out: string[] = [];
  if (FUSION_ID.test(r.id)) out.push(canonicalIdFor(r));
  if (JOB_ID_PATTERN.test(r.id) && !/^fusion\.(datasource|spark|task)\./.test(r.id)) out.push(r.id);
  return out;
}

export function checkFusionId(id: unknown, path = 'id'): string {
  if (typeof id !== 'string' || !FUSION_ID.test(id)) throw badRequest(`invalid id: ${FUSION_ID_RULE}`, [{ path, message: FUSION_ID_RULE }]);
  return id;
}

// ---------------------------------------------------------------------------------------------
// Shared field parsers

/** Fusion's booleans: JSON booleans and the strings "true"/"True"/"false"/"False". */
export const FusionBool = z
  .union([z.boolean(), z.string()], { error: 'must be true or false' })
  .transform((v, ctx) => {
    if (typeof v === 'boolean') return v;
    const s = v.trim().toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
    ctx.addIssue({ code: 'custom', message: 'must be true or false' });
    return z.NEVER;
  });

/** An ISO-8601 date-time as the W3C note has it (a missing zone is read as UTC) → RFC 3339 in UTC. */
export function parseFusionTime(s: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(s.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', sec = '00', frac = '', zone = 'Z'] = m;
  const z2 = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const ms = frac ? frac.slice(0, 4).padEnd(4, '0') : '';
  const t = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${sec}${ms}${z2}`);
  if (Number.isNaN(t)) return undefined;
  const back = new Date(t);
  // Date.parse rolls 2021-02-30 over to March: reject dates that do not exist.
  if (z2 === 'Z' && (back.getUTCDate() !== Number(d) || back.getUTCMonth() + 1 !== Number(mo))) return undefined;
  return back.toISOString();
}

const FusionTime = z.string({ error: 'must be an ISO-8601 date-time string' }).refine((s) => parseFusionTime(s) !== undefined, {
  message: 'must be an ISO-8601 date-time such as "2026-05-17T20:58:10Z"',
});

const PositiveInt = z
  .union([z.number(), z.string().regex(/^\s*\d+\s*$/, 'must be a whole number')], { error: 'must be a whole number' })
  .transform(Number)
  .pipe(z.number().int({ message: 'must be a whole number' }).min(1, { message: 'must be at least 1' }));

// ---------------------------------------------------------------------------------------------
// Triggers

export const REPEAT_UNITS = ['minute', 'hour', 'day'] as const;
const UNIT_MS: Record<(typeof REPEAT_UNITS)[number], number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const UNIT_GO: Record<(typeof REPEAT_UNITS)[number], string> = { minute: 'm', hour: 'h', day: 'h' };

/** A trigger as stored (booleans normalized) and echoed back. */
export type FusionTrigger =
  | { type: 'cron'; enabled: boolean; value?: string; expression?: string; dialect?: string }
  | { type: 'interval'; enabled: boolean; interval: number; repeatUnit: (typeof REPEAT_UNITS)[number]; startTime?: string; endTime?: string }
  | { type: 'interval'; enabled: boolean; every: string; startTime?: string; endTime?: string }
  | { type: 'job'; enabled: boolean; jobID: string; runOnSuccess: boolean; runOnFailure: boolean; runOnAbort: boolean }
  | { type: 'once'; enabled: boolean; at: string; repeats?: number; ttl?: string };

const enabled = FusionBool.optional();

const CronSchema = z
  .object({
    type: z.literal('cron'),
    enabled,
    value: z.string({ error: 'must be a string' }).trim().min(1, { message: 'must not be empty' }).optional(),
    expression: z.string({ error: 'must be a string' }).trim().min(1, { message: 'must not be empty' }).optional(),
    dialect: z.enum(['quartz', 'unix'], { error: 'must be "quartz" (Fusion) or "unix"' }).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.value === undefined && t.expression === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: 'a cron trigger needs the cron text in "value" (or "expression")' });
    if (t.value !== undefined && t.expression !== undefined && t.value !== t.expression) {
      ctx.addIssue({ code: 'custom', path: ['expression'], message: '"value" and "expression" differ: give the cron text once' });
    }
  });

const IntervalSchema = z
  .object({
    type: z.literal('interval'),
    enabled,
    startTime: FusionTime.optional(),
    endTime: FusionTime.optional(),
    interval: PositiveInt,
    repeatUnit: z
      .string({ error: 'must be one of minute, hour, day' })
      .transform((s) => s.trim().toLowerCase())
      .pipe(z.enum(REPEAT_UNITS, { error: 'must be one of minute, hour, day' })),
  })
  .strict();

const JobTriggerSchema = z
  .object({
    type: z.literal('job'),
    enabled,
    jobID: z.string({ error: 'must be a job resource such as "task:my-task"' }).trim().min(1, { message: 'must not be empty' }),
    runOnSuccess: FusionBool.optional(),
    runOnFailure: FusionBool.optional(),
    runOnAbort: FusionBool.optional(),
  })
  .strict();

const TRIGGER_FIELDS: Record<string, z.ZodType> = { cron: CronSchema, interval: IntervalSchema, job: JobTriggerSchema };

function issuePath(i: number, path: readonly PropertyKey[]): string {
  return `triggers[${i}]${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
}

/** Reads the `triggers` array of a schedule; 400 naming the trigger and the reason for any mistake. */
export function parseFusionTriggers(raw: unknown): FusionTrigger[] {
  if (!Array.isArray(raw)) throw badRequest('invalid schedule: "triggers" must be an array', [{ path: 'triggers', message: 'must be an array' }]);
  if (raw.length > 100) throw badRequest('invalid schedule: at most 100 triggers', [{ path: 'triggers', message: 'at most 100 triggers' }]);
  return raw.map((t, i) => {
    if (typeof t !== 'object' || t === null || Array.isArray(t)) {
      throw badRequest(`invalid trigger ${i}: must be an object with "type" and "enabled"`, [{ path: `triggers[${i}]`, message: 'must be an object' }]);
    }
    const type = (t as { type?: unknown }).type;
    const schema = typeof type === 'string' ? own(TRIGGER_FIELDS, type) : undefined;
    if (!schema) {
      const shown = typeof type === 'string' ? `'${type}'` : 'missing';
      throw badRequest(`invalid trigger ${i}: type ${shown} is not one of cron, interval, job`, [
        { path: `triggers[${i}].type`, message: 'must be one of cron, interval, job' },
      ]);
    }
    const r = schema.safeParse(t);
    if (!r.success) {
      const details = r.error.issues.map((iss) => ({
        path: issuePath(i, iss.path),
        message: iss.code === 'unrecognized_keys' ? `unknown field(s) ${(iss as { keys: string[] }).keys.join(', ')}` : iss.message,
      }));
      throw badRequest(`invalid trigger ${i} (${String(type)}): ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
    }
    return normalizeTrigger(r.data as Record<string, unknown> & { type: string });
  });
}

function normalizeTrigger(t: Record<string, unknown> & { type: string }): FusionTrigger {
  const on = t.enabled === undefined ? true : Boolean(t.enabled);
  if (t.type === 'cron') {
    return {
      type: 'cron',
      enabled: on,
      ...(t.value !== undefined ? { value: String(t.value) } : {}),
      ...(t.expression !== undefined ? { expression: String(t.expression) } : {}),
      ...(t.dialect !== undefined ? { dialect: String(t.dialect) } : {}),
    };
  }
  if (t.type === 'interval') {
    return {
      type: 'interval',
      enabled: on,
      ...(t.startTime !== undefined ? { startTime: String(t.startTime) } : {}),
      ...(t.endTime !== undefined ? { endTime: String(t.endTime) } : {}),
      interval: Number(t.interval),
      repeatUnit: t.repeatUnit as (typeof REPEAT_UNITS)[number],
    };
  }
  const success = t.runOnSuccess as boolean | undefined;
  const failure = t.runOnFailure as boolean | undefined;
  const abort = t.runOnAbort as boolean | undefined;
  // Neither flag given: run on success (Fusion's default for a job trigger).
  const none = success === undefined && failure === undefined && abort === undefined;
  return {
    type: 'job',
    enabled: on,
    jobID: String(t.jobID),
    runOnSuccess: none ? true : Boolean(success),
    runOnFailure: Boolean(failure),
    runOnAbort: Boolean(abort),
  };
}

/**
 * Fusion triggers → canonical triggers. `jobIds` maps each job trigger's jobID (a resource) to the
 * canonical id it names (resolved by the caller). Throws 400 for a job trigger that runs on nothing.
 */
export function toCanonicalTriggers(triggers: FusionTrigger[], jobIds: Map<string, string>): TriggerInput[] {
  return triggers.map((t, i): TriggerInput => {
    switch (t.type) {
      case 'cron':
        return { type: 'cron', expression: t.value ?? t.expression ?? '', dialect: t.dialect === 'unix' ? 'unix' : 'quartz', enabled: t.enabled };
      case 'interval': {
        const every = 'every' in t ? t.every : `${t.interval * (t.repeatUnit === 'day' ? 24 : 1)}${UNIT_GO[t.repeatUnit]}`;
        return {
          type: 'interval',
          every,
          ...(t.startTime !== undefined ? { startAt: parseFusionTime(t.startTime) } : {}),
          ...(t.endTime !== undefined ? { endAt: parseFusionTime(t.endTime) } : {}),
          enabled: t.enabled,
        };
      }
      case 'job': {
        const on: ('succeeded' | 'failed' | 'aborted')[] = [];
        if (t.runOnSuccess) on.push('succeeded');
        if (t.runOnFailure) on.push('failed');
        if (t.runOnAbort) on.push('aborted');
        if (on.length === 0) {
          throw badRequest(`invalid trigger ${i} (job): at least one of runOnSuccess, runOnFailure, runOnAbort must be true`, [
            { path: `triggers[${i}]`, message: 'at least one of runOnSuccess, runOnFailure, runOnAbort must be true' },
          ]);
        }
        const jobId = jobIds.get(t.jobID);
        if (jobId === undefined) throw new Error(`unresolved job trigger ${t.jobID}`);
        return { type: 'job', jobId, on, enabled: t.enabled };
      }
      case 'once':
        return { type: 'once', at: t.at, ...(t.repeats !== undefined ? { repeats: t.repeats } : {}), ...(t.ttl !== undefined ? { ttl: t.ttl } : {}), enabled: t.enabled };
    }
  });
}

/** Canonical trigger → Fusion form (for jobs whose triggers were not set through this dialect). */
export function fromCanonicalTrigger(t: Trigger, resourceOfJobId: (id: string) => string): FusionTrigger {
  switch (t.type) {
    case 'cron':
      return { type: 'cron', enabled: t.enabled, value: t.expression, ...(t.dialect !== 'quartz' ? { dialect: t.dialect } : {}) };
    case 'interval': {
      const ms = parseDuration(t.every) ?? 0;
      const bounds = { ...(t.startAt !== undefined ? { startTime: t.startAt } : {}), ...(t.endAt !== undefined ? { endTime: t.endAt } : {}) };
      for (const unit of ['day', 'hour', 'minute'] as const) {
        if (ms > 0 && ms % UNIT_MS[unit] === 0) return { type: 'interval', enabled: t.enabled, ...bounds, interval: ms / UNIT_MS[unit], repeatUnit: unit };
      }
      return { type: 'interval', enabled: t.enabled, ...bounds, every: t.every };
    }
    case 'job':
      return {
        type: 'job',
        enabled: t.enabled,
        jobID: resourceOfJobId(t.jobId),
        runOnSuccess: t.on.includes('succeeded'),
        runOnFailure: t.on.includes('failed'),
        runOnAbort: t.on.includes('aborted'),
      };
    case 'once':
      return { type: 'once', enabled: t.enabled, at: t.at, ...(t.repeats !== undefined ? { repeats: t.repeats } : {}), ...(t.ttl !== undefined ? { ttl: t.ttl } : {}) };
  }
}

/**
 * A schedule body as the OpenAPI document shows it (parseScheduleBody reads it field by field, each
 * trigger with the schema of its type).
 */
export const FusionScheduleBodySchema = z
  .object({
    resource: z.string().optional().describe('the resource of the path, if given'),
    enabled: FusionBool.optional(),
    triggers: z.array(z.union([CronSchema, IntervalSchema, JobTriggerSchema])).max(100).optional(),
  })
  .meta({ id: 'FusionSchedule' });

/** Schedule body: {enabled?, triggers?, resource?}. */
export interface ScheduleRequest {
  enabled?: boolean;
  triggers?: FusionTrigger[];
}

export function parseScheduleBody(raw: unknown, resource: string): ScheduleRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw badRequest('invalid schedule: the body must be a JSON object with "enabled" and/or "triggers"', [{ path: '', message: 'must be a JSON object' }]);
  }
  const body = raw as Record<string, unknown>;
  const unknown = Object.keys(body).filter((k) => !['enabled', 'triggers', 'resource'].includes(k));
  if (unknown.length > 0) {
    throw badRequest(`invalid schedule: unknown field(s) ${unknown.join(', ')} (expected enabled, triggers)`, unknown.map((k) => ({ path: k, message: 'unknown field' })));
  }
  if (body.resource !== undefined && body.resource !== resource) {
    throw badRequest(`invalid schedule: "resource" is '${String(body.resource)}' but the path names '${resource}'`, [{ path: 'resource', message: 'must match the path' }]);
  }
  const out: ScheduleRequest = {};
  if (body.enabled !== undefined) {
    const e = FusionBool.safeParse(body.enabled);
    if (!e.success) throw badRequest('invalid schedule: enabled must be true or false', [{ path: 'enabled', message: 'must be true or false' }]);
    out.enabled = e.data;
  }
  if (body.triggers !== undefined && body.triggers !== null) out.triggers = parseFusionTriggers(body.triggers);
  return out;
}

/** The job service's trigger errors (`triggers.0.expression`) named as the Fusion trigger and field. */
export function triggerError(err: unknown, triggers: FusionTrigger[] | undefined): unknown {
  if (!(err instanceof KairosError) || err.kind !== 'validation' || !triggers) return err;
  const d = err.details.find((x) => /^triggers\.\d+/.test(x.path));
  if (!d) return err;
  const m = /^triggers\.(\d+)(?:\.(\w+))?/.exec(d.path);
  const i = Number(m?.[1] ?? 0);
  const t = triggers[i];
  const field = fusionField(t, m?.[2]);
  const path = `triggers[${i}]${field ? `.${field}` : ''}`;
  const shown = t?.type === 'cron' ? ` '${t.value ?? t.expression ?? ''}'` : '';
  // The compiler words interval bounds with the canonical names: say them as Fusion does.
  const message = t?.type === 'interval' ? d.message.replace(/\bstartAt\b/g, 'startTime').replace(/\bendAt\b/g, 'endTime') : d.message;
  return badRequest(`invalid trigger ${i} (${t?.type ?? 'unknown'}${shown}): ${path}: ${message}`, [{ path, message }]);
}

function fusionField(t: FusionTrigger | undefined, canonical: string | undefined): string | undefined {
  if (!t || !canonical) return canonical;
  if (t.type === 'cron' && canonical === 'expression') return t.value !== undefined ? 'value' : 'expression';
  if (t.type === 'interval') return { every: 'interval', startAt: 'startTime', endAt: 'endTime' }[canonical] ?? canonical;
  if (t.type === 'job' && canonical === 'jobId') return 'jobID';
  return canonical;
}

/** The Fusion triggers of a job: as written through this dialect while they still describe the job, else rendered. */
export function fusionTriggersOf(job: Job, resourceOfJobId: (id: string) => string): FusionTrigger[] {
  const f = fusionExtras(job);
  const written = asWritten(Array.isArray(f.triggers) ? (f.triggers as FusionTrigger[]) : undefined, f.triggersFor, job.triggers);
  return written ?? job.triggers.map((t) => fromCanonicalTrigger(t, resourceOfJobId));
}

export interface FusionExtras {
  type?: FusionType;
  id?: string;
  app?: string;
  triggers?: unknown;
  triggersFor?: unknown;
  task?: Record<string, unknown>;
  datasource?: Record<string, unknown>;
  /** The driver data the verbatim task/datasource was translated to (so a native edit is noticed). */
  dataFor?: unknown;
}

export function fusionExtras(job: Job): FusionExtras {
  const f = job.extras['fusion'];
  return typeof f === 'object' && f !== null && !Array.isArray(f) ? (f as FusionExtras) : {};
}

// ---------------------------------------------------------------------------------------------
// Tasks (the Tasks API): rest-call → the http driver, system-logs-cleanup → the cleanup driver

const StringMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String), { error: 'must be an object of strings' });

export const DEFAULT_LOG_QUERY = '-logger_class_s:"com.lucidworks.cloud.gateway.audit"';

const RestCallSchema = z
  .object({
    id: z.string().optional(),
    type: z.literal('rest-call'),
    hidden: FusionBool.optional(),
    callParams: z
      .object({
        uri: z.string({ error: 'must be a string' }).min(1, { message: 'must not be empty' }),
        method: z
          .string({ error: 'must be one of get, put, post, delete' })
          .transform((s) => s.trim().toLowerCase())
          .pipe(z.enum(['get', 'put', 'post', 'delete'], { error: 'must be one of get, put, post, delete' })),
        queryParams: StringMap.optional(),
        headers: StringMap.optional(),
        entity: z.string({ error: 'must be a string' }).optional(),
      }, { error: 'must be an object with uri and method' })
      .strict(),
    entity: z.string({ error: 'must be a string' }).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.entity !== undefined && t.callParams.entity !== undefined) ctx.addIssue({ code: 'custom', path: ['entity'], message: 'give the entity once (in callParams)' });
    if (!/^https?:\/\//i.test(t.callParams.uri)) {
      ctx.addIssue({ code: 'custom', path: ['callParams', 'uri'], message: 'only http:// and https:// URIs are supported (Kairos has no Solr or Fusion services to call)' });
    }
  });

const CleanupSchema = z
  .object({
    id: z.string().optional(),
    type: z.literal('system-logs-cleanup'),
    hidden: FusionBool.optional(),
    collection: z.literal('system_logs', { error: 'must be "system_logs"' }).optional(),
    days: PositiveInt.optional(),
    query: z
      .string()
      .refine((q) => q.trim() === '' || q === DEFAULT_LOG_QUERY, {
        message: 'Kairos cleans up run history by age only; a query other than the default cannot be applied',
      })
      .optional(),
  })
  .strict();

const TASK_TYPES = ['rest-call', 'system-logs-cleanup'] as const;

export interface TaskJob {
  id: string;
  /** The task as it is kept and echoed (normalized). */
  task: Record<string, unknown>;
  /** The canonical job's driver type and data. */
  type: 'http' | 'cleanup';
  data: Record<string, unknown>;
}

function zodDetails(issues: readonly z.core.$ZodIssue[]): ErrorDetail[] {
  return issues.map((i) => ({
    path: i.path.map(String).join('.'),
    message: i.code === 'unrecognized_keys' ? `unknown field(s) ${(i as { keys: string[] }).keys.join(', ')}` : i.message,
  }));
}

/** A Tasks API body as the OpenAPI document shows it (parseTask reads it by its type). */
export const FusionTaskSchema = z.union([RestCallSchema, CleanupSchema]).meta({ id: 'FusionTask' });

/** A Tasks API body → the job it becomes. `pathId` is the id in the URL (PUT), if any. */
export function parseTask(raw: unknown, pathId?: string): TaskJob {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badRequest('invalid task: the body must be a JSON object', [{ path: '', message: 'must be a JSON object' }]);
  const body = raw as Record<string, unknown>;
  if (pathId !== undefined && body.id !== undefined && body.id !== pathId) {
    throw badRequest(`invalid task: "id" is '${String(body.id)}' but the path names '${pathId}'`, [{ path: 'id', message: 'must match the path' }]);
  }
  // An existing job keeps its id (a native job's id has its own rules); a new one needs a Fusion id.
  const id = pathId ?? checkFusionId(body.id);
  const type = body.type;
  if (typeof type !== 'string' || !(TASK_TYPES as readonly string[]).includes(type)) {
    throw badRequest(`invalid task: type must be one of ${TASK_TYPES.join(', ')}`, [{ path: 'type', message: `must be one of ${TASK_TYPES.join(', ')}` }]);
  }
  if (type === 'rest-call') {
    const r = RestCallSchema.safeParse(body);
    if (!r.success) throw invalidTask(r.error.issues);
    const t = r.data;
    const entity = t.callParams.entity ?? t.entity;
    const callParams = {
      uri: t.callParams.uri,
      method: t.callParams.method,
      ...(t.callParams.queryParams ? { queryParams: t.callParams.queryParams } : {}),
      ...(t.callParams.headers ? { headers: t.callParams.headers } : {}),
      ...(entity !== undefined ? { entity } : {}),
    };
    return {
      id,
      task: { id, type, ...(t.hidden !== undefined ? { hidden: t.hidden } : {}), callParams },
      type: 'http',
      data: {
        url: t.callParams.uri,
        method: t.callParams.method.toUpperCase(),
        query: t.callParams.queryParams ?? {},
        headers: t.callParams.headers ?? {},
        ...(entity !== undefined ? { body: entity } : {}),
      },
    };
  }
  const r = CleanupSchema.safeParse(body);
  if (!r.success) throw invalidTask(r.error.issues);
  const t = r.data;
  const days = t.days ?? 30;
  return {
    id,
    task: {
      id,
      type,
      ...(t.hidden !== undefined ? { hidden: t.hidden } : {}),
      collection: 'system_logs',
      days,
      ...(t.query !== undefined ? { query: t.query } : {}),
    },
    type: 'cleanup',
    data: { olderThanDays: days },
  };
}

function invalidTask(issues: readonly z.core.$ZodIssue[]): FusionError {
  const details = zodDetails(issues);
  return badRequest(`invalid task: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
}

/** Any task-type job in Fusion's task form. */
export function renderTask(job: Job, resourceId: string): Record<string, unknown> {
  const f = fusionExtras(job);
  const written = asWritten(f.task, f.dataFor, job.data);
  if (written) return written;
  const d = job.data;
  if (job.type === 'http') {
    const body = d['body'];
    const query = d['query'] as Record<string, string> | undefined;
    const headers = d['headers'] as Record<string, string> | undefined;
    return {
      id: resourceId,
      type: 'rest-call',
      callParams: {
        uri: d['url'],
        method: String(d['method'] ?? 'GET').toLowerCase(),
        ...(query && Object.keys(query).length ? { queryParams: query } : {}),
        ...(headers && Object.keys(headers).length ? { headers } : {}),
        ...(body !== undefined ? { entity: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      },
    };
  }
  if (job.type === 'cleanup') {
    const days = typeof d['olderThanDays'] === 'number' ? d['olderThanDays'] : typeof d['olderThan'] === 'string' ? (parseDuration(d['olderThan']) ?? 0) / 86_400_000 : undefined;
    return { id: resourceId, type: 'system-logs-cleanup', collection: 'system_logs', ...(days !== undefined ? { days } : {}) };
  }
  // A driver Fusion has no task type for: its Kairos type and data, as they are.
  return { id: resourceId, type: job.type, data: d };
}

// ---------------------------------------------------------------------------------------------
// Datasources (the Connector Datasources API) → the datasource driver

const DatasourceSchema = z
  .object({
    id: z.string().optional(),
    connector: z.string({ error: 'must be a string' }).min(1).optional(),
    type: z.string({ error: 'must be a string' }).min(1).optional(),
    pipeline: z.string({ error: 'must be a string' }).optional(),
    parserId: z.string({ error: 'must be a string' }).optional(),
    description: z.string({ error: 'must be a string' }).optional(),
    properties: z.record(z.string(), z.unknown(), { error: 'must be an object: the datasource driver\'s configuration (source, sink, mapping, …)' }),
  })
  .loose();

/** A Connector Datasources API body, as parseDatasource reads it and the OpenAPI document shows it. */
export const FusionDatasourceSchema = DatasourceSchema.meta({ id: 'FusionDatasource' });

export interface DatasourceJob {
  id: string;
  datasource: Record<string, unknown>;
  data: Record<string, unknown>;
}

/** A Connector Datasources API body → the datasource job it becomes; `properties` is the driver's data. */
export function parseDatasource(raw: unknown, pathId?: string): DatasourceJob {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badRequest('invalid datasource: the body must be a JSON object', [{ path: '', message: 'must be a JSON object' }]);
  const body = raw as Record<string, unknown>;
  if (pathId !== undefined && body.id !== undefined && body.id !== pathId) {
    throw badRequest(`invalid datasource: "id" is '${String(body.id)}' but the path names '${pathId}'`, [{ path: 'id', message: 'must match the path' }]);
  }
  const id = pathId ?? checkFusionId(body.id);
  const r = DatasourceSchema.safeParse(body);
  if (!r.success) {
    const details = zodDetails(r.error.issues);
    throw badRequest(`invalid datasource: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  }
  return { id, datasource: { ...body, id }, data: r.data.properties };
}

export function renderDatasource(job: Job, resourceId: string): Record<string, unknown> {
  const f = fusionExtras(job);
  return asWritten(f.datasource, f.dataFor, job.data) ?? { id: resourceId, connector: 'kairos', type: 'datasource', properties: job.data };
}

// ---------------------------------------------------------------------------------------------
// Status

export type FusionStatus = 'ready' | 'running' | 'success' | 'failed' | 'aborted';

/**
 * A run's status in Fusion's words: stop (cancelled) and abort (terminated) both end "aborted", and
 * so does a run that ended without its work by the job's own policy (a DST repeat runJob skipped):
 * Fusion has no word for it, and it did not fail.
 */
export function fusionStatusOf(runStatus: string): FusionStatus {
  switch (runStatus) {
    case 'running':
      return 'running';
    case 'succeeded':
      return 'success';
    case 'cancelled':
    case 'terminated':
    case 'skipped':
    case 'missed':
      return 'aborted';
    default:
      return 'failed';
  }
}

/** Record counters of a datasource run (its progress), for a job status's `extra`. */
export function countersOf(progress: unknown, output: unknown): Record<string, number> | undefined {
  const out: Record<string, number> = {};
  for (const src of [output && typeof output === 'object' ? (output as Record<string, unknown>)['progress'] : undefined, output, progress]) {
    if (!src || typeof src !== 'object') continue;
    for (const [k, v] of Object.entries(src as Record<string, unknown>)) if (typeof v === 'number') out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
