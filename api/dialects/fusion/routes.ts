// Fusion routes: the Jobs API (/jobs, /jobs/{resource}, …/schedule, …/actions, …/history), the Tasks
// API (/tasks) and the Connector Datasources API (/connectors/datasources), each also under
// /apps/{app}/. Parse (mapping.ts), call the job and run services, render Fusion's shapes.
import { readJsonBody, type BodyErrors } from '../../raw-body.ts';
import { principalOf } from '../../auth.ts';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { JobSummary } from '../../../core/jobs/model.ts';
import type { Actor, JobService, JobView } from '../../../core/jobs/service.ts';
import type { RunService } from '../../../core/runs/service.ts';
import { latestRun, newestFirst, runsInFlight } from '../../../core/runs/latest.ts';
import { TriggerSchema } from '../../../core/triggers/model.ts';
import { z } from 'zod';
import { KAIROS_SECURITY, KAIROS_SECURITY_SCHEMES, ownPortServer, prefixed, registerDocument, registerOperations, type ErrorStatus, type Operation } from '../../openapi.ts';
import { isKind, orMissing, pageOf, pageQuery, param, readEach, replaceUnchanged, setNextCursor, writableOf, type PageRequest } from '../kit/index.ts';
import { badRequest, FusionError, FusionErrorBodySchema } from './errors.ts';
import {
  canonicalIdFor,
  candidateIds,
  countersOf,
  dialectOfJob,
  formatResource,
  FUSION_TYPES,
  FusionDatasourceSchema,
  FusionScheduleBodySchema,
  FusionTaskSchema,
  fusionExtras,
  fusionStatusOf,
  fusionTriggersOf,
  parseDatasource,
  parseResource,
  parseScheduleBody,
  parseTask,
  renderDatasource,
  renderTask,
  resourceOf,
  toCanonicalTriggers,
  triggerError,
  unknownType,
  type FusionTrigger,
  type Resource,
} from './mapping.ts';

export interface FusionDeps {
  jobs: JobService;
  runs: RunService;
  /** Maximum request body, bytes (read here when the client sent no JSON content type). */
  bodyLimitBytes?: number;
}

const ACTIONS = ['start', 'stop', 'abort'] as const;
const ActionBodySchema = z.object({ action: z.enum(ACTIONS) });
/** GET /jobs: one type of job, a page. */
const JobsQuerySchema = z.object({ type: z.enum(FUSION_TYPES).optional().describe('only jobs of this type'), ...pageQuery() });
const HISTORY_LIMIT = 100;

const noSpark = (id: string) => new FusionError(404, `spark job '${id}' not found: no Spark cluster is configured, so Kairos holds no Spark jobs`);

const FUSION_BODY_ERRORS: BodyErrors = {
  tooLarge: () => new FusionError(413, 'request body is too large'),
  malformed: (message) => badRequest('request body is not valid JSON', [{ path: '', message }]),
};

