// Native /v1 routes of a job's versions and of the audit log: parse, call core, render.
// Versions follow the job's access (a job the caller may not read is not found); restoring is a
// write of the job, If-Match included. The audit log is for admins only; a job's own trail is for
// whoever may read the job (which of its events they see: core/audit/trail.ts).
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AUDIT_OUTCOMES, type AuditLog } from '../../core/audit/log.ts';
import type { JobAuditTrail } from '../../core/audit/trail.ts';
import { validationError } from '../../core/errors.ts';
import type { JobVersions } from '../../core/versions/history.ts';
import { requireAdmin } from '../auth.ts';
import { pageOf, pageQuery, setNextCursor, type PageLimit } from '../dialects/kit/lists.ts';
import { actorOf, expectedVersion, JobViewSchema, parseWith, render } from './jobs.ts';
import { registerOperations } from '../openapi.ts';

/** Versions and audit events: 50 a page unless asked, at most 500. */
export const HISTORY_PAGE: PageLimit = { default: 50, max: 500 };

const VersionSchema = z.object({
  jobId: z.string(),
  incarnation: z.string(),
  version: z.number(),
  state: z.enum(['applied', 'draft', 'closed']),
  authorId: z.string().nullable(),
  authorName: z.string().nullable().describe("the author's username now (null for a system repair or a deleted user)"),
  surface: z.string(),
  createdAt: z.string(),
  definition: z.record(z.string(), z.unknown()),
  diff: z.array(z.record(z.string(), z.unknown())).describe('RFC 6902 JSON Patch from the previous version'),
});

const AuditEntrySchema = z.object({
  id: z.number(),
  at: z.string(),
  principalId: z.string().nullable(),
  principalName: z.string().nullable(),
  surface: z.string(),
  action: z.string(),
  jobId: z.string().nullable(),
  target: z.string().nullable(),
  outcome: z.enum(AUDIT_OUTCOMES),
  detail: z.record(z.string(), z.unknown()).nullable(),
});

const VersionsQuerySchema = z
  .object({
    closed: z.enum(['true', 'false']).optional().describe('true (admins): the closed versions of deleted creations of this id instead'),
    ...pageQuery(HISTORY_PAGE),
  })
  .strict();

const Instant = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time' });
/** The filters a job's trail shares with the whole log (the job is the path's). */
const TrailFilters = {
  action: z.string().min(1).max(200).optional().describe('e.g. job.create, job.pause, login'),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
  from: Instant.optional().describe('inclusive'),
  to: Instant.optional().describe('exclusive'),
  ...pageQuery(HISTORY_PAGE),
};
const AuditQuerySchema = z
  .object({
    job: z.string().min(1).max(200).optional().describe('job id'),
    principal: z.string().min(1).max(200).optional().describe('principal id or name'),
    surface: z.string().min(1).max(50).optional().describe('v1, dapr, fusion, …'),
    ...TrailFilters,
  })
  .strict();
const JobAuditQuerySchema = z.object(TrailFilters).strict();

/** RFC 3339 filters as dates. */
const timeRange = (q: { from?: string; to?: string }) => ({ from: q.from === undefined ? undefined : new Date(q.from), to: q.to === undefined ? undefined : new Date(q.to) });

/** `{n}`: a version number. */
const VersionParam = z.object({ n: z.string().regex(/^\d{1,9}$/).transform(Number).pipe(z.number().int().min(1).max(999_999_999)).describe('a version number (1, 2, …)') });

registerOperations('native', [
  { operationId: 'listJobVersions', method: 'get', path: '/v1/jobs/{id}/versions', summary: "A job's versions, newest first", tag: 'history', query: VersionsQuerySchema, response: z.object({ items: z.array(VersionSchema), nextCursor: z.string().nullable() }) },
  { operationId: 'getJobVersion', method: 'get', path: '/v1/jobs/{id}/versions/{n}', summary: 'One version of a job', tag: 'history', params: VersionParam, errors: [400], response: VersionSchema },
  {
    operationId: 'restoreJobVersion',
    method: 'post',
    path: '/v1/jobs/{id}/versions/{n}/restore',
    summary: "Make a version's definition the live job (a new version)",
    tag: 'history',
    params: VersionParam,
    ifMatch: true,
    errors: [400],
    response: JobViewSchema,
  },
  {
    operationId: 'listAuditEvents',
    method: 'get',
    path: '/v1/audit',
    summary: 'Audit events, newest first',
    tag: 'history',
    admin: true,
    query: AuditQuerySchema,
    response: z.object({ items: z.array(AuditEntrySchema), nextCursor: z.string().nullable() }),
  },
  {
    operationId: 'listJobAuditEvents',
    method: 'get',
    path: '/v1/jobs/{id}/audit',
    summary: "A job's audit trail, newest first (readers: ok events; its owner, share admins and admins: all)",
    tag: 'history',
    query: JobAuditQuerySchema,
    errors: [400, 403],
    response: z.object({
      items: z.array(AuditEntrySchema),
      nextCursor: z.string().nullable(),
      visible: z.enum(['all', 'ok']).describe('which outcomes the caller sees: all, or ok only (a reader)'),
    }),
  },
]);

function versionNumber(ctx: Context): number {
  const n = VersionParam.shape.n.safeParse(ctx.params.n ?? '');
  if (!n.success) throw validationError('invalid version', [{ path: 'n', message: 'must be a version number (1, 2, …)' }]);
  return n.data;
}

export function versionRoutes(versions: JobVersions): Router {
  const r = new Router({ prefix: '/v1' });
  r.get('/jobs/:id/versions', async (ctx) => {
    const q = parseWith(VersionsQuerySchema, ctx.query, 'query', 'query');
    const id = ctx.params.id ?? '';
    const page = q.closed === 'true' ? await versions.listClosed(id, actorOf(ctx), pageOf(ctx, HISTORY_PAGE)) : await versions.list(id, actorOf(ctx), pageOf(ctx, HISTORY_PAGE));
    setNextCursor(ctx, page.nextCursor);
    ctx.body = page;
  });
  r.get('/jobs/:id/versions/:n', async (ctx) => {
    ctx.body = await versions.get(ctx.params.id ?? '', versionNumber(ctx), actorOf(ctx));
  });
  r.post('/jobs/:id/versions/:n/restore', async (ctx) => {
    render(ctx, await versions.restore(ctx.params.id ?? '', versionNumber(ctx), actorOf(ctx), { expectedVersion: expectedVersion(ctx) }));
  });
  return r;
}

export function auditRoutes(audit: AuditLog): Router {
  const r = new Router({ prefix: '/v1' });
  r.get('/audit', async (ctx) => {
    requireAdmin(ctx);
    const q = parseWith(AuditQuerySchema, ctx.query, 'query', 'query');
    const page = await audit.query({ ...q, ...timeRange(q) }, pageOf(ctx, HISTORY_PAGE));
    setNextCursor(ctx, page.nextCursor);
    ctx.body = page;
  });
  return r;
}

/** A job's audit trail: `GET /v1/jobs/:id/audit`. */
export function jobAuditRoutes(trail: JobAuditTrail): Router {
  const r = new Router({ prefix: '/v1' });
  r.get('/jobs/:id/audit', async (ctx) => {
    const q = parseWith(JobAuditQuerySchema, ctx.query, 'query', 'query');
    const page = await trail.list(ctx.params.id ?? '', actorOf(ctx), { action: q.action, outcome: q.outcome, ...timeRange(q) }, pageOf(ctx, HISTORY_PAGE));
    setNextCursor(ctx, page.nextCursor);
    ctx.body = page;
  });
  return r;
}
