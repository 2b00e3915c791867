// Native /v1 run routes: a job's runs (history), runs across jobs (the dashboard's list), one run,
// stop (cancel), abort (terminate), stats. Parse (zod) → RunService / RunOverview → JSON.
import Router from '@koa/router';
import { z } from 'zod';
import { RUN_STATUSES } from '../../core/runs/query.ts';
import type { RunService } from '../../core/runs/service.ts';
import { MAX_OFFSET, type RunOverview } from '../../core/runs/overview.ts';
import { validationError } from '../../core/errors.ts';
import { SERIES_WINDOWS } from '../../core/runs/rollup.ts';
import { mapLimited } from '../map-limited.ts';
import { actorOf, parseWith } from './jobs.ts';
import { registerOperations } from '../openapi.ts';

const Instant = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time' });

/** `name=a` or `name=a,b` or the parameter repeated, as a list. */
const CommaList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean));

/** `status=failed` or `status=failed,cancelled` or the parameter repeated. */
const StatusList = CommaList.pipe(z.array(z.enum(RUN_STATUSES, { message: `must be one of ${RUN_STATUSES.join(', ')}` })).min(1, 'must name at least one status'));

export const RunListQuerySchema = z
  .object({
    status: StatusList.optional().describe('comma-separated run statuses'),
    from: Instant.optional().describe('runs that started at or after this instant'),
    to: Instant.optional().describe('runs that started before this instant'),
    limit: z.coerce.number().int().min(1).max(1000).default(50).describe('page size'),
    cursor: z.string().min(1).max(8192).optional().describe('nextCursor of the previous page'),
  })
  .strict();

