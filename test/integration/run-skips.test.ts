// Fire times that did not run (#17 item 3), on a private stack (its own dev server, worker and API;
// the recorder every 2 s, judging fire times 3 s after they were due): a real overlap (a target that
// holds each run longer than the schedule's period), a real pause across fire times, and the dev
// server and the worker killed across fire times with a short catch-up window. Each becomes a row
// with its scheduled time and reason in /v1 runs, one run, stats and the run overview — seen only by
// whoever may read the job's history, and deleted with the job.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { startOwnStack, type OwnStack } from '../support/processes.ts';
import { startHttpTarget, type HttpTarget, type RecordedRequest } from '../support/http-target.ts';
import { uniqueId } from '../support/env.ts';
import { waitFor } from '../support/wait-for.ts';

interface Res<T> {
  status: number;
  body: T;
}
interface Run {
  runId: string;
  jobId: string;
  status: string;
  trigger: string;
  scheduledAt: string;
  startedAt: string;
  endedAt: string | null;
  skip?: { scheduledAt: string; reason: string; detail?: string };
}
interface Page {
  items: Run[];
  nextCursor: string | null;
}
interface Stats {
  total: number;
  byStatus: Record<string, number>;
}

// Not a wait for a condition: the downtime must span fire times.
const letTimePass = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const SLOT = 2000;
const evenSeconds = (iso: string) => Date.parse(iso) % SLOT === 0;
/** The key the listing is ordered by: a run's close time (running first), a row's scheduled time. */
const sortKey = (r: Run) => (r.status === 'skipped' && r.endedAt === null) || r.status === 'missed' ? r.scheduledAt : (r.endedAt ?? '9999');

