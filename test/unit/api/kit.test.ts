// The dialect kit's pure parts (no servers): page parameters, reading each listed item, a missing job
// as undefined, the If-Match-style save, "changed since written" detection, the error-renderer base,
// mounting a dialect's surface; and core's latest-run ordering.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Context } from 'koa';
import Router from '@koa/router';
import { KairosError } from '../../../core/errors.ts';
import type { Actor, JobView } from '../../../core/jobs/service.ts';
import { latestRun, LATEST_SAMPLE, newestFirst } from '../../../core/runs/latest.ts';
import type { RunSummary } from '../../../core/runs/service.ts';
import { normalizeError } from '../../../api/errors.ts';
import {
  asWritten,
  changedSince,
  clientFacing,
  errorRenderer,
  JOB_LIST_PAGE,
  listenOwnPort,
  mountSurface,
  NEXT_CURSOR_HEADER,
  orMissing,
  pageOf,
  param,
  readEach,
  replaceUnchanged,
  setNextCursor,
  stableJson,
  withDetails,
  writableOf,
  type Failure,
} from '../../../api/dialects/kit/index.ts';

const ctxWith = (query: Record<string, string | string[]>) => ({ query }) as unknown as Context;
const names = (field: string) => (err: unknown) => err instanceof KairosError && err.kind === 'validation' && err.details[0]?.path === field;
const notFound = () => new KairosError('not_found', 'gone');

describe('dialect kit: one page of a list', () => {
  it('defaults to 100 and allows up to 1000, with the cursor of the previous page', () => {
    assert.deepEqual(pageOf(ctxWith({})), { pageSize: JOB_LIST_PAGE.default });
    assert.deepEqual(pageOf(ctxWith({ limit: '1000', cursor: 'abc_-9' })), { pageSize: 1000, cursor: 'abc_-9' });
    assert.deepEqual(pageOf(ctxWith({ limit: ['5', '7'] })), { pageSize: 5 });
  });

  it('refuses a larger, empty or malformed page size, and a malformed cursor, naming the field', () => {
    for (const limit of ['1001', '0', '', '-1', '1e3', '10.5', 'x'.repeat(50)]) assert.throws(() => pageOf(ctxWith({ limit })), names('limit'), limit);
    for (const cursor of ['', 'has space', 'a'.repeat(4097), '../x']) assert.throws(() => pageOf(ctxWith({ cursor })), names('cursor'), cursor);
  });

  it("words a bad page in the dialect's own error", () => {
    class Own extends Error {}
    assert.throws(
      () => pageOf(ctxWith({ limit: '0' }), { default: 10, max: 20 }, (field, reason) => new Own(`${field}: ${reason}`)),
      (err: unknown) => err instanceof Own && err.message === 'limit: must be a whole number from 1 to 20',
    );
  });

  it('sets the next-page header only when there is a next page', () => {
    const set: [string, string][] = [];
    const ctx = { set: (k: string, v: string) => set.push([k, v]) } as unknown as Context;
    setNextCursor(ctx, null);
    setNextCursor(ctx, '');
    setNextCursor(ctx, 'next');
    assert.deepEqual(set, [[NEXT_CURSOR_HEADER, 'next']]);
  });

  it('reads each item in order, leaving out the ones gone since the list; other failures fail', async () => {
    const got = await readEach([1, 2, 3, 4, 5], async (n) => {
      if (n === 2) throw notFound();
      return n === 4 ? undefined : n * 10;
    });
    assert.deepEqual(got, [10, 30, 50]);
    await assert.rejects(readEach([1], () => Promise.reject(new KairosError('forbidden', 'no'))), (err: unknown) => err instanceof KairosError && err.kind === 'forbidden');
  });

  it('reads at most 8 at a time', async () => {
    let inFlight = 0;
    let most = 0;
    await readEach(Array.from({ length: 30 }, (_, i) => i), async (i) => {
      most = Math.max(most, ++inFlight);
      await Promise.resolve();
      inFlight--;
      return i;
    });
    assert.equal(most, 8);
  });
});

describe('dialect kit: jobs', () => {
  const view = { job: { id: 'j', version: 7, createdAt: 'c', updatedAt: 'u', incarnation: 'i', name: 'n' }, state: {} } as unknown as JobView;

  it('a missing job is undefined; any other failure passes through', async () => {
    assert.equal(await orMissing(Promise.reject(notFound())), undefined);
    assert.equal(await orMissing(Promise.resolve(3)), 3);
    await assert.rejects(orMissing(Promise.reject(new Error('boom'))), /boom/);
  });

  it('saves over the version that was read (the core refuses it if someone changed the job since)', async () => {
    const calls: unknown[] = [];
    const jobs = { replace: async (...args: unknown[]) => (calls.push(args), view) };
    const actor: Actor = { id: 'u', role: 'user' };
    await replaceUnchanged(jobs, view, { name: 'm' }, actor);
    assert.deepEqual(calls, [['j', { name: 'm' }, actor, { expectedVersion: 7 }]]);
  });

  it("reads a route's path parameter, '' when the route has none of that name", () => {
    assert.equal(param({ params: { name: 'j' } } as unknown as Context, 'name'), 'j');
    assert.equal(param({ params: {} } as unknown as Context, 'name'), '');
    assert.equal(param({} as Context, 'name'), '');
  });

  it("a job's writable fields leave out what the server sets", () => {
    assert.deepEqual(writableOf(view), { id: 'j', name: 'n' });
  });

  it('compares kept JSON whatever the key order; nothing kept counts as changed', () => {
    assert.equal(stableJson({ b: 1, a: [1, { d: 2, c: undefined }] }), stableJson({ a: [1, { d: 2 }], b: 1 }));
    assert.equal(changedSince({ a: 1, b: [2] }, { b: [2], a: 1 }), false);
    assert.equal(changedSince({ a: 1 }, { a: 2 }), true);
    assert.equal(changedSince([1, 2], [2, 1]), true);
    assert.equal(changedSince(undefined, {}), true);
  });

  it("shows what the dialect wrote only while the canonical job still says what it was translated to", () => {
    assert.equal(asWritten('0 5 * * *', [{ e: 1 }], [{ e: 1 }]), '0 5 * * *');
    assert.equal(asWritten('0 5 * * *', [{ e: 1 }], [{ e: 2 }]), undefined);
    assert.equal(asWritten(undefined, [{ e: 1 }], [{ e: 1 }]), undefined);
    assert.equal(asWritten('x', undefined, undefined), undefined);
  });
});

