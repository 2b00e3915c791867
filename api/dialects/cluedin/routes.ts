// CluedIn jobs API routes: recurring jobs of a type (api/v1/hangfire/jobs/{type}: list, PATCH cron,
// and Kairos's upsert), Hangfire's trigger/remove commands (hangfire/recurring/…), job state counts,
// paged job runs with progress, and abandon work. Parse (mapping.ts), call the services, render.
import Router from '@koa/router';
import type { Context } from 'koa';
import { readJsonBody, type BodyErrors } from '../../raw-body.ts';
import { principalOf } from '../../auth.ts';
import type { Actor, JobService, JobView } from '../../../core/jobs/service.ts';
import type { RunService } from '../../../core/runs/service.ts';
import type { InFlight, OverviewFilter, OverviewRun, RunOverview } from '../../../core/runs/overview.ts';
import { latestOverviewRun } from '../../../core/runs/latest.ts';
import { mapLimited } from '../../map-limited.ts';
import type { RunProgress } from '../../../core/runs/types.ts';
import { z } from 'zod';
import { KAIROS_SECURITY, KAIROS_SECURITY_SCHEMES, registerDocument, registerOperations, type ErrorStatus, type Operation } from '../../openapi.ts';
import { isKind, orMissing, pageOf, pageQuery, readEach, replaceUnchanged, setNextCursor, writableOf } from '../kit/index.ts';
import { badRequest, CluedInError, ProblemDetailsSchema } from './errors.ts';
import { CLUEDIN_DIALECT, CLUEDIN_TYPES, jobIdFor, jobRunIdOf, parseJobId, runIdOf, type CluedInType } from './ids.ts';
import {
  AbandonSchema,
  cluedinExtras,
  CronPatchSchema,
  JobIdsBodySchema,
  RecurringSchema,
  RunsQuerySchema,
  cluedinState,
  jobIdsFromForm,
  jobIdsFromJson,
  parseAbandon,
  parseCronPatch,
  parseJobTargets,
  parseRecurringJob,
  parseRunsQuery,
  PATCH_FIELDS,
  renamed,
  renderRecurring,
  renderRun,
  stateCounts,
  statusesOf,
  UPSERT_FIELDS,
  withCron,
  type CluedInExtras,
  type JobTarget,
  type RunRow,
} from './mapping.ts';

export interface CluedInDeps {
  jobs: JobService;
  runs: RunService;
  overview: RunOverview;
  /** Maximum request body, bytes (read here when the client sent no JSON content type). */
  bodyLimitBytes: number;
}

const BODY_ERRORS: BodyErrors = {
  tooLarge: () => new CluedInError(413, 'request body is too large'),
  malformed: (message) => badRequest('request body is not valid JSON', [{ path: '$', message }]),
};

const recurringPath = (type: CluedInType) => `/api/v1/hangfire/jobs/${type}`;
const TRIGGER = '/hangfire/recurring/trigger';
const REMOVE = '/hangfire/recurring/remove';
const STATE_COUNT = '/api/v1/jobstatecount';
const RUNS = '/api/v1/jobs';
const ABANDON = '/api/v1/jobs/abandonwork';

