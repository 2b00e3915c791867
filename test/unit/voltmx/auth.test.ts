// Login tokens (core/auth/tokens.ts) and the Volt MX surface's authentication, on a real Koa app with
// a real credential store in a fresh state store (no Temporal).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import pino from 'pino';
import { SignJWT } from 'jose';
import { TokenSigner } from '../../../core/auth/tokens.ts';
import { AuthStore } from '../../../core/auth/store.ts';
import { openDatabase } from '../../../core/db/open.ts';
import { freshState } from '../../support/db.ts';
import { createApp } from '../../../api/app.ts';
import { authenticate, principalOf } from '../../../api/auth.ts';
import { renderVoltmxError } from '../../../api/dialects/voltmx/errors.ts';
import { LOGIN_PATH, voltmxAuthenticate } from '../../../api/dialects/voltmx/auth.ts';
import { voltmxRoutes } from '../../../api/dialects/voltmx/routes.ts';
import Router from '@koa/router';


describe('login tokens', () => {
  it('verify what was issued until it expires; then "expired"', async () => {
    let now = 1_000_000;
    const t = new TokenSigner(randomBytes(32), { ttlMs: 60_000, now: () => now });
    const tok = await t.issue('user_1', 'voltmx', 3);
    assert.equal(tok.expiresAt, 1_060_000);
    assert.deepEqual(await t.verify(tok.value, 'voltmx'), { ok: true, userId: 'user_1', credentialVersion: 3, expiresAt: 1_060_000 });
    now = 1_059_999;
    assert.equal((await t.verify(tok.value, 'voltmx')).ok, true);
    now = 1_060_000;
    assert.deepEqual(await t.verify(tok.value, 'voltmx'), { ok: false, reason: 'expired' });
  });

  it('rejects tampering, another audience, garbage, and tokens signed with another key', async () => {
    const t = new TokenSigner(randomBytes(32), { ttlMs: 60_000 });
    const tok = (await t.issue('user_1', 'voltmx', 0)).value;
    const [v, body, sig] = tok.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body ?? '', 'base64url').toString()), sub: 'admin' })).toString('base64url');
    for (const bad of [`${v}.${forged}.${sig}`, `${tok}x`, tok.slice(0, -2), 'e30.e30.x', '', 'Bearer x', 'a'.repeat(5000)]) {
      assert.deepEqual(await t.verify(bad, 'voltmx'), { ok: false, reason: 'invalid' }, bad.slice(0, 40));
    }
    assert.deepEqual(await t.verify(tok, 'cluedin'), { ok: false, reason: 'invalid' });
    const other = new TokenSigner(randomBytes(32), { ttlMs: 60_000 });
    assert.deepEqual(await other.verify(tok, 'voltmx'), { ok: false, reason: 'invalid' });
  });

  it('the credential version claim: a token without one (issued before it existed) is version 0; a malformed one is invalid', async () => {
    const secret = randomBytes(32);
    const t = new TokenSigner(secret, { ttlMs: 60_000 });
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject('u').setAudience('voltmx').setExpirationTime('1m').sign(secret);
    const legacy = await t.verify(await sign({}), 'voltmx');
    assert.equal(legacy.ok && legacy.credentialVersion, 0);
    for (const cv of [-1, 1.5, '2', null, Number.MAX_SAFE_INTEGER + 2]) {
      assert.deepEqual(await t.verify(await sign({ cv }), 'voltmx'), { ok: false, reason: 'invalid' }, `cv ${String(cv)}`);
    }
  });
});

