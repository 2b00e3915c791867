// Dapr Jobs API routes: POST / GET / DELETE {version}/jobs/{name} for v1.0-alpha1 and v1.0, also
// under /apps/{appId}/ (or with a `dapr-app-id` header) to pick the app when several are configured.
// Parse (mapping.ts), call the job service, render Dapr's shapes; nothing else.
import { readJsonBody, type BodyErrors } from '../../raw-body.ts';
import { trimEndChar } from '../../../core/text.ts';
import { principalOf } from '../../auth.ts';
import { timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { KairosError } from '../../../core/errors.ts';
import type { Actor, JobService } from '../../../core/jobs/service.ts';
import { isKind, orMissing, param } from '../kit/index.ts';
import { DAPR_CODES, DaprError, DaprErrorBodySchema, type DaprOp, type DaprState } from './errors.ts';
import { checkJobRules, daprJobOf, DaprJobViewSchema, jobIdFor, MAX_ID_LENGTH, parseScheduleBody, renderJob, ScheduleBodySchema, toJobInput, type Delivery } from './mapping.ts';
import { KAIROS_SECURITY, KAIROS_SECURITY_SCHEMES, ownPortServer, prefixed, registerDocument, registerOperations, type Operation } from '../../openapi.ts';
import { z } from 'zod';

export interface DaprOptions {
  jobs: JobService;
  /** Delivery address of the app when the request names none (KAIROS_DAPR_APP_URL). */
  appUrl?: string;
  /** Delivery address per app id (KAIROS_DAPR_APP_URLS). */
  appUrls: Record<string, string>;
  /** Kairos secret sent to the app as `dapr-api-token`. */
  appTokenSecret?: string;
  /** Maximum request body, bytes (read here when the client sent no JSON content type). */
  bodyLimitBytes: number;
  now?: () => Date;
}

const VERSIONS = ['v1.0-alpha1', 'v1.0'] as const;
/** The bases the routes are served under: the app given by the `dapr-app-id` header (or none), or by the path. */
const BASES = ['', '/apps/:appId'] as const;
/** An overwrite schedules a new job under the name: a dueTime that has passed fires again, as in Dapr. */
const OVERWRITE = { asNew: true } as const;

/** The principal the dedicated Dapr port acts as (it reaches Dapr jobs only: their ids start with "dapr"). */
export const DAPR_PORT_ACTOR: Actor = { id: 'dapr', role: 'admin' };

const DAPR_BODY_ERRORS: BodyErrors = {
  tooLarge: () => new DaprError(413, DAPR_CODES.malformed, 'request body is too large'),
  malformed: (message) => new DaprError(400, DAPR_CODES.malformed, `failed deserializing HTTP body: ${message}`),
};

export function daprRoutes(opts: DaprOptions, prefix = ''): Router {
  const r = new Router({ prefix });
  const now = opts.now ?? (() => new Date());

  // Remember the operation: the surface's renderer words an error as Dapr does for it.
  const op =
    (name: DaprOp): Middleware =>
    async (ctx, next) => {
      const state = ctx.state as DaprState;
      state.daprOp = name;
      state.daprName = param(ctx, 'name').trim();
      await next();
    };

  const appOf = (ctx: Context): { appId?: string; delivery?: Delivery } => {
    const appId = param(ctx, 'appId') || ctx.get('dapr-app-id').trim() || undefined;
    (ctx.state as DaprState).daprAppId = appId;
    if (appId === undefined) return { delivery: opts.appUrl ? { appUrl: trimEndChar(opts.appUrl, '/'), appTokenSecret: opts.appTokenSecret } : undefined };
    const url = opts.appUrls[appId];
    if (url === undefined) {
      throw new DaprError(400, DAPR_CODES.scheduleJob, `failed to schedule job due to: unknown app id "${appId}" (configure it in KAIROS_DAPR_APP_URLS)`);
    }
    return { appId, delivery: { appUrl: url, appTokenSecret: opts.appTokenSecret } };
  };

  const idOf = (appId: string | undefined, name: string): string => {
    const id = jobIdFor(appId, name);
    if (id.length > MAX_ID_LENGTH) {
      throw new DaprError(400, DAPR_CODES.scheduleJob, `failed to schedule job due to: job name is too long for Kairos (its id "${id.slice(0, 40)}…" exceeds ${MAX_ID_LENGTH} characters)`);
    }
    return id;
  };

  /** The Dapr job behind an id, or undefined (missing, used up and now removed, or not a Dapr job). */
  const existing = async (id: string, actor: Actor) => {
    const v = await orMissing(opts.jobs.getUnlessExhausted(id, actor));
    return v && daprJobOf(v.job) ? v : undefined;
  };

  const schedule: Middleware = async (ctx) => {
    const name = param(ctx, 'name').trim();
    const { appId, delivery } = appOf(ctx);
    const req = parseScheduleBody(await readJsonBody(ctx, opts.bodyLimitBytes, DAPR_BODY_ERRORS));
    checkJobRules(name, req.job);
    if (!delivery) {
      throw new DaprError(400, DAPR_CODES.scheduleJob, 'failed to schedule job due to: no app address is configured (set KAIROS_DAPR_APP_URL)');
    }
    const id = idOf(appId, name);
    const actor = principalOf(ctx);
    const input = () => toJobInput({ id, name, appId, job: req.job, delivery, now: now() });
    const current = await existing(id, actor);
    if (current && !req.overwrite) {
      throw new DaprError(409, DAPR_CODES.scheduleJob, `failed to schedule job due to: job "${name}" already exists; set "overwrite": true to replace it`);
    }
    if (current) await opts.jobs.replace(id, input(), actor, OVERWRITE);
    else {
      try {
        await opts.jobs.create(input(), actor);
      } catch (err) {
        // A leftover (a used-up job removed just now, or a non-Dapr job with this id) or a concurrent create.
        if (!isKind(err, 'conflict')) throw err;
        const again = await existing(id, actor);
        if (!again || !req.overwrite) {
          throw new DaprError(409, DAPR_CODES.scheduleJob, `failed to schedule job due to: job "${name}" already exists`);
        }
        await opts.jobs.replace(id, input(), actor, OVERWRITE);
      }
    }
    ctx.status = 204;
  };

  const get: Middleware = async (ctx) => {
    const name = param(ctx, 'name').trim();
    const { appId } = appOf(ctx);
    if (name === '') throw new DaprError(400, DAPR_CODES.jobNameEmpty, 'Name is empty');
    const v = await existing(jobIdFor(appId, name), principalOf(ctx));
    const d = v ? daprJobOf(v.job) : undefined;
    if (!d) throw new KairosError('not_found', `job not found: ${name}`);
    ctx.status = 200;
    ctx.body = renderJob(name, d.job);
  };

  const remove: Middleware = async (ctx) => {
    const name = param(ctx, 'name').trim();
    const { appId } = appOf(ctx);
    if (name === '') throw new DaprError(400, DAPR_CODES.jobNameEmpty, 'Name is empty');
    const id = jobIdFor(appId, name);
    const actor = principalOf(ctx);
    // Deleting a job that does not exist is a success, as in Dapr.
    if (await existing(id, actor)) await orMissing(opts.jobs.delete(id, actor));
    ctx.status = 204;
  };

  for (const base of BASES) {
    for (const v of VERSIONS) {
      const path = `${base}/${v}/jobs/:name`;
      r.post(path, op('schedule'), schedule);
      r.get(path, op('get'), get);
      r.delete(path, op('delete'), remove);
    }
  }
  return r;
}

/**
 * The dedicated port's authentication: Dapr's `dapr-api-token` header when a token is configured
 * (401 "invalid api token" otherwise, as daprd answers), acting as DAPR_PORT_ACTOR.
 */
export function daprTokenAuth(token: string | undefined): Middleware {
  const expected = token === undefined ? undefined : Buffer.from(token);
  return async (ctx, next) => {
    if (expected) {
      const given = Buffer.from(ctx.get('dapr-api-token'));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        ctx.status = 401;
        ctx.type = 'text/plain';
        ctx.body = 'invalid api token\n';
        return;
      }
    }
    ctx.state.principal = DAPR_PORT_ACTOR;
    await next();
  };
}

