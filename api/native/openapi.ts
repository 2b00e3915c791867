// The OpenAPI 3.1 document of the native API, generated from the same zod schemas that validate
// requests (zod 4's JSON Schema output is draft 2020-12, which OpenAPI 3.1 uses as is).
import { DstSchema } from '../../core/triggers/dst.ts';
import Router from '@koa/router';
import { z } from 'zod';
import { JobInputSchema, JobSchema, LAST_OUTCOMES } from '../../core/jobs/model.ts';
import { TriggerSchema } from '../../core/triggers/model.ts';
import { CreateApiKeyBody, CreateUserBody, SetPasswordBody, SetRoleBody } from './users.ts';
import { CreateTeamBody } from './teams.ts';
import { LoginBody } from './sessions.ts';
import { BackfillSchema, BulkSchema } from './jobs.ts';
import { PortableDocumentSchema } from '../../core/jobs/portable.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Operation {
  method: Method;
  /** OpenAPI path template, e.g. /v1/jobs/{id}. */
  path: string;
  summary: string;
  tag: string;
  request?: z.ZodType;
  response?: z.ZodType;
  status?: number;
  query?: Record<string, string>;
  admin?: boolean;
  /** Needs no prior authentication (a login). */
  public?: boolean;
}

const ErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })),
  }),
});

const JobViewSchema = JobSchema.extend({
  state: z.object({
    enabled: z.boolean(),
    nextRunAt: z.string().nullable(),
    lastRunAt: z.string().nullable(),
    running: z.array(z.string()),
    remainingActions: z.number().nullable(),
  }),
});

const JobSummarySchema = z.object({
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
});

const TimesSchema = z.object({ times: z.array(z.string()) });

/** Operations other modules contribute (runs, secrets, users …) register here at import time. */
const extraOperations: Operation[] = [];
export function registerOperations(ops: Operation[]): void {
  extraOperations.push(...ops);
}

export const JOB_OPERATIONS: Operation[] = [
  { method: 'post', path: '/v1/jobs', summary: 'Create a job', tag: 'jobs', request: JobInputSchema, response: JobViewSchema, status: 201 },
  {
    method: 'get',
    path: '/v1/jobs',
    summary: 'List jobs (cursor paging; filters)',
    tag: 'jobs',
    query: { lastOutcome: `${LAST_OUTCOMES.join('|')} (the schedule's newest run; reads all matching jobs)`, q: 'case-insensitive substring of the name or id (reads all matching jobs, at most 10000)', type: 'job type', owner: 'owner id (users: among their own and shared jobs)', tag: 'tag', dialect: 'creating dialect', enabled: 'true|false', limit: '1-1000', cursor: 'from nextCursor', sort: 'id|name|type|nextRunAt|lastRunAt, - for descending (reads all matching jobs)' },
    response: z.object({ items: z.array(JobSummarySchema), nextCursor: z.string().nullable() }),
  },
  { method: 'get', path: '/v1/jobs/{id}', summary: 'Get a job and its state', tag: 'jobs', response: JobViewSchema },
  { method: 'put', path: '/v1/jobs/{id}', summary: 'Replace a job (If-Match: version)', tag: 'jobs', request: JobInputSchema, response: JobViewSchema },
  { method: 'patch', path: '/v1/jobs/{id}', summary: 'Merge-patch a job (If-Match: version)', tag: 'jobs', request: JobInputSchema.partial(), response: JobViewSchema },
  { method: 'delete', path: '/v1/jobs/{id}', summary: 'Delete a job', tag: 'jobs', status: 204 },
  { method: 'post', path: '/v1/jobs/{id}/pause', summary: 'Disable a job', tag: 'jobs', response: JobViewSchema },
  { method: 'post', path: '/v1/jobs/{id}/resume', summary: 'Enable a job', tag: 'jobs', response: JobViewSchema },
  {
    method: 'post',
    path: '/v1/jobs/{id}/run',
    summary: 'Run a job now',
    tag: 'jobs',
    request: z.object({ input: z.unknown().optional() }),
    response: z.object({ runId: z.string() }),
    status: 202,
  },
  { method: 'get', path: '/v1/jobs/{id}/next', summary: 'Next fire times, from Temporal', tag: 'jobs', query: { count: '1-10' }, response: TimesSchema },
  {
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
    method: 'get',
    path: '/v1/jobs/export',
    summary: 'Export the definitions of the selected jobs as one document (JSON or YAML) for apply',
    tag: 'jobs',
    query: { format: 'json|yaml', tag: 'tag', dialect: 'creating dialect', owner: 'owner id', type: 'job type', ids: 'comma-separated job ids' },
    response: PortableDocumentSchema,
  },
  {
    method: 'post',
    path: '/v1/jobs/apply',
    summary: 'Create or replace each job of a document (JSON or application/yaml) to match; dryRun=true: per-job diff; prune=true: delete jobs in the selector not listed',
    tag: 'jobs',
    query: { dryRun: 'true|false', prune: 'true|false' },
    request: PortableDocumentSchema,
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
    method: 'post',
    path: '/v1/triggers/preview',
    summary: 'Compile a trigger without saving',
    tag: 'triggers',
    request: z.object({ trigger: TriggerSchema, count: z.number().int().optional(), from: z.string().optional(), timezone: z.string().optional(), dst: DstSchema.optional() }),
    response: TimesSchema.extend({ description: z.string() }),
  },
  { method: 'get', path: '/v1/openapi.json', summary: 'This document', tag: 'meta' },
];

