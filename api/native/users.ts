// Users and API keys. Admin only, except that any principal may ask who it is (GET /v1/me) and
// manage its own API keys. Responses never contain a hash; a new key's plaintext is returned once.
import { Router } from '@koa/router';
import type { RouterMiddleware } from '@koa/router';
import { z } from 'zod';
import { KairosError, detailsFromZod } from '../../core/errors.ts';
import { KEY_NAME_MAX, PASSWORD_MAX, PASSWORD_MIN, ROLES, USERNAME_PATTERN, USERNAME_RULE } from '../../core/auth/store.ts';
import type { AuthStore, Principal } from '../../core/auth/store.ts';
import { principalOf, requireAdmin } from '../auth.ts';
import { registerOperations } from '../openapi.ts';

const Password = z.string().min(PASSWORD_MIN).max(PASSWORD_MAX);

export const CreateUserBody = z
  .object({
    username: z.string().regex(USERNAME_PATTERN, USERNAME_RULE),
    password: Password,
    role: z.enum(ROLES).default('user'),
  })
  .strict();

export const SetPasswordBody = z.object({ password: Password }).strict();

export const SetRoleBody = z.object({ role: z.enum(ROLES) }).strict();

export const CreateApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(KEY_NAME_MAX),
    /** Defaults to the owner's role; non-admins may only ask for 'user'. */
    role: z.enum(ROLES).optional(),
    /** Admins may create a key for another user; defaults to the caller. */
    ownerId: z.string().min(1).optional(),
  })
  .strict();

const ListApiKeysQuery = z.object({ ownerId: z.string().min(1).optional().describe('admins: the keys of one owner') });

export const UserSchema = z.object({ id: z.string(), username: z.string(), role: z.enum(ROLES), createdAt: z.string() }).meta({ id: 'User' });
const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    ownerId: z.string(),
    role: z.enum(ROLES),
    prefix: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().optional(),
  })
  .meta({ id: 'ApiKey' });

registerOperations('native', [
  { operationId: 'getMe', method: 'get', path: '/v1/me', summary: 'Who am I', tag: 'auth', response: UserSchema.extend({ via: z.string() }) },
  { operationId: 'listUsers', method: 'get', path: '/v1/users', summary: 'List users', tag: 'auth', admin: true, response: z.object({ items: z.array(UserSchema) }) },
  { operationId: 'createUser', method: 'post', path: '/v1/users', summary: 'Create a user', tag: 'auth', admin: true, request: CreateUserBody, response: UserSchema, status: 201, errors: [409] },
  { operationId: 'getUser', method: 'get', path: '/v1/users/{id}', summary: 'Get a user', tag: 'auth', admin: true, response: UserSchema },
  { operationId: 'deleteUser', method: 'delete', path: '/v1/users/{id}', summary: 'Delete a user (not the last admin)', tag: 'auth', admin: true, status: 204, errors: [409] },
  { operationId: 'setUserPassword', method: 'put', path: '/v1/users/{id}/password', summary: "Set a user's password", tag: 'auth', admin: true, request: SetPasswordBody, status: 204 },
  { operationId: 'setUserPasswordPost', method: 'post', path: '/v1/users/{id}/password', summary: "Set a user's password (POST form of the PUT)", tag: 'auth', admin: true, request: SetPasswordBody, status: 204 },
  { operationId: 'setUserRole', method: 'put', path: '/v1/users/{id}/role', summary: "Set a user's role (not the last admin's)", tag: 'auth', admin: true, request: SetRoleBody, response: UserSchema, errors: [409] },
  { operationId: 'setUserRolePost', method: 'post', path: '/v1/users/{id}/role', summary: "Set a user's role (POST form of the PUT)", tag: 'auth', admin: true, request: SetRoleBody, response: UserSchema, errors: [409] },
  { operationId: 'revokeUserTokens', method: 'post', path: '/v1/users/{id}/revoke-tokens', summary: "End the user's login tokens", tag: 'auth', admin: true, status: 204 },
  { operationId: 'listApiKeys', method: 'get', path: '/v1/api-keys', summary: 'List API keys (own; admins all)', tag: 'auth', query: ListApiKeysQuery, response: z.object({ items: z.array(ApiKeySchema) }) },
  {
    operationId: 'createApiKey',
    method: 'post',
    path: '/v1/api-keys',
    summary: 'Create an API key (the key is returned once)',
    tag: 'auth',
    request: CreateApiKeyBody,
    response: ApiKeySchema.extend({ key: z.string() }),
    status: 201,
  },
  { operationId: 'getApiKey', method: 'get', path: '/v1/api-keys/{id}', summary: 'Get an API key', tag: 'auth', response: ApiKeySchema },
  { operationId: 'deleteApiKey', method: 'delete', path: '/v1/api-keys/{id}', summary: 'Delete an API key', tag: 'auth', status: 204 },
]);

