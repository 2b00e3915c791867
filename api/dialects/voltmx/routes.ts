// Volt MX Foundry Scheduling Job APIs: accounts login, job list/create/update, read/delete by id,
// run now and history. Parse (mapping.ts), call the job and run services, render Volt MX's shapes.
import { auditAs } from '../../audit.ts';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AuthStore } from '../../../core/auth/store.ts';
import type { TokenSigner } from '../../../core/auth/tokens.ts';
import { newestFirst } from '../../../core/runs/latest.ts';
import type { NumberAllocator } from '../../../core/ids/sequence.ts';
import type { Actor, JobService, JobView } from '../../../core/jobs/service.ts';
import type { RunService } from '../../../core/runs/service.ts';
import { principalOf } from '../../auth.ts';
import { readJsonBody, type BodyErrors } from '../../raw-body.ts';
import { isKind, JOB_LIST_PAGE, orMissing, pageOf as kitPageOf, pageQuery as kitPageQuery, param, readEach, replaceUnchanged, setNextCursor } from '../kit/index.ts';
import { z } from 'zod';
import { KAIROS_SECURITY, KAIROS_SECURITY_SCHEMES, registerDocument, registerOperations, type ErrorStatus, type Operation } from '../../openapi.ts';
import { LOGIN_PATH, LoginBodySchema, loginCredentials, loginResponse, LoginResponseSchema, TOKEN_AUDIENCE, TOKEN_HEADER } from './auth.ts';
import { AdminResultSchema, authFailure, IdentityErrorSchema, invalid, jobNotFound, SUCCESS, VoltmxError } from './errors.ts';
import {
  canonicalIdOf,
  historyStatuses,
  JOB_ID_PARAM,
  JobBodySchema,
  jobIdOfCanonical,
  parseJobBody,
  parseJobIdParam,
  renderJobDetail,
  renderJobSummary,
  renderRun,
  toJobInput,
  translated,
  type JobBody,
} from './mapping.ts';

export interface VoltmxDeps {
  jobs: JobService;
  runs: RunService;
  auth: Pick<AuthStore, 'login'>;
  tokens: TokenSigner;
  /** Hands out Volt MX job ids (a sequence in the state store, see job-ids.ts: never one twice). */
  jobIds: NumberAllocator;
  /** The Foundry server whose services jobs call. */
  serverUrl?: string;
  bodyLimitBytes: number;
}

const JOBS = '/admin/api/jobs/job';
/** Volt MX's page writes the by-id URL as /admin/api/jobs/job1; /admin/api/jobs/1 and /admin/api/jobs/job/1 are accepted too. */
const BY_ID = ['/admin/api/jobs/job/:jobId', '/admin/api/jobs/:jobId'] as const;
const RUN = '/admin/api/jobs/job/run/:jobId';
const HISTORY = '/admin/api/jobs/history/:jobId';

/** A freshly allocated id can only be taken if the sequence was reset; a few tries step past it. */
const CREATE_ATTEMPTS = 5;

const BODY_ERRORS: BodyErrors = {
  tooLarge: () => new VoltmxError(413, 'PAYLOAD_TOO_LARGE', 'request body is too large'),
  malformed: (message) => new VoltmxError(400, 'MALFORMED_REQUEST', `request body is not valid JSON: ${message}`, [{ field: '', message: 'not valid JSON' }]),
};

/** A login body: form-encoded (as Volt MX documents) or JSON (the app refuses any other type). */
async function loginBody(ctx: Context, limit: number): Promise<unknown> {
  try {
    return await readJsonBody(ctx, limit, BODY_ERRORS);
  } catch (err) {
    const raw = (ctx.request as { rawBody?: string }).rawBody;
    if (!(err instanceof VoltmxError) || err.status !== 400 || raw === undefined) throw err;
    return Object.fromEntries(new URLSearchParams(raw));
  }
}

