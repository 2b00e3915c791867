// Native /v1 secret routes, admin only. Values go in (PUT) and never come out: every answer carries
// names, where each comes from (file or environment) and when it changed.
import Router from '@koa/router';
import { z } from 'zod';
import { MAX_SECRET_BYTES, type SecretStore } from '../../core/secrets/store.ts';
import { validationError } from '../../core/errors.ts';
import { requireAdmin } from '../auth.ts';
import { parseWith } from './jobs.ts';
import { registerOperations } from './openapi.ts';

export const PutSecretSchema = z.object({ value: z.string().min(1, 'must not be empty').max(MAX_SECRET_BYTES) }).strict();
const SecretInfoSchema = z.object({ name: z.string(), source: z.enum(['file', 'env']), updatedAt: z.string().nullable() });

registerOperations([
  { method: 'get', path: '/v1/secrets', summary: 'List secret names (never values)', tag: 'secrets', admin: true, response: z.object({ items: z.array(SecretInfoSchema) }) },
  { method: 'get', path: '/v1/secrets/{name}', summary: "A secret's metadata (never its value)", tag: 'secrets', admin: true, response: SecretInfoSchema },
  {
    method: 'put',
    path: '/v1/secrets/{name}',
    summary: 'Create or replace a secret; reference it in job data as {"$secret": "NAME"}',
    tag: 'secrets',
    admin: true,
    request: PutSecretSchema,
    response: SecretInfoSchema,
  },
  { method: 'delete', path: '/v1/secrets/{name}', summary: 'Delete a secret', tag: 'secrets', admin: true, status: 204 },
]);

export function secretRoutes(secrets: SecretStore): Router {
  const r = new Router({ prefix: '/v1' });

  r.get('/secrets', async (ctx) => {
    requireAdmin(ctx);
    ctx.body = { items: await secrets.list() };
  });

  r.get('/secrets/:name', async (ctx) => {
    requireAdmin(ctx);
    ctx.body = await secrets.info(ctx.params.name ?? '');
  });

  r.put('/secrets/:name', async (ctx) => {
    requireAdmin(ctx);
    const raw = ctx.request.body;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !ctx.request.is('json')) {
      throw validationError('request body must be a JSON object', [{ path: '', message: 'expected Content-Type application/json and {"value": "..."}' }]);
    }
    const b = parseWith(PutSecretSchema, raw, 'request body');
    const { info, created } = await secrets.put(ctx.params.name ?? '', b.value);
    ctx.status = created ? 201 : 200;
    ctx.body = info;
  });

  r.delete('/secrets/:name', async (ctx) => {
    requireAdmin(ctx);
    await secrets.delete(ctx.params.name ?? '');
    ctx.status = 204;
  });

  return r;
}
