// The middleware and routes on a bare Koa app with a stand-in error renderer (the real app's
// renderer and the full HTTP suite live elsewhere).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { KairosError } from '../../../core/errors.ts';
import { AuthStore } from '../../../core/auth/store.ts';
import { authenticate } from '../../../api/auth.ts';
import { userRoutes } from '../../../api/native/users.ts';

const STATUS: Record<string, number> = { validation: 400, unauthenticated: 401, forbidden: 403, not_found: 404, conflict: 409 };

let dir: string;
let store: AuthStore;
let server: Server;
let base: string;
let adminPassword: string;

void before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kairos-auth-http-'));
  store = new AuthStore(dir);
  const r = await store.bootstrapAdmin({ admin: {} });
  assert.ok(r.action === 'created' && r.generated);
  adminPassword = r.password;
  const app = new Koa();
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!(err instanceof KairosError)) throw err;
      ctx.status = STATUS[err.kind] ?? 500;
      ctx.body = { error: { kind: err.kind, message: err.message, details: err.details } };
    }
  });
  app.use(bodyParser());
  app.use(authenticate(store));
  const router = userRoutes(store);
  app.use(router.routes()).use(router.allowedMethods());
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

void after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await store.flush();
  await rm(dir, { recursive: true, force: true });
});

const basic = (u: string, p: string) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');

async function call(method: string, path: string, auth: Record<string, string>, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { ...auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined, text };
}

void describe('authenticate middleware', () => {
  void it('401 with WWW-Authenticate when credentials are missing, malformed or wrong', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Basic !!!' },
      { authorization: basic('admin', 'wrong-password') },
      { authorization: 'Bearer kairos_nope' },
      { 'x-api-key': 'nope' },
      { authorization: 'Digest abc' },
    ];
    for (const auth of attempts) {
      const r = await call('GET', '/v1/me', auth);
      assert.equal(r.status, 401, JSON.stringify(auth));
      assert.equal(r.headers.get('www-authenticate'), 'Basic realm="kairos"');
      assert.equal((r.body?.error as { message: string }).message, 'authentication required');
    }
  });

  void it('accepts Basic, Bearer and X-API-Key', async () => {
    const me = await call('GET', '/v1/me', { authorization: basic('admin', adminPassword) });
    assert.equal(me.status, 200);
    assert.equal(me.body?.username, 'admin');
    assert.equal(me.body?.role, 'admin');
    assert.equal(me.body?.via, 'basic');

    const k = await call('POST', '/v1/api-keys', { authorization: basic('admin', adminPassword) }, { name: 'ci' });
    assert.equal(k.status, 201);
    const key = k.body?.key as string;
    assert.equal((await call('GET', '/v1/me', { authorization: `Bearer ${key}` })).body?.via, 'apikey');
    assert.equal((await call('GET', '/v1/me', { 'x-api-key': key })).body?.keyId, k.body?.id);
  });
});

void describe('user and API key routes', () => {
  const admin = () => ({ authorization: basic('admin', adminPassword) });

  void it('admin manages users; responses never contain hashes', async () => {
    const c = await call('POST', '/v1/users', admin(), { username: 'joe', password: 'joe-password' });
    assert.equal(c.status, 201);
    assert.equal(c.body?.role, 'user');
    assert.ok(!c.text.includes('scrypt'));
    const id = c.body?.id as string;

    assert.equal((await call('POST', '/v1/users', admin(), { username: 'joe', password: 'joe-password' })).status, 409);
    const bad = await call('POST', '/v1/users', admin(), { username: 'x', password: 'p', extra: 1 });
    assert.equal(bad.status, 400);
    const paths = ((bad.body?.error as { details: { path: string }[] }).details ?? []).map((d) => d.path);
    assert.ok(paths.includes('password'));

    const list = await call('GET', '/v1/users', admin());
    assert.equal((list.body?.items as unknown[]).length, 2);
    assert.ok(!list.text.includes('scrypt'));
    assert.equal((await call('GET', `/v1/users/${id}`, admin())).body?.username, 'joe');

    assert.equal((await call('PUT', `/v1/users/${id}/password`, admin(), { password: 'joe-password-2' })).status, 204);
    assert.equal((await call('GET', '/v1/me', { authorization: basic('joe', 'joe-password') })).status, 401);
    assert.equal((await call('GET', '/v1/me', { authorization: basic('joe', 'joe-password-2') })).status, 200);

    const me = (await call('GET', '/v1/me', admin())).body?.id as string;
    assert.equal((await call('DELETE', `/v1/users/${me}`, admin())).status, 409, 'last admin');
    assert.equal((await call('DELETE', `/v1/users/${id}`, admin())).status, 204);
    assert.equal((await call('GET', `/v1/users/${id}`, admin())).status, 404);
  });

  void it('non-admins are forbidden from user management but manage their own keys', async () => {
    await call('POST', '/v1/users', admin(), { username: 'kim', password: 'kim-password' });
    await call('POST', '/v1/users', admin(), { username: 'lee', password: 'lee-password' });
    const kim = { authorization: basic('kim', 'kim-password') };
    const lee = { authorization: basic('lee', 'lee-password') };

    assert.equal((await call('GET', '/v1/users', kim)).status, 403);
    assert.equal((await call('POST', '/v1/users', kim, { username: 'z', password: 'zzzzzzzz' })).status, 403);

    assert.equal((await call('POST', '/v1/api-keys', kim, { name: 'x', role: 'admin' })).status, 403);
    const k = await call('POST', '/v1/api-keys', kim, { name: 'laptop' });
    assert.equal(k.status, 201);
    assert.equal(k.body?.role, 'user');
    assert.match(k.body?.key as string, /^kairos_/);
    assert.ok(!k.text.includes('sha256'));

    const kimKeys = await call('GET', '/v1/api-keys', kim);
    assert.deepEqual(
      (kimKeys.body?.items as { id: string; key?: string }[]).map((x) => [x.id, x.key]),
      [[k.body?.id, undefined]],
    );
    assert.deepEqual((await call('GET', '/v1/api-keys', lee)).body?.items, []);
    assert.equal((await call('DELETE', `/v1/api-keys/${k.body?.id as string}`, lee)).status, 404);
    // An admin sees all keys.
    assert.ok(((await call('GET', '/v1/api-keys', admin())).body?.items as unknown[]).length >= 2);

    // The key works, then stops working once deleted by its owner.
    const key = { authorization: `Bearer ${k.body?.key as string}` };
    assert.equal((await call('GET', '/v1/me', key)).body?.username, 'kim');
    assert.equal((await call('DELETE', `/v1/api-keys/${k.body?.id as string}`, key)).status, 204);
    assert.equal((await call('GET', '/v1/me', key)).status, 401);
  });

  void it("an admin's 'user'-role key cannot act as admin", async () => {
    const k = await call('POST', '/v1/api-keys', admin(), { name: 'limited', role: 'user' });
    assert.equal(k.status, 201);
    const key = { 'x-api-key': k.body?.key as string };
    assert.equal((await call('GET', '/v1/me', key)).body?.role, 'user');
    assert.equal((await call('GET', '/v1/users', key)).status, 403);
    assert.equal((await call('POST', '/v1/api-keys', key, { name: 'escalate', role: 'admin' })).status, 403);
  });
});
