// Login tokens (core/auth/tokens.ts) and the Volt MX surface's authentication, on a real Koa app with
// an in-memory user store (no Temporal).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import pino from 'pino';
import { TOKEN_KEY_FILE, TokenSigner } from '../../../core/auth/tokens.ts';
import { KairosError } from '../../../core/errors.ts';
import type { Principal, PublicUser } from '../../../core/auth/store.ts';
import { createApp } from '../../../api/app.ts';
import { authenticate, principalOf } from '../../../api/auth.ts';
import { renderVoltmxError } from '../../../api/dialects/voltmx/errors.ts';
import { voltmxAuthenticate } from '../../../api/dialects/voltmx/auth.ts';
import { voltmxRoutes } from '../../../api/dialects/voltmx/routes.ts';
import Router from '@koa/router';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'kairos-voltmx-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('login tokens', () => {
  it('verify what was issued until it expires; then "expired"', async () => {
    let now = 1_000_000;
    const t = new TokenSigner(tempDir(), { ttlMs: 60_000, now: () => now });
    const tok = await t.issue('user_1', 'voltmx');
    assert.equal(tok.expiresAt, 1_060_000);
    assert.deepEqual(await t.verify(tok.value, 'voltmx'), { ok: true, userId: 'user_1', expiresAt: 1_060_000 });
    now = 1_059_999;
    assert.equal((await t.verify(tok.value, 'voltmx')).ok, true);
    now = 1_060_000;
    assert.deepEqual(await t.verify(tok.value, 'voltmx'), { ok: false, reason: 'expired' });
  });

  it('rejects tampering, another audience, garbage, and tokens signed with another key', async () => {
    const dir = tempDir();
    const t = new TokenSigner(dir, { ttlMs: 60_000 });
    const tok = (await t.issue('user_1', 'voltmx')).value;
    const [v, body, sig] = tok.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body ?? '', 'base64url').toString()), sub: 'admin' })).toString('base64url');
    for (const bad of [`${v}.${forged}.${sig}`, `${tok}x`, tok.slice(0, -2), 'e30.e30.x', '', 'Bearer x', 'a'.repeat(5000)]) {
      assert.deepEqual(await t.verify(bad, 'voltmx'), { ok: false, reason: 'invalid' }, bad.slice(0, 40));
    }
    assert.deepEqual(await t.verify(tok, 'cluedin'), { ok: false, reason: 'invalid' });
    const other = new TokenSigner(tempDir(), { ttlMs: 60_000 });
    assert.deepEqual(await other.verify(tok, 'voltmx'), { ok: false, reason: 'invalid' });
  });

  it('instances sharing a data dir share one key (created once, mode 0600), also when they start at once', async () => {
    const dir = tempDir();
    const signers = Array.from({ length: 5 }, () => new TokenSigner(dir, { ttlMs: 60_000 }));
    const tokens = await Promise.all(signers.map((s, i) => s.issue(`u${i}`, 'voltmx')));
    for (const s of signers) for (const [i, tok] of tokens.entries()) assert.deepEqual(await s.verify(tok.value, 'voltmx'), { ok: true, userId: `u${i}`, expiresAt: tok.expiresAt });
    assert.equal(statSync(join(dir, TOKEN_KEY_FILE)).mode & 0o777, 0o600);
  });
});

describe('the Volt MX surface\'s authentication', async () => {
  const users: Record<string, { password: string; user: PublicUser }> = {
    ana: { password: 'ana-password', user: { id: 'user_ana', username: 'ana', role: 'user', createdAt: '' } },
  };
  const store = {
    async authenticateBasic(username: string, password: string): Promise<Principal | null> {
      const u = users[username];
      return u && u.password === password ? { id: u.user.id, name: username, role: u.user.role, via: 'basic' } : null;
    },
    async authenticateApiKey(): Promise<Principal | null> {
      return null;
    },
    async getUser(id: string): Promise<PublicUser> {
      const u = Object.values(users).find((x) => x.user.id === id);
      if (!u) throw new KairosError('not_found', `user '${id}' not found`);
      return u.user;
    },
  };
  let now = Date.now();
  const tokens = new TokenSigner(tempDir(), { ttlMs: 60_000, now: () => now });
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
    assert.deepEqual(me.body, { id: 'user_ana', via: 'token' });
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
    assert.deepEqual(basic.body, { id: 'user_ana', via: 'basic' });
    const none = await call('/whoami');
    assert.equal(none.status, 401);
    assert.equal(none.body.status, 'FAIL');
  });

  it('a token of a deleted user stops working at once', async () => {
    users.bo = { password: 'bo-password', user: { id: 'user_bo', username: 'bo', role: 'user', createdAt: '' } };
    const tok = (await login('userid=bo&password=bo-password')).body.claims_token as { value: string };
    assert.equal((await call('/whoami', { headers: { 'X-VoltMX-Authorization': tok.value } })).status, 200);
    delete users.bo;
    assert.equal((await call('/whoami', { headers: { 'X-VoltMX-Authorization': tok.value } })).status, 401);
  });
});
