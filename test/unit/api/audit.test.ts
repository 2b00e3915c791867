// The audit middleware (api/audit.ts, wired in api/app.ts) on an in-process app over a real state
// store: what is recorded, with which outcome and action; failed logins on any method; nothing of a
// credential or a body; a dedicated port's surface name.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import Router from '@koa/router';
import { pino } from 'pino';
import { createApp } from '../../../api/app.ts';
import { auditAs } from '../../../api/audit.ts';
import { authenticate, type Authenticator } from '../../../api/auth.ts';
import { renderNativeError } from '../../../api/errors.ts';
import { AuditLog, type AuditEntry } from '../../../core/audit/log.ts';
import { forbidden, RateLimited, validationError } from '../../../core/errors.ts';
import { freshState, type TestState } from '../../support/db.ts';
import { SessionStore } from '../../../core/auth/sessions.ts';

const ALICE = { id: 'usr_alice', name: 'alice', role: 'user' as const, via: 'basic' as const };
/** Credentials: alice/right-password, or the API key kairos_good; `throttled` is refused with 429. */
const users: Omit<Authenticator, 'sessions'> = {
  authenticateBasic: (username, password) => {
    if (username === 'throttled') return Promise.reject(new RateLimited('too many failed logins', 60));
    return Promise.resolve(username === 'alice' && password === 'right-password' ? ALICE : null);
  },
  authenticateApiKey: (key) => Promise.resolve(key === 'kairos_good' ? { ...ALICE, via: 'apikey' as const } : null),
};
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('audit middleware', () => {
  let state: TestState;
  let log: AuditLog;
  const servers: Server[] = [];
  let main = '';
  let dedicated = '';

  const listen = async (app: ReturnType<typeof createApp>): Promise<string> => {
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    servers.push(server);
    const addr = server.address();
    return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  };

  before(async () => {
    state = await freshState();
    log = new AuditLog(state.db);
    const v1 = new Router({ prefix: '/v1' });
    v1.get('/jobs', (ctx) => {
      ctx.body = [];
    });
    v1.post('/jobs/:id/run', (ctx) => {
      ctx.status = 202;
      ctx.body = { runId: 'r1' };
    });
    v1.delete('/jobs/:id', () => {
      throw forbidden('not yours');
    });
    v1.post('/jobs', () => {
      throw validationError('invalid job', [{ path: 'type', message: 'unknown' }]);
    });
    v1.put('/secrets/:name', (ctx) => {
      ctx.status = 201;
      ctx.body = { name: ctx.params.name };
    });
    v1.post('/things/:thing', (ctx) => {
      auditAs(ctx, { action: 'thing.poke', target: 'refined' });
      ctx.status = 204;
    });
    const common = { logger: pino({ level: 'silent' }), bodyLimit: '1mb', publicRouters: [], authenticate: authenticate({ ...users, sessions: new SessionStore(state.db) }), audit: log };
    main = await listen(createApp({ ...common, surfaces: [{ prefix: '/v1', renderError: renderNativeError, routers: [v1] }] }));
    const d = new Router();
    d.post('/jobs/:name', (ctx) => {
      ctx.status = 204;
    });
    dedicated = await listen(createApp({ ...common, surfaces: [{ prefix: '', name: 'dapr', renderError: renderNativeError, routers: [d] }] }));
  });
  after(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    await state.close();
  });

  const call = async (base: string, method: string, path: string, auth?: Record<string, string>, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await res.arrayBuffer();
    return res.status;
  };
  /** The events recorded by `fn`, oldest first. */
  const recorded = async (fn: () => Promise<unknown>): Promise<AuditEntry[]> => {
    const before = (await log.query({}, { pageSize: 1 })).items[0]?.id ?? 0;
    await fn();
    return (await log.query({}, { pageSize: 100 })).items.filter((e) => e.id > before).reverse();
  };
  const A = { authorization: basic('alice', 'right-password') };

  it('records mutations with principal, surface, action, job id and the outcome from the status; reads are not recorded', async () => {
    const events = await recorded(async () => {
      assert.equal(await call(main, 'GET', '/v1/jobs', A), 200);
      assert.equal(await call(main, 'POST', '/v1/jobs/j1/run', A), 202);
      assert.equal(await call(main, 'DELETE', '/v1/jobs/j1', A), 403);
      assert.equal(await call(main, 'POST', '/v1/jobs', A, { type: 'x' }), 400);
      assert.equal(await call(main, 'POST', '/v1/things/t1', A), 204);
      assert.equal(await call(main, 'POST', '/v1/nowhere', A), 404);
    });
    assert.deepEqual(
      events.map((e) => [e.principalId, e.principalName, e.surface, e.action, e.jobId, e.target, e.outcome, e.detail?.status]),
      [
        ['usr_alice', 'alice', 'v1', 'job.run', 'j1', null, 'ok', 202],
        ['usr_alice', 'alice', 'v1', 'job.delete', 'j1', null, 'denied', 403],
        ['usr_alice', 'alice', 'v1', 'job.create', null, null, 'failed', 400],
        ['usr_alice', 'alice', 'v1', 'thing.poke', null, 'refined', 'ok', 204],
        ['usr_alice', 'alice', 'v1', 'POST /v1/nowhere', null, null, 'failed', 404],
      ],
    );
  });

  it('records failed logins on any method, by Basic, API key or none, without the secret part; a throttled login is denied', async () => {
    const events = await recorded(async () => {
      assert.equal(await call(main, 'GET', '/v1/jobs', { authorization: basic('alice', 'wrong-password-123') }), 401);
      assert.equal(await call(main, 'GET', '/v1/jobs', { authorization: 'Bearer kairos_bad-key-456' }), 401);
      assert.equal(await call(main, 'GET', '/v1/jobs', { 'x-api-key': 'kairos_bad-key-789' }), 401);
      assert.equal(await call(main, 'GET', '/v1/jobs', { authorization: basic('throttled', 'x') }), 429);
      // No credentials at all on a read: nobody tried to log in.
      assert.equal(await call(main, 'GET', '/v1/jobs'), 401);
      // No credentials on a write: a denied request.
      assert.equal(await call(main, 'POST', '/v1/jobs/j1/run'), 401);
    });
    assert.deepEqual(
      events.map((e) => [e.action, e.principalId, e.principalName, e.outcome, e.detail?.via ?? null, e.detail?.method ?? null]),
      [
        ['login', null, 'alice', 'failed', 'basic', 'GET'],
        ['login', null, null, 'failed', 'apikey', 'GET'],
        ['login', null, null, 'failed', 'apikey', 'GET'],
        ['login', null, 'throttled', 'denied', 'basic', 'GET'],
        // Refused before routing: the action is the method and the path.
        ['POST /v1/jobs/j1/run', null, null, 'denied', null, null],
      ],
    );
    const text = JSON.stringify(events);
    for (const secret of ['wrong-password-123', 'kairos_bad-key-456', 'kairos_bad-key-789']) assert.equal(text.includes(secret), false, secret);
  });

  it('never stores a request body; names a secret by its name; a dedicated port records under its surface name', async () => {
    const events = await recorded(async () => {
      assert.equal(await call(main, 'PUT', '/v1/secrets/API_TOKEN', A, { value: 'the-secret-value' }), 201);
      assert.equal(await call(dedicated, 'POST', '/jobs/nightly', A), 204);
    });
    assert.deepEqual(events.map((e) => [e.surface, e.action, e.jobId, e.target]), [
      ['v1', 'secret.put', null, 'API_TOKEN'],
      ['dapr', 'POST /jobs/:name', 'nightly', null],
    ]);
    assert.equal(JSON.stringify(events).includes('the-secret-value'), false);
  });
});