export function fusionRoutes(deps: FusionDeps, prefix: string): Router {
  const { jobs, runs } = deps;
  const limit = deps.bodyLimitBytes ?? 2 * 1024 * 1024;
  const r = new Router({ prefix });

  // ---- identity ------------------------------------------------------------------------------

  /** The job a resource names, read directly (describe), or undefined. */
  async function find(res: Resource, actor: Actor): Promise<JobView | undefined> {
    if (res.type === 'spark') return undefined;
    for (const id of candidateIds(res)) {
      const v = await orMissing(jobs.get(id, actor));
      const own = v && resourceOf({ id: v.job.id, type: v.job.type, dialect: dialectOfJob(v.job) });
      if (v && own?.type === res.type && own.id === res.id) return v;
    }
    return undefined;
  }

  async function resolve(res: Resource, actor: Actor): Promise<JobView> {
    if (res.type === 'spark') throw noSpark(res.id);
    const v = await find(res, actor);
    if (!v) throw new FusionError(404, `job '${formatResource(res)}' not found`);
    return v;
  }

  const resourceText = (v: JobView) => formatResource(resourceOf({ id: v.job.id, type: v.job.type, dialect: dialectOfJob(v.job) }));

  /** Resources of the jobs a job's `job` triggers name (one describe each; a deleted one shows as a task). */
  async function triggerResources(v: JobView, actor: Actor): Promise<(id: string) => string> {
    const names = new Map<string, string>();
    for (const t of v.job.triggers) {
      if (t.type !== 'job' || names.has(t.jobId)) continue;
      const target = await orMissing(jobs.get(t.jobId, actor));
      names.set(t.jobId, target ? resourceText(target) : formatResource({ type: 'task', id: t.jobId }));
    }
    return (id) => names.get(id) ?? formatResource({ type: 'task', id });
  }

  // ---- status --------------------------------------------------------------------------------

  interface StatusBase {
    id: string;
    type: string;
    dialect: string;
    enabled: boolean;
    ownerId: string;
    nextRunAt: string | null;
    running: string[];
  }

  async function statusOf(b: StatusBase, actor: Actor): Promise<Record<string, unknown>> {
    const res = resourceOf(b);
    const last = await latestRun(runs, b.id, actor);
    // A scheduled run in flight is known at once from the schedule; a manual one from visibility.
    const status = b.running.length > 0 ? 'running' : last ? fusionStatusOf(last.status) : 'ready';
    const out: Record<string, unknown> = { resource: formatResource(res), enabled: b.enabled, status, startedBy: b.ownerId };
    if (last) {
      out.lastStartTime = last.startedAt;
      if (last.endedAt && status !== 'running') out.lastEndTime = last.endedAt;
    }
    if (b.nextRunAt) out.nextStartTime = b.nextRunAt;
    if (res.type === 'datasource' && last) {
      const run = await orMissing(runs.get(last.runId, actor));
      const counters = run ? countersOf(run.progress, run.output) : undefined;
      if (counters) out.extra = counters;
    }
    return out;
  }

  const baseOfView = (v: JobView): StatusBase => ({
    id: v.job.id,
    type: v.job.type,
    dialect: dialectOfJob(v.job),
    enabled: v.job.enabled,
    ownerId: v.job.ownerId,
    nextRunAt: v.state.nextRunAt,
    running: v.state.running,
  });
  const baseOfSummary = (s: JobSummary): StatusBase => ({ ...s, running: [] });

  /**
   * One page of jobs of one Fusion type (or all), from the schedule list: a page of `limit` (see
   * api/dialects/kit/lists.ts) and the cursor of the next. Tasks are told apart after the read, so a page
   * of tasks may hold fewer than `limit`.
   */
  async function jobsOfType(actor: Actor, page: PageRequest, type?: string): Promise<{ items: JobSummary[]; nextCursor: string | null }> {
    if (type === 'spark') return { items: [], nextCursor: null };
    const listed = await jobs.list({ ...page, ...(type === 'datasource' ? { type: 'datasource' } : {}) }, actor);
    return type === 'task' ? { ...listed, items: listed.items.filter((s) => resourceOf(s).type === 'task') } : listed;
  }

  // ---- the Jobs API --------------------------------------------------------------------------

  const paths = (p: string) => [p, `/apps/:app${p}`];

  for (const p of paths('/jobs')) {
    r.get(p, async (ctx) => {
      const type = JobsQuerySchema.shape.type.safeParse(ctx.query.type);
      if (!type.success) throw unknownType(String(ctx.query.type));
      const actor = principalOf(ctx);
      const { items, nextCursor } = await jobsOfType(actor, pageOf(ctx), type.data);
      setNextCursor(ctx, nextCursor);
      ctx.body = await readEach(items, (s) => statusOf(baseOfSummary(s), actor));
    });
  }

  for (const p of paths('/jobs/:resource')) {
    r.get(p, async (ctx) => {
      const actor = principalOf(ctx);
      const v = await resolve(parseResource(param(ctx, 'resource')), actor);
      ctx.body = await statusOf(baseOfView(v), actor);
    });
  }

  for (const p of paths('/jobs/:resource/schedule')) {
    r.get(p, async (ctx) => {
      const actor = principalOf(ctx);
      const v = await resolve(parseResource(param(ctx, 'resource')), actor);
      ctx.body = { resource: resourceText(v), enabled: v.job.enabled, triggers: fusionTriggersOf(v.job, await triggerResources(v, actor)) };
    });

    r.put(p, async (ctx) => {
      const actor = principalOf(ctx);
      const res = parseResource(param(ctx, 'resource'));
      const current = await resolve(res, actor);
      const text = resourceText(current);
      const req = parseScheduleBody(await readJsonBody(ctx, limit, FUSION_BODY_ERRORS), text);
      const input = writableOf(current);
      if (req.enabled !== undefined) input.enabled = req.enabled;
      if (req.triggers !== undefined) {
        const canonical = toCanonicalTriggers(req.triggers, await jobTriggerTargets(req.triggers, actor));
        input.triggers = canonical;
        input.extras = {
          ...current.job.extras,
          fusion: {
            ...fusionExtras(current.job),
            triggers: req.triggers,
            // What the triggers compile to, as stored: a later change through another API is noticed.
            triggersFor: canonical.map((t) => {
              const parsed = TriggerSchema.safeParse(t);
              return parsed.success ? parsed.data : t;
            }),
          },
        };
      }
      let saved: JobView;
      try {
        saved = await replaceUnchanged(jobs, current, input, actor);
      } catch (err) {
        throw triggerError(err, req.triggers);
      }
      ctx.body = { resource: text, enabled: saved.job.enabled, triggers: fusionTriggersOf(saved.job, await triggerResources(saved, actor)) };
    });
  }

  /** jobID (a resource) → canonical id for each job trigger; 400 naming the trigger for one that names no job. */
  async function jobTriggerTargets(triggers: FusionTrigger[], actor: Actor): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const [i, t] of triggers.entries()) {
      if (t.type !== 'job' || out.has(t.jobID)) continue;
      let target: JobView | undefined;
      try {
        const res = parseResource(t.jobID);
        target = res.type === 'spark' ? undefined : await find(res, actor);
      } catch (err) {
        if (!(err instanceof FusionError)) throw err;
        throw badRequest(`invalid trigger ${i} (job): jobID ${err.message}`, [{ path: `triggers[${i}].jobID`, message: err.message }]);
      }
      if (!target) {
        throw badRequest(`invalid trigger ${i} (job): jobID '${t.jobID}' names no job`, [{ path: `triggers[${i}].jobID`, message: 'names no job' }]);
      }
      out.set(t.jobID, target.job.id);
    }
    return out;
  }

  for (const p of paths('/jobs/:resource/actions')) {
    r.post(p, async (ctx) => {
      const actor = principalOf(ctx);
      const res = parseResource(param(ctx, 'resource'));
      const body = await readJsonBody(ctx, limit, FUSION_BODY_ERRORS);
      const parsed = ActionBodySchema.safeParse(body);
      if (!parsed.success) {
        const given = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { action?: unknown }).action : undefined;
        const shown = given === undefined ? 'missing' : `'${String(given)}'`;
        throw badRequest(`invalid action ${shown}: must be one of ${ACTIONS.join(', ')}`, [{ path: 'action', message: `must be one of ${ACTIONS.join(', ')}` }]);
      }
      const { action } = parsed.data;
      const v = await resolve(res, actor);
      const text = resourceText(v);
      const running = await runsInFlight(runs, v, actor);
      const answer = (accepted: boolean, message: string) => {
        ctx.body = { resource: text, action, accepted, message };
      };
      if (action === 'start') {
        if (running.size > 0) return answer(false, `Job ${text} is already running`);
        await jobs.runNow(v.job.id, actor);
        return answer(true, `Started job ${text}`);
      }
      if (running.size === 0) return answer(false, `Job ${text} is not running`);
      let done = 0;
      for (const runId of running) {
        try {
          if (action === 'stop') await runs.stop(runId, actor);
          else await runs.abort(runId, actor, `aborted through the Fusion Jobs API by ${actor.id}`);
          done++;
        } catch (err) {
          if (!isKind(err, 'conflict') && !isKind(err, 'not_found')) throw err; // it ended meanwhile
        }
      }
      if (done === 0) return answer(false, `Job ${text} is not running`);
      return answer(true, `${action === 'stop' ? 'Stopping' : 'Aborted'} job ${text}`);
    });
  }

  for (const p of paths('/jobs/:resource/history')) {
    r.get(p, async (ctx) => {
      const actor = principalOf(ctx);
      const v = await resolve(parseResource(param(ctx, 'resource')), actor);
      const text = resourceText(v);
      const page = await runs.list(v.job.id, { pageSize: HISTORY_LIMIT }, actor);
      ctx.body = newestFirst(page.items).map((run) => ({
        resource: text,
        startTime: run.startedAt,
        ...(run.endedAt ? { endTime: run.endedAt } : {}),
        status: fusionStatusOf(run.status),
      }));
    });
  }

  // ---- the Tasks API -------------------------------------------------------------------------

  for (const p of paths('/tasks')) {
    r.get(p, async (ctx) => {
      const actor = principalOf(ctx);
      const { items, nextCursor } = await jobsOfType(actor, pageOf(ctx), 'task');
      setNextCursor(ctx, nextCursor);
      const views = await readEach(items, (s) => jobs.get(s.id, actor));
      ctx.body = views.map((v) => renderTask(v.job, resourceOf({ ...v.job, dialect: dialectOfJob(v.job) }).id));
    });

    r.post(p, async (ctx) => {
      const actor = principalOf(ctx);
      const t = parseTask(await readJsonBody(ctx, limit, FUSION_BODY_ERRORS));
      const res: Resource = { type: 'task', id: t.id };
      if (await find(res, actor)) throw new FusionError(409, `task '${t.id}' already exists`, [{ path: 'id', message: 'already exists' }]);
      const created = await jobs.create(
        {
          id: canonicalIdFor(res),
          name: t.id,
          type: t.type,
          data: t.data,
          extras: { dialect: 'fusion', fusion: { type: 'task', id: t.id, ...appOf(ctx), task: t.task, dataFor: t.data } },
        },
        actor,
      );
      ctx.body = renderTask(created.job, t.id);
    });
  }

  for (const p of paths('/tasks/:id')) {
    r.get(p, async (ctx) => {
      const id = param(ctx, 'id');
      const v = await resolve({ type: 'task', id }, principalOf(ctx));
      ctx.body = renderTask(v.job, id);
    });

    r.put(p, async (ctx) => {
      const actor = principalOf(ctx);
      const id = param(ctx, 'id');
      const current = await resolve({ type: 'task', id }, actor);
      const t = parseTask(await readJsonBody(ctx, limit, FUSION_BODY_ERRORS), id);
      const input = writableOf(current);
      input.type = t.type;
      input.data = t.data;
      input.extras = { ...current.job.extras, fusion: { ...fusionExtras(current.job), task: { ...t.task, id }, dataFor: t.data } };
      ctx.body = renderTask((await replaceUnchanged(jobs, current, input, actor)).job, id);
    });

    r.delete(p, async (ctx) => {
      const actor = principalOf(ctx);
      const v = await resolve({ type: 'task', id: param(ctx, 'id') }, actor);
      await jobs.delete(v.job.id, actor);
      ctx.status = 204;
    });
  }

  // ---- the Connector Datasources API ---------------------------------------------------------

  const requireDatasourceDriver = () => {
    if (!jobs.supportsType('datasource')) {
      throw new FusionError(
        501,
        "datasource jobs need Kairos's datasource driver, which this server does not have yet; nothing was created",
      );
    }
  };

  for (const p of paths('/connectors/datasources')) {
    r.get(p, async (ctx) => {
      const actor = principalOf(ctx);
      const { items, nextCursor } = await jobsOfType(actor, pageOf(ctx), 'datasource');
      setNextCursor(ctx, nextCursor);
      const views = await readEach(items, (s) => jobs.get(s.id, actor));
      ctx.body = views.map((v) => renderDatasource(v.job, resourceOf({ ...v.job, dialect: dialectOfJob(v.job) }).id));
    });

    r.post(p, async (ctx) => {
      const actor = principalOf(ctx);
      const d = parseDatasource(await readJsonBody(ctx, limit, FUSION_BODY_ERRORS));
      requireDatasourceDriver();
      const res: Resource = { type: 'datasource', id: d.id };
      if (await find(res, actor)) throw new FusionError(409, `datasource '${d.id}' already exists`, [{ path: 'id', message: 'already exists' }]);
      const created = await jobs.create(
        {
          id: canonicalIdFor(res),
          name: d.id,
          type: 'datasource',
          ...(typeof d.datasource.description === 'string' ? { description: d.datasource.description } : {}),
          data: d.data,
          extras: { dialect: 'fusion', fusion: { type: 'datasource', id: d.id, ...appOf(ctx), datasource: d.datasource, dataFor: d.data } },
        },
        actor,
      );
      ctx.body = renderDatasource(created.job, d.id);
    });
  }

  for (const p of paths('/connectors/datasources/:id')) {
    r.get(p, async (ctx) => {
      const id = param(ctx, 'id');
      const v = await resolve({ type: 'datasource', id }, principalOf(ctx));
      ctx.body = renderDatasource(v.job, id);
    });

    r.put(p, async (ctx) => {
      const actor = principalOf(ctx);
      const id = param(ctx, 'id');
      const current = await resolve({ type: 'datasource', id }, actor);
      const d = parseDatasource(await readJsonBody(ctx, limit, FUSION_BODY_ERRORS), id);
      const input = writableOf(current);
      input.data = d.data;
      if (typeof d.datasource.description === 'string') input.description = d.datasource.description;
      input.extras = { ...current.job.extras, fusion: { ...fusionExtras(current.job), datasource: { ...d.datasource, id }, dataFor: d.data } };
      ctx.body = renderDatasource((await replaceUnchanged(jobs, current, input, actor)).job, id);
    });

    r.delete(p, async (ctx) => {
      const actor = principalOf(ctx);
      const v = await resolve({ type: 'datasource', id: param(ctx, 'id') }, actor);
      await jobs.delete(v.job.id, actor);
      ctx.status = 204;
    });
  }

  // ---- Spark: the type exists, the cluster does not -------------------------------------------

  for (const p of paths('/spark/configurations')) {
    r.get(p, (ctx) => {
      ctx.body = [];
    });
    r.post(p, () => {
      throw new FusionError(501, 'no Spark cluster is configured: Kairos cannot define or run Spark jobs; nothing was created');
    });
  }
  for (const p of paths('/spark/configurations/:id')) {
    r.get(p, (ctx) => {
      throw noSpark(param(ctx, 'id'));
    });
    r.put(p, () => {
      throw new FusionError(501, 'no Spark cluster is configured: Kairos cannot define or run Spark jobs; nothing was changed');
    });
  }

  return r;
}