describe('fire times that did not run (private stack)', { timeout: 420_000 }, () => {
  let s: OwnStack;
  let target: HttpTarget;
  let client: Client;
  const holdMs = new Map<string, number>();
  let userAuth = '';

  const call = async <T>(method: string, path: string, body?: unknown, auth?: string): Promise<Res<T>> => {
    const res = await fetch(`${s.apiUrl}${path}`, {
      method,
      headers: { authorization: auth ?? s.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };
  const runs = async (jobId: string, query = '') => {
    const r = await call<Page>('GET', `/v1/jobs/${jobId}/runs?limit=500${query}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.items;
  };
  const post = async (body: Record<string, unknown>) => {
    const r = await call<{ id: string }>('POST', '/v1/jobs', { type: 'http', ...body });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id;
  };

  before(async () => {
    s = await startOwnStack({ env: { KAIROS_RUN_SKIPS_INTERVAL: '2s', KAIROS_RUN_SKIPS_SETTLE: '3s' } });
    client = new Client({ connection: await Connection.connect({ address: s.temporalAddress }), namespace: s.namespace });
    target = await startHttpTarget();
    target.respond = async (req: RecordedRequest, res: ServerResponse) => {
      const hold = [...holdMs.entries()].find(([p]) => req.path.startsWith(p))?.[1] ?? 0;
      if (hold) await letTimePass(hold);
      if (!res.destroyed) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    };
    const username = uniqueId('skips-user');
    const u = await call<{ id: string }>('POST', '/v1/users', { username, password: 'skips-user-password', role: 'user' });
    assert.equal(u.status, 201, JSON.stringify(u.body));
    userAuth = `Basic ${Buffer.from(`${username}:skips-user-password`).toString('base64')}`;
  });
  after(async () => {
    await client?.connection.close();
    await target?.close();
    await s?.stop();
  });

  it('a real overlap: each fire time the policy skipped is a skipped row inside a run that was still running', async () => {
    const id = uniqueId('overlap');
    holdMs.set(`/slow/${id}`, 5000);
    await post({ id, data: { url: `${target.url}/slow/${id}` }, overlap: 'skip', triggers: [{ type: 'cron', dialect: 'quartz', expression: '*/2 * * * * ?' }] });
    await waitFor(async () => ((await runs(id, '&status=skipped')).length >= 3 ? true : undefined), 60_000, 'three overlap rows');
    assert.equal((await call('POST', `/v1/jobs/${id}/pause`)).status, 200);
    const pausedAt = Date.now();
    // Temporal's own counter of skipped overlaps is the cross-check: once the recorder has judged
    // every fire time before the pause, there is one overlap row per skip Temporal counted.
    const counted = async () => Number((await client.schedule.getHandle(id).describe()).info.numActionsSkippedOverlap);
    const overlapRows = await waitFor(
      async () => {
        const rows = (await runs(id, '&status=skipped')).filter((r) => r.skip?.reason === 'overlap');
        return rows.length === (await counted()) ? rows : undefined;
      },
      30_000,
      "one overlap row per skip in Temporal's counter",
    );
    const all = await runs(id);
    const real = all.filter((r) => r.status !== 'skipped');
    for (const row of overlapRows) {
      assert.equal(row.status, 'skipped');
      assert.equal(row.trigger, 'schedule');
      assert.ok(evenSeconds(row.scheduledAt), `${row.scheduledAt} is a fire time`);
      assert.ok(Date.parse(row.scheduledAt) < pausedAt);
      assert.equal(row.endedAt, null);
      assert.equal(row.runId, `${id}-${row.scheduledAt.replace(/\.\d{3}Z$/, 'Z')}-skipped`);
      const t = Date.parse(row.scheduledAt);
      const blocker = real.find((r) => Date.parse(r.startedAt) <= t && (r.endedAt === null || Date.parse(r.endedAt) > t));
      assert.ok(blocker, `a run was in flight at ${row.scheduledAt}`);
      assert.match(row.skip?.detail ?? '', new RegExp(blocker.runId));
      // No workflow ran for that fire time.
      assert.ok(!real.some((r) => r.runId === `${id}-${row.scheduledAt.replace(/\.\d{3}Z$/, 'Z')}`));
    }
    // One row: GET /v1/runs/{id}.
    const one = await call<Run>('GET', `/v1/runs/${overlapRows[0]?.runId ?? ''}`);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.skip?.reason, 'overlap');
    // Time order among the runs, and the same items when paged 3 at a time through the merged cursor.
    const keys = all.map(sortKey);
    assert.deepEqual(keys, [...keys].sort().reverse(), 'newest first');
    const paged: Run[] = [];
    let cursor: string | null = null;
    do {
      const p: Res<Page> = await call<Page>('GET', `/v1/jobs/${id}/runs?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(p.status, 200, JSON.stringify(p.body));
      assert.ok(p.body.items.length <= 3);
      paged.push(...p.body.items);
      cursor = p.body.nextCursor;
    } while (cursor);
    assert.deepEqual(paged.map((r) => r.runId), all.map((r) => r.runId));
    // Stats count them.
    const stats = (await call<Stats>('GET', `/v1/jobs/${id}/stats`)).body;
    assert.equal(stats.byStatus.skipped, all.filter((r) => r.status === 'skipped').length);
    assert.equal(stats.total, all.length);
    // A bad status is a 400 naming the field.
    const bad = await call<{ error: unknown }>('GET', `/v1/jobs/${id}/runs?status=skiped`);
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /status/);
    const badCursor = await call('GET', `/v1/jobs/${id}/runs?cursor=m1.bm90LWpzb24`);
    assert.equal(badCursor.status, 400);
  });

  it('a real pause: each fire time while paused is a skipped row (reason paused); the other user sees none; deleting the job deletes them', async () => {
    const id = uniqueId('paused');
    await post({ id, data: { url: `${target.url}/fast/${id}` }, triggers: [{ type: 'cron', dialect: 'quartz', expression: '*/2 * * * * ?' }] });
    await waitFor(async () => ((await runs(id, '&status=succeeded')).length >= 1 ? true : undefined), 30_000, 'a run before the pause');
    assert.equal((await call('POST', `/v1/jobs/${id}/pause`)).status, 200);
    const pausedAt = Date.now();
    await waitFor(async () => ((await runs(id, '&status=skipped')).length >= 3 ? true : undefined), 60_000, 'three paused rows');
    assert.equal((await call('POST', `/v1/jobs/${id}/resume`)).status, 200);
    const resumedAt = Date.now();
    await waitFor(
      async () => ((await runs(id, '&status=succeeded')).some((r) => Date.parse(r.scheduledAt) > resumedAt) ? true : undefined),
      30_000,
      'a scheduled run after the resume',
    );
    // Let the recorder judge past the resume (ticks every 2 s, 3 s after each fire time): rows stop at it.
    await waitFor(async () => {
      const after = (await runs(id, '&status=succeeded')).filter((r) => Date.parse(r.scheduledAt) > resumedAt);
      return after.length >= 3 && Date.now() > resumedAt + 10_000 ? true : undefined;
    }, 30_000, 'the recorder to judge past the resume');
    const rows = await runs(id, '&status=skipped,missed');
    assert.ok(rows.length >= 3);
    const real = await runs(id, '&status=succeeded');
    for (const row of rows) {
      assert.equal(row.skip?.reason, 'paused', JSON.stringify(row));
      const t = Date.parse(row.scheduledAt);
      assert.ok(t >= pausedAt - SLOT && t <= resumedAt + SLOT, `${row.scheduledAt} lies in the pause`);
      assert.ok(!real.some((r) => r.scheduledAt === row.scheduledAt), 'no run for a paused fire time');
    }
    // Every fire time strictly inside the pause has its row.
    for (let t = Math.ceil((pausedAt + SLOT) / SLOT) * SLOT; t < resumedAt - SLOT; t += SLOT) {
      assert.ok(rows.some((r) => Date.parse(r.scheduledAt) === t), `a row for ${new Date(t).toISOString()}`);
    }
    // The run overview shows them (admin) with the job's name; another user learns nothing of them.
    const overview = await call<{ items: Run[]; total: number }>('GET', `/v1/runs?jobId=${id}&status=skipped&limit=100`);
    assert.equal(overview.status, 200, JSON.stringify(overview.body));
    assert.equal(overview.body.total, rows.length);
    assert.deepEqual(overview.body.items.map((r) => r.runId).sort(), rows.map((r) => r.runId).sort());
    const rowId = rows[0]?.runId ?? '';
    assert.equal((await call('GET', `/v1/runs/${rowId}`, undefined, userAuth)).status, 404);
    assert.equal((await call('GET', `/v1/jobs/${id}/runs`, undefined, userAuth)).status, 404);
    const theirs = await call<{ items: Run[]; total: number }>('GET', '/v1/runs?status=skipped,missed&limit=100', undefined, userAuth);
    assert.equal(theirs.status, 200);
    assert.equal(theirs.body.total, 0);
    assert.equal((await call<Stats>('GET', '/v1/stats', undefined, userAuth)).body.byStatus.skipped, 0);
    // The one delete path removes them.
    assert.equal((await call('DELETE', `/v1/jobs/${id}`)).status, 204);
    assert.equal((await call('GET', `/v1/runs/${rowId}`)).status, 404);
  });

  it('a run cap and an end date: one row each, for the first fire time they left out', async () => {
    const capped = await post({ id: uniqueId('cap'), data: { url: `${target.url}/fast/cap` }, maxRuns: 2, triggers: [{ type: 'cron', dialect: 'quartz', expression: '*/2 * * * * ?' }] });
    const endOn = new Date(Math.ceil((Date.now() + 5000) / SLOT) * SLOT + 500).toISOString();
    const ended = await post({ id: uniqueId('end'), data: { url: `${target.url}/fast/end` }, endOn, triggers: [{ type: 'cron', dialect: 'quartz', expression: '*/2 * * * * ?' }] });
    const rowOf = async (id: string, reason: string) =>
      await waitFor(async () => (await runs(id, '&status=skipped')).find((r) => r.skip?.reason === reason), 60_000, `the ${reason} row of ${id}`);
    const capRow = await rowOf(capped, 'maxRuns');
    const endRow = await rowOf(ended, 'endOn');
    const capRuns = await runs(capped, '&status=succeeded');
    assert.equal(capRuns.length, 2);
    // The first fire time after the last run, and the first after the end date.
    const lastRun = Math.max(...capRuns.map((r) => Date.parse(r.scheduledAt)));
    assert.equal(Date.parse(capRow.scheduledAt), lastRun + SLOT);
    assert.equal(Date.parse(endRow.scheduledAt), Math.ceil(Date.parse(endOn) / SLOT) * SLOT);
    // No further rows however long the job stays capped or ended.
    await waitFor(async () => (Date.now() > Date.parse(capRow.scheduledAt) + 12_000 ? true : undefined), 30_000, 'more fire times to pass');
    assert.equal((await runs(capped, '&status=skipped,missed')).length, 1);
    assert.equal((await runs(ended, '&status=skipped,missed')).length, 1);
  });

  it('the dev server and the worker killed across fire times: those past the catch-up window are missed rows', async () => {
    const id = uniqueId('down');
    await post({
      id,
      data: { url: `${target.url}/fast/${id}` },
      overlap: 'skip',
      misfire: { catchupWindow: '10s' },
      triggers: [{ type: 'cron', dialect: 'quartz', expression: '*/2 * * * * ?' }],
    });
    await waitFor(async () => ((await runs(id, '&status=succeeded')).length >= 1 ? true : undefined), 30_000, 'a run before the downtime');
    await s.stopWorker();
    await s.killDevServer();
    const downAt = Date.now();
    await letTimePass(20_000); // ten fire times pass; all but the last 10 s are beyond the catch-up window
    await s.startDevServer();
    s.startWorker();
    await s.waitReady();
    const upAt = Date.now();
    const missed = await waitFor(
      async () => {
        const rows = await runs(id, '&status=missed');
        return rows.length >= 4 ? rows : undefined;
      },
      90_000,
      'missed rows after the downtime',
    );
    const real = await runs(id, '&status=succeeded,running');
    for (const row of missed) {
      assert.equal(row.skip?.reason, 'catchupWindow');
      assert.ok(evenSeconds(row.scheduledAt));
      const t = Date.parse(row.scheduledAt);
      assert.ok(t > downAt - SLOT && t < upAt, `${row.scheduledAt} lies in the downtime`);
      assert.ok(!real.some((r) => r.scheduledAt === row.scheduledAt), 'no run for a missed fire time');
    }
    // The fire times well before the restart (more than the window, 10 s, and the server's start) are all there.
    for (let t = Math.ceil((downAt + SLOT) / SLOT) * SLOT; t < downAt + 8000; t += SLOT) {
      assert.ok(missed.some((r) => Date.parse(r.scheduledAt) === t), `a missed row for ${new Date(t).toISOString()}`);
    }
    const info = (await client.schedule.getHandle(id).describe()).info;
    assert.ok(Number(info.numActionsMissedCatchupWindow) >= 1, "Temporal's counter saw misses too");
    const stats = (await call<Stats>('GET', `/v1/jobs/${id}/stats`)).body;
    assert.ok((stats.byStatus.missed ?? 0) >= missed.length);
    assert.equal((await call('POST', `/v1/jobs/${id}/pause`)).status, 200);
  });
});
