// The app's cross-site and body-type checks (api/app.ts) on an in-process app with a trivial route.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import Router from '@koa/router';
import { pino } from 'pino';
import { createApp } from '../../../api/app.ts';
import { renderNativeError } from '../../../api/errors.ts';

void describe('cross-site requests and body types', () => {
  let server: Server;
  let base = '';
  before(async () => {
    const r = new Router({ prefix: '/s' });
    r.post('/echo', (ctx) => {
      ctx.body = { got: ctx.request.body ?? null };
    });
    r.post('/form', (ctx) => {
      ctx.body = { got: ctx.request.body ?? null };
    });
    r.get('/echo', (ctx) => {
      ctx.body = { ok: true };
    });
    const app = createApp({
      logger: pino({ level: 'silent' }),
      bodyLimit: '1mb',
      publicRouters: [],
      authenticate: async (ctx, next) => {
        ctx.state.principal = { id: 'u', name: 'u', role: 'user', via: 'basic' };
        await next();
      },
      trustedOrigins: ['https://kairos.example.com'],
      surfaces: [{ prefix: '/s', renderError: renderNativeError, routers: [r], formRoutes: ['POST /form'] }],
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const post = (path: string, headers: Record<string, string>, body?: string) => fetch(`${base}/s${path}`, { method: 'POST', headers, body });
  const json = { 'content-type': 'application/json' };

  void it('refuses a foreign, null or unparsable Origin and Sec-Fetch-Site: cross-site; allows its own, a trusted one, none', async () => {
    for (const origin of ['http://evil.example', 'null', 'not a url', 'http://127.0.0.1:1']) {
      const res = await post('/echo', { ...json, origin }, '{}');
      assert.equal(res.status, 403, origin);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'forbidden');
    }
    assert.equal((await post('/echo', { ...json, 'sec-fetch-site': 'cross-site' }, '{}')).status, 403);
    assert.equal((await post('/echo', { ...json, origin: base }, '{}')).status, 200);
    assert.equal((await post('/echo', { ...json, origin: 'https://kairos.example.com' }, '{}')).status, 200);
    assert.equal((await post('/echo', { ...json, 'sec-fetch-site': 'same-origin' }, '{}')).status, 200);
    assert.equal((await post('/echo', json, '{}')).status, 200);
    assert.equal((await fetch(`${base}/s/echo`, { headers: { origin: 'http://evil.example' } })).status, 200, 'reads are not checked');
  });

  void it('takes JSON types only (with charset, +json), or a form where the surface lists one; an empty body needs no type', async () => {
    for (const type of ['application/json; charset=utf-8', 'application/merge-patch+json', 'application/problem+json']) {
      const res = await post('/echo', { 'content-type': type }, '{"a":1}');
      assert.equal(res.status, 200, type);
      assert.deepEqual(await res.json(), { got: { a: 1 } }, type);
    }
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
      const res = await post('/echo', { 'content-type': type }, '{"a":1}');
      assert.equal(res.status, 415, type);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'unsupported_media_type');
    }
    assert.equal((await post('/echo', {})).status, 200, 'no body, no type');
    const form = await post('/form/', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=1');
    assert.equal(form.status, 200);
    assert.deepEqual(await form.json(), { got: { a: '1' } });
    assert.equal((await post('/form', { 'content-type': 'text/plain' }, 'a=1')).status, 415);
    assert.equal((await post('/form', { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' }, 'a=1')).status, 403);
  });

  void it('sets nosniff and no-store', async () => {
    const res = await fetch(`${base}/s/echo`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });
});