// ---- the OpenAPI document (api/openapi.ts) ------------------------------------------------------

const RESOURCE = z.object({ resource: z.string().describe('type:id, e.g. task:my-task, datasource:web-crawl') });
const StatusSchema = z
  .object({
    resource: z.string(),
    enabled: z.boolean(),
    status: z.enum(['ready', 'running', 'success', 'failed', 'aborted']),
    startedBy: z.string(),
    lastStartTime: z.string().optional(),
    lastEndTime: z.string().optional(),
    nextStartTime: z.string().optional(),
    extra: z.record(z.string(), z.unknown()).optional().describe("datasources: the last run's counters"),
  })
  .meta({ id: 'FusionJobStatus' });
const page: Pick<Operation, 'query'> = { query: z.object(pageQuery()) };

/** Each operation once, relative to /api (and /api/apps/{app}), as fusionRoutes serves it. */
const FUSION_OPERATIONS: Operation[] = [
  { operationId: 'listJobs', method: 'get', path: '/jobs', summary: 'The status of every job (a page)', tag: 'jobs', query: JobsQuerySchema, response: z.array(StatusSchema) },
  { operationId: 'getJob', method: 'get', path: '/jobs/{resource}', summary: "A job's status", tag: 'jobs', params: RESOURCE, response: StatusSchema },
  { operationId: 'getJobSchedule', method: 'get', path: '/jobs/{resource}/schedule', summary: "A job's schedule", tag: 'jobs', params: RESOURCE },
  { operationId: 'setJobSchedule', method: 'put', path: '/jobs/{resource}/schedule', summary: "Set a job's schedule (enabled, triggers)", tag: 'jobs', params: RESOURCE, request: FusionScheduleBodySchema },
  {
    operationId: 'actOnJob',
    method: 'post',
    path: '/jobs/{resource}/actions',
    summary: 'Start, stop or abort a job',
    tag: 'jobs',
    params: RESOURCE,
    request: ActionBodySchema,
    response: z.object({ resource: z.string(), action: z.enum(ACTIONS), accepted: z.boolean(), message: z.string() }),
  },
  {
    operationId: 'getJobHistory',
    method: 'get',
    path: '/jobs/{resource}/history',
    summary: `A job's last ${HISTORY_LIMIT} runs, newest first`,
    tag: 'jobs',
    params: RESOURCE,
    response: z.array(z.object({ resource: z.string(), startTime: z.string(), endTime: z.string().optional(), status: z.string() })),
  },
  { operationId: 'listTasks', method: 'get', path: '/tasks', summary: 'Tasks (a page)', tag: 'tasks', ...page, response: z.array(FusionTaskSchema) },
  { operationId: 'createTask', method: 'post', path: '/tasks', summary: 'Create a task (rest-call or system-logs-cleanup)', tag: 'tasks', request: FusionTaskSchema, response: FusionTaskSchema, errors: [409] },
  { operationId: 'getTask', method: 'get', path: '/tasks/{id}', summary: 'A task', tag: 'tasks', response: FusionTaskSchema },
  { operationId: 'replaceTask', method: 'put', path: '/tasks/{id}', summary: 'Replace a task', tag: 'tasks', request: FusionTaskSchema, response: FusionTaskSchema },
  { operationId: 'deleteTask', method: 'delete', path: '/tasks/{id}', summary: 'Delete a task', tag: 'tasks', status: 204 },
  { operationId: 'listDatasources', method: 'get', path: '/connectors/datasources', summary: 'Datasources (a page)', tag: 'datasources', ...page, response: z.array(FusionDatasourceSchema) },
  {
    operationId: 'createDatasource',
    method: 'post',
    path: '/connectors/datasources',
    summary: "Create a datasource (Kairos's datasource driver; 501 without it)",
    tag: 'datasources',
    request: FusionDatasourceSchema,
    response: FusionDatasourceSchema,
    errors: [409, 501],
  },
  { operationId: 'getDatasource', method: 'get', path: '/connectors/datasources/{id}', summary: 'A datasource', tag: 'datasources', response: FusionDatasourceSchema },
  { operationId: 'replaceDatasource', method: 'put', path: '/connectors/datasources/{id}', summary: 'Replace a datasource', tag: 'datasources', request: FusionDatasourceSchema, response: FusionDatasourceSchema },
  { operationId: 'deleteDatasource', method: 'delete', path: '/connectors/datasources/{id}', summary: 'Delete a datasource', tag: 'datasources', status: 204 },
  { operationId: 'listSparkConfigurations', method: 'get', path: '/spark/configurations', summary: 'Spark jobs: none (no Spark cluster)', tag: 'spark', response: z.array(z.unknown()) },
  { operationId: 'createSparkConfiguration', method: 'post', path: '/spark/configurations', summary: 'Refused: no Spark cluster (501)', tag: 'spark', errors: [501] },
  { operationId: 'getSparkConfiguration', method: 'get', path: '/spark/configurations/{id}', summary: 'Not found: no Spark cluster', tag: 'spark' },
  { operationId: 'replaceSparkConfiguration', method: 'put', path: '/spark/configurations/{id}', summary: 'Refused: no Spark cluster (501)', tag: 'spark', errors: [501] },
];

