// Users, API keys, teams and login sessions over HTTP: the production app (createApp, authenticate,
// the native routers and error shape) on a real state store, on SQLite and PostgreSQL.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Context } from 'koa';
import { pino } from 'pino';
import { AuthStore } from '../../../core/auth/store.ts';
import { LoginThrottle } from '../../../core/auth/throttle.ts';
import { createApp } from '../../../api/app.ts';
import { authenticate } from '../../../api/auth.ts';
import { renderNativeError } from '../../../api/errors.ts';
import { userRoutes } from '../../../api/native/users.ts';
import { teamRoutes } from '../../../api/native/teams.ts';
import { LOGIN_ROUTE, sessionCookie, sessionRoutes } from '../../../api/native/sessions.ts';
import { withEachBackend } from '../../support/db.ts';

const basic = (u: string, p: string) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');
type Body = Record<string, unknown> & { error?: { code: string; message: string; details: { path: string; message: string }[] } };

withEachBackend('auth over HTTP', (fresh) => {
  let store: AuthStore;
  let server: Server;
  let base: string;
  let adminPassword = '';

  before(async () => {
    // 5 failures per user as in production; the address limit raised, as every request here comes from 127.0.0.1.
    store = new AuthStore(await fresh(), { throttle: new LoginThrottle({ failuresPerUser: 5, failuresPerAddress: 10_000, windowMs: 60_000 }) });
    const r = await store.bootstrapAdmin({ admin: {} });
    assert.ok(r.action === 'created' && r.generated);
    adminPassword = r.password;
    const app = createApp({
      logger: pino({ level: 'silent' }),
      bodyLimit: '1mb',
      publicRouters: [],
      authenticate: authenticate(store),
      surfaces: [{ prefix: '/v1', renderError: renderNativeError, routers: [userRoutes(store), teamRoutes(store), sessionRoutes(store)], publicRoutes: [LOGIN_ROUTE] }],
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => server.once('listening', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await store.flush();
  });

  async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
    const res = await fetch(base + path, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Body) : undefined, text };
  }
  const admin = () => ({ authorization: basic('admin', adminPassword) });
  const paths = (b: Body | undefined) => (b?.error?.details ?? []).map((d) => d.path);
  const newUser = async (username: string, role: 'user' | 'admin' = 'user') => {
    const r = await call('POST', '/v1/users', admin(), { username, password: `${username}-password`, role });
    assert.equal(r.status, 201, r.text);
    return { id: r.body?.id as string, auth: { authorization: basic(username, `${username}-password`) } };
  };

  // ------------------------------------------------------------ users and keys

  it('401 with WWW-Authenticate when credentials are missing, malformed or wrong', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Basic !!!' },
      { authorization: basic('admin', 'wrong-password') },
      { authorization: 'Bearer kairos_nope' },
      { 'x-api-key': 'nope' },
      { authorization: 'Digest abc' },
      { cookie: 'kairos_session=not-a-session' },
      { cookie: `kairos_session=${'A'.repeat(43)}` },
    ];
    for (const auth of attempts) {
      const r = await call('GET', '/v1/me', auth);
      assert.equal(r.status, 401, JSON.stringify(auth));
      assert.equal(r.headers.get('www-authenticate'), 'Basic realm="kairos"');
      assert.equal(r.body?.error?.message, 'authentication required');
    }
  });

  it('accepts Basic, Bearer and X-API-Key', async () => {
    const me = await call('GET', '/v1/me', admin());
    assert.equal(me.status, 200);
    assert.equal(me.body?.username, 'admin');
    assert.equal(me.body?.role, 'admin');
    assert.equal(me.body?.via, 'basic');
    const k = await call('POST', '/v1/api-keys', admin(), { name: 'ci' });
    assert.equal(k.status, 201);
    const key = k.body?.key as string;
    assert.equal((await call('GET', '/v1/me', { authorization: `Bearer ${key}` })).body?.via, 'apikey');
    assert.equal((await call('GET', '/v1/me', { 'x-api-key': key })).body?.keyId, k.body?.id);
  });

  it('admin manages users; responses never contain hashes', async () => {
    const c = await call('POST', '/v1/users', admin(), { username: 'joe', password: 'joe-password' });
    assert.equal(c.status, 201);
    assert.equal(c.body?.role, 'user');
    assert.ok(!c.text.includes('scrypt'));
    const id = c.body?.id as string;
    assert.equal((await call('POST', '/v1/users', admin(), { username: 'joe', password: 'joe-password' })).status, 409);
    const bad = await call('POST', '/v1/users', admin(), { username: 'x', password: 'p', extra: 1 });
    assert.equal(bad.status, 400);
    assert.ok(paths(bad.body).includes('password'));
    const list = await call('GET', '/v1/users', admin());
    assert.ok((list.body?.items as unknown[]).length >= 2);
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

  it('non-admins are forbidden from user management but manage their own keys', async () => {
    const kim = (await newUser('kim')).auth;
    const lee = (await newUser('lee')).auth;
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
    assert.ok(((await call('GET', '/v1/api-keys', admin())).body?.items as unknown[]).length >= 2);
    const key = { authorization: `Bearer ${k.body?.key as string}` };
    assert.equal((await call('GET', '/v1/me', key)).body?.username, 'kim');
    assert.equal((await call('DELETE', `/v1/api-keys/${k.body?.id as string}`, key)).status, 204);
    assert.equal((await call('GET', '/v1/me', key)).status, 401);
  });

  it("an admin's 'user'-role key cannot act as admin", async () => {
    const k = await call('POST', '/v1/api-keys', admin(), { name: 'limited', role: 'user' });
    assert.equal(k.status, 201);
    const key = { 'x-api-key': k.body?.key as string };
    assert.equal((await call('GET', '/v1/me', key)).body?.role, 'user');
    assert.equal((await call('GET', '/v1/users', key)).status, 403);
    assert.equal((await call('POST', '/v1/api-keys', key, { name: 'escalate', role: 'admin' })).status, 403);
    assert.equal((await call('POST', '/v1/teams', key, { name: 'escalate' })).status, 403);
  });

  // ------------------------------------------------------------------- teams

  it('admins manage teams and members; 4xx name the field', async () => {
    const ann = await newUser('t-ann');
    const c = await call('POST', '/v1/teams', admin(), { name: 'platform' });
    assert.equal(c.status, 201, c.text);
    const id = c.body?.id as string;
    assert.equal(c.headers.get('location'), `/v1/teams/${id}`);
    assert.deepEqual(c.body?.members, []);
    const dup = await call('POST', '/v1/teams', admin(), { name: 'platform' });
    assert.equal(dup.status, 409);
    assert.deepEqual(paths(dup.body), ['name']);
    assert.equal((await call('POST', '/v1/teams', admin(), { name: 't-ann' })).status, 409, 'a user has that name');
    const bad = await call('POST', '/v1/teams', admin(), { name: 'no spaces', colour: 'red' });
    assert.equal(bad.status, 400);
    assert.ok(paths(bad.body).includes('name') && paths(bad.body).some((p) => p === '' || p === 'colour'), JSON.stringify(bad.body));
    assert.deepEqual(paths((await call('POST', '/v1/teams', admin(), {})).body), ['name']);

    const added = await call('PUT', `/v1/teams/${id}/members/${ann.id}`, admin());
    assert.equal(added.status, 200, added.text);
    assert.deepEqual((added.body?.members as { username: string }[]).map((m) => m.username), ['t-ann']);
    assert.equal((await call('PUT', `/v1/teams/${id}/members/usr_missing`, admin())).status, 404);
    assert.equal((await call('PUT', `/v1/teams/team_missing/members/${ann.id}`, admin())).status, 404);
    assert.equal((await call('PUT', `/v1/teams/${id}/members/${id}`, admin())).status, 404, 'a team is no member');
    assert.ok(((await call('GET', '/v1/teams', admin())).body?.items as { id: string }[]).some((t) => t.id === id));
    assert.equal((await call('GET', `/v1/teams/${id}`, admin())).body?.name, 'platform');
    assert.equal((await call('DELETE', `/v1/teams/${id}/members/${ann.id}`, admin())).status, 204);
    assert.equal((await call('DELETE', `/v1/teams/${id}/members/${ann.id}`, admin())).status, 404);
    assert.equal((await call('DELETE', `/v1/teams/${id}`, admin())).status, 204);
    assert.equal((await call('GET', `/v1/teams/${id}`, admin())).status, 404);
  });

  it('a non-admin sees only its own teams; another team is 404; it cannot add itself to any team (nothing changes)', async () => {
    const mo = await newUser('t-mo');
    const mine = (await call('POST', '/v1/teams', admin(), { name: 'mo-team' })).body?.id as string;
    const other = (await call('POST', '/v1/teams', admin(), { name: 'secret-team' })).body?.id as string;
    assert.equal((await call('PUT', `/v1/teams/${mine}/members/${mo.id}`, admin())).status, 200);

    const list = await call('GET', '/v1/teams', mo.auth);
    assert.deepEqual((list.body?.items as { id: string }[]).map((t) => t.id), [mine]);
    assert.equal((await call('GET', `/v1/teams/${mine}`, mo.auth)).status, 200);
    const hidden = await call('GET', `/v1/teams/${other}`, mo.auth);
    assert.equal(hidden.status, 404);
    const missing = await call('GET', '/v1/teams/team_never_existed', mo.auth);
    assert.deepEqual([hidden.body?.error?.code, hidden.body?.error?.message], [missing.body?.error?.code, `team '${other}' not found`], 'the answer for a missing team');

    // The attack: joining a team it is not in, managing the one it is in.
    assert.equal((await call('PUT', `/v1/teams/${other}/members/${mo.id}`, mo.auth)).status, 404);
    assert.equal((await call('PUT', `/v1/teams/${mine}/members/${mo.id}`, mo.auth)).status, 403);
    assert.equal((await call('DELETE', `/v1/teams/${other}`, mo.auth)).status, 404);
    assert.equal((await call('DELETE', `/v1/teams/${mine}`, mo.auth)).status, 403);
    assert.equal((await call('DELETE', `/v1/teams/${mine}/members/${mo.id}`, mo.auth)).status, 403);
    assert.equal((await call('POST', '/v1/teams', mo.auth, { name: 'mo-own' })).status, 403);
    assert.deepEqual(await store.teamsOf(mo.id), [mine], 'nothing changed');
    assert.deepEqual((await store.getTeam(other)).members, []);
    assert.ok(!(await store.listTeams()).some((t) => t.name === 'mo-own'));
  });

  it('deleting a user removes its memberships', async () => {
    const ed = await newUser('t-ed');
    const team = (await call('POST', '/v1/teams', admin(), { name: 'ed-team' })).body?.id as string;
    await call('PUT', `/v1/teams/${team}/members/${ed.id}`, admin());
    assert.equal((await call('DELETE', `/v1/users/${ed.id}`, admin())).status, 204);
    assert.deepEqual((await call('GET', `/v1/teams/${team}`, admin())).body?.members, []);
  });

  // ---------------------------------------------------------------- sessions

  /** Logs in through POST /v1/sessions; the cookie header to send back and the CSRF token. */
  async function login(username: string, password: string) {
    const r = await call('POST', '/v1/sessions', {}, { username, password });
    assert.equal(r.status, 201, r.text);
    const setCookie = r.headers.get('set-cookie') ?? '';
    const m = /^kairos_session=([A-Za-z0-9_-]{43});/.exec(setCookie);
    assert.ok(m, setCookie);
    return { cookie: { cookie: `kairos_session=${m[1]}` }, csrf: r.body?.csrfToken as string, res: r, token: m[1]! };
  }

  it('POST /v1/sessions sets an HttpOnly, SameSite=Strict cookie for / and answers the CSRF token, expiry and user', async () => {
    await newUser('s-ana');
    const { res, cookie, csrf } = await login('s-ana', 's-ana-password');
    const setCookie = res.headers.get('set-cookie') ?? '';
    const attrs = setCookie.split(';').map((a) => a.trim());
    for (const a of ['HttpOnly', 'SameSite=Strict', 'Path=/']) assert.ok(attrs.includes(a), `${a} in ${setCookie}`);
    assert.ok(!attrs.includes('Secure'), 'plain HTTP: no Secure');
    assert.match(csrf, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(Date.parse(res.body?.expiresAt as string) > Date.now());
    assert.equal((res.body?.user as { username: string }).username, 's-ana');
    assert.ok(!res.text.includes('scrypt'));
    const me = await call('GET', '/v1/me', cookie);
    assert.equal(me.status, 200);
    assert.equal(me.body?.via, 'session');
    const current = await call('GET', '/v1/sessions/current', cookie);
    assert.equal(current.status, 200);
    assert.equal(current.body?.csrfToken, csrf, 'told again after a reload');
    assert.equal((current.body?.user as { username: string }).username, 's-ana');
    assert.equal((await call('GET', '/v1/sessions/current', admin())).status, 404, 'Basic has no session');
  });

  it('the Secure attribute is set when the request came over TLS', () => {
    const header = sessionCookie({ secure: true } as Context, 'tok', new Date(0).toISOString());
    assert.ok(header.split('; ').includes('Secure'), header);
  });

  it('wrong credentials → 401 with no hint which part; missing → 401 naming it; wrong types → 400 naming it', async () => {
    await newUser('s-bo');
    const wrongPassword = await call('POST', '/v1/sessions', {}, { username: 's-bo', password: 'not-the-password' });
    const unknownUser = await call('POST', '/v1/sessions', {}, { username: 's-nobody', password: 's-bo-password' });
    assert.equal(wrongPassword.status, 401);
    assert.equal(unknownUser.status, 401);
    assert.deepEqual(wrongPassword.body, unknownUser.body);
    assert.equal(wrongPassword.headers.get('set-cookie'), null);
    const missing = await call('POST', '/v1/sessions', {}, {});
    assert.equal(missing.status, 401);
    assert.deepEqual(paths(missing.body).sort(), ['password', 'username']);
    const typed = await call('POST', '/v1/sessions', {}, { username: 's-bo', password: 42 });
    assert.equal(typed.status, 400);
    assert.deepEqual(paths(typed.body), ['password']);
    assert.equal((await call('POST', '/v1/sessions', {}, { username: 's-bo', password: 's-bo-password', extra: 1 })).status, 400);
  });

  it('logins are throttled like Basic: 5 failures, then 429 even for the right password', async () => {
    await newUser('s-cy');
    for (let i = 0; i < 5; i++) assert.equal((await call('POST', '/v1/sessions', {}, { username: 's-cy', password: `guess-${i}` })).status, 401);
    const right = await call('POST', '/v1/sessions', {}, { username: 's-cy', password: 's-cy-password' });
    assert.equal(right.status, 429);
    assert.ok(Number(right.headers.get('retry-after')) > 0);
    assert.equal((await call('GET', '/v1/me', { authorization: basic('s-cy', 's-cy-password') })).status, 429, 'one throttle for both');
  });

  it('a login form on another site cannot log a browser in (cross-site check before the public route)', async () => {
    const r = await call('POST', '/v1/sessions', { origin: 'http://evil.example' }, { username: 'admin', password: adminPassword });
    assert.equal(r.status, 403);
    assert.equal(r.headers.get('set-cookie'), null);
  });

  it('state-changing requests with the cookie need X-CSRF-Token (403 without or with a wrong one); Basic needs none', async () => {
    await newUser('s-di');
    const di = await login('s-di', 's-di-password');
    const other = await login('s-di', 's-di-password');
    const noToken = await call('POST', '/v1/api-keys', di.cookie, { name: 'k' });
    assert.equal(noToken.status, 403);
    assert.deepEqual(paths(noToken.body), ['X-CSRF-Token']);
    assert.equal((await call('POST', '/v1/api-keys', { ...di.cookie, 'x-csrf-token': other.csrf }, { name: 'k' })).status, 403, "another session's token");
    assert.equal((await call('POST', '/v1/api-keys', { ...di.cookie, 'x-csrf-token': 'x'.repeat(10_000) }, { name: 'k' })).status, 403);
    assert.equal((await call('GET', '/v1/api-keys', di.cookie)).body?.items instanceof Array, true, 'GET needs none');
    const ok = await call('POST', '/v1/api-keys', { ...di.cookie, 'x-csrf-token': di.csrf }, { name: 'k' });
    assert.equal(ok.status, 201);
    assert.equal((await store.listApiKeys({ ownerId: ok.body?.ownerId as string })).length, 1, 'only the one with the token was made');
  });

  it('log-out ends the session and clears the cookie; the old cookie (as anyone who copied it) gets 401', async () => {
    await newUser('s-ed');
    const ed = await login('s-ed', 's-ed-password');
    assert.equal((await call('DELETE', '/v1/sessions/current', ed.cookie)).status, 403, 'log-out needs the CSRF token too');
    const out = await call('DELETE', '/v1/sessions/current', { ...ed.cookie, 'x-csrf-token': ed.csrf });
    assert.equal(out.status, 204);
    const cleared = out.headers.get('set-cookie') ?? '';
    assert.match(cleared, /^kairos_session=;/);
    assert.ok(cleared.includes('Max-Age=0'));
    // The attack: replaying the revoked cookie, with its CSRF token, from anywhere.
    assert.equal((await call('GET', '/v1/me', ed.cookie)).status, 401);
    assert.equal((await call('POST', '/v1/api-keys', { ...ed.cookie, 'x-csrf-token': ed.csrf }, { name: 'after' })).status, 401);
  });

  it("a password change, a role change and a token revocation end the user's sessions; other users' stay", async () => {
    const fa = await newUser('s-fa');
    await newUser('s-gi');
    const gi = await login('s-gi', 's-gi-password');
    for (const [what, change] of [
      ['password', () => call('PUT', `/v1/users/${fa.id}/password`, admin(), { password: 's-fa-password' })],
      ['role', () => call('PUT', `/v1/users/${fa.id}/role`, admin(), { role: 'admin' })],
      ['revoke', () => call('POST', `/v1/users/${fa.id}/revoke-tokens`, admin())],
    ] as const) {
      const fa1 = await login('s-fa', 's-fa-password');
      assert.equal((await call('GET', '/v1/me', fa1.cookie)).status, 200);
      assert.ok((await change()).status < 300, what);
      assert.equal((await call('GET', '/v1/me', fa1.cookie)).status, 401, what);
    }
    assert.equal((await call('GET', '/v1/me', gi.cookie)).status, 200, "another user's session stands");
    const fa2 = await login('s-fa', 's-fa-password');
    assert.equal((await call('DELETE', `/v1/users/${fa.id}`, admin())).status, 204);
    assert.equal((await call('GET', '/v1/me', fa2.cookie)).status, 401, 'user gone');
  });
});
