// Native /v1 job routes: parse (zod), call the job service, render JSON. No logic beyond that.
import { DstSchema } from '../../core/triggers/dst.ts';
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { detailsFromZod, validationError } from '../../core/errors.ts';
import { JOB_SORTS, type Actor, type JobService, type JobView } from '../../core/jobs/service.ts';
import { JobInputSchema, JobSchema, LAST_OUTCOMES, OVERLAP_POLICIES } from '../../core/jobs/model.ts';
import type { BackfillResult } from '../../core/jobs/backfill.ts';
import { BULK_ACTIONS, bulkAction } from '../../core/jobs/bulk.ts';
import { applyJobs, exportJobs, PortableDocumentSchema } from '../../core/jobs/portable.ts';
import { TriggerSchema } from '../../core/triggers/model.ts';
import { registerOperations } from '../openapi.ts';
import { YAML_TYPES } from '../app.ts';
import type { AuditLog } from '../../core/audit/log.ts';

/** The apply endpoint, which also takes a YAML body (see Surface.yamlRoutes). */
export const APPLY_ROUTE = 'POST /jobs/apply';

const Rfc3339 = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time' });

export const BackfillSchema = z
  .object({
    from: Rfc3339,
    to: Rfc3339,
    overlap: z.enum(OVERLAP_POLICIES).optional().describe("default: the job's own overlap policy"),
    dryRun: z.boolean().default(false).describe('only list the fire times; change nothing'),
  })
  .strict();

const FilterFields = {
  tag: z.string().min(1).max(200).optional(),
  dialect: z.string().min(1).max(50).optional(),
  owner: z.string().min(1).max(200).optional(),
  type: z.string().min(1).max(100).optional(),
};

export const BulkSchema = z
  .object({
    action: z.enum(BULK_ACTIONS),
    filter: z.object({ ...FilterFields, ids: z.array(z.string().min(1).max(200)).max(1000).optional() }).strict(),
    dryRun: z.boolean().default(false),
  })
  .strict();

const ExportQuerySchema = z
  .object({
    ...FilterFields,
    ids: z
      .string()
      .max(200_000)
      .transform((v) => v.split(',').filter((x) => x !== ''))
      .optional()
      .describe('comma-separated job ids'),
    format: z.enum(['json', 'yaml']).default('json'),
  })
  .strict();

const Flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const ApplyQuerySchema = z
  .object({ dryRun: Flag.default(false).describe('only say what would change (a per-job diff)'), prune: Flag.default(false).describe("delete the jobs the document's selector matches that it does not list") })
  .strict();

function renderBackfill(b: BackfillResult) {
  return {
    jobId: b.jobId,
    from: b.from.toISOString(),
    to: b.to.toISOString(),
    overlap: b.overlap,
    dryRun: b.dryRun,
    count: b.count,
    times: b.times.map((t) => t.toISOString()),
    ...(b.backfillId ? { backfillId: b.backfillId } : {}),
  };
}

/** An apply body: a JSON object, or YAML text (one document) when sent as YAML. */
function applyBody(ctx: Context): unknown {
  if (ctx.request.is(YAML_TYPES)) {
    const text = typeof ctx.request.body === 'string' ? ctx.request.body : '';
    try {
      return parseYaml(text, { maxAliasCount: 100 }) as unknown;
    } catch (err) {
      throw validationError('invalid YAML', [{ path: '', message: (err as Error).message.split('\n')[0] ?? 'does not parse' }]);
    }
  }
  return jsonBody(ctx);
}