describe('dialect kit: errors', () => {
  class OwnError extends Error {
    constructor(
      readonly status: number,
      message: string,
    ) {
      super(message);
    }
  }
  const render = errorRenderer<OwnError, Failure>({
    own: OwnError,
    fromOwn: (e) => ({ status: e.status, message: e.message, details: [] }),
    fromKairos: clientFacing,
    shape: (ctx, f) => ({ at: ctx.path, status: f.status, text: f.message, fields: f.details.map((d) => d.path) }),
    type: 'application/problem+json',
  });
  const run = (thrown: unknown) => {
    const ctx = { path: '/x', state: {} } as { path: string; state: object; status?: number; body?: unknown; type?: string };
    render(ctx as unknown as Context, normalizeError(thrown), thrown);
    return ctx;
  };

  it("renders the dialect's own error with its own status, any other from the normalized one", () => {
    const own = run(new OwnError(418, 'teapot'));
    assert.deepEqual([own.status, own.body, own.type], [418, { at: '/x', status: 418, text: 'teapot', fields: [] }, 'application/problem+json']);
    const v = run(new KairosError('validation', 'invalid job', [{ path: 'name', message: 'is required' }]));
    assert.deepEqual(v.body, { at: '/x', status: 400, text: 'invalid job: name: is required', fields: ['name'] });
  });

  it('never shows the fields of a server error', () => {
    const e = run(new Error('secret detail'));
    assert.deepEqual(e.body, { at: '/x', status: 500, text: 'internal error', fields: [] });
    assert.deepEqual(clientFacing({ status: 503, code: 'unavailable', message: 'down', details: [{ path: 'p', message: 'm' }] }), { status: 503, message: 'down', details: [] });
  });

  it('says the offending fields in the message', () => {
    assert.equal(withDetails('bad', []), 'bad');
    assert.equal(withDetails('bad', [{ path: 'a', message: 'x' }, { path: '', message: 'y' }]), 'bad: a: x; y');
  });
});

describe('dialect kit: mounting', () => {
  it("builds the dialect's routers under its prefix on the main port", () => {
    const bases: string[] = [];
    const renderError = () => undefined;
    const s = mountSurface({ prefix: '/d', renderError, routers: (base) => (bases.push(base), [new Router({ prefix: base })]), formRoutes: ['POST /f'] });
    assert.deepEqual(bases, ['/d']);
    assert.equal(s.prefix, '/d');
    assert.equal(s.renderError, renderError);
    assert.deepEqual(s.formRoutes, ['POST /f']);
    assert.equal('authenticate' in s, false);
  });

  it('starts no port of its own when none is configured', async () => {
    const d = { prefix: '/d', renderError: () => undefined, routers: () => [] };
    const own = { name: 'd', port: undefined, setting: 'KAIROS_D_PORT', authenticate: async () => undefined };
    assert.equal(await listenOwnPort(d, own, { host: '127.0.0.1', bodyLimit: '1mb', trustedOrigins: [] }, {} as never), undefined);
  });
});

describe('latest run', () => {
  it('orders runs newest start first without changing the list', () => {
    const runs = [{ startedAt: '2026-01-02T00:00:00Z' }, { startedAt: '2026-01-03T00:00:00Z' }, { startedAt: '2026-01-01T00:00:00Z' }];
    assert.deepEqual(newestFirst(runs).map((r) => r.startedAt.slice(8, 10)), ['03', '02', '01']);
    assert.equal(runs[0]?.startedAt.slice(8, 10), '02');
  });

  it("is the newest start of a small sample of the job's runs (visibility lists running runs first)", async () => {
    const asked: unknown[] = [];
    const items = [{ startedAt: '2026-01-01T00:00:00Z', runId: 'old-running' }, { startedAt: '2026-01-05T00:00:00Z', runId: 'new' }] as RunSummary[];
    const runs = { list: async (jobId: string, q: { pageSize: number }) => (asked.push([jobId, q.pageSize]), { items, nextCursor: null }) };
    assert.equal((await latestRun(runs, 'j', { id: 'u', role: 'user' }))?.runId, 'new');
    assert.deepEqual(asked, [['j', LATEST_SAMPLE]]);
    assert.equal(await latestRun({ list: async () => ({ items: [], nextCursor: null }) }, 'j', { id: 'u', role: 'user' }), undefined);
  });
});
