// Native /v1 secret routes. Values go in (PUT) and never come out: every answer carries names,
// owners, where each comes from (file or environment) and when it changed.
// Every user has a name space of their own: PUT and DELETE act on the caller's own secrets, and a
// listing shows only the secrets the caller may use (their own, and those shared with them); admins
// see every secret with its owner, may name an owner (`?owner=`, e.g. `operator`) to read or delete
// someone else's, and may share their own (or the operator's) with named users, teams or all users.
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { checkSecretName, MAX_SECRET_BYTES, MAX_SHARES, OPERATOR, type SecretInfo } from '../../core/secrets/store.ts';
import { visibleTo, type SecretAccess } from '../../core/secrets/access.ts';
import { forbidden, notFound, validationError } from '../../core/errors.ts';
import { principalOf, requireAdmin, type Principal } from '../auth.ts';
import { jsonBody, parseWith } from './jobs.ts';
import { registerOperations } from '../openapi.ts';

export const PutSecretSchema = z.object({ value: z.string().min(1, 'must not be empty').max(MAX_SECRET_BYTES) }).strict();
export const PutSharesSchema = z
  .object({
    all: z.boolean().default(false).describe('shared with every user'),
    users: z.array(z.string().min(1).max(200)).max(MAX_SHARES).default([]).describe('user ids and team ids (every member of the team) the secret is shared with'),
  })
  .strict();
const SharesSchema = z.object({ all: z.boolean(), users: z.array(z.string()) });
const SecretInfoSchema = z.object({
  name: z.string(),
  owner: z.string().describe(`a user id, or "${OPERATOR}" (the environment's secrets and those of a file from before owners)`),
  source: z.enum(['file', 'env']),
  updatedAt: z.string().nullable(),
  sharedWith: SharesSchema.optional().describe("shown to the secret's owner and to admins"),
});
/** `?owner=`: which owner's secret an admin acts on. */
const OwnerQuery = z.object({
  owner: z.string().min(1).max(200).optional().describe(`admins: another owner's secret (a user id or "${OPERATOR}"); default: your own`),
});

registerOperations('native', [
  {
    operationId: 'listSecrets',
    method: 'get',
    path: '/v1/secrets',
    summary: 'List the secrets you may use: your own and those shared with you (admins: all, with owners); never values',
    tag: 'secrets',
    response: z.object({ items: z.array(SecretInfoSchema) }),
  },
  { operationId: 'getSecret', method: 'get', path: '/v1/secrets/{name}', summary: "A secret's metadata (never its value): your own, else one shared with you", tag: 'secrets', query: OwnerQuery, response: SecretInfoSchema },
  {
    operationId: 'putSecret',
    method: 'put',
    path: '/v1/secrets/{name}',
    summary: 'Create or replace your own secret; reference it in job data as {"$secret": "NAME"}',
    tag: 'secrets',
    request: PutSecretSchema,
    response: SecretInfoSchema,
  },
  { operationId: 'deleteSecret', method: 'delete', path: '/v1/secrets/{name}', summary: 'Delete your own secret', tag: 'secrets', query: OwnerQuery, status: 204 },
  {
    operationId: 'shareSecret',
    method: 'put',
    path: '/v1/secrets/{name}/shares',
    summary: 'Share your secret with named users, teams or all users (replaces the shares)',
    tag: 'secrets',
    admin: true,
    query: OwnerQuery,
    request: PutSharesSchema,
    response: SecretInfoSchema,
  },
  { operationId: 'unshareSecret', method: 'delete', path: '/v1/secrets/{name}/shares', summary: 'Share your secret with no one', tag: 'secrets', admin: true, query: OwnerQuery, status: 204 },
]);

/** What `viewer` sees of a secret: the share list only for its owner and admins. */
function shown(s: SecretInfo, viewer: Principal): SecretInfo | Omit<SecretInfo, 'sharedWith'> {
  if (viewer.role === 'admin' || s.owner === viewer.id) return s;
  const { sharedWith: _hidden, ...rest } = s;
  return rest;
}

/** The owner a request acts on: the caller, or (admins only) `?owner=`. */
function ownerParam(ctx: Context, p: Principal): string {
  const q = ctx.query.owner;
  if (q === undefined || q === p.id) return p.id;
  const owner = OwnerQuery.shape.owner.safeParse(q);
  if (!owner.success || owner.data === undefined) throw validationError('invalid query', [{ path: 'query.owner', message: 'must be one user id or "operator"' }]);
  if (p.role !== 'admin') throw forbidden('only an admin may name another owner');
  return owner.data;
}

export function secretRoutes(access: SecretAccess): Router {
  const r = new Router({ prefix: '/v1' });

  r.get('/secrets', async (ctx) => {
    const p = principalOf(ctx);
    const [all, admins, teams] = await Promise.all([access.store.list(), access.admins(), access.teamsOf(p.id)]);
    ctx.body = { items: all.filter((s) => visibleTo(s, p, admins, teams)).map((s) => shown(s, p)) };
  });

  r.get('/secrets/:name', async (ctx) => {
    const p = principalOf(ctx);
    const name = ctx.params.name ?? '';
    if (ctx.query.owner !== undefined) {
      ctx.body = shown(await access.store.info(ownerParam(ctx, p), name), p);
      return;
    }
    checkSecretName(name);
    const [all, admins, teams] = await Promise.all([access.store.list(), access.admins(), access.teamsOf(p.id)]);
    const candidates = all.filter((s) => s.name === name && visibleTo(s, p, admins, teams));
    const found = candidates.find((s) => s.owner === p.id) ?? candidates[0];
    if (!found) throw notFound('secret', name);
    ctx.body = shown(found, p);
  });

  r.put('/secrets/:name', async (ctx) => {
    const p = principalOf(ctx);
    const b = parseWith(PutSecretSchema, jsonBody(ctx, '{"value": "..."}'), 'request body');
    const { info, created } = await access.store.put(p.id, ctx.params.name ?? '', b.value);
    ctx.status = created ? 201 : 200;
    ctx.body = info;
  });

  r.delete('/secrets/:name', async (ctx) => {
    const p = principalOf(ctx);
    await access.store.delete(ownerParam(ctx, p), ctx.params.name ?? '');
    ctx.status = 204;
  });

  /** Only an admin shares, and only their own secrets or the operator's (admins act for the operator). */
  const sharingOwner = (ctx: Context): string => {
    const p = requireAdmin(ctx);
    const owner = ownerParam(ctx, p);
    if (owner !== p.id && owner !== OPERATOR) throw forbidden(`an admin shares their own secrets or the operator's, not another owner's`);
    return owner;
  };

  r.put('/secrets/:name/shares', async (ctx) => {
    const owner = sharingOwner(ctx);
    const b = parseWith(PutSharesSchema, jsonBody(ctx, '{"all": false, "users": ["usr_…"]}'), 'request body');
    const unknown = new Set(await access.unknownPrincipals(b.users));
    const details = b.users.flatMap((id, i) => (unknown.has(id) ? [{ path: `users.${i}`, message: `'${id}' is not a user or team id` }] : []));
    if (details.length > 0) throw validationError('invalid shares', details);
    ctx.body = await access.store.share(owner, ctx.params.name ?? '', b);
  });

  r.delete('/secrets/:name/shares', async (ctx) => {
    const owner = sharingOwner(ctx);
    await access.store.share(owner, ctx.params.name ?? '', { all: false, users: [] });
    ctx.status = 204;
  });

  return r;
}
