// The web-facing attacks of issue #13, each performed and shown to fail without side effects:
// cross-site requests riding a browser's credentials (a foreign form creating an admin, a text/plain
// POST creating a CluedIn job, a cross-site form pausing a job), over-long and pathological strings
// (a 30 KB URL that used to stall the event loop), and password guessing (throttled per user and per
// client address, scrypt at the current cost with re-hashing of older hashes). The throttle is tested
// on an in-process app built from the production parts (createApp, authenticate, AuthStore, the Volt
// MX routes) with the default limits: the shared stack raises them, as every test file connects from
// 127.0.0.1 and some send wrong credentials on purpose.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Router from '@koa/router';
import { pino } from 'pino';
import { api, apiUrl, uniqueId, type ApiResponse } from '../support/env.ts';
import { createApp } from '../../api/app.ts';
import { authenticate } from '../../api/auth.ts';
import { renderNativeError } from '../../api/errors.ts';
import { LOGIN_PATH, voltmxAuthenticate } from '../../api/dialects/voltmx/auth.ts';
import { renderVoltmxError } from '../../api/dialects/voltmx/errors.ts';
import { voltmxRoutes } from '../../api/dialects/voltmx/routes.ts';
import { AuthStore } from '../../core/auth/store.ts';
import { hashPasswordWith } from '../../core/auth/hash.ts';
import { TokenSigner } from '../../core/auth/tokens.ts';
import { freshState, type TestState } from '../support/db.ts';

const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
const FOREIGN = 'http://evil.example';
const FORM = 'application/x-www-form-urlencoded';
type NativeError = { error: { code: string; message: string; details: { path: string; message: string }[] } };

function nativeError(res: ApiResponse<unknown>, status: number, path?: string): NativeError {
  assert.equal(res.status, status, JSON.stringify(res.body));
  const b = res.body as NativeError;
  assert.equal(typeof b.error?.code, 'string', JSON.stringify(b));
  if (path !== undefined) assert.ok(b.error.details.some((d) => d.path === path), `names ${path}: ${JSON.stringify(b).slice(0, 500)}`);
  return b;
}