const ListQuerySchema = z
  .object({
    q: z.string().trim().min(1, 'must not be empty').max(200).optional().describe('case-insensitive substring of the name or id (reads all matching jobs, at most 10000)'),
    type: z.string().min(1).optional().describe('job type'),
    owner: z.string().min(1).optional().describe('owner id (users: among their own and shared jobs)'),
    tag: z.string().min(1).optional(),
    dialect: z.string().min(1).optional().describe('the creating dialect'),
    enabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    lastOutcome: z.enum(LAST_OUTCOMES).optional().describe("how the schedule's newest run ended (reads all matching jobs)"),
    limit: z.coerce.number().int().min(1).max(1000).default(100).describe('page size'),
    cursor: z.string().max(4096).optional().describe('nextCursor of the previous page'),
    sort: z.enum(JOB_SORTS).optional().describe('- for descending (reads all matching jobs)'),
  })
  .strict();

const NextQuerySchema = z.object({ count: z.coerce.number().int().min(1).max(10).default(5).describe('how many fire times') }).strict();

export const PreviewSchema = z
  .object({
    trigger: z.unknown(),
    count: z.number().int().min(1).max(1000).default(5),
    from: z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time' }).optional(),
    timezone: z.string().optional(),
    dst: DstSchema.optional(),
  })
  .strict();

export const RunNowSchema = z.object({ input: z.unknown().optional() }).strict();

export function parseWith<T extends z.ZodType>(schema: T, value: unknown, what: string, prefix = ''): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(`invalid ${what}`, detailsFromZod(r.error.issues, prefix));
  return r.data;
}

export function actorOf(ctx: Context): Actor {
  const p = ctx.state.principal as Actor;
  return { id: p.id, role: p.role, ...(p.name ? { name: p.name } : {}) };
}

/** If-Match carries the version a client last read, as an ETag ("3" or W/"3"). */
export function expectedVersion(ctx: Context): number | undefined {
  const header = ctx.get('if-match');
  if (!header || header === '*') return undefined;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(header.trim());
  if (!m) throw validationError('invalid If-Match header', [{ path: 'If-Match', message: 'must be a job version such as "3"' }]);
  return Number(m[1]);
}

export function render(ctx: Context, v: JobView, status = 200): void {
  ctx.status = status;
  ctx.set('ETag', `"${v.job.version}"`);
  ctx.body = { ...v.job, state: v.state };
}

/** The request's JSON object body, or a 400 saying what was expected (`expected`: e.g. 'an alert rule object'). */
export function jsonBody(ctx: Context, expected = 'an object'): Record<string, unknown> {
  const b = ctx.request.body;
  if (typeof b !== 'object' || b === null || Array.isArray(b) || !ctx.request.is('json')) {
    throw validationError('request body must be a JSON object', [{ path: '', message: `expected Content-Type application/json and ${expected}` }]);
  }
  return b as Record<string, unknown>;
}

/**
 * One audit event per job a bulk request or an apply changed (besides the request's own event,
 * `job.bulk` / `job.apply`), so that the audit log's `job=<id>` filter finds the change. Best effort:
 * the changes are made; a lost record is logged by the caller's logger, never the answer.
 */
async function auditEach(ctx: Context, audit: AuditLog | undefined, via: string, events: { jobId: string; action: string; ok: boolean }[]): Promise<void> {
  if (!audit) return;
  const p = ctx.state.principal as Actor | undefined;
  for (const e of events) {
    await audit
      .record({
        principalId: p?.id ?? null,
        principalName: p?.name ?? null,
        surface: 'v1',
        action: e.action,
        jobId: e.jobId,
        outcome: e.ok ? 'ok' : 'failed',
        detail: { via, requestId: String(ctx.state.requestId ?? '') },
      })
      .catch(() => undefined);
  }
}

