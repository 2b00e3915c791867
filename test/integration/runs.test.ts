// Runs through the native API against the real dev server and real HTTP targets on loopback:
// retries, non-retryable failures, history strategies, stop (cancel) and abort (terminate),
// progress in flight, listing with paging and filters, stats, errors and access control.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, uniqueId } from '../support/env.ts';
import { respondByPath, startHttpTarget, type HttpTarget, type Route } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';
import { finishedRun, runNow } from '../support/runs.ts';

interface Run {
  runId: string;
  jobId: string;
  status: string;
  trigger: string;
  scheduledAt: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  startDelayMs: number;
  attempts: number;
  error: { type: string; message: string } | null;
  progress: { done: number; total?: number; unit?: string } | null;
  output: { status?: number; body?: string; request?: { method: string } } | null;
  input: unknown;
  requestedBy: string | null;
  currentAttempt: {
    state: string;
    attempt: number;
    maximumAttempts: number | null;
    startedAt: string | null;
    lastHeartbeatAt: string | null;
    lastFailure: { type: string; message: string } | null;
    lastFailedAt: string | null;
    nextAttemptAt: string | null;
  } | null;
}
type ErrorBody = { error: { code: string; message: string; details: { path: string; message: string }[] } };
type Page = { items: Run[]; nextCursor: string | null };

async function createJob(body: Record<string, unknown>, auth?: string): Promise<string> {
  const res = await api<{ id: string }>('POST', '/v1/jobs', { body: { type: 'http', triggers: [], ...body }, auth });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id;
}

const finished = (runId: string, timeoutMs = 20_000): Promise<Run> => finishedRun<Run>(runId, timeoutMs);