describe('security: browsers and cross-site requests', () => {
  const username = uniqueId('web-user');
  const password = 'web-user-password-1';
  let userAuth = '';
  const ownOrigin = () => new URL(apiUrl()).origin;

  before(async () => {
    const res = await api('POST', '/v1/users', { body: { username, password, role: 'user' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    userAuth = basic(username, password);
  });

  it("a form POST from a foreign Origin with the admin's browser credentials cannot create an admin user (403, nothing created)", async () => {
    const evil = uniqueId('evil');
    const body = `username=${evil}&password=evil-password-1&role=admin`;
    nativeError(await api('POST', '/v1/users', { rawBody: body, headers: { 'content-type': FORM, origin: FOREIGN } }), 403);
    nativeError(await api('POST', '/v1/users', { rawBody: body, headers: { 'content-type': FORM, origin: 'null' } }), 403);
    // The same form without an Origin (a script): not JSON, so 415.
    nativeError(await api('POST', '/v1/users', { rawBody: body, headers: { 'content-type': FORM } }), 415);
    const users = (await api<{ items: { username: string }[] }>('GET', '/v1/users')).body.items;
    assert.ok(!users.some((u) => u.username === evil), 'no user was created');
  });

  it('a text/plain POST cannot create a CluedIn job (415 in the problem shape, no job)', async () => {
    const cfg = randomUUID();
    const job = { ConfigurationId: cfg, OrganizationId: randomUUID(), UserId: randomUUID(), Cron: '0 0 1 1 *', Job: 'Acceptance', Task: { Type: 'http', Data: { url: 'http://127.0.0.1:9/never' } } };
    const res = await api<{ status: number; title: string }>('POST', '/cluedin/api/v1/hangfire/jobs/crawling', { auth: userAuth, rawBody: JSON.stringify(job), headers: { 'content-type': 'text/plain' } });
    assert.equal(res.status, 415, JSON.stringify(res.body));
    assert.equal(res.body.status, 415, 'ASP.NET problem details');
    const listed = await api<{ ConfigurationId: string }[]>('GET', '/cluedin/api/v1/hangfire/jobs/crawling', { auth: userAuth });
    assert.equal(listed.status, 200);
    assert.ok(!listed.body.some((j) => j.ConfigurationId === cfg), 'no CluedIn job was created');
    // The documented form endpoint keeps its form body but not from another site.
    const trigger = await api('POST', '/cluedin/hangfire/recurring/trigger', { auth: userAuth, rawBody: `jobIds%5B%5D=${cfg}`, headers: { 'content-type': FORM, origin: FOREIGN } });
    assert.equal(trigger.status, 403);
  });

  it("a cross-site form POST cannot pause a user's job (403, the job stays enabled)", async () => {
    const id = uniqueId('web-pause');
    const created = await api('POST', '/v1/jobs', { auth: userAuth, body: { id, type: 'http', data: { url: 'http://127.0.0.1:9/never' }, triggers: [{ type: 'cron', expression: '0 0 1 1 *' }] } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    try {
      const paused = await api('POST', `/v1/jobs/${id}/pause`, { auth: userAuth, rawBody: '', headers: { 'content-type': FORM, 'sec-fetch-site': 'cross-site' } });
      nativeError(paused, 403);
      assert.equal((await api<{ enabled: boolean }>('GET', `/v1/jobs/${id}`, { auth: userAuth })).body.enabled, true, 'still enabled');
      // From the API's own origin (the dashboard) the same request works.
      const own = await api('POST', `/v1/jobs/${id}/pause`, { auth: userAuth, headers: { origin: ownOrigin(), 'sec-fetch-site': 'same-origin' } });
      assert.equal(own.status, 200, JSON.stringify(own.body));
    } finally {
      await api('DELETE', `/v1/jobs/${id}`, { auth: userAuth });
    }
  });

  it('Volt MX login by form from the same origin still works; from a foreign origin it is a 403', async () => {
    const body = `userid=${encodeURIComponent(username)}&password=${password}`;
    const ok = await api<{ claims_token: { value: string } }>('POST', `/voltmx${LOGIN_PATH}`, { auth: null, rawBody: body, headers: { 'content-type': FORM, origin: ownOrigin() } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(typeof ok.body.claims_token.value, 'string');
    const foreign = await api<{ domain: string }>('POST', `/voltmx${LOGIN_PATH}`, { auth: null, rawBody: body, headers: { 'content-type': FORM, origin: FOREIGN } });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.domain, 'AUTH', 'the identity service shape');
  });

  it('responses carry nosniff, and authenticated ones Cache-Control: no-store', async () => {
    const list = await api('GET', '/v1/jobs', { auth: userAuth });
    assert.equal(list.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(list.headers.get('cache-control'), 'no-store');
    const denied = await api('GET', '/v1/jobs', { auth: null });
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('x-content-type-options'), 'nosniff');
    const health = await fetch(`${apiUrl()}/healthz`);
    assert.equal(health.headers.get('x-content-type-options'), 'nosniff');
  });
});

describe('security: input limits', () => {
  const username = uniqueId('limits-user');
  let userAuth = '';
  const huge = 'a'.repeat(30_000);
  // The shape that made the old URL-credential regex backtrack quadratically.
  const colons = ':'.repeat(30_000);
  const hugeUrl = `http://${colons}@x/`;

  before(async () => {
    assert.equal((await api('POST', '/v1/users', { body: { username, password: 'limits-password-1', role: 'user' } })).status, 201);
    userAuth = basic(username, 'limits-password-1');
  });

  /** Sends `body` while /healthz is asked at the same time: the API must answer both. */
  async function withHealth<T>(req: Promise<T>): Promise<T> {
    const [res, health] = await Promise.all([req, fetch(`${apiUrl()}/healthz`, { signal: AbortSignal.timeout(10_000) })]);
    assert.equal(health.status, 200, 'the API stays responsive');
    return res;
  }

  it('a 30 KB URL or string in each free field of a /v1 job → 400 naming the field, nothing created', async () => {
    const id = uniqueId('limits');
    const base = { id, type: 'http', data: { url: 'http://127.0.0.1:9/x' }, triggers: [] as unknown[] };
    const cases: [string, Record<string, unknown>][] = [
      ['data.url', { data: { url: `http://127.0.0.1/${huge}` } }],
      ['data.url', { data: { url: hugeUrl } }],
      ['data.headers.x', { data: { url: 'http://127.0.0.1:9/x', headers: { x: colons } } }],
      ['name', { name: colons }],
      ['description', { description: huge }],
      ['tags.0', { tags: [huge] }],
      ['timezone', { timezone: `${huge}/x` }],
      ['slug', { slug: `a${'-'.repeat(30_000)}!` }],
      ['triggers.0.expression', { triggers: [{ type: 'cron', expression: `${'1 '.repeat(15_000)}x` }] }],
      ['triggers.0.every', { triggers: [{ type: 'interval', every: `${'1'.repeat(30_000)}h` }] }],
      ['triggers.0.jobId', { triggers: [{ type: 'job', jobId: huge, on: ['succeeded'] }] }],
      ['jitter', { jitter: `${'1h'.repeat(15_000)}` }],
    ];
    for (const [path, patch] of cases) {
      const res = await withHealth(api('POST', '/v1/jobs', { auth: userAuth, body: { ...base, ...patch } }));
      nativeError(res, 400, path);
    }
    const longId = await withHealth(api('POST', '/v1/jobs', { auth: userAuth, body: { ...base, id: `a${huge}` } }));
    nativeError(longId, 400, 'id');
    assert.equal((await api('GET', `/v1/jobs/${id}`, { auth: userAuth })).status, 404, 'nothing was created');
  });

  it('a 30 KB URL in a Fusion datasource → 400 in the Fusion shape, nothing created', async () => {
    const id = uniqueId('limits-ds');
    for (const url of [hugeUrl, `http://127.0.0.1/${huge}`]) {
      const res = await withHealth(
        api<{ httpStatusCode: number; details?: unknown }>('POST', '/fusion/api/connectors/datasources', {
          auth: userAuth,
          body: { id, connector: 'kairos', type: 'http', properties: { source: { kind: 'http', url, format: 'csv' }, key: 'id', sink: { kind: 'ndjson', path: '/tmp/x.ndjson' } } },
        }),
      );
      assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 500));
      assert.equal(res.body.httpStatusCode, 400);
      assert.match(JSON.stringify(res.body), /url/);
    }
    assert.equal((await api('GET', `/fusion/api/connectors/datasources/${id}`, { auth: userAuth })).status, 404, 'nothing was created');
  });
});

describe('security: password guessing', () => {
  let dir = '';
  let state: TestState;
  let store: AuthStore;
  let server: Server;
  let base = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kairos-guess-'));
    // The production defaults: 5 failures per user, 20 per address, in 15 minutes.
    state = await freshState();
    store = new AuthStore(state.db);
    const tokens = new TokenSigner(randomBytes(32), { ttlMs: 60_000 });
    const probe = new Router({ prefix: '/v1' });
    probe.get('/whoami', (ctx) => {
      ctx.body = { name: (ctx.state as { principal: { name: string } }).principal.name };
    });
    const voltmx = voltmxRoutes({ jobs: {} as never, runs: {} as never, jobIds: {} as never, auth: store, tokens, bodyLimitBytes: 1 << 20 }, '/voltmx');
    const app = createApp({
      logger: pino({ level: 'silent' }),
      bodyLimit: '1mb',
      publicRouters: [],
      authenticate: authenticate(store),
      surfaces: [
        { prefix: '/v1', renderError: renderNativeError, routers: [probe] },
        {
          prefix: '/voltmx',
          renderError: renderVoltmxError,
          formRoutes: [`POST ${LOGIN_PATH}`],
          authenticate: voltmxAuthenticate({ prefix: '/voltmx', tokens, users: () => store, fallback: authenticate(store) }),
          routers: [voltmx],
        },
      ],
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.flush();
    await state.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const whoami = (auth: Record<string, string>) => fetch(`${base}/v1/whoami`, { headers: auth });

  it('30 wrong passwords → 429 with Retry-After, even for the right one next; another user logs in fine; a success resets', async () => {
    await store.createUser({ username: 'victim', password: 'victim-password-1' });
    await store.createUser({ username: 'bystander', password: 'bystander-password-1' });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await whoami({ authorization: basic('victim', `guess-${i}`) })).status);
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.ok(statuses.slice(5).every((s) => s === 429), statuses.join(','));
    const right = await whoami({ authorization: basic('victim', 'victim-password-1') });
    assert.equal(right.status, 429, 'the right password while throttled is refused too');
    assert.ok(Number(right.headers.get('retry-after')) > 0, `Retry-After: ${right.headers.get('retry-after')}`);
    const shape = (await right.json()) as NativeError;
    assert.equal(shape.error.code, 'rate_limited');
    const other = await whoami({ authorization: basic('bystander', 'bystander-password-1') });
    assert.equal(other.status, 200, 'another user from the same address is unaffected');

    // A success clears the user's count: 4 failures, a success, 4 more failures are all 401s.
    const seq: number[] = [];
    for (let i = 0; i < 4; i++) seq.push((await whoami({ authorization: basic('bystander', `nope-${i}`) })).status);
    seq.push((await whoami({ authorization: basic('bystander', 'bystander-password-1') })).status);
    for (let i = 0; i < 4; i++) seq.push((await whoami({ authorization: basic('bystander', `nope2-${i}`) })).status);
    assert.deepEqual(seq, [401, 401, 401, 401, 200, 401, 401, 401, 401]);
  });

  it('Volt MX logins are throttled too, in the identity shape', async () => {
    await store.createUser({ username: 'mx-user', password: 'mx-user-password-1' });
    const login = (pw: string) =>
      fetch(`${base}/voltmx${LOGIN_PATH}`, { method: 'POST', headers: { 'content-type': FORM }, body: `userid=mx-user&password=${pw}` });
    for (let i = 0; i < 5; i++) assert.equal((await login(`wrong-${i}`)).status, 401);
    const throttled = await login('mx-user-password-1');
    assert.equal(throttled.status, 429);
    assert.ok(Number(throttled.headers.get('retry-after')) > 0);
    assert.equal(((await throttled.json()) as { domain: string }).domain, 'AUTH');
  });

  it('wrong API keys are throttled per client address; once it has 20 failures every login from it is refused', async () => {
    // The tests above left failures on this address (a success does not take them back).
    const key = (i: number) => ({ 'x-api-key': `kairos_${String(i).padStart(43, 'A')}` });
    assert.equal((await whoami(key(0))).status, 401);
    let tries = 1;
    while ((await whoami(key(tries))).status === 401) assert.ok(++tries <= 20, 'throttled within 20 failures');
    const bearer = await whoami({ authorization: 'Bearer kairos_not-a-key' });
    assert.equal(bearer.status, 429);
    assert.ok(Number(bearer.headers.get('retry-after')) > 0);
    const bystander = await whoami({ authorization: basic('bystander', 'bystander-password-1') });
    assert.equal(bystander.status, 429, 'the address is throttled for every user');
  });

  it('an older-cost scrypt hash works and is re-hashed at N=2^17 on the next successful login', async () => {
    const s2 = await freshState();
    try {
      const s = new AuthStore(s2.db);
      const u = await s.createUser({ username: 'legacy', password: 'legacy-password-1' });
      const older = await hashPasswordWith('legacy-password-1', { N: 16384, r: 8, p: 1 });
      await s2.db.kysely.updateTable('principals').set({ password_hash: older }).where('id', '=', u.id).execute();
      const reread = new AuthStore(s2.db);
      assert.equal((await reread.authenticateBasic('legacy', 'legacy-password-1', '10.0.0.1'))?.name, 'legacy');
      const after = await s2.db.kysely.selectFrom('principals').select('password_hash').where('id', '=', u.id).executeTakeFirstOrThrow();
      assert.match(after.password_hash ?? '', /^scrypt\$131072\$8\$1\$/);
      assert.equal((await new AuthStore(s2.db).authenticateBasic('legacy', 'legacy-password-1'))?.name, 'legacy', 'the new hash verifies');
      await reread.flush();
    } finally {
      await s2.close();
    }
  });
});