export function jobRoutes(jobs: JobService, audit?: AuditLog): Router {
  const r = new Router({ prefix: '/v1' });

  r.post('/jobs', async (ctx) => render(ctx, await jobs.create(jsonBody(ctx), actorOf(ctx)), 201));

  r.get('/jobs', async (ctx) => {
    const q = parseWith(ListQuerySchema, ctx.query, 'query', 'query');
    const page = await jobs.list({ ...q, pageSize: q.limit }, actorOf(ctx));
    ctx.body = { items: page.items, nextCursor: page.nextCursor };
  });

  // Before /jobs/:id, which would take "export" for an id.
  r.get('/jobs/export', async (ctx) => {
    const q = parseWith(ExportQuerySchema, ctx.query, 'query', 'query');
    const { format, ...filter } = q;
    const doc = await exportJobs(jobs, filter, actorOf(ctx));
    ctx.set('Content-Disposition', `attachment; filename="kairos-jobs.${format}"`);
    if (format === 'yaml') {
      ctx.type = 'application/yaml';
      ctx.body = stringifyYaml(doc);
    } else ctx.body = doc;
  });
  r.post('/jobs/apply', async (ctx) => {
    const q = parseWith(ApplyQuerySchema, ctx.query, 'query', 'query');
    const out = await applyJobs(jobs, applyBody(ctx), q, actorOf(ctx));
    const names = { create: 'job.create', update: 'job.replace', prune: 'job.delete' } as const;
    await auditEach(
      ctx,
      audit,
      'apply',
      out.items.flatMap((i) => (i.action === 'unchanged' || i.outcome === undefined ? [] : [{ jobId: i.id, action: names[i.action], ok: i.outcome === 'ok' }])),
    );
    ctx.body = out;
  });
  r.post('/jobs/bulk', async (ctx) => {
    const b = parseWith(BulkSchema, jsonBody(ctx), 'request body');
    const out = await bulkAction(jobs, b, actorOf(ctx));
    if (!out.dryRun) {
      const action = `job.${b.action}`;
      await auditEach(ctx, audit, 'bulk', [...out.changed.map((jobId) => ({ jobId, action, ok: true })), ...out.failed.map((f) => ({ jobId: f.id, action, ok: false }))]);
    }
    ctx.body = out;
  });

  r.get('/jobs/:id', async (ctx) => render(ctx, await jobs.get(ctx.params.id ?? '', actorOf(ctx))));
  r.put('/jobs/:id', async (ctx) =>
    render(ctx, await jobs.replace(ctx.params.id ?? '', jsonBody(ctx), actorOf(ctx), { expectedVersion: expectedVersion(ctx) })),
  );
  r.patch('/jobs/:id', async (ctx) =>
    render(ctx, await jobs.patch(ctx.params.id ?? '', jsonBody(ctx), actorOf(ctx), { expectedVersion: expectedVersion(ctx) })),
  );
  r.delete('/jobs/:id', async (ctx) => {
    await jobs.delete(ctx.params.id ?? '', actorOf(ctx));
    ctx.status = 204;
  });
  r.post('/jobs/:id/pause', async (ctx) =>
    render(ctx, await jobs.setEnabled(ctx.params.id ?? '', false, actorOf(ctx), { expectedVersion: expectedVersion(ctx) })),
  );
  r.post('/jobs/:id/resume', async (ctx) =>
    render(ctx, await jobs.setEnabled(ctx.params.id ?? '', true, actorOf(ctx), { expectedVersion: expectedVersion(ctx) })),
  );
  r.post('/jobs/:id/run', async (ctx) => {
    const b = ctx.request.length ? parseWith(RunNowSchema, ctx.request.body, 'request body') : { input: undefined };
    ctx.status = 202;
    ctx.body = await jobs.runNow(ctx.params.id ?? '', actorOf(ctx), b.input);
  });
  r.post('/jobs/:id/backfill', async (ctx) => {
    const b = parseWith(BackfillSchema, jsonBody(ctx), 'request body');
    const out = await jobs.backfill(ctx.params.id ?? '', { from: new Date(b.from), to: new Date(b.to), overlap: b.overlap, dryRun: b.dryRun }, actorOf(ctx));
    ctx.status = b.dryRun || out.count === 0 ? 200 : 202;
    ctx.body = renderBackfill(out);
  });
  r.get('/jobs/:id/backfills', async (ctx) => {
    const items = await jobs.backfills(ctx.params.id ?? '', actorOf(ctx));
    ctx.body = {
      items: items.map((b) => ({
        id: b.id,
        from: b.from.toISOString(),
        to: b.to.toISOString(),
        overlap: b.overlap,
        fireTimes: b.fireTimes,
        requestedBy: b.requestedBy,
        requestedAt: b.requestedAt.toISOString(),
      })),
    };
  });
  r.get('/jobs/:id/next', async (ctx) => {
    const q = parseWith(NextQuerySchema, ctx.query, 'query', 'query');
    const times = await jobs.nextTimes(ctx.params.id ?? '', q.count, actorOf(ctx));
    ctx.body = { times: times.map((t) => t.toISOString()) };
  });
  r.post('/triggers/preview', (ctx) => {
    const b = parseWith(PreviewSchema, jsonBody(ctx), 'request body');
    const out = jobs.preview(b.trigger, b.count, b.from ? new Date(b.from) : undefined, b.timezone, b.dst);
    ctx.body = { times: out.times.map((t) => t.toISOString()), description: out.description };
  });
  return r;
}