describe('runs API', () => {
  let target: HttpTarget;
  const hits = (path: string) => target.requests.filter((r) => r.path.startsWith(path));
  const routes = new Map<string, Route>();
  const jobs: string[] = [];
  before(async () => {
    target = await startHttpTarget();
    target.respond = respondByPath(routes);
  });
  after(async () => {
    for (const id of jobs) await api('DELETE', `/v1/jobs/${id}`);
    await target.close();
  });
  const job = async (body: Record<string, unknown>) => {
    const id = await createJob(body);
    jobs.push(id);
    return id;
  };

  it('runs a job now and records the outcome', async () => {
    const id = await job({ id: uniqueId('ok'), data: { url: `${target.url}/ok`, method: 'POST', body: { hello: 'world' } } });
    const runId = await runNow(id);
    assert.match(runId, new RegExp(`^${id}-manual-`));
    const run = await finished(runId);
    assert.equal(run.status, 'succeeded');
    assert.equal(run.jobId, id);
    assert.equal(run.trigger, 'manual');
    assert.equal(run.attempts, 1);
    assert.equal(run.error, null);
    assert.equal(run.output?.status, 200);
    assert.equal(run.output?.body, '{"ok":true}');
    assert.equal(run.output?.request?.method, 'POST');
    assert.ok(run.endedAt && run.durationMs !== null && run.durationMs >= 0);
    assert.ok(Date.parse(run.startedAt) >= Date.parse(run.scheduledAt));
    assert.equal(hits('/ok')[0]?.body, '{"hello":"world"}');
    // Who asked, for the run page's "run now by …"; no input; nothing in flight once it has ended.
    assert.equal(run.requestedBy, process.env.KAIROS_ADMIN_USER);
    assert.equal(run.input, null);
    assert.equal(run.currentAttempt, null);
  });

  it('tells a retrying run’s current attempt, the last failure and when the next attempt is due; keeps its input; a stranger gets 404', async () => {
    const path = `/retrying-${uniqueId('r')}`;
    routes.set(path, (_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('still down'));
    const id = await job({ id: uniqueId('retrying'), data: { url: `${target.url}${path}` }, retry: { maxAttempts: 3, initialInterval: '10m' } });
    const started = await api<{ runId: string }>('POST', `/v1/jobs/${id}/run`, { body: { input: { batch: 7, tags: ['a'] } } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const runId = started.body.runId;
    const run = await waitFor(
      async () => {
        const r = await api<Run>('GET', `/v1/runs/${runId}`);
        return r.body.currentAttempt?.state === 'retrying' ? r.body : undefined;
      },
      15_000,
      'the run to wait for its second attempt',
    );
    const a = run.currentAttempt;
    assert.ok(a);
    assert.equal(run.status, 'running');
    assert.deepEqual({ attempt: a.attempt, maximumAttempts: a.maximumAttempts, startedAt: a.startedAt }, { attempt: 2, maximumAttempts: 3, startedAt: null });
    assert.equal(a.lastFailure?.type, 'HttpStatus500');
    assert.match(a.lastFailure?.message ?? '', /answered 500/);
    assert.deepEqual(run.error, a.lastFailure, 'the run’s error is the last failure while it retries');
    // Due one retry interval (10 min) after the failed attempt ended.
    const wait = Date.parse(a.nextAttemptAt ?? '') - Date.parse(a.lastFailedAt ?? '');
    assert.ok(Math.abs(wait - 600_000) < 5_000, `next attempt ${a.nextAttemptAt} after the failure at ${a.lastFailedAt}`);
    assert.ok(Date.parse(a.nextAttemptAt ?? '') > Date.now());
    assert.equal(hits(path).length, 1, 'one attempt so far');
    assert.deepEqual(run.input, { batch: 7, tags: ['a'] });
    assert.equal(run.requestedBy, process.env.KAIROS_ADMIN_USER);

    // Another user learns nothing: the same 404 as a run id that does not exist.
    const username = uniqueId('stranger');
    assert.equal((await api('POST', '/v1/users', { body: { username, password: 'user-password-1', role: 'user' } })).status, 201);
    const stranger = `Basic ${Buffer.from(`${username}:user-password-1`).toString('base64')}`;
    const theirs = await api<ErrorBody>('GET', `/v1/runs/${runId}`, { auth: stranger });
    const missing = await api<ErrorBody>('GET', `/v1/runs/${runId}x`, { auth: stranger });
    assert.equal(theirs.status, 404);
    assert.deepEqual(theirs.body, JSON.parse(JSON.stringify(missing.body).replaceAll(`${runId}x`, runId)));

    const aborted = await api<Run>('POST', `/v1/runs/${runId}/abort`);
    assert.equal(aborted.status, 200, JSON.stringify(aborted.body));
    assert.equal(aborted.body.currentAttempt, null);
    assert.deepEqual(aborted.body.input, { batch: 7, tags: ['a'] });
  });

  it('retries a target that fails twice, then succeeds: one run, 3 attempts', async () => {
    const path = `/flaky-${uniqueId('f')}`;
    let n = 0;
    routes.set(path, (_req, res) => {
      n++;
      if (n <= 2) res.writeHead(503).end('try later');
      else res.writeHead(200).end('finally');
    });
    const id = await job({ id: uniqueId('flaky'), data: { url: `${target.url}${path}` }, retry: { maxAttempts: 5, initialInterval: '200ms', backoff: 1 } });
    const run = await finished(await runNow(id));
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    assert.equal(run.attempts, 3);
    assert.equal(hits(path).length, 3);
    assert.equal(run.output?.body, 'finally');
  });

  it('fails a non-retryable 4xx at once, with the error and (ERROR strategy) the failed payload', async () => {
    const path = `/missing-${uniqueId('m')}`;
    routes.set(path, (_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('no such thing'));
    const id = await job({ id: uniqueId('nf'), data: { url: `${target.url}${path}` }, retry: { maxAttempts: 5, initialInterval: '100ms' }, history: { strategy: 'ERROR' } });
    const run = await finished(await runNow(id));
    assert.equal(run.status, 'failed');
    assert.equal(run.attempts, 1);
    assert.equal(hits(path).length, 1, 'no retry for a 404');
    assert.equal(run.error?.type, 'HttpStatus404');
    assert.match(run.error?.message ?? '', /answered 404/);
    assert.equal(run.output?.status, 404);
    assert.equal(run.output?.body, 'no such thing');
  });

  it('exhausts the retry policy and fails with the attempt count', async () => {
    const path = `/down-${uniqueId('d')}`;
    routes.set(path, (_req, res) => res.writeHead(500).end('boom'));
    const id = await job({ id: uniqueId('down'), data: { url: `${target.url}${path}` }, retry: { maxAttempts: 2, initialInterval: '100ms' }, history: { strategy: 'MINIMAL' } });
    const run = await finished(await runNow(id));
    assert.equal(run.status, 'failed');
    assert.equal(run.attempts, 2);
    assert.equal(run.error?.type, 'HttpStatus500');
    assert.equal(run.output, null, 'MINIMAL keeps no payloads');
  });

  it('keeps no payload for OFF and for successful runs under ERROR', async () => {
    for (const strategy of ['OFF', 'ERROR']) {
      const id = await job({ id: uniqueId(`h-${strategy.toLowerCase()}`), data: { url: `${target.url}/ok` }, history: { strategy } });
      const run = await finished(await runNow(id));
      assert.equal(run.status, 'succeeded');
      assert.equal(run.output, null, strategy);
    }
  });

  it('stops a slow call: the run is cancelled, the target sees the connection drop, progress is readable in flight', async () => {
    const path = `/slow-${uniqueId('s')}`;
    let dropped = false;
    routes.set(path, (_req, res) => {
      res.on('close', () => {
        if (!res.writableEnded) dropped = true;
      });
      // never answers
    });
    const id = await job({ id: uniqueId('slow'), data: { url: `${target.url}${path}`, timeout: '5m' } });
    const runId = await runNow(id);
    const inFlight = await waitFor(
      async () => {
        const r = await api<Run>('GET', `/v1/runs/${runId}`);
        return r.body.status === 'running' && r.body.progress && hits(path).length ? r.body : undefined;
      },
      15_000,
      'the run to be in flight with progress',
    );
    assert.equal(inFlight.attempts, 1);
    assert.equal(inFlight.endedAt, null);
    assert.equal(inFlight.currentAttempt?.state, 'executing');
    assert.deepEqual(
      { attempt: inFlight.currentAttempt.attempt, lastFailure: inFlight.currentAttempt.lastFailure, nextAttemptAt: inFlight.currentAttempt.nextAttemptAt },
      { attempt: 1, lastFailure: null, nextAttemptAt: null },
    );
    assert.ok(inFlight.currentAttempt.startedAt && Date.parse(inFlight.currentAttempt.startedAt) >= Date.parse(inFlight.startedAt));
    assert.deepEqual({ done: inFlight.progress?.done, total: inFlight.progress?.total }, { done: 0, total: 1 });
    const stopped = await api<Run>('POST', `/v1/runs/${runId}/stop`);
    assert.equal(stopped.status, 202, JSON.stringify(stopped.body));
    const run = await finished(runId, 15_000);
    assert.equal(run.status, 'cancelled');
    await waitFor(() => dropped, 5000, 'the target to see the connection drop');
    const again = await api<ErrorBody>('POST', `/v1/runs/${runId}/stop`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'conflict');
  });

  it('aborts a run: terminated at once', async () => {
    const path = `/hang-${uniqueId('h')}`;
    routes.set(path, () => {});
    const id = await job({ id: uniqueId('abort'), data: { url: `${target.url}${path}`, timeout: '5m' } });
    const runId = await runNow(id);
    await waitFor(() => hits(path).length > 0, 15_000, 'the request to arrive');
    const res = await api<Run>('POST', `/v1/runs/${runId}/abort`, { body: { reason: 'test abort' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'terminated');
    assert.equal(res.body.error?.message, 'test abort');
    assert.equal((await api('POST', `/v1/runs/${runId}/abort`)).status, 409);
  });

  it('lists a job’s runs newest first, with cursor paging and status and time filters', async () => {
    const path = `/list-${uniqueId('l')}`;
    let n = 0;
    routes.set(path, (_req, res) => {
      n++;
      res.writeHead(n === 2 ? 400 : 200).end();
    });
    const id = await job({ id: uniqueId('list'), data: { url: `${target.url}${path}` } });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await runNow(id));
      await finished(ids[i] ?? '');
    }
    const all = await waitFor(
      async () => {
        const r = await api<Page>('GET', `/v1/jobs/${id}/runs`);
        return r.body.items?.length === 3 ? r.body : undefined;
      },
      10_000,
      'visibility to list 3 runs',
    );
    assert.deepEqual(
      all.items.map((r) => r.runId),
      [...ids].reverse(),
      'newest first',
    );
    assert.deepEqual(
      all.items.map((r) => r.status),
      ['succeeded', 'failed', 'succeeded'],
    );
    const p1 = await api<Page>('GET', `/v1/jobs/${id}/runs?limit=2`);
    assert.equal(p1.body.items.length, 2);
    assert.ok(p1.body.nextCursor);
    const p2 = await api<Page>('GET', `/v1/jobs/${id}/runs?limit=2&cursor=${encodeURIComponent(p1.body.nextCursor ?? '')}`);
    assert.deepEqual(p2.body.items.map((r) => r.runId), [ids[0]]);
    const failed = await api<Page>('GET', `/v1/jobs/${id}/runs?status=failed`);
    assert.deepEqual(failed.body.items.map((r) => r.runId), [ids[1]]);
    const two = await api<Page>('GET', `/v1/jobs/${id}/runs?status=failed,succeeded`);
    assert.equal(two.body.items.length, 3);
    const second = all.items[1];
    const ranged = await api<Page>('GET', `/v1/jobs/${id}/runs?from=${encodeURIComponent(second?.startedAt ?? '')}`);
    assert.deepEqual(ranged.body.items.map((r) => r.runId), [ids[2], ids[1]]);
    const before = await api<Page>('GET', `/v1/jobs/${id}/runs?to=${encodeURIComponent(second?.startedAt ?? '')}`);
    assert.deepEqual(before.body.items.map((r) => r.runId), [ids[0]]);

    // stats for the same job: counts from visibility, success rate, last run, mean duration
    const stats = await api<{ total: number; byStatus: Record<string, number>; successRate: number; lastRun: Run; meanDurationMs: number; nextRunAt: null }>(
      'GET',
      `/v1/jobs/${id}/stats`,
    );
    assert.equal(stats.status, 200);
    assert.equal(stats.body.total, 3);
    assert.equal(stats.body.byStatus.succeeded, 2);
    assert.equal(stats.body.byStatus.failed, 1);
    assert.equal(stats.body.successRate, 0.6667);
    assert.equal(stats.body.lastRun.runId, ids[2]);
    assert.ok(stats.body.meanDurationMs >= 0);
    assert.equal(stats.body.nextRunAt, null, 'manual only');

    const global = await api<{ total: number; jobs: number; byStatus: Record<string, number> }>('GET', '/v1/stats');
    assert.equal(global.status, 200);
    assert.ok(global.body.total >= 3 && global.body.jobs >= 1 && (global.body.byStatus.failed ?? 0) >= 1);
  });

  it('rejects bad input with a 400 naming the field, and unknown runs and jobs with 404', async () => {
    const id = await job({ id: uniqueId('bad'), data: { url: `${target.url}/ok` } });
    const cases: [string, string][] = [
      [`/v1/jobs/${id}/runs?status=sideways`, 'query.status.0'],
      [`/v1/jobs/${id}/runs?from=yesterday`, 'query.from'],
      [`/v1/jobs/${id}/runs?limit=0`, 'query.limit'],
      [`/v1/jobs/${id}/runs?bogus=1`, 'query'],
      [`/v1/jobs/${id}/runs?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z`, 'query.to'],
    ];
    for (const [path, field] of cases) {
      const res = await api<ErrorBody>('GET', path);
      assert.equal(res.status, 400, path);
      assert.equal(res.body.error.code, 'validation');
      assert.ok(res.body.error.details.some((d) => d.path === field), `${path}: ${JSON.stringify(res.body.error.details)}`);
    }
    const badAbort = await api<ErrorBody>('POST', `/v1/runs/whatever/abort`, { body: { reason: 5 } });
    assert.equal(badAbort.status, 400);
    assert.equal(badAbort.body.error.details[0]?.path, 'reason');
    const badData = await api<ErrorBody>('POST', '/v1/jobs', { body: { type: 'http', data: { url: 'ftp://x' } } });
    assert.equal(badData.status, 400);
    assert.equal(badData.body.error.details[0]?.path, 'data.url');
    const badCleanup = await api<ErrorBody>('POST', '/v1/jobs', { body: { type: 'cleanup', data: { olderThan: 'soon' } } });
    assert.equal(badCleanup.status, 400);
    assert.equal(badCleanup.body.error.details[0]?.path, 'data.olderThan');

    for (const [method, path] of [
      ['GET', '/v1/runs/no-such-run'],
      ['POST', '/v1/runs/no-such-run/stop'],
      ['POST', '/v1/runs/no-such-run/abort'],
      ['GET', '/v1/jobs/no-such-job/runs'],
      ['GET', '/v1/jobs/no-such-job/stats'],
    ] as const) {
      const res = await api<ErrorBody>(method, path);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.body.error.code, 'not_found');
    }
  });

  it('requires authentication, and a user sees only runs of their own jobs', async () => {
    assert.equal((await api('GET', '/v1/stats', { auth: null })).status, 401);
    assert.equal((await api('GET', '/v1/runs/x', { auth: null })).status, 401);
    const mk = async (name: string) => {
      const username = uniqueId(name);
      const res = await api<{ id: string }>('POST', '/v1/users', { body: { username, password: 'user-password-1', role: 'user' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return `Basic ${Buffer.from(`${username}:user-password-1`).toString('base64')}`;
    };
    const alice = await mk('alice');
    const bob = await mk('bob');
    const aliceJob = await createJob({ id: uniqueId('alice-job'), data: { url: `${target.url}/ok` } }, alice);
    jobs.push(aliceJob);
    const runId = await runNow(aliceJob, alice);
    await finished(runId);
    assert.equal((await api<Run>('GET', `/v1/runs/${runId}`, { auth: alice })).body.status, 'succeeded');
    assert.equal((await api('GET', `/v1/runs/${runId}`, { auth: bob })).status, 404);
    assert.equal((await api('POST', `/v1/runs/${runId}/abort`, { auth: bob })).status, 404);
    assert.equal((await api('GET', `/v1/jobs/${aliceJob}/runs`, { auth: bob })).status, 404);
    assert.equal((await api('GET', `/v1/jobs/${aliceJob}/stats`, { auth: bob })).status, 404);
    await waitFor(async () => (await api<Page>('GET', `/v1/jobs/${aliceJob}/runs`, { auth: alice })).body.items?.length === 1, 10_000, 'alice to list her run');
    const bobStats = await api<{ total: number; jobs: number }>('GET', '/v1/stats', { auth: bob });
    assert.deepEqual({ total: bobStats.body.total, jobs: bobStats.body.jobs }, { total: 0, jobs: 0 });
    const aliceStats = await api<{ total: number; jobs: number }>('GET', '/v1/stats', { auth: alice });
    assert.deepEqual({ total: aliceStats.body.total, jobs: aliceStats.body.jobs }, { total: 1, jobs: 1 });
  });
});
