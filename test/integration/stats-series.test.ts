// The charts' series endpoints (issue #18 item 4) through HTTP on the test stack: real runs of http
// jobs against a loopback target reach the hourly rollup through runJob's sink and the worker's
// batch, and show in the bucket of the hour they ended, with durations; a stopped run (the
// workflow's cancel path) and an aborted one (the abort's own count) are counted as aborted.
// Access: another user's job is a 404 like a missing one; the overall series holds only the jobs
// the caller may read (its own and those shared with it; an admin's holds everyone's). Bad input is
// a 400 naming `window`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { adminAuth, api, uniqueId } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';
import { finishedRun, runNow } from '../support/runs.ts';
import type { Series } from '../../core/runs/rollup.ts';

interface Run {
  runId: string;
  status: string;
  endedAt: string | null;
  durationMs: number | null;
}
type ErrorBody = { error: { code: string; message: string; details: { path: string; message: string }[] } };

const STEP_MS: Record<string, number> = { '24h': 3_600_000, '7d': 6 * 3_600_000, '30d': 86_400_000 };

describe('run series (charts)', { timeout: 180_000 }, () => {
  let target: HttpTarget;
  const w = uniqueId('ser');
  const user = { username: `series-${w}`, password: 'series-password' };
  const other = { username: `series-other-${w}`, password: 'series-password' };
  const basic = (u: { username: string; password: string }) => `Basic ${Buffer.from(`${u.username}:${u.password}`).toString('base64')}`;
  const auth = basic(user);
  const otherAuth = basic(other);
  let otherId = '';
  const ids = { ok: `${w}-ok`, fail: `${w}-fail`, hang: `${w}-hang`, stop: `${w}-stop`, admin: `${w}-admin` };
  const runs: Record<string, Run> = {};

  const create = async (id: string, path: string, as: string, extra: Record<string, unknown> = {}) => {
    const res = await api('POST', '/v1/jobs', { auth: as, body: { id, type: 'http', triggers: [], data: { url: `${target.url}${path}`, timeout: '5m' }, retry: { maxAttempts: 1 }, ...extra } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  };
  const finished = (runId: string) => finishedRun<Run>(runId);
  const series = async (path: string, as: string, window = '24h') => {
    const res = await api<Series>('GET', `${path}?window=${window}`, { auth: as });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  /** The bucket of `series` that holds the instant `iso`. */
  const bucketAt = (s: Series, iso: string) => {
    const t = Date.parse(iso);
    return s.buckets.find((b) => Date.parse(b.start) <= t && t < Date.parse(b.start) + (STEP_MS[s.window] ?? 0));
  };

  before(async () => {
    target = await startHttpTarget();
    target.respond = (req, res) => {
      if (req.path.startsWith('/ok')) setTimeout(() => res.writeHead(200).end('ok'), 150);
      else if (req.path.startsWith('/fail')) res.writeHead(500).end('boom');
      // /hang never answers: the run is stopped or aborted.
    };
    for (const u of [user, other]) {
      const res = await api<{ id: string }>('POST', '/v1/users', { body: { ...u, role: 'user' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      if (u === other) otherId = res.body.id;
    }
    await create(ids.ok, '/ok', auth);
    await create(ids.fail, '/fail', auth);
    await create(ids.hang, '/hang-a', auth);
    await create(ids.stop, '/hang-s', auth);
    await create(ids.admin, '/ok', adminAuth());
  });
  after(async () => {
    for (const id of Object.values(ids)) await api('DELETE', `/v1/jobs/${id}`).catch(() => undefined);
    await target.close();
  });

  it('counts real runs in the bucket of the hour they ended, with durations, on every window', async () => {
    const ok1 = await runNow(ids.ok, auth);
    const ok2 = await runNow(ids.ok, auth);
    const bad = await runNow(ids.fail, auth);
    runs.ok1 = await finished(ok1);
    runs.ok2 = await finished(ok2);
    runs.bad = await finished(bad);
    assert.deepEqual([runs.ok1.status, runs.ok2.status, runs.bad.status], ['succeeded', 'succeeded', 'failed']);

    // The worker writes its batch about every second: wait (bounded) for it.
    const okSeries = await waitFor(
      async () => {
        const s = await series(`/v1/jobs/${ids.ok}/stats/series`, auth);
        return s.total.counts.succeeded === 2 ? s : undefined;
      },
      20_000,
      'the two successful runs in the job series',
    );
    assert.equal(okSeries.window, '24h');
    assert.equal(okSeries.step, '1h');
    assert.equal(okSeries.buckets.length, 24);
    assert.deepEqual(okSeries.total.counts, { succeeded: 2, failed: 0, aborted: 0, skipped: 0 });
    assert.equal(okSeries.total.successRate, 1);
    for (const r of [runs.ok1, runs.ok2]) {
      const b = bucketAt(okSeries, r.endedAt ?? '');
      assert.ok(b && b.counts.succeeded >= 1, `run ${r.runId} ended ${r.endedAt}: its bucket counts it (${JSON.stringify(b)})`);
    }
    // Durations: the target answers after 150 ms; the exact max is the longer run's (workflow time, within a second of visibility's).
    const d = okSeries.total.duration;
    const longest = Math.max(runs.ok1.durationMs ?? 0, runs.ok2.durationMs ?? 0);
    assert.ok(d.max !== null && d.max >= 150 && d.max <= longest + 1000, JSON.stringify({ d, longest }));
    assert.ok(d.p50 !== null && d.p95 !== null && d.mean !== null && d.p50 > 0 && d.p50 <= d.p95 && d.p95 <= d.max, JSON.stringify(d));
    // Manual runs have no lateness.
    assert.deepEqual(okSeries.total.lateness, { mean: null, p95: null, max: null });

    const failSeries = await waitFor(
      async () => {
        const s = await series(`/v1/jobs/${ids.fail}/stats/series`, auth);
        return s.total.counts.failed === 1 ? s : undefined;
      },
      20_000,
      'the failed run in the job series',
    );
    assert.equal(failSeries.total.successRate, 0);
    assert.equal(bucketAt(failSeries, runs.bad.endedAt ?? '')?.counts.failed, 1);

    for (const [window, n] of [['7d', 28], ['30d', 30]] as const) {
      const s = await series(`/v1/jobs/${ids.ok}/stats/series`, auth, window);
      assert.equal(s.buckets.length, n);
      assert.equal(s.total.counts.succeeded, 2, window);
      assert.equal(bucketAt(s, runs.ok1.endedAt ?? '')?.counts.succeeded, 2, `${window}: both runs in one bucket`);
      // Buckets are UTC-aligned.
      for (const b of s.buckets) assert.equal(Date.parse(b.start) % (STEP_MS[window] ?? 1), 0, b.start);
    }
  });

  it('counts a stopped run (the workflow reports it) and an aborted one (the abort does) as aborted', async () => {
    const stopRun = await runNow(ids.stop, auth);
    const abortRun = await runNow(ids.hang, auth);
    await waitFor(() => target.requests.some((r) => r.path === '/hang-s') && target.requests.some((r) => r.path === '/hang-a'), 20_000, 'both requests to arrive');
    assert.equal((await api('POST', `/v1/runs/${stopRun}/stop`, { auth })).status, 202);
    assert.equal((await api('POST', `/v1/runs/${abortRun}/abort`, { auth, body: { reason: 'series test' } })).status, 200);
    assert.equal((await finished(stopRun)).status, 'cancelled');
    for (const id of [ids.stop, ids.hang]) {
      await waitFor(async () => (await series(`/v1/jobs/${id}/stats/series`, auth)).total.counts.aborted === 1, 20_000, `${id}'s run counted as aborted`);
    }
    const s = await series(`/v1/jobs/${ids.hang}/stats/series`, auth);
    assert.equal(s.total.successRate, 0);
    assert.ok((s.total.duration.max ?? -1) >= 0);
  });

  it('scopes the overall series to the jobs the caller may read; admins see all', async () => {
    const adminRun = await finished(await runNow(ids.admin, adminAuth()));
    assert.equal(adminRun.status, 'succeeded');
    const mine = await waitFor(
      async () => {
        const s = await series('/v1/stats/series', auth);
        return s.total.counts.succeeded === 2 && s.total.counts.failed === 1 && s.total.counts.aborted === 2 ? s : undefined;
      },
      20_000,
      "the user's own five runs in the overall series",
    );
    assert.equal(mine.total.successRate, 0.4);
    // The admin's series has the admin's run and the user's.
    await waitFor(
      async () => {
        const s = await series(`/v1/jobs/${ids.admin}/stats/series`, adminAuth());
        return s.total.counts.succeeded === 1 ? s : undefined;
      },
      20_000,
      "the admin job's run",
    );
    const all = await series('/v1/stats/series', adminAuth());
    assert.ok(all.total.counts.succeeded >= 3 && all.total.counts.failed >= 1 && all.total.counts.aborted >= 2, JSON.stringify(all.total.counts));
    // Still only the user's five: the admin's run is not theirs.
    assert.deepEqual((await series('/v1/stats/series', auth)).total.counts, mine.total.counts);

    // A stranger sees none of them; once the ok job is shared with them, its runs (only) join theirs.
    assert.deepEqual((await series('/v1/stats/series', otherAuth)).total.counts, { succeeded: 0, failed: 0, aborted: 0, skipped: 0 });
    assert.equal((await api('PUT', `/v1/jobs/${ids.ok}/shares/${otherId}`, { auth, body: { level: 'read' } })).status, 200);
    assert.deepEqual((await series('/v1/stats/series', otherAuth)).total.counts, { succeeded: 2, failed: 0, aborted: 0, skipped: 0 });
    assert.equal((await series(`/v1/jobs/${ids.ok}/stats/series`, otherAuth)).total.counts.succeeded, 2);
  });

  it("answers 404 for another user's job exactly as for a missing one", async () => {
    for (const path of [`/v1/jobs/${ids.admin}/stats/series`, `/v1/jobs/${ids.fail}/stats/series`]) {
      const hidden = await api<ErrorBody>('GET', `${path}?window=7d`, { auth: otherAuth });
      const missing = await api<ErrorBody>('GET', `/v1/jobs/${w}-no-such-job/stats/series?window=7d`, { auth: otherAuth });
      assert.equal(hidden.status, 404, JSON.stringify(hidden.body));
      assert.equal(missing.status, 404);
      assert.equal(hidden.body.error.code, missing.body.error.code);
      assert.equal(hidden.body.error.message.replace(path.split('/')[3] ?? '', 'X'), missing.body.error.message.replace(`${w}-no-such-job`, 'X'));
    }
    assert.equal((await api('GET', `/v1/jobs/${ids.fail}/stats/series`, { auth: null })).status, 401);
  });

  it('refuses a bad window or an unknown parameter with a 400 naming it', async () => {
    for (const [path, field] of [
      ['/v1/stats/series?window=1y', 'query.window'],
      ['/v1/stats/series?window=', 'query.window'],
      ['/v1/stats/series?window=24h&window=7d', 'query.window'],
      [`/v1/jobs/${ids.ok}/stats/series?window=90d`, 'query.window'],
      ['/v1/stats/series?bucket=1h', 'query'],
    ] as const) {
      const res = await api<ErrorBody>('GET', path, { auth });
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'validation');
      assert.ok(
        res.body.error.details.some((d) => d.path === field || (field === 'query' && d.path.startsWith('query'))),
        `${path}: ${JSON.stringify(res.body.error.details)}`,
      );
    }
  });
});