export function cluedinRoutes(deps: CluedInDeps, prefix: string): Router {
  const { jobs, runs, overview } = deps;
  const r = new Router({ prefix });

  // ---- identity: a configuration id (or Hangfire id) → its job, by describe ---------------------

  async function find(type: CluedInType, target: Pick<JobTarget, 'configurationId' | 'recurringId'>, actor: Actor): Promise<{ view: JobView; extras: CluedInExtras } | undefined> {
    const view = await orMissing(jobs.get(jobIdFor(type, target.configurationId), actor));
    if (!view) return undefined;
    const extras = cluedinExtras(view.job);
    if (!extras || (target.recurringId !== undefined && target.recurringId !== extras.id)) return undefined;
    return { view, extras };
  }

  /** Every target's job, or a 404 naming each unknown id (before anything is changed). */
  async function resolveAll(targets: JobTarget[], actor: Actor): Promise<JobView[]> {
    const found = await mapLimited(targets, async (t) => {
      for (const type of CLUEDIN_TYPES) {
        const hit = await find(type, t, actor);
        if (hit) return hit.view;
      }
      return undefined;
    });
    const missing = targets.filter((_, i) => !found[i]);
    if (missing.length) {
      throw new CluedInError(
        404,
        `recurring job${missing.length > 1 ? 's' : ''} not found: ${missing.map((t) => `'${t.text.slice(0, 120)}'`).join(', ')}; nothing was changed`,
        missing.map((t) => ({ path: `jobIds[${targets.indexOf(t)}]`, message: 'names no recurring job' })),
      );
    }
    return found as JobView[];
  }

  // ---- recurring jobs of a type ----------------------------------------------------------------

  async function recurringView(view: JobView, extras: CluedInExtras, actor: Actor) {
    const last = await latestOverviewRun(overview, view.job.id, actor);
    return renderRecurring(view.job, extras, view.state, last ? { jobRunId: jobRunIdOf(view.job.id, last.runId) ?? null, startedAt: last.startedAt } : undefined);
  }

  for (const type of CLUEDIN_TYPES) {
    const path = recurringPath(type);

    r.get(path, async (ctx) => {
      const actor = principalOf(ctx);
      // A page of the schedule list (Kairos's ?limit= and ?cursor=; types are told apart after the read).
      const page = await jobs.list({ dialect: CLUEDIN_DIALECT, ...pageOf(ctx) }, actor);
      setNextCursor(ctx, page.nextCursor);
      const ids = page.items.map((s) => s.id).filter((id) => parseJobId(id)?.type === type);
      ctx.body = await readEach(ids.sort(), async (id) => {
        const v = await jobs.get(id, actor);
        const e = cluedinExtras(v.job);
        return e ? await recurringView(v, e, actor) : undefined;
      });
    });

    // Update the cron schedule: {id, cron}; id is the configuration GUID (or the Hangfire id).
    r.patch(path, async (ctx) => {
      const actor = principalOf(ctx);
      const req = parseCronPatch(await readJsonBody(ctx, deps.bodyLimitBytes, BODY_ERRORS));
      const hit = await find(type, req, actor);
      if (!hit) throw new CluedInError(404, `recurring ${type} job '${req.recurringId ?? req.configurationId}' not found`, [{ path: 'id', message: 'names no recurring job' }]);
      let saved: JobView;
      try {
        saved = await replaceUnchanged(jobs, hit.view, { ...writableOf(hit.view), triggers: withCron(hit.view.job, req.cron) }, actor);
      } catch (err) {
        throw renamed(err, PATCH_FIELDS);
      }
      ctx.body = await recurringView(saved, hit.extras, actor);
    });

    // Kairos extension: create or replace a recurring job (what enabling an integration does in CluedIn).
    r.post(path, async (ctx) => {
      const actor = principalOf(ctx);
      const u = parseRecurringJob(await readJsonBody(ctx, deps.bodyLimitBytes, BODY_ERRORS), type);
      const current = await find(type, { configurationId: u.recurring.configurationId }, actor);
      let saved: JobView;
      try {
        if (current) {
          saved = await replaceUnchanged(jobs, current.view, u.input, actor);
        } else {
          saved = await jobs.create(u.input, actor);
          ctx.status = 201;
        }
      } catch (err) {
        if (isKind(err, 'conflict')) {
          throw new CluedInError(409, `recurring ${type} job for configuration ${u.recurring.configurationId} was changed concurrently, or its id is taken by a job of another API; nothing was saved`);
        }
        throw renamed(err, UPSERT_FIELDS);
      }
      const extras = cluedinExtras(saved.job);
      if (!extras) throw new Error('a saved CluedIn job lost its CluedIn fields');
      ctx.body = await recurringView(saved, extras, actor);
    });
  }

  // ---- Hangfire's recurring-job commands -------------------------------------------------------

  async function targetsOf(ctx: Context): Promise<JobTarget[]> {
    const raw = (ctx.request as { rawBody?: string }).rawBody;
    const ids = ctx.request.is('application/x-www-form-urlencoded') && typeof raw === 'string' ? jobIdsFromForm(raw) : jobIdsFromJson(await readJsonBody(ctx, deps.bodyLimitBytes, BODY_ERRORS));
    return parseJobTargets(ids);
  }

  r.post(TRIGGER, async (ctx) => {
    const actor = principalOf(ctx);
    const views = await resolveAll(await targetsOf(ctx), actor);
    for (const v of views) await jobs.runNow(v.job.id, actor);
    ctx.status = 200;
  });

  r.post(REMOVE, async (ctx) => {
    const actor = principalOf(ctx);
    const views = await resolveAll(await targetsOf(ctx), actor);
    // One removed meanwhile: the outcome asked for.
    for (const v of views) await orMissing(jobs.delete(v.job.id, actor));
    ctx.status = 200;
  });

  // ---- job runs --------------------------------------------------------------------------------

  const cluedinRuns: OverviewFilter = { dialect: CLUEDIN_DIALECT };

  r.get(STATE_COUNT, async (ctx) => {
    const c = await overview.counts(cluedinRuns, principalOf(ctx));
    ctx.body = stateCounts(c.byStatus, c.queued);
  });

  r.get(RUNS, async (ctx) => {
    const actor = principalOf(ctx);
    const q = parseRunsQuery(ctx.query);
    const filter: OverviewFilter = { ...cluedinRuns, ...(q.configurationId ? { jobIds: CLUEDIN_TYPES.map((t) => jobIdFor(t, q.configurationId ?? '')) } : {}) };
    const offset = q.page * q.take;
    const page: (OverviewRun & { inFlight?: InFlight })[] =
      q.state === 'Queued' || q.state === 'Executing'
        ? await overview.listInPhase(filter, q.state === 'Queued' ? 'queued' : 'executing', offset, q.take, actor)
        : await overview.list({ ...filter, statuses: q.state ? statusesOf(q.state) : undefined }, offset, q.take, actor);

    const names = new Map<string, string | null>();
    await mapLimited([...new Set(page.map((p) => p.jobId))], async (jobId) => {
      const v = await jobs.get(jobId, actor).catch(() => undefined); // a removed job keeps its runs
      names.set(jobId, v ? (cluedinExtras(v.job)?.configurationName ?? null) : null);
    });

    const rows = await mapLimited(page, async (run): Promise<RunRow | undefined> => {
      const job = parseJobId(run.jobId);
      const jobRunId = jobRunIdOf(run.jobId, run.runId);
      if (!job || !jobRunId) return undefined; // a run whose ids Kairos did not make cannot be addressed
      let status = run.status;
      let endedAt = run.endedAt;
      const flight = run.inFlight ?? (status === 'running' ? await overview.inFlight(run.runId) : undefined);
      let progress: RunProgress | null = flight?.progress ?? null;
      if (!flight) {
        // Finished (perhaps since the listing): its final record holds the progress.
        const full = await orMissing(runs.get(run.runId, actor));
        if (full) ({ status, endedAt, progress } = full);
      }
      return renderRun({
        configurationId: job.configurationId,
        jobRunId,
        jobName: run.jobName ?? run.jobId,
        configurationName: names.get(run.jobId) ?? null,
        progress,
        state: cluedinState(status, flight?.phase),
        scheduledAt: run.scheduledAt,
        startedAt: run.startedAt,
        endedAt,
      });
    });
    ctx.body = rows.filter((x) => x !== undefined);
  });

  // Abandon work: cancel one in-flight run (the driver sees it and stops; the run ends Cancelled).
  r.patch(ABANDON, async (ctx) => {
    const actor = principalOf(ctx);
    const req = parseAbandon(await readJsonBody(ctx, deps.bodyLimitBytes, BODY_ERRORS));
    const target = runIdOf(req.jobId, req.jobRunId);
    const notFound = () => new CluedInError(404, `job run '${req.jobRunId}' of job '${req.jobId}' not found`, [{ path: 'jobRunId', message: 'names no run of this job' }]);
    if (!target) throw notFound();
    try {
      await runs.stop(target.runId, actor);
    } catch (err) {
      if (isKind(err, 'not_found')) throw notFound();
      if (isKind(err, 'conflict')) {
        const done = await runs.get(target.runId, actor).catch(() => undefined);
        const state = done ? cluedinState(done.status) : 'finished';
        throw new CluedInError(409, `job run '${req.jobRunId}' is not in flight (${state}); there is no work to abandon`, [{ path: 'jobRunId', message: `the run has already ended (${state})` }]);
      }
      throw err;
    }
    ctx.status = 200;
  });

  return r;
}