registerOperations('fusion', [
  ...prefixed(FUSION_OPERATIONS, { path: '/api', idSuffix: '' }),
  ...prefixed(FUSION_OPERATIONS, { path: '/api/apps/{app}', idSuffix: 'ForApp', summary: 'in an app', params: z.object({ app: z.string().describe('the Fusion app (kept with the job)') }) }),
]);

function fusionErrors(op: Operation): ErrorStatus[] {
  const out: ErrorStatus[] = [401, 403];
  if (op.request || op.query || op.path.includes('{resource}')) out.push(400);
  if (/\{(resource|id)\}/.test(op.path)) out.push(404);
  if (op.request) out.push(413);
  return out;
}

registerDocument({
  name: 'fusion',
  title: 'Kairos: Fusion Jobs, Tasks and Connector Datasources APIs',
  description:
    "Lucidworks Fusion's scheduling APIs as Kairos serves them: under /fusion on the main port and, when KAIROS_FUSION_PORT is set, at the root of that port (a drop-in for clients that take only a host). Kairos credentials on both.",
  servers: (at) => [{ url: '/fusion', description: 'the main port' }, ...ownPortServer(at, 'the Fusion port (KAIROS_FUSION_PORT)')],
  securitySchemes: KAIROS_SECURITY_SCHEMES,
  security: KAIROS_SECURITY,
  error: FusionErrorBodySchema,
  defaultErrors: fusionErrors,
});

function appOf(ctx: Context): { app?: string } {
  const app = param(ctx, 'app');
  return app ? { app } : {};
}