/** The body as `schema` reads it, or a 400 naming each bad field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new KairosError('validation', 'invalid request body', detailsFromZod(r.error.issues));
  return r.data;
}

/** A non-admin gets the same answer for someone else's key as for a missing one. */
async function ownKeyOrNotFound(store: AuthStore, id: string, p: Principal): Promise<void> {
  const key = await store.getApiKey(id);
  if (p.role !== 'admin' && key.ownerId !== p.id) throw new KairosError('not_found', `API key '${id}' not found`);
}

/** Routes under /v1 (no prefix on the router); mount behind `authenticate(store)`. */
export function userRoutes(store: AuthStore): Router {
  const router = new Router();

  router.get('/v1/me', async (ctx) => {
    const p = principalOf(ctx);
    const user = await store.getUser(p.id);
    ctx.body = {
      id: user.id,
      username: user.username,
      // Effective role: a key may carry less than its owner has.
      role: p.role,
      createdAt: user.createdAt,
      via: p.via,
      ...(p.keyId !== undefined ? { keyId: p.keyId } : {}),
    };
  });

  // ---------------------------------------------------------------- users

  router.get('/v1/users', async (ctx) => {
    requireAdmin(ctx);
    ctx.body = { items: await store.listUsers() };
  });

  router.post('/v1/users', async (ctx) => {
    requireAdmin(ctx);
    const body = parseBody(CreateUserBody, ctx.request.body);
    const user = await store.createUser(body);
    ctx.status = 201;
    ctx.set('Location', `/v1/users/${encodeURIComponent(user.id)}`);
    ctx.body = user;
  });

  router.get('/v1/users/:id', async (ctx) => {
    requireAdmin(ctx);
    ctx.body = await store.getUser(ctx.params.id ?? '');
  });

  router.delete('/v1/users/:id', async (ctx) => {
    requireAdmin(ctx);
    await store.deleteUser(ctx.params.id ?? '');
    ctx.status = 204;
  });

  const setPassword: RouterMiddleware = async (ctx) => {
    requireAdmin(ctx);
    const body = parseBody(SetPasswordBody, ctx.request.body);
    await store.setPassword(ctx.params.id ?? '', body.password);
    ctx.status = 204;
  };
  router.put('/v1/users/:id/password', setPassword);
  router.post('/v1/users/:id/password', setPassword);

  // A password change, a role change and this end the user's login tokens (core/auth/store.ts).
  const setRole: RouterMiddleware = async (ctx) => {
    requireAdmin(ctx);
    const body = parseBody(SetRoleBody, ctx.request.body);
    ctx.body = await store.setRole(ctx.params.id ?? '', body.role);
  };
  router.put('/v1/users/:id/role', setRole);
  router.post('/v1/users/:id/role', setRole);

  router.post('/v1/users/:id/revoke-tokens', async (ctx) => {
    requireAdmin(ctx);
    await store.revokeTokens(ctx.params.id ?? '');
    ctx.status = 204;
  });

  // ------------------------------------------------------------- API keys

  router.get('/v1/api-keys', async (ctx) => {
    const p = principalOf(ctx);
    const q = ListApiKeysQuery.safeParse(ctx.query);
    const requested = q.success ? q.data.ownerId : undefined;
    // Admins see every key (or one owner's with ?ownerId=); everyone else sees their own.
    const ownerId = p.role === 'admin' ? requested : p.id;
    ctx.body = { items: await store.listApiKeys(ownerId === undefined ? {} : { ownerId }) };
  });

  router.post('/v1/api-keys', async (ctx) => {
    const p = principalOf(ctx);
    const body = parseBody(CreateApiKeyBody, ctx.request.body);
    if (p.role !== 'admin') {
      if (body.ownerId !== undefined && body.ownerId !== p.id) throw new KairosError('forbidden', 'only admins can create keys for other users');
      if (body.role === 'admin') throw new KairosError('forbidden', "only admins can create keys with the 'admin' role");
    }
    const created = await store.createApiKey({
      name: body.name,
      ownerId: body.ownerId ?? p.id,
      // A non-admin caller (possibly an admin user using a 'user' key) only ever mints 'user' keys.
      role: p.role === 'admin' ? body.role : 'user',
    });
    ctx.status = 201;
    ctx.set('Location', `/v1/api-keys/${encodeURIComponent(created.id)}`);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = created;
  });

  router.get('/v1/api-keys/:id', async (ctx) => {
    const p = principalOf(ctx);
    const id = ctx.params.id ?? '';
    await ownKeyOrNotFound(store, id, p);
    ctx.body = await store.getApiKey(id);
  });

  router.delete('/v1/api-keys/:id', async (ctx) => {
    const p = principalOf(ctx);
    const id = ctx.params.id ?? '';
    await ownKeyOrNotFound(store, id, p);
    await store.deleteApiKey(id);
    ctx.status = 204;
  });

  return router;
}