export function voltmxRoutes(deps: VoltmxDeps, prefix: string): Router {
  const r = new Router({ prefix });
  const { jobs, runs } = deps;
  const limit = deps.bodyLimitBytes;

  // ---- login -----------------------------------------------------------------------------------

  r.post(LOGIN_PATH, async (ctx) => {
    const { userid, password } = loginCredentials(await loginBody(ctx, limit));
    auditAs(ctx, { action: 'login', target: userid });
    const login = await deps.auth.login(userid, password, ctx.ip);
    if (!login) throw authFailure('invalidUserCredentials', [{ field: 'password', message: 'wrong userid or password' }]);
    auditAs(ctx, { principal: login.principal });
    const token = await deps.tokens.issue(login.principal.id, TOKEN_AUDIENCE, login.credentialVersion);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = loginResponse(login.principal, token);
  });

  // ---- helpers ---------------------------------------------------------------------------------

  /** Volt MX job N, read directly from its schedule (read-your-writes), or a 404. */
  async function find(jobId: number, actor: Actor): Promise<JobView> {
    const v = await orMissing(jobs.get(canonicalIdOf(jobId), actor));
    if (!v) throw jobNotFound(jobId);
    return v;
  }

  const inputFor = (body: JobBody, jobId: number, ctx: Context) => toJobInput(body, jobId, { serverUrl: deps.serverUrl, updatedUser: principalOf(ctx).name });

  async function readBody(ctx: Context): Promise<JobBody> {
    return parseJobBody(await readJsonBody(ctx, limit, BODY_ERRORS));
  }

  // ---- jobs ------------------------------------------------------------------------------------

  r.get(JOBS, async (ctx) => {
    const actor = principalOf(ctx);
    // A page of the schedule list (each row reads the job and its run stats), never all of it.
    const page = await jobs.list({ dialect: 'voltmx', ...pageOf(ctx) }, actor);
    setNextCursor(ctx, page.nextCursor);
    const rows = await readEach(page.items, async ({ id }) => {
      const jobId = jobIdOfCanonical(id);
      if (jobId === undefined) return undefined;
      const [v, stats] = await Promise.all([jobs.get(id, actor), runs.jobStats(id, actor)]);
      return renderJobSummary(v, jobId, stats);
    });
    ctx.body = rows.sort((a, b) => a.jobId - b.jobId);
  });

  r.post(JOBS, async (ctx) => {
    const actor = principalOf(ctx);
    const body = await readBody(ctx);
    // Validate everything before a number is allocated: a rejected request changes nothing.
    try {
      jobs.validate(inputFor(body, 1, ctx));
    } catch (err) {
      throw translated(err);
    }
    for (let attempt = 1; ; attempt++) {
      const jobId = await deps.jobIds.next();
      try {
        await jobs.create(inputFor(body, jobId, ctx), actor);
        ctx.set('Location', `${prefix}${JOBS}/${jobId}`);
        ctx.body = SUCCESS;
        return;
      } catch (err) {
        if (!isKind(err, 'conflict') || attempt >= CREATE_ATTEMPTS) throw translated(err);
      }
    }
  });

  r.put(JOBS, async (ctx) => {
    const actor = principalOf(ctx);
    const body = await readBody(ctx);
    if (body.jobId === undefined || body.jobId === null) throw invalid([{ field: 'jobId', message: 'is required: the id of the job to update' }]);
    const current = await find(body.jobId, actor);
    try {
      await replaceUnchanged(jobs, current, inputFor(body, body.jobId, ctx), actor);
    } catch (err) {
      if (isKind(err, 'not_found')) throw jobNotFound(body.jobId);
      throw translated(err);
    }
    ctx.body = SUCCESS;
  });

  for (const path of BY_ID) {
    r.get(path, async (ctx) => {
      const jobId = parseJobIdParam(param(ctx, 'jobId'));
      ctx.body = renderJobDetail(await find(jobId, principalOf(ctx)), jobId);
    });

    r.delete(path, async (ctx) => {
      const actor = principalOf(ctx);
      const jobId = parseJobIdParam(param(ctx, 'jobId'));
      const v = await find(jobId, actor);
      try {
        await jobs.delete(v.job.id, actor);
      } catch (err) {
        if (isKind(err, 'not_found')) throw jobNotFound(jobId);
        throw err;
      }
      ctx.body = SUCCESS;
    });
  }

  r.post(RUN, async (ctx) => {
    const actor = principalOf(ctx);
    const jobId = parseJobIdParam(param(ctx, 'jobId'));
    const v = await find(jobId, actor);
    const { runId } = await jobs.runNow(v.job.id, actor);
    ctx.set('X-Kairos-Run-Id', runId);
    ctx.body = SUCCESS;
  });

  r.get(HISTORY, async (ctx) => {
    const actor = principalOf(ctx);
    const jobId = parseJobIdParam(param(ctx, 'jobId'));
    const { pageSize, cursor } = pageOf(ctx);
    const v = await find(jobId, actor);
    const shown = historyStatuses(v.job.history.strategy);
    if (shown === 'none') {
      ctx.body = [];
      return;
    }
    let page;
    try {
      page = await runs.list(v.job.id, { pageSize, cursor, ...(shown === 'all' ? {} : { statuses: shown }) }, actor);
    } catch (err) {
      throw translated(err);
    }
    setNextCursor(ctx, page.nextCursor);
    ctx.body = newestFirst(page.items).map((run) => renderRun(run, v.job));
  });

  return r;
}

