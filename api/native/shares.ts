// Native /v1 job share routes: who a job is shared with, and how far (core/access/policy.ts says what
// each level allows). Reading the shares needs read access to the job, changing them share access
// (the owner, admins, an `admin` share). A job the caller may not read is 404 whatever is asked, so
// ids cannot be probed; so is an unknown principal (asked only once the caller may share the job).
import Router from '@koa/router';
import { z } from 'zod';
import { notFound, validationError } from '../../core/errors.ts';
import { SHARE_LEVELS } from '../../core/access/policy.ts';
import type { AccessService } from '../../core/access/service.ts';
import type { JobService } from '../../core/jobs/service.ts';
import { draftOf } from '../../core/drafts/service.ts';
import { JobAccess } from '../../core/sharing/access.ts';
import { actorOf, parseWith } from './jobs.ts';
import { registerOperations } from '../openapi.ts';

export const PutShareSchema = z.object({ level: z.enum(SHARE_LEVELS).describe('read: see it and its runs; run: also run and stop; edit: also change it; admin: also share it and hand it over') }).strict();
const ShareSchema = z.object({
  principalId: z.string().describe('a user id, or a team id (team_…)'),
  level: z.enum(SHARE_LEVELS),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
});

registerOperations('native', [
  { operationId: 'listJobShares', method: 'get', path: '/v1/jobs/{id}/shares', summary: "A job's shares (read access)", tag: 'jobs', response: z.object({ items: z.array(ShareSchema) }) },
  {
    operationId: 'shareJob',
    method: 'put',
    path: '/v1/jobs/{id}/shares/{principalId}',
    summary: 'Share a job with a user or a team, or change the level (share access)',
    tag: 'jobs',
    request: PutShareSchema,
    response: ShareSchema,
  },
  { operationId: 'unshareJob', method: 'delete', path: '/v1/jobs/{id}/shares/{principalId}', summary: 'Stop sharing a job with a user or a team (share access)', tag: 'jobs', status: 204 },
]);

export function shareRoutes(jobs: JobService, access: AccessService): Router {
  const r = new Router({ prefix: '/v1' });
  const opened = new JobAccess(jobs, access);

  /** The principal named in the path: it must exist (404 otherwise); asked after the job's access. */
  async function principal(id: string): Promise<string> {
    if (!(await access.principalExists(id))) throw notFound('principal', id);
    return id;
  }

  r.get('/jobs/:id/shares', async (ctx) => {
    const { view } = await opened.open(ctx.params.id ?? '', actorOf(ctx));
    ctx.body = { items: await access.shares.sharesOf(view.job) };
  });

  r.put('/jobs/:id/shares/:principalId', async (ctx) => {
    const b = parseWith(PutShareSchema, ctx.request.body ?? {}, 'request body');
    const actor = actorOf(ctx);
    const { view } = await opened.open(ctx.params.id ?? '', actor, 'share');
    if (draftOf(view.job)) throw validationError('invalid share', [{ path: 'id', message: 'names a draft; share the job it edits' }]);
    const id = await principal(ctx.params.principalId ?? '');
    await opened.share(view.job.id, actor, id, b.level);
    const saved = (await access.shares.sharesOf(view.job)).find((s) => s.principalId === id);
    ctx.body = saved ?? { principalId: id, level: b.level, createdAt: new Date().toISOString(), createdBy: actor.id };
  });

  r.delete('/jobs/:id/shares/:principalId', async (ctx) => {
    const actor = actorOf(ctx);
    const { view } = await opened.open(ctx.params.id ?? '', actor, 'share');
    const id = await principal(ctx.params.principalId ?? '');
    await opened.unshare(view.job.id, actor, id);
    ctx.status = 204;
  });
  return r;
}