const UserSchema = z.object({ id: z.string(), username: z.string(), role: z.enum(['admin', 'user']), createdAt: z.string() });
const ApiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  ownerId: z.string(),
  role: z.enum(['admin', 'user']),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().optional(),
});

export const USER_OPERATIONS: Operation[] = [
  { method: 'get', path: '/v1/me', summary: 'Who am I', tag: 'auth', response: UserSchema.extend({ via: z.string() }) },
  { method: 'get', path: '/v1/users', summary: 'List users', tag: 'auth', admin: true, response: z.object({ items: z.array(UserSchema) }) },
  { method: 'post', path: '/v1/users', summary: 'Create a user', tag: 'auth', admin: true, request: CreateUserBody, response: UserSchema, status: 201 },
  { method: 'get', path: '/v1/users/{id}', summary: 'Get a user', tag: 'auth', admin: true, response: UserSchema },
  { method: 'delete', path: '/v1/users/{id}', summary: 'Delete a user (not the last admin)', tag: 'auth', admin: true, status: 204 },
  { method: 'put', path: '/v1/users/{id}/password', summary: "Set a user's password", tag: 'auth', admin: true, request: SetPasswordBody, status: 204 },
  { method: 'post', path: '/v1/users/{id}/password', summary: "Set a user's password", tag: 'auth', admin: true, request: SetPasswordBody, status: 204 },
  { method: 'put', path: '/v1/users/{id}/role', summary: "Set a user's role (not the last admin's)", tag: 'auth', admin: true, request: SetRoleBody, response: UserSchema },
  { method: 'post', path: '/v1/users/{id}/role', summary: "Set a user's role (not the last admin's)", tag: 'auth', admin: true, request: SetRoleBody, response: UserSchema },
  { method: 'post', path: '/v1/users/{id}/revoke-tokens', summary: "End the user's login tokens", tag: 'auth', admin: true, status: 204 },
  { method: 'get', path: '/v1/api-keys', summary: 'List API keys (own; admins all)', tag: 'auth', query: { ownerId: 'admins: one owner' }, response: z.object({ items: z.array(ApiKeySchema) }) },
  {
    method: 'post',
    path: '/v1/api-keys',
    summary: 'Create an API key (the key is returned once)',
    tag: 'auth',
    request: CreateApiKeyBody,
    response: ApiKeySchema.extend({ key: z.string() }),
    status: 201,
  },
  { method: 'get', path: '/v1/api-keys/{id}', summary: 'Get an API key', tag: 'auth', response: ApiKeySchema },
  { method: 'delete', path: '/v1/api-keys/{id}', summary: 'Delete an API key', tag: 'auth', status: 204 },
];

const TeamSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  members: z.array(z.object({ id: z.string(), username: z.string(), addedAt: z.string() })),
});

export const TEAM_OPERATIONS: Operation[] = [
  { method: 'get', path: '/v1/teams', summary: 'List teams (admins: all; others: their own)', tag: 'auth', response: z.object({ items: z.array(TeamSchema) }) },
  { method: 'post', path: '/v1/teams', summary: 'Create a team', tag: 'auth', admin: true, request: CreateTeamBody, response: TeamSchema, status: 201 },
  { method: 'get', path: '/v1/teams/{id}', summary: 'Get a team (admins, or its members)', tag: 'auth', response: TeamSchema },
  { method: 'delete', path: '/v1/teams/{id}', summary: 'Delete a team', tag: 'auth', admin: true, status: 204 },
  { method: 'put', path: '/v1/teams/{id}/members/{userId}', summary: 'Add a user to a team', tag: 'auth', admin: true, response: TeamSchema },
  { method: 'delete', path: '/v1/teams/{id}/members/{userId}', summary: 'Remove a user from a team', tag: 'auth', admin: true, status: 204 },
];

const SessionSchema = z.object({
  csrfToken: z.string().describe('send it as X-CSRF-Token on every state-changing request made with the session cookie'),
  expiresAt: z.string().describe('when the session ends unless used (slides with use)'),
  absoluteExpiresAt: z.string().describe('when the session ends however much it is used'),
  user: UserSchema,
});

export const SESSION_OPERATIONS: Operation[] = [
  {
    method: 'post',
    path: '/v1/sessions',
    summary: 'Log in: sets the HttpOnly session cookie kairos_session',
    tag: 'auth',
    public: true,
    request: LoginBody,
    response: SessionSchema,
    status: 201,
  },
  { method: 'get', path: '/v1/sessions/current', summary: 'The session of the cookie', tag: 'auth', response: SessionSchema.extend({ createdAt: z.string() }) },
  { method: 'delete', path: '/v1/sessions/current', summary: 'Log out: ends the session and clears the cookie', tag: 'auth', status: 204 },
];

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): unknown {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
}

export function allOperations(): Operation[] {
  return [...JOB_OPERATIONS, ...USER_OPERATIONS, ...TEAM_OPERATIONS, ...SESSION_OPERATIONS, ...extraOperations];
}

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of allOperations()) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    for (const [name, description] of Object.entries(op.query ?? {})) params.push({ name, in: 'query', required: false, schema: { type: 'string' }, description } as never);
    const status = String(op.status ?? 200);
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      tags: [op.tag],
      ...(op.public ? { security: [] } : {}),
      ...(params.length ? { parameters: params } : {}),
      ...(op.request ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.request, 'input') } } } } : {}),
      responses: {
        [status]: {
          description: op.admin ? 'OK (admin only)' : 'OK',
          ...(op.response ? { content: { 'application/json': { schema: jsonSchema(op.response, 'output') } } } : {}),
        },
        '4XX': { description: 'client error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Kairos native API', version: '1' },
    servers: [{ url: '/' }],
    security: [{ basic: [] }, { bearer: [] }, { session: [] }],
    components: {
      securitySchemes: {
        basic: { type: 'http', scheme: 'basic' },
        bearer: { type: 'http', scheme: 'bearer' },
        session: { type: 'apiKey', in: 'cookie', name: 'kairos_session', description: 'state-changing requests also send X-CSRF-Token' },
      },
      schemas: { Error: jsonSchema(ErrorSchema, 'output') },
    },
    paths,
  };
}

export function openApiRoutes(): Router {
  const r = new Router();
  r.get('/v1/openapi.json', (ctx) => {
    ctx.body = openApiDocument();
  });
  return r;
}
