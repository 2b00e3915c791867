// Crash tests on a private stack (its own dev server, SQLite file, worker and API on free ports), so
// killing processes never disturbs the shared test stack: SIGKILL the worker mid-run, the dev server
// (restarted on the same SQLite file), and the API mid-request.
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
type Job = Record<string, unknown> & { id: string; version: number; state: { enabled: boolean } };
interface Run {
  runId: string;
  status: string;
  trigger: string;
  scheduledAt: string;
}

// Not a wait for a condition: the fault scenarios need time itself to pass (a slow target, a
// downtime that spans fire times, a kill that lands mid-request).
const letTimePass = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('faults (private stack; processes are SIGKILLed)', { timeout: 240_000 }, () => {
  let s: OwnStack;
  let target: HttpTarget;
  let client: Client;
  /** Per path prefix: how long the target holds the response. */
  const holdMs = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const maxInFlight = new Map<string, number>();

  const call = async <T = Job>(method: string, path: string, body?: unknown): Promise<Res<T>> => {
    const res = await fetch(`${s.apiUrl}${path}`, {
      method,
      headers: { authorization: s.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };
  const runs = async (jobId: string) => (await call<{ items: Run[] }>('GET', `/v1/jobs/${jobId}/runs?limit=200`)).body.items ?? [];
  const jobPath = (path: string) => path.split('/').slice(0, 3).join('/');

  before(async () => {
    s = await startOwnStack();
    client = new Client({ connection: await Connection.connect({ address: s.temporalAddress }), namespace: s.namespace });
    target = await startHttpTarget();
    target.respond = async (req: RecordedRequest, res: ServerResponse) => {
      const key = jobPath(req.path);
      const n = (inFlight.get(key) ?? 0) + 1;
      inFlight.set(key, n);
      maxInFlight.set(key, Math.max(maxInFlight.get(key) ?? 0, n));
      res.once('close', () => inFlight.set(key, (inFlight.get(key) ?? 1) - 1));
      const hold = [...holdMs.entries()].find(([p]) => req.path.startsWith(p))?.[1] ?? 0;
      if (hold) await letTimePass(hold);
      if (!res.destroyed) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    };
  });
  after(async () => {
    await client?.connection.close();
    await target?.close();
    await s?.stop();
  });

  it('SIGKILL of the worker mid-run: every run completes, none is lost, overlap=skip never overlaps', async () => {
    const manual = uniqueId('wk-manual');
    const sched = uniqueId('wk-sched');
    holdMs.set(`/slow/${manual}`, 4000);
    holdMs.set(`/slow/${sched}`, 3000);
    const common = { type: 'http', retry: { maxAttempts: 5, initialInterval: '500ms' }, timeout: { startToClose: '30s', heartbeat: '2s' } };
    assert.equal((await call('POST', '/v1/jobs', { ...common, id: manual, data: { url: `${target.url}/slow/${manual}` } })).status, 201);
    const created = await call('POST', '/v1/jobs', {
      ...common,
      id: sched,
      overlap: 'skip',
      data: { url: `${target.url}/slow/${sched}` },
      triggers: [{ type: 'cron', dialect: 'quartz', expression: '*/2 * * * * ?' }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));

    const runIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await call<{ runId: string }>('POST', `/v1/jobs/${manual}/run`);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      runIds.push(r.body.runId);
    }
    // Each target call is held for seconds, so several runs are mid-activity when the worker dies.
    await waitFor(() => (inFlight.get(`/slow/${manual}`) ?? 0) >= 2 && (inFlight.get(`/slow/${sched}`) ?? 0) >= 1, 30_000, 'runs in flight');
    await s.killWorker();

    for (const runId of runIds) {
      await waitFor(async () => (await call<Run>('GET', `/v1/runs/${runId}`)).body.status === 'succeeded', 90_000, `run ${runId} to succeed after the worker was killed`);
    }
    const manualRuns = await waitFor(async () => {
      const items = await runs(manual);
      return items.length >= runIds.length ? items : undefined;
    }, 20_000, 'the run history');
    assert.deepEqual(manualRuns.map((r) => r.runId).sort(), [...runIds].sort(), 'exactly the runs that were started: none lost, none added');

    // The scheduled job keeps firing after the restart; skip never lets two of its runs overlap.
    const before = (await runs(sched)).length;
    await waitFor(async () => (await runs(sched)).length > before, 30_000, 'a scheduled run after the restart');
    assert.equal((await call('POST', `/v1/jobs/${sched}/pause`)).status, 200);
    const schedRuns = await waitFor(async () => {
      const items = await runs(sched);
      return items.every((r) => r.status !== 'running') ? items : undefined;
    }, 60_000, 'the scheduled runs to finish');
    assert.deepEqual(schedRuns.filter((r) => r.status !== 'succeeded'), [], 'every scheduled run succeeded');
    assert.equal(maxInFlight.get(`/slow/${sched}`), 1, 'overlap=skip: never two runs of the job at once');
    await call('DELETE', `/v1/jobs/${manual}`);
    await call('DELETE', `/v1/jobs/${sched}`);
  });

  it('SIGKILL of the dev server, restarted on the same SQLite file: jobs, state and history intact; missed fires caught up', async () => {
    const cron = uniqueId('ds-cron');
    const paused = uniqueId('ds-paused');
    const manual = uniqueId('ds-manual');
    const post = async (body: Record<string, unknown>) => {
      const r = await call('POST', '/v1/jobs', { type: 'http', ...body });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body;
    };
    await post({
      id: cron,
      data: { url: `${target.url}/fast/${cron}` },
      tags: ['catch-up'],
      overlap: 'allow_all',
      misfire: { catchupWindow: '1m' },
      triggers: [{ type: 'cron', dialect: 'quartz', expression: '*/2 * * * * ?' }],
    });
    await post({ id: paused, enabled: false, data: { url: `${target.url}/fast/${paused}` }, triggers: [{ type: 'cron', expression: '0 4 * * *' }] });
    await post({ id: manual, name: 'Has history', data: { url: `${target.url}/fast/${manual}` } });
    for (let i = 0; i < 2; i++) assert.equal((await call('POST', `/v1/jobs/${manual}/run`)).status, 202);
    const history = await waitFor(async () => {
      const items = await runs(manual);
      return items.length === 2 && items.every((r) => r.status === 'succeeded') ? items : undefined;
    }, 30_000, 'two finished manual runs');
    await waitFor(async () => (await runs(cron)).length >= 2, 30_000, 'the cron job to fire');
    const defs = new Map<string, Job>();
    for (const id of [cron, paused, manual]) {
      const { state: _state, ...job } = (await call('GET', `/v1/jobs/${id}`)).body;
      defs.set(id, job as Job);
    }

    await s.killDevServer();
    const downAt = Date.now();
    await letTimePass(6000); // three fire times of the cron job pass while the server is down
    await s.startDevServer();
    await s.waitReady();
    const upAt = Date.now();

    for (const id of [cron, paused, manual]) {
      const got = await call('GET', `/v1/jobs/${id}`);
      assert.equal(got.status, 200, JSON.stringify(got.body));
      const { state, ...job } = got.body;
      assert.deepEqual(job, defs.get(id), `job ${id} is intact`);
      assert.equal(state.enabled, id !== paused, `schedule state of ${id} is intact`);
    }
    const after = await runs(manual);
    assert.deepEqual(
      after.map((r) => [r.runId, r.status]).sort(),
      history.map((r) => [r.runId, r.status]).sort(),
      'run history is intact',
    );

    // Catch-up (allow_all, 1 minute window): every fire time missed while down gets its run.
    const slot = 2000;
    const firstMissed = Math.ceil(downAt / slot) * slot;
    const lastMissed = Math.floor(upAt / slot) * slot - slot;
    const cronRuns = await waitFor(async () => {
      const items = await runs(cron);
      const times = new Set(items.map((r) => new Date(r.scheduledAt).getTime()));
      for (let t = firstMissed; t <= lastMissed; t += slot) if (!times.has(t)) return undefined;
      return items;
    }, 45_000, 'runs for every fire time missed while the server was down');
    assert.ok(cronRuns.length >= (lastMissed - firstMissed) / slot + 1);
    for (const id of [cron, paused, manual]) assert.equal((await call('DELETE', `/v1/jobs/${id}`)).status, 204);
  });

  it('SIGKILL of the API mid-request: no half-created job, and the retry with the same id is safe', async () => {
    const definition = (id: string) => ({
      id,
      name: `Crash ${id}`,
      type: 'http',
      tags: ['api-crash'],
      data: { url: `${target.url}/fast/${id}` },
      triggers: [{ type: 'cron', expression: '15 3 * * *' }],
    });
    const same = (job: Job, def: ReturnType<typeof definition>) =>
      job.id === def.id && job.name === def.name && JSON.stringify(job.tags) === JSON.stringify(def.tags) && (job.data as { url?: string }).url === def.data.url;
    const ids: string[] = [];
    const seen: string[] = [];
    // From before the API has read the requests to after it has answered them all, so that kills
    // land before, during and after the writes to Temporal.
    for (const delayMs of [0, 30, 120, 400, 2000]) {
      const batch = Array.from({ length: 6 }, () => uniqueId('api-crash'));
      ids.push(...batch);
      const inflight = batch.map((id) =>
        fetch(`${s.apiUrl}/v1/jobs`, {
          method: 'POST',
          headers: { authorization: s.auth, 'content-type': 'application/json' },
          body: JSON.stringify(definition(id)),
          signal: AbortSignal.timeout(30_000),
        }).then(
          (r) => r.status,
          () => 'dropped' as const,
        ),
      );
      await letTimePass(delayMs);
      await s.killApi();
      const outcomes = await Promise.all(inflight);
      for (const o of outcomes) assert.ok(o === 'dropped' || o === 201, `a request either completed (201) or was dropped, not ${o}`);
      seen.push(...outcomes.map(String));
      await s.startApi();
    }
    let existed = 0;
    for (const id of ids) {
      const got = await call('GET', `/v1/jobs/${id}`);
      if (got.status === 200) existed++;
      assert.ok(got.status === 200 || got.status === 404, `GET ${id}: ${got.status}`);
      let exists = false;
      try {
        await client.schedule.getHandle(id).describe();
        exists = true;
      } catch {
        exists = false;
      }
      assert.equal(exists, got.status === 200, `the API and Temporal agree whether ${id} exists`);
      if (got.status === 200) assert.ok(same(got.body, definition(id)) && got.body.version === 1, `${id} exists whole`);
      // The client's retry with the same id.
      const retry = await call('POST', '/v1/jobs', definition(id));
      assert.equal(retry.status, got.status === 200 ? 409 : 201, JSON.stringify(retry.body));
      const final = await call('GET', `/v1/jobs/${id}`);
      assert.equal(final.status, 200);
      assert.ok(same(final.body, definition(id)) && final.body.version === 1, `${id} after the retry equals the definition`);
      await call('DELETE', `/v1/jobs/${id}`);
    }
    console.log(`api crash: answers ${seen.join(' ')}; ${existed}/${ids.length} jobs existed after the crashes`);
    assert.ok(seen.includes('201'), 'some creates completed before a kill (the test reached the acknowledged case)');
  });
});
