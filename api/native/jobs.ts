// Native /v1 job routes: parse (zod), call the job service, render JSON. No logic beyond that.
import { DstSchema } from '../../core/triggers/dst.ts';
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { detailsFromZod, validationError } from '../../core/errors.ts';
import { JOB_SORTS, type Actor, type JobService, type JobView } from '../../core/jobs/service.ts';

const ListQuerySchema = z
  .object({
    type: z.string().min(1).optional(),
    owner: z.string().min(1).optional(),
    tag: z.string().min(1).optional(),
    dialect: z.string().min(1).optional(),
    enabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().max(4096).optional(),
    sort: z.enum(JOB_SORTS).optional(),
  })
  .strict();

const NextQuerySchema = z.object({ count: z.coerce.number().int().min(1).max(10).default(5) }).strict();

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

function body(ctx: Context): unknown {
  const b = ctx.request.body;
  if (typeof b !== 'object' || b === null || Array.isArray(b) || !ctx.request.is('json')) {
    throw validationError('request body must be a JSON object', [{ path: '', message: 'expected Content-Type application/json and an object' }]);
  }
  return b;
}

export function jobRoutes(jobs: JobService): Router {
  const r = new Router({ prefix: '/v1' });

  r.post('/jobs', async (ctx) => render(ctx, await jobs.create(body(ctx), actorOf(ctx)), 201));

  r.get('/jobs', async (ctx) => {
    const q = parseWith(ListQuerySchema, ctx.query, 'query', 'query');
    const page = await jobs.list({ ...q, pageSize: q.limit }, actorOf(ctx));
    ctx.body = { items: page.items, nextCursor: page.nextCursor };
  });

  r.get('/jobs/:id', async (ctx) => render(ctx, await jobs.get(ctx.params.id ?? '', actorOf(ctx))));
  r.put('/jobs/:id', async (ctx) =>
    render(ctx, await jobs.replace(ctx.params.id ?? '', body(ctx), actorOf(ctx), { expectedVersion: expectedVersion(ctx) })),
  );
  r.patch('/jobs/:id', async (ctx) =>
    render(ctx, await jobs.patch(ctx.params.id ?? '', body(ctx), actorOf(ctx), { expectedVersion: expectedVersion(ctx) })),
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
  r.get('/jobs/:id/next', async (ctx) => {
    const q = parseWith(NextQuerySchema, ctx.query, 'query', 'query');
    const times = await jobs.nextTimes(ctx.params.id ?? '', q.count, actorOf(ctx));
    ctx.body = { times: times.map((t) => t.toISOString()) };
  });
  r.post('/triggers/preview', (ctx) => {
    const b = parseWith(PreviewSchema, body(ctx), 'request body');
    const out = jobs.preview(b.trigger, b.count, b.from ? new Date(b.from) : undefined, b.timezone, b.dst);
    ctx.body = { times: out.times.map((t) => t.toISOString()), description: out.description };
  });
  return r;
}
