// Volt MX Foundry Scheduling Job APIs: accounts login, job list/create/update, read/delete by id,
// run now and history. Parse (mapping.ts), call the job and run services, render Volt MX's shapes.
import { auditAs } from '../../audit.ts';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AuthStore } from '../../../core/auth/store.ts';
import type { TokenSigner } from '../../../core/auth/tokens.ts';
import { KairosError } from '../../../core/errors.ts';
import type { NumberAllocator } from '../../../core/ids/sequence.ts';
import type { Actor, JobService, JobView } from '../../../core/jobs/service.ts';
import type { RunService } from '../../../core/runs/service.ts';
import { principalOf } from '../../auth.ts';
import { readJsonBody, type BodyErrors } from '../../raw-body.ts';
import { mapLimited } from '../../map-limited.ts';
import { LOGIN_PATH, loginCredentials, loginResponse, TOKEN_AUDIENCE } from './auth.ts';
import { authFailure, invalid, jobNotFound, rememberError, SUCCESS, VoltmxError } from './errors.ts';
import {
  canonicalIdOf,
  historyStatuses,
  jobIdOfCanonical,
  parseJobBody,
  parseJobIdParam,
  renderJobDetail,
  renderJobSummary,
  renderRun,
  toJobInput,
  voltmxField,
  type JobBody,
} from './mapping.ts';

export interface VoltmxDeps {
  jobs: JobService;
  runs: RunService;
  auth: Pick<AuthStore, 'login'>;
  tokens: TokenSigner;
  /** Hands out Volt MX job ids (a registry workflow: strongly consistent). */
  jobIds: NumberAllocator;
  /** The Foundry server whose services jobs call. */
  serverUrl?: string;
  bodyLimitBytes: number;
}

const HISTORY_DEFAULT = 100;
const HISTORY_MAX = 1000;
/** A freshly allocated id can only be taken if the registry was reset; a few tries step past it. */
const CREATE_ATTEMPTS = 5;

const isKind = (err: unknown, kind: string) => err instanceof KairosError && err.kind === kind;

const BODY_ERRORS: BodyErrors = {
  tooLarge: () => new VoltmxError(413, 'PAYLOAD_TOO_LARGE', 'request body is too large'),
  malformed: (message) => new VoltmxError(400, 'MALFORMED_REQUEST', `request body is not valid JSON: ${message}`, [{ field: '', message: 'not valid JSON' }]),
};

/** The job service's validation errors, named as Volt MX fields. */
function translated(err: unknown): unknown {
  if (!(err instanceof KairosError) || err.kind !== 'validation') return err;
  const fields = err.details.map((d) => ({ field: voltmxField(d.path), message: d.message }));
  return invalid(fields.length ? fields : [{ field: '', message: err.message }], fields.length ? undefined : err.message);
}

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
  r.use(rememberError);
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
    try {
      return await jobs.get(canonicalIdOf(jobId), actor);
    } catch (err) {
      if (isKind(err, 'not_found')) throw jobNotFound(jobId);
      throw err;
    }
  }

  const inputFor = (body: JobBody, jobId: number, ctx: Context) => toJobInput(body, jobId, { serverUrl: deps.serverUrl, updatedUser: principalOf(ctx).name });

  async function readBody(ctx: Context): Promise<JobBody> {
    return parseJobBody(await readJsonBody(ctx, limit, BODY_ERRORS));
  }

  // ---- jobs ------------------------------------------------------------------------------------

  const JOBS = '/admin/api/jobs/job';

  r.get(JOBS, async (ctx) => {
    const actor = principalOf(ctx);
    // A page of the schedule list (each row reads the job and its run stats), never all of it.
    const page = await jobs.list({ dialect: 'voltmx', ...pageOf(ctx) }, actor);
    if (page.nextCursor) ctx.set('X-Kairos-Next-Cursor', page.nextCursor);
    const ids = page.items.map((s) => s.id);
    const rows = await mapLimited(ids, async (id) => {
      const jobId = jobIdOfCanonical(id);
      if (jobId === undefined) return undefined;
      try {
        const [v, stats] = await Promise.all([jobs.get(id, actor), runs.jobStats(id, actor)]);
        return renderJobSummary(v, jobId, stats);
      } catch (err) {
        if (isKind(err, 'not_found')) return undefined; // deleted since the list
        throw err;
      }
    });
    ctx.body = rows.filter((x) => x !== undefined).sort((a, b) => a.jobId - b.jobId);
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
      await jobs.replace(current.job.id, inputFor(body, body.jobId, ctx), actor, { expectedVersion: current.job.version });
    } catch (err) {
      if (isKind(err, 'not_found')) throw jobNotFound(body.jobId);
      throw translated(err);
    }
    ctx.body = SUCCESS;
  });

  // Volt MX's page writes the by-id URL as /admin/api/jobs/job1; /admin/api/jobs/1 and
  // /admin/api/jobs/job/1 are accepted too.
  for (const path of ['/admin/api/jobs/job/:jobId', '/admin/api/jobs/:jobId']) {
    r.get(path, async (ctx) => {
      const jobId = parseJobIdParam(ctx.params.jobId ?? '');
      ctx.body = renderJobDetail(await find(jobId, principalOf(ctx)), jobId);
    });

    r.delete(path, async (ctx) => {
      const actor = principalOf(ctx);
      const jobId = parseJobIdParam(ctx.params.jobId ?? '');
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

  r.post('/admin/api/jobs/job/run/:jobId', async (ctx) => {
    const actor = principalOf(ctx);
    const jobId = parseJobIdParam(ctx.params.jobId ?? '');
    const v = await find(jobId, actor);
    const { runId } = await jobs.runNow(v.job.id, actor);
    ctx.set('X-Kairos-Run-Id', runId);
    ctx.body = SUCCESS;
  });

  r.get('/admin/api/jobs/history/:jobId', async (ctx) => {
    const actor = principalOf(ctx);
    const jobId = parseJobIdParam(ctx.params.jobId ?? '');
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
    if (page.nextCursor) ctx.set('X-Kairos-Next-Cursor', page.nextCursor);
    ctx.body = [...page.items].sort((a, b) => b.startedAt.localeCompare(a.startedAt)).map((run) => renderRun(run, v.job));
  });

  return r;
}

/** `?limit=` (1–1000, default 100) and `?cursor=` of a job list or history page: Kairos additions. */
function pageOf(ctx: Context): { pageSize: number; cursor?: string } {
  const q = ctx.query;
  let pageSize = HISTORY_DEFAULT;
  if (q.limit !== undefined) {
    const n = typeof q.limit === 'string' && /^\d{1,4}$/.test(q.limit) ? Number(q.limit) : NaN;
    if (!(n >= 1 && n <= HISTORY_MAX)) throw invalid([{ field: 'limit', message: `must be a whole number from 1 to ${HISTORY_MAX}` }]);
    pageSize = n;
  }
  if (q.cursor !== undefined && (typeof q.cursor !== 'string' || q.cursor === '' || q.cursor.length > 4096)) {
    throw invalid([{ field: 'cursor', message: 'must be the X-Kairos-Next-Cursor of the previous page' }]);
  }
  return { pageSize, ...(typeof q.cursor === 'string' ? { cursor: q.cursor } : {}) };
}