/** Runs across jobs are paged by offset: visibility orders them (running first, newest close first). */
export const AllRunsQuerySchema = z
  .object({
    status: StatusList.optional().describe('comma-separated run statuses'),
    jobId: CommaList.pipe(z.array(z.string().max(200)).min(1, 'must name at least one job').max(100, 'at most 100 jobs')).optional().describe('comma-separated job ids (at most 100)'),
    dialect: z.string().min(1).max(50).optional().describe('the creating dialect'),
    offset: z.coerce.number().int().min(0).max(MAX_OFFSET).default(0),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .strict();

export const AbortBodySchema = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();

const RunErrorSchema = z.object({ type: z.string(), message: z.string() }).nullable();
const ProgressSchema = z
  .object({
    done: z.number(),
    total: z.number().nullable().optional().describe('null or absent when unknown'),
    unit: z.string().optional(),
    message: z.string().optional(),
    // Record-oriented drivers (datasource) add their counters, bad-record samples and checkpoint.
    read: z.number().optional(),
    written: z.number().optional(),
    failed: z.number().optional(),
    badRecords: z.array(z.object({ record: z.number(), line: z.number().optional(), error: z.string(), raw: z.string().optional() })).optional(),
    checkpoint: z.record(z.string(), z.unknown()).optional().describe('where the run stands (or stopped): source and sink positions'),
  })
  .nullable();
export const RunSummarySchema = z
  .object({
  runId: z.string(),
  jobId: z.string(),
  status: z.enum(RUN_STATUSES),
  trigger: z.string(),
  scheduledAt: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  startDelayMs: z.number(),
  skip: z
    .object({ scheduledAt: z.string(), reason: z.enum(['overlap', 'paused', 'dst', 'maxRuns', 'endOn', 'catchupWindow']), detail: z.string().optional() })
    .optional()
    .describe('skipped and missed runs: the fire time and why it did not run'),
  })
  .meta({ id: 'RunSummary' });
export const RunViewSchema = RunSummarySchema.extend({
  attempts: z.number(),
  error: RunErrorSchema,
  progress: ProgressSchema,
  output: z.unknown(),
  cause: z.object({ jobId: z.string(), workflowId: z.string(), outcome: z.string() }).nullable(),
  dependents: z.array(z.string()),
  input: z.unknown().describe('the run-time input a run now was given (null: none); POST /v1/jobs/{id}/run with it runs the job again the same way'),
  requestedBy: z.string().nullable().describe('manual runs: who asked for the run now (a user name); null otherwise'),
  currentAttempt: z
    .object({
      state: z.enum(['queued', 'executing', 'retrying', 'stopping']).describe('retrying: the last attempt failed, the next is due at nextAttemptAt'),
      attempt: z.number().describe('the current attempt from 1 (while retrying: the one due next)'),
      maximumAttempts: z.number().nullable().describe('null: unlimited'),
      startedAt: z.string().nullable(),
      lastHeartbeatAt: z.string().nullable(),
      lastFailure: RunErrorSchema.describe("the previous attempt's failure"),
      lastFailedAt: z.string().nullable(),
      nextAttemptAt: z.string().nullable(),
    })
    .nullable()
    .describe("running runs: the driver's attempt as Temporal reports it (null otherwise)"),
}).meta({ id: 'RunView' });
const AllRunsItemSchema = RunSummarySchema.extend({
  jobName: z.string().nullable(),
  phase: z.enum(['queued', 'executing']).nullable().describe('running runs: whether a worker has started the driver'),
  progress: ProgressSchema.describe("running runs: the driver's last heartbeat"),
});
const StatsSchema = z.object({
  total: z.number(),
  byStatus: z.record(z.enum(RUN_STATUSES), z.number()),
  successRate: z.number().nullable(),
  meanDurationMs: z.number().nullable(),
  sampleSize: z.number(),
  lastRun: RunSummarySchema.nullable(),
  nextRunAt: z.string().nullable(),
}).meta({ id: 'RunStats' });

/** `?window=24h|7d|30d` of the series routes (default 24h). */
export const SeriesQuerySchema = z
  .object({
    window: z
      .enum(SERIES_WINDOWS, { message: `must be one of ${SERIES_WINDOWS.join(', ')}` })
      .default('24h')
      .describe('24 hourly, 28 six-hour or 30 daily UTC buckets'),
  })
  .strict();
const Ms = z.number().nullable();
const SeriesBucketSchema = z.object({
  start: z.string().describe('the bucket start, RFC 3339 UTC'),
  counts: z.object({ succeeded: z.number(), failed: z.number(), aborted: z.number().describe('stopped or aborted from Kairos'), skipped: z.number().describe('runs left out by the DST policy') }),
  successRate: z.number().nullable().describe('succeeded / (succeeded + failed + aborted); null when no run ended'),
  duration: z.object({ mean: Ms, p50: Ms, p95: Ms, max: Ms }).describe('ms; percentiles estimated from a histogram'),
  lateness: z.object({ mean: Ms, p95: Ms, max: Ms }).describe('ms: start minus scheduled time of scheduled runs (not backfills)'),
  notRun: z.object({ skipped: z.number(), missed: z.number() }).describe('fire times that did not run, by scheduled time'),
});
const SeriesSchema = z.object({
  window: z.enum(SERIES_WINDOWS),
  step: z.enum(['1h', '6h', '1d']),
  from: z.string(),
  to: z.string(),
  buckets: z.array(SeriesBucketSchema).describe('oldest first; runs counted in the hour they ended'),
  total: SeriesBucketSchema.omit({ start: true }),
});
registerOperations('native', [
  {
    operationId: 'listJobRuns',
    method: 'get',
    path: '/v1/jobs/{id}/runs',
    summary: "A job's runs, newest first (cursor paging; filter by status and start time)",
    tag: 'runs',
    query: RunListQuerySchema,
    response: z.object({ items: z.array(RunSummarySchema), nextCursor: z.string().nullable() }),
  },
  {
    operationId: 'listRuns',
    method: 'get',
    path: '/v1/runs',
    summary: 'Runs across all (own) jobs, running first, then newest first (offset paging; progress of running runs)',
    tag: 'runs',
    query: AllRunsQuerySchema,
    response: z.object({ items: z.array(AllRunsItemSchema), total: z.number(), offset: z.number(), limit: z.number() }),
  },
  { operationId: 'getJobStats', method: 'get', path: '/v1/jobs/{id}/stats', summary: "A job's run statistics", tag: 'runs', response: StatsSchema },
  { operationId: 'getStats', method: 'get', path: '/v1/stats', summary: 'Run statistics over all (own) jobs', tag: 'runs', response: StatsSchema.extend({ jobs: z.number(), jobsCapped: z.boolean() }) },
  { operationId: 'getJobStatsSeries', method: 'get', path: '/v1/jobs/{id}/stats/series', summary: "A job's runs over time (charts): outcomes, duration, lateness per bucket", tag: 'runs', query: SeriesQuerySchema, response: SeriesSchema },
  { operationId: 'getStatsSeries', method: 'get', path: '/v1/stats/series', summary: 'Runs over time over all readable jobs (charts)', tag: 'runs', query: SeriesQuerySchema, response: SeriesSchema },
  { operationId: 'getRun', method: 'get', path: '/v1/runs/{runId}', summary: 'One run: status, timing, attempts, error, progress, output', tag: 'runs', response: RunViewSchema },
  { operationId: 'stopRun', method: 'post', path: '/v1/runs/{runId}/stop', summary: 'Stop a run (cancel; the driver sees it)', tag: 'runs', response: RunSummarySchema, status: 202 },
  { operationId: 'abortRun', method: 'post', path: '/v1/runs/{runId}/abort', summary: 'Abort a run (terminate)', tag: 'runs', request: AbortBodySchema, response: RunViewSchema },
]);

export function runRoutes(runs: RunService, overview: RunOverview): Router {
  const r = new Router({ prefix: '/v1' });

  r.get('/runs', async (ctx) => {
    const q = parseWith(AllRunsQuerySchema, ctx.query, 'query', 'query');
    const actor = actorOf(ctx);
    const filter = await overview.scope({ statuses: q.status, jobIds: q.jobId, dialect: q.dialect, withNotRun: true }, actor);
    const page = await overview.list(filter, q.offset, q.limit, actor);
    // Counted after the page is read, so that the total counts at least the runs the page shows
    // (a run that closed between two parallel queries could be listed as failed yet not counted).
    const counts = await overview.total(filter, actor);
    // Only running runs have a phase and live progress: one describe each, bounded by the page size.
    const items = await mapLimited(page, async (run) => {
      const flight = run.status === 'running' ? await overview.inFlight(run.runId) : undefined;
      return { ...run, phase: flight?.phase ?? null, progress: flight?.progress ?? null };
    });
    ctx.body = { items, total: counts.total, offset: q.offset, limit: q.limit };
  });

  r.get('/jobs/:id/runs', async (ctx) => {
    const q = parseWith(RunListQuerySchema, ctx.query, 'query', 'query');
    const from = q.from ? new Date(q.from) : undefined;
    const to = q.to ? new Date(q.to) : undefined;
    if (from && to && from >= to) throw validationError('invalid query', [{ path: 'query.to', message: 'must be after from' }]);
    ctx.body = await runs.list(ctx.params.id ?? '', { statuses: q.status, from, to, pageSize: q.limit, cursor: q.cursor, withNotRun: true }, actorOf(ctx));
  });

  r.get('/jobs/:id/stats', async (ctx) => {
    ctx.body = await runs.jobStats(ctx.params.id ?? '', actorOf(ctx));
  });

  r.get('/stats', async (ctx) => {
    ctx.body = await runs.globalStats(actorOf(ctx));
  });

  r.get('/jobs/:id/stats/series', async (ctx) => {
    const q = parseWith(SeriesQuerySchema, ctx.query, 'query', 'query');
    ctx.body = await runs.jobSeries(ctx.params.id ?? '', q.window, actorOf(ctx));
  });

  r.get('/stats/series', async (ctx) => {
    const q = parseWith(SeriesQuerySchema, ctx.query, 'query', 'query');
    ctx.body = await runs.globalSeries(q.window, actorOf(ctx));
  });

  r.get('/runs/:runId', async (ctx) => {
    ctx.body = await runs.get(ctx.params.runId ?? '', actorOf(ctx));
  });

  r.post('/runs/:runId/stop', async (ctx) => {
    const summary = await runs.stop(ctx.params.runId ?? '', actorOf(ctx));
    ctx.status = 202;
    ctx.body = summary;
  });

  r.post('/runs/:runId/abort', async (ctx) => {
    const b = ctx.request.length ? parseWith(AbortBodySchema, ctx.request.body, 'request body') : {};
    ctx.body = await runs.abort(ctx.params.runId ?? '', actorOf(ctx), b.reason);
  });

  return r;
}