/** `?limit=` (1–1000, default 100) and `?cursor=` of a job list or history page (Kairos additions), or Volt MX's 400 naming the field. */
function pageOf(ctx: Context): { pageSize: number; cursor?: string } {
  return kitPageOf(ctx, JOB_LIST_PAGE, (field, message) => invalid([{ field, message }]));
}

// ---- the OpenAPI document (api/openapi.ts) ------------------------------------------------------

const template = (koaPath: string) => koaPath.replace(/:(\w+)/g, '{$1}');
const JOB_ID = z.object({ jobId: z.string().regex(JOB_ID_PARAM).describe('the job id: 12, or job12 as the console writes it') });
const PAGE = z.object({ ...kitPageQuery() });
const JobRowSchema = z.record(z.string(), z.unknown()).describe("a job's row: jobId, jobName, jobStatus, frequency and run counts");

registerOperations('voltmx', [
  {
    operationId: 'login',
    method: 'post',
    path: LOGIN_PATH,
    summary: `Log in: a claims token for ${TOKEN_HEADER}`,
    tag: 'auth',
    public: true,
    request: LoginBodySchema,
    requestTypes: ['application/x-www-form-urlencoded', 'application/json'],
    response: LoginResponseSchema,
    errors: [401, 429],
    errorBody: IdentityErrorSchema,
  },
  { operationId: 'listJobs', method: 'get', path: JOBS, summary: 'The Volt MX jobs (a page)', tag: 'jobs', query: PAGE, response: z.array(JobRowSchema) },
  { operationId: 'createJob', method: 'post', path: JOBS, summary: 'Create a job (Location names it)', tag: 'jobs', request: JobBodySchema, response: AdminResultSchema },
  { operationId: 'updateJob', method: 'put', path: JOBS, summary: 'Update the job of the body\'s jobId', tag: 'jobs', request: JobBodySchema, response: AdminResultSchema, errors: [404] },
  ...BY_ID.flatMap((p, i): Operation[] => {
    const suffix = i === 0 ? '' : 'ByShortPath';
    return [
      { operationId: `getJob${suffix}`, method: 'get', path: template(p), summary: 'A job', tag: 'jobs', params: JOB_ID, response: JobRowSchema },
      { operationId: `deleteJob${suffix}`, method: 'delete', path: template(p), summary: 'Delete a job', tag: 'jobs', params: JOB_ID, response: AdminResultSchema },
    ];
  }),
  { operationId: 'runJob', method: 'post', path: template(RUN), summary: 'Run a job now (X-Kairos-Run-Id names the run)', tag: 'jobs', params: JOB_ID, response: AdminResultSchema },
  {
    operationId: 'getJobHistory',
    method: 'get',
    path: template(HISTORY),
    summary: "A job's runs, newest first, as its history strategy keeps them (a page)",
    tag: 'jobs',
    params: JOB_ID,
    query: PAGE,
    response: z.array(z.record(z.string(), z.unknown())),
  },
]);

registerDocument({
  name: 'voltmx',
  title: 'Kairos: Volt MX Foundry Scheduling Job APIs',
  description: `Volt MX Foundry's Scheduling Job APIs and its accounts login, under /voltmx on the main port. Calls carry the login's claims token (${TOKEN_HEADER}) or Kairos credentials.`,
  servers: () => [{ url: '/voltmx', description: 'the main port' }],
  securitySchemes: { ...KAIROS_SECURITY_SCHEMES, voltmxToken: { type: 'apiKey', in: 'header', name: TOKEN_HEADER, description: 'the claims token of POST /authService/accounts/login' } },
  security: [{ voltmxToken: [] }, ...KAIROS_SECURITY],
  error: AdminResultSchema,
  defaultErrors: (op): ErrorStatus[] => [
    ...(op.request || op.query || op.params ? [400 as const] : []),
    401,
    403,
    ...(op.params ? [404 as const] : []),
    ...(op.request ? [413 as const] : []),
  ],
});