// ---- the OpenAPI document (api/openapi.ts) ------------------------------------------------------

export const JobViewSchema = JobSchema.extend({
  state: z.object({
    enabled: z.boolean(),
    nextRunAt: z.string().nullable(),
    lastRunAt: z.string().nullable(),
    running: z.array(z.string()).describe('workflow ids of the runs in flight'),
    remainingActions: z.number().nullable(),
  }),
}).meta({ id: 'JobView' });

const JobSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.string(),
    ownerId: z.string(),
    tags: z.array(z.string()),
    enabled: z.boolean(),
    dialect: z.string(),
    incarnation: z.string().optional().describe('which creation of this job id (absent on jobs from before incarnations)'),
    nextRunAt: z.string().nullable(),
    lastRunAt: z.string().nullable(),
    lastOutcome: z.enum(LAST_OUTCOMES).describe("how the schedule's newest run ended (Temporal's schedule list); none: no scheduled run yet"),
  })
  .meta({ id: 'JobSummary' });

const TimesSchema = z.object({ times: z.array(z.string()) }).meta({ id: 'FireTimes' });

registerOperations('native', [
  { operationId: 'createJob', method: 'post', path: '/v1/jobs', summary: 'Create a job', tag: 'jobs', request: JobInputSchema, response: JobViewSchema, status: 201, errors: [409] },
  {
    operationId: 'listJobs',
    method: 'get',
    path: '/v1/jobs',
    summary: 'List jobs (cursor paging; filters)',
    tag: 'jobs',
    query: ListQuerySchema,
    response: z.object({ items: z.array(JobSummarySchema), nextCursor: z.string().nullable() }),
  },
  { operationId: 'getJob', method: 'get', path: '/v1/jobs/{id}', summary: 'Get a job and its state', tag: 'jobs', response: JobViewSchema },
  { operationId: 'replaceJob', method: 'put', path: '/v1/jobs/{id}', summary: 'Replace a job', tag: 'jobs', ifMatch: true, request: JobInputSchema, response: JobViewSchema },
  { operationId: 'patchJob', method: 'patch', path: '/v1/jobs/{id}', summary: 'Merge-patch a job', tag: 'jobs', ifMatch: true, request: JobInputSchema.partial(), response: JobViewSchema },
  { operationId: 'deleteJob', method: 'delete', path: '/v1/jobs/{id}', summary: 'Delete a job', tag: 'jobs', status: 204 },
  { operationId: 'pauseJob', method: 'post', path: '/v1/jobs/{id}/pause', summary: 'Disable a job', tag: 'jobs', ifMatch: true, response: JobViewSchema },
  { operationId: 'resumeJob', method: 'post', path: '/v1/jobs/{id}/resume', summary: 'Enable a job', tag: 'jobs', ifMatch: true, response: JobViewSchema },
  { operationId: 'runJob', method: 'post', path: '/v1/jobs/{id}/run', summary: 'Run a job now', tag: 'jobs', request: RunNowSchema, response: z.object({ runId: z.string() }), status: 202 },
  { operationId: 'getJobNextTimes', method: 'get', path: '/v1/jobs/{id}/next', summary: 'Next fire times, from Temporal', tag: 'jobs', query: NextQuerySchema, response: TimesSchema },
  {
    operationId: 'backfillJob',
    method: 'post',
    path: '/v1/jobs/{id}/backfill',
    summary: "Run the schedule's fire times in [from, to] now (202), or list them (dryRun: 200); at most 1000, run permission",
    tag: 'jobs',
    request: BackfillSchema,
    response: z.object({
      jobId: z.string(),
      from: z.string(),
      to: z.string(),
      overlap: z.string(),
      dryRun: z.boolean(),
      count: z.number().int(),
      times: z.array(z.string()),
      backfillId: z.string().optional(),
    }),
    status: 202,
  },
  {
    operationId: 'listJobBackfills',
    method: 'get',
    path: '/v1/jobs/{id}/backfills',
    summary: 'The backfills asked of the job (at most 100, newest first)',
    tag: 'jobs',
    response: z.object({
      items: z.array(
        z.object({ id: z.string(), from: z.string(), to: z.string(), overlap: z.string(), fireTimes: z.number().int(), requestedBy: z.string(), requestedAt: z.string() }),
      ),
    }),
  },
  {
    operationId: 'bulkJobs',
    method: 'post',
    path: '/v1/jobs/bulk',
    summary: 'Pause, resume or delete the jobs a filter selects among those the caller may act on (dryRun: only count and name them)',
    tag: 'jobs',
    request: BulkSchema,
    response: z.object({
      action: z.string(),
      dryRun: z.boolean(),
      matched: z.number().int(),
      ids: z.array(z.string()),
      changed: z.array(z.string()),
      unchanged: z.array(z.string()),
      failed: z.array(z.object({ id: z.string(), code: z.string(), message: z.string() })),
    }),
  },
  {
    operationId: 'exportJobs',
    method: 'get',
    path: '/v1/jobs/export',
    summary: 'Export the definitions of the selected jobs as one document (JSON or YAML) for apply',
    tag: 'jobs',
    query: ExportQuerySchema,
    response: PortableDocumentSchema,
  },
  {
    operationId: 'applyJobs',
    method: 'post',
    path: '/v1/jobs/apply',
    summary: 'Create or replace each job of a document (JSON or application/yaml) to match; dryRun=true: per-job diff; prune=true: delete jobs in the selector not listed',
    tag: 'jobs',
    query: ApplyQuerySchema,
    request: PortableDocumentSchema,
    requestTypes: ['application/json', 'application/yaml'],
    response: z.object({
      dryRun: z.boolean(),
      prune: z.boolean(),
      counts: z.record(z.string(), z.number().int()),
      items: z.array(
        z.object({
          index: z.number().int().optional(),
          id: z.string(),
          action: z.enum(['create', 'update', 'unchanged', 'prune']),
          diff: z.array(z.object({ op: z.string(), path: z.string(), value: z.unknown().optional(), from: z.string().optional() })).optional(),
          outcome: z.enum(['ok', 'failed']).optional(),
          error: z.object({ code: z.string(), message: z.string() }).optional(),
        }),
      ),
    }),
  },
  {
    operationId: 'previewTrigger',
    method: 'post',
    path: '/v1/triggers/preview',
    summary: 'Compile a trigger without saving',
    tag: 'triggers',
    // The route reads the trigger as unknown and compiles it itself; the document says what it accepts.
    request: PreviewSchema.extend({ trigger: TriggerSchema }),
    response: TimesSchema.extend({ description: z.string() }),
  },
]);