// ---- the OpenAPI document (api/openapi.ts): the same versions and bases as the router -----------

const JOB_OPERATIONS = (v: string, suffix: string): Operation[] => [
  {
    operationId: `scheduleJob${suffix}`,
    method: 'post',
    path: `/${v}/jobs/{name}`,
    summary: 'Schedule a job (overwrite: replace one of the name)',
    tag: 'jobs',
    request: ScheduleBodySchema,
    status: 204,
    errors: [400, 409, 413],
  },
  { operationId: `getJob${suffix}`, method: 'get', path: `/${v}/jobs/{name}`, summary: 'Get a job (a missing job is a 500, as in Dapr)', tag: 'jobs', response: DaprJobViewSchema, errors: [400, 500] },
  { operationId: `deleteJob${suffix}`, method: 'delete', path: `/${v}/jobs/{name}`, summary: 'Delete a job (a missing one too: 204)', tag: 'jobs', status: 204, errors: [400] },
];

const versionSuffix = (v: string) => (v === 'v1.0-alpha1' ? '' : 'V1');
const rootOps = VERSIONS.flatMap((v) => JOB_OPERATIONS(v, versionSuffix(v)));
registerOperations('dapr', [
  ...rootOps,
  ...BASES.filter((b) => b !== '').flatMap((b) =>
    prefixed(rootOps, { path: b.replace(/:(\w+)/g, '{$1}'), idSuffix: 'ForApp', summary: 'for the app named in the path', params: z.object({ appId: z.string().describe('an app id of KAIROS_DAPR_APP_URLS') }) }),
  ),
]);

registerDocument({
  name: 'dapr',
  title: 'Kairos: Dapr Jobs API',
  description:
    "Dapr's Jobs API (v1.0-alpha1 and v1.0) as Kairos serves it: under /dapr on the main port with Kairos credentials and, when KAIROS_DAPR_PORT is set, at the root of that port as daprd serves it (dapr-api-token). The app a job is delivered to: the path's /apps/{appId}, the dapr-app-id header, or KAIROS_DAPR_APP_URL.",
  servers: (at) => [{ url: '/dapr', description: 'the main port (Kairos credentials)' }, ...ownPortServer(at, "the Dapr port (KAIROS_DAPR_PORT; dapr-api-token when configured)")],
  securitySchemes: { ...KAIROS_SECURITY_SCHEMES, daprApiToken: { type: 'apiKey', in: 'header', name: 'dapr-api-token', description: "the Dapr port's token (KAIROS_DAPR_API_TOKEN)" } },
  security: [...KAIROS_SECURITY, { daprApiToken: [] }],
  error: DaprErrorBodySchema,
  defaultErrors: () => [401, 403],
});