describe('the Volt MX surface\'s authentication', async () => {
  const state = await freshState();
  after(() => state.close());
  const store = new AuthStore(state.db);
  const ana = await store.createUser({ username: 'ana', password: 'ana-password', role: 'user' });
  let now = Date.now();
  const tokens = new TokenSigner(randomBytes(32), { ttlMs: 60_000, now: () => now });
  const probe = new Router({ prefix: '/voltmx' });
  probe.get('/whoami', (ctx) => {
    const p = principalOf(ctx);
    ctx.body = { id: p.id, via: p.via };
  });
  const routes = voltmxRoutes({ jobs: {} as never, runs: {} as never, jobIds: {} as never, auth: store, tokens, bodyLimitBytes: 1 << 20 }, '/voltmx');
  const app = createApp({
    logger: pino({ level: 'silent' }),
    bodyLimit: '1mb',
    publicRouters: [],
    authenticate: authenticate(store),
    surfaces: [
      {
        prefix: '/voltmx',
        renderError: renderVoltmxError,
        formRoutes: [`POST ${LOGIN_PATH}`],
        authenticate: voltmxAuthenticate({ prefix: '/voltmx', tokens, users: () => store, fallback: authenticate(store) }),
        routers: [routes, probe],
      },
    ],
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  after(() => server.close());
  const addr = server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/voltmx`;
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, init);
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
  };
  const login = (body: string, type = 'application/x-www-form-urlencoded') =>
    call('/authService/accounts/login', { method: 'POST', headers: { 'content-type': type }, body });

  it('login with form-encoded credentials answers the profile and a claims token (no-store)', async () => {
    const r = await login('userid=ana&password=ana-password');
    assert.equal(r.status, 200);
    const claims = r.body.claims_token as { value: string; exp: number; integrity_check_required: boolean };
    assert.equal(typeof claims.value, 'string');
    assert.ok(claims.exp > Date.now());
    assert.equal(claims.integrity_check_required, false);
    assert.equal((r.body.profile as { userid: string }).userid, 'ana');
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const me = await call('/whoami', { headers: { 'X-VoltMX-Authorization': claims.value } });
    assert.deepEqual(me.body, { id: ana.id, via: 'token' });
  });

  it('login with JSON works too; wrong or missing credentials → 401 in the identity shape naming the field', async () => {
    assert.equal((await login(JSON.stringify({ userid: 'ana', password: 'ana-password' }), 'application/json')).status, 200);
    const wrong = await login('userid=ana&password=nope');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.code, -4);
    assert.equal(wrong.body.domain, 'AUTH');
    const missing = await login('userid=ana');
    assert.equal(missing.status, 401);
    assert.match(String(missing.body.message), /password is required/);
    const malformed = await login('{', 'application/json');
    assert.equal(malformed.status, 400, 'malformed JSON is a client mistake');
    assert.equal(malformed.body.domain, 'AUTH');
  });

  it('a bad or expired token → 401 in the admin shape; Basic still works; no credentials → 401', async () => {
    const tok = (await login('userid=ana&password=ana-password')).body.claims_token as { value: string };
    const bad = await call('/whoami', { headers: { 'X-VoltMX-Authorization': `${tok.value}x` } });
    assert.equal(bad.status, 401);
    assert.deepEqual({ status: bad.body.status, code: (bad.body.result as { code: string }).code }, { status: 'FAIL', code: 'FAILURE_INVALID_TOKEN' });
    now += 61_000;
    const expired = await call('/whoami', { headers: { 'X-VoltMX-Authorization': tok.value } });
    assert.equal(expired.status, 401);
    assert.equal(expired.body.message, 'Token expired');
    now -= 61_000;
    const basic = await call('/whoami', { headers: { authorization: `Basic ${Buffer.from('ana:ana-password').toString('base64')}` } });
    assert.deepEqual(basic.body, { id: ana.id, via: 'basic' });
    const none = await call('/whoami');
    assert.equal(none.status, 401);
    assert.equal(none.body.status, 'FAIL');
  });

  /** A fresh user and a token of theirs that works. */
  const userWithToken = async (username: string, password: string) => {
    const user = await store.createUser({ username, password });
    const token = ((await login(`userid=${username}&password=${password}`)).body.claims_token as { value: string }).value;
    assert.equal((await whoami(token)).status, 200);
    return { user, token };
  };
  const whoami = (token: string) => call('/whoami', { headers: { 'X-VoltMX-Authorization': token } });
  /** The answer to a token that no longer stands: the admin APIs' 401, invalid token, naming the header. */
  const assertRevoked = async (token: string, why: RegExp) => {
    const r = await whoami(token);
    assert.equal(r.status, 401);
    assert.equal(r.body.status, 'FAIL');
    assert.equal(r.body.message, 'Token invalid');
    const result = r.body.result as { code: string; errors: { field: string; message: string }[] };
    assert.equal(result.code, 'FAILURE_INVALID_TOKEN');
    assert.equal(result.errors[0]?.field, 'X-VoltMX-Authorization');
    assert.match(result.errors[0]?.message ?? '', why);
  };

  it('a token of a deleted user stops working at once', async () => {
    const { user, token } = await userWithToken('bo', 'bo-password');
    await store.deleteUser(user.id);
    await assertRevoked(token, /no longer exists/);
  });

  it('a password change ends the tokens issued before it; a login with the new password works', async () => {
    const { user, token } = await userWithToken('cy', 'cy-password');
    await store.setPassword(user.id, 'cy-password-2');
    await assertRevoked(token, /password or role changed/);
    assert.equal((await login('userid=cy&password=cy-password')).status, 401);
    const fresh = ((await login('userid=cy&password=cy-password-2')).body.claims_token as { value: string }).value;
    assert.deepEqual((await whoami(fresh)).body, { id: user.id, via: 'token' });
  });

  it('a role change and an explicit revocation end tokens too; setting the same role does not', async () => {
    const { user, token } = await userWithToken('di', 'di-password');
    await store.setRole(user.id, 'user');
    assert.equal((await whoami(token)).status, 200, 'no change, no revocation');
    await store.setRole(user.id, 'admin');
    await assertRevoked(token, /password or role changed/);
    const second = ((await login('userid=di&password=di-password')).body.claims_token as { value: string }).value;
    assert.equal((await whoami(second)).status, 200);
    await store.revokeTokens(user.id);
    await assertRevoked(second, /revoked/);
    // Other users' tokens are untouched.
    const anaToken = ((await login('userid=ana&password=ana-password')).body.claims_token as { value: string }).value;
    await store.revokeTokens(user.id);
    assert.equal((await whoami(anaToken)).status, 200);
  });

  it('another instance on the same state store sees the change at once (the database is the truth)', async () => {
    const { user, token } = await userWithToken('ed', 'ed-password');
    const otherDb = openDatabase(state.cfg);
    try {
      await new AuthStore(otherDb).setPassword(user.id, 'ed-password-2');
    } finally {
      await otherDb.close();
    }
    await assertRevoked(token, /password or role changed/);
  });
});