// ---- the OpenAPI document (api/openapi.ts) ------------------------------------------------------

const AnyJson = z.record(z.string(), z.unknown());
const RecurringJobSchema = RecurringSchema.meta({ id: 'CluedInRecurringJob' });
const FORM_OR_JSON = ['application/x-www-form-urlencoded', 'application/json'] as const;
const capitalized = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}`;

registerOperations('cluedin', [
  ...CLUEDIN_TYPES.flatMap((type): Operation[] => [
    { operationId: `list${capitalized(type)}Jobs`, method: 'get', path: recurringPath(type), summary: `The recurring ${type} jobs (a page)`, tag: 'recurring jobs', query: z.object(pageQuery()), response: z.array(AnyJson) },
    { operationId: `update${capitalized(type)}JobCron`, method: 'patch', path: recurringPath(type), summary: `Change the cron of a recurring ${type} job`, tag: 'recurring jobs', request: CronPatchSchema, response: AnyJson, errors: [404] },
    {
      operationId: `upsert${capitalized(type)}Job`,
      method: 'post',
      path: recurringPath(type),
      summary: `Create (201) or replace a recurring ${type} job (a Kairos addition: what enabling an integration does)`,
      tag: 'recurring jobs',
      request: RecurringJobSchema,
      response: AnyJson,
      errors: [409],
    },
  ]),
  { operationId: 'triggerRecurringJobs', method: 'post', path: TRIGGER, summary: 'Run recurring jobs now (jobIds[])', tag: 'hangfire', request: JobIdsBodySchema, requestTypes: FORM_OR_JSON, errors: [404] },
  { operationId: 'removeRecurringJobs', method: 'post', path: REMOVE, summary: 'Delete recurring jobs (jobIds[])', tag: 'hangfire', request: JobIdsBodySchema, requestTypes: FORM_OR_JSON, errors: [404] },
  { operationId: 'getJobStateCounts', method: 'get', path: STATE_COUNT, summary: 'How many runs are in each state', tag: 'runs', response: AnyJson },
  { operationId: 'listJobRuns', method: 'get', path: RUNS, summary: 'Job runs with progress, in flight first (a page)', tag: 'runs', query: RunsQuerySchema, response: z.array(AnyJson) },
  { operationId: 'abandonWork', method: 'patch', path: ABANDON, summary: 'Abandon work: cancel one run in flight', tag: 'runs', request: AbandonSchema, errors: [404, 409] },
]);

registerDocument({
  name: 'cluedin',
  title: "Kairos: CluedIn's jobs API",
  description: "CluedIn's jobs API (Hangfire recurring jobs, job state counts, job runs, abandon work) under /cluedin on the main port, laid out as CluedIn serves it from its root. Kairos credentials.",
  servers: () => [{ url: '/cluedin', description: 'the main port' }],
  securitySchemes: KAIROS_SECURITY_SCHEMES,
  security: KAIROS_SECURITY,
  error: ProblemDetailsSchema,
  errorType: 'application/problem+json',
  defaultErrors: (op): ErrorStatus[] => [...(op.request || op.query ? [400 as const] : []), 401, 403, ...(op.request ? [413 as const] : [])],
});
