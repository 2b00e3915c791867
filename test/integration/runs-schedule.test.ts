// Scheduled runs on the real dev server: a seconds-level cron fires on its own and leaves history
// (with scheduled vs actual start), overlap skip vs allow-all seen from the target, pause-on-failure
// pauses the schedule, jitter reaches the schedule, and `job` triggers start dependents per outcome.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import type { Client } from '@temporalio/client';
import { api, temporalClient, uniqueId } from '../support/env.ts';
import { startHttpTarget, type HttpTarget, type RecordedRequest } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';

interface Run {
  runId: string;
  status: string;
  trigger: string;
  scheduledAt: string;
  startedAt: string;
  startDelayMs: number;
  cause: { jobId: string; workflowId: string; outcome: string } | null;
  dependents: string[];
}
type Page = { items: Run[]; nextCursor: string | null };
const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'terminated', 'timed_out']);

describe('scheduled runs and policies', () => {
  let target: HttpTarget;
  let client: Client;
  const routes = new Map<string, (req: RecordedRequest, res: ServerResponse) => void>();
  const jobs: string[] = [];
  before(async () => {
    client = await temporalClient();
    target = await startHttpTarget();
    target.respond = (req, res) => {
      const key = [...routes.keys()].find((k) => req.path.startsWith(k));
      if (key) routes.get(key)?.(req, res);
      else res.writeHead(200).end('ok');
    };
  });
  after(async () => {
    for (const id of jobs) await api('DELETE', `/v1/jobs/${id}`);
    await target.close();
    await client.connection.close();
  });
  const job = async (body: Record<string, unknown>) => {
    const res = await api<{ id: string }>('POST', '/v1/jobs', { body: { type: 'http', triggers: [], ...body } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    jobs.push(res.body.id);
    return res.body.id;
  };
  const runs = async (jobId: string) => (await api<Page>('GET', `/v1/jobs/${jobId}/runs?limit=100`)).body.items ?? [];
  /** The run's record once it has ended (a run's record may not exist yet when it was just started). */
  const finalRun = (runId: string | undefined, what: string) =>
    waitFor(
      async () => {
        const r = await api<Run>('GET', `/v1/runs/${runId ?? ''}`);
        return r.status === 200 && FINAL.has(r.body.status) ? r.body : undefined;
      },
      15_000,
      what,
    );
  const stopSchedule = async (jobId: string) => {
    assert.equal((await api('POST', `/v1/jobs/${jobId}/pause`)).status, 200);
  };

  it('fires a seconds-level cron on its own and records scheduled vs actual start', async () => {
    const id = await job({ id: uniqueId('cron'), data: { url: `${target.url}/cron` }, triggers: [{ type: 'cron', dialect: 'quartz', expression: '*/2 * * * * ?' }] });
    const done = await waitFor(
      async () => {
        const items = (await runs(id)).filter((r) => FINAL.has(r.status));
        return items.length >= 2 ? items : undefined;
      },
      15_000,
      'two scheduled runs in history',
    );
    await stopSchedule(id);
    for (const r of done) {
      assert.equal(r.status, 'succeeded');
      assert.equal(r.trigger, 'schedule');
      assert.match(r.runId, new RegExp(`^${id}-\\d{4}-\\d\\d-\\d\\dT`));
      const scheduled = new Date(r.scheduledAt);
      assert.equal(scheduled.getUTCSeconds() % 2, 0, 'due on an even second');
      assert.equal(scheduled.getUTCMilliseconds(), 0);
      assert.ok(r.startDelayMs >= 0 && r.startDelayMs < 5000, `started ${r.startDelayMs} ms late`);
    }
    console.log(`[measure] scheduled→actual start delays (ms): ${done.map((r) => r.startDelayMs).join(', ')}`);
  });

  it('maxRuns counts runs across edits: pause, resume and PATCH keep the count; the job runs maxRuns times in all', async () => {
    type View = { state: { remainingActions: number | null; nextRunAt: string | null } };
    const name = uniqueId('capped');
    const id = await job({ id: name, data: { url: `${target.url}/${name}` }, triggers: [{ type: 'cron', dialect: 'quartz', expression: '* * * * * ?' }], maxRuns: 3 });
    const calls = () => target.requests.filter((r) => r.path === `/${name}`).length;
    await waitFor(() => calls() >= 1, 15_000, 'the first scheduled run');
    await stopSchedule(id);
    const left = (await api<View>('GET', `/v1/jobs/${id}`)).body.state.remainingActions;
    assert.ok(left !== null && left < 3, `after a run, ${left} of 3 left`);
    // Each of these writes the schedule again; none may grant the whole limit anew.
    const resumed = await api<View>('POST', `/v1/jobs/${id}/resume`);
    assert.ok((resumed.body.state.remainingActions ?? 3) <= left, `resume kept the count: ${resumed.body.state.remainingActions} ≤ ${left}`);
    const patched = await api<View>('PATCH', `/v1/jobs/${id}`, { body: { description: 'renamed while running' } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.ok((patched.body.state.remainingActions ?? 3) <= left, `PATCH kept the count: ${patched.body.state.remainingActions} ≤ ${left}`);
    await waitFor(async () => (await api<View>('GET', `/v1/jobs/${id}`)).body.state.remainingActions === 0, 15_000, 'the limit to be used up');
    await waitFor(async () => (await runs(id)).filter((r) => r.trigger === 'schedule').every((r) => FINAL.has(r.status)), 15_000, 'the last run to end');
    assert.equal((await runs(id)).filter((r) => r.trigger === 'schedule').length, 3, 'three scheduled runs in all');
    assert.equal(calls(), 3);
  });

  it('overlap skip keeps one run in flight; allow-all lets them pile up', async () => {
    const observed: Record<string, { now: number; max: number }> = {};
    const slow = (name: string) => {
      observed[name] = { now: 0, max: 0 };
      routes.set(`/${name}`, (_req, res) => {
        const o = observed[name];
        if (!o) return;
        o.now++;
        o.max = Math.max(o.max, o.now);
        setTimeout(() => {
          o.now--;
          res.writeHead(200).end('slow');
        }, 3500);
      });
    };
    const skipName = uniqueId('skip');
    const allName = uniqueId('all');
    slow(skipName);
    slow(allName);
    const trig = [{ type: 'interval', every: '1s' }];
    const skip = await job({ id: skipName, data: { url: `${target.url}/${skipName}` }, triggers: trig, overlap: 'skip' });
    const all = await job({ id: allName, data: { url: `${target.url}/${allName}` }, triggers: trig, overlap: 'allow_all' });
    await waitFor(() => (observed[allName]?.max ?? 0) >= 3, 15_000, 'allow-all to have 3 calls in flight');
    // by now the skip job has had the same ~3 s of fire times
    await waitFor(() => (observed[skipName]?.max ?? 0) >= 1, 5000, 'the skip job to run');
    await stopSchedule(skip);
    await stopSchedule(all);
    assert.equal(observed[skipName]?.max, 1, 'skip: never two in flight');
    const desc = await client.schedule.getHandle(skip).describe();
    assert.equal(desc.policies.overlap, 'SKIP');
    assert.equal((await client.schedule.getHandle(all).describe()).policies.overlap, 'ALLOW_ALL');
  });

  it('pause-on-failure pauses the schedule after a failed run', async () => {
    const name = uniqueId('pof');
    routes.set(`/${name}`, (_req, res) => res.writeHead(404).end());
    const id = await job({ id: name, data: { url: `${target.url}/${name}` }, triggers: [{ type: 'interval', every: '1s' }], pauseOnFailure: true, retry: { maxAttempts: 1 } });
    const state = await waitFor(
      async () => {
        const j = await api<{ state: { enabled: boolean } }>('GET', `/v1/jobs/${id}`);
        return j.body.state.enabled === false ? j.body.state : undefined;
      },
      15_000,
      'the schedule to pause itself',
    );
    assert.equal(state.enabled, false);
    const failed = await waitFor(async () => (await runs(id)).filter((r) => r.status === 'failed'), 10_000, 'the failed run listed');
    assert.ok(failed.length >= 1);
    const desc = await client.schedule.getHandle(id).describe();
    assert.equal(desc.state.paused, true);
    assert.equal(desc.policies.pauseOnFailure, true);
  });

  it('maps jitter and the catch-up window onto the schedule', async () => {
    const id = await job({
      id: uniqueId('jit'),
      data: { url: `${target.url}/jit` },
      triggers: [{ type: 'cron', dialect: 'unix', expression: '0 3 * * *' }],
      jitter: '30s',
      misfire: { catchupWindow: '10m' },
    });
    const desc = await client.schedule.getHandle(id).describe();
    assert.equal(desc.spec.jitter, 30_000);
    assert.equal(desc.policies.catchupWindow, 600_000);
  });

  it('starts a dependent job after its parent succeeds, and not after it fails', async () => {
    const parentName = uniqueId('parent');
    let mode: 'ok' | 'fail' | 'hang' = 'ok';
    routes.set(`/${parentName}`, (_req, res) => {
      if (mode !== 'hang') res.writeHead(mode === 'fail' ? 404 : 200).end();
    });
    const parent = await job({ id: parentName, data: { url: `${target.url}/${parentName}` }, retry: { maxAttempts: 1 } });
    const onOk = await job({ id: uniqueId('after-ok'), data: { url: `${target.url}/after-ok` }, triggers: [{ type: 'job', jobId: parent, on: ['succeeded'] }] });
    const onFail = await job({ id: uniqueId('after-fail'), data: { url: `${target.url}/after-fail` }, triggers: [{ type: 'job', jobId: parent, on: ['failed', 'aborted'] }] });
    // the dependents' schedules must be visible to the parent's lookup
    await waitFor(
      async () => {
        let n = 0;
        for await (const _s of client.schedule.list({ query: `KairosAfterJobs = '${parent}:succeeded' OR KairosAfterJobs = '${parent}:failed'` })) n++;
        return n === 2;
      },
      10_000,
      'dependents visible',
    );

    const run1 = (await api<{ runId: string }>('POST', `/v1/jobs/${parent}/run`)).body.runId;
    const rec1 = await finalRun(run1, 'parent run 1');
    assert.equal(rec1.status, 'succeeded');
    assert.equal(rec1.dependents.length, 1);
    assert.match(rec1.dependents[0] ?? '', new RegExp(`^${onOk}-dependency-`));
    const child = await finalRun(rec1.dependents[0], 'the dependent run');
    assert.equal(child.status, 'succeeded');
    assert.equal(child.trigger, 'dependency');
    assert.deepEqual({ jobId: child.cause?.jobId, workflowId: child.cause?.workflowId, outcome: child.cause?.outcome }, { jobId: parent, workflowId: run1, outcome: 'succeeded' });

    mode = 'fail';
    const run2 = (await api<{ runId: string }>('POST', `/v1/jobs/${parent}/run`)).body.runId;
    const rec2 = await finalRun(run2, 'parent run 2');
    assert.equal(rec2.status, 'failed');
    assert.equal(rec2.dependents.length, 1);
    assert.match(rec2.dependents[0] ?? '', new RegExp(`^${onFail}-dependency-`));
    await waitFor(async () => (await runs(onFail)).some((r) => r.status === 'succeeded'), 15_000, 'the on-failure dependent to run');
    const okRuns = await runs(onOk);
    assert.equal(okRuns.length, 1, 'the on-success dependent did not run after the failure');
    assert.equal(target.requests.filter((r) => r.path === '/after-ok').length, 1);

    // a stopped (cancelled) parent run counts as 'aborted'
    mode = 'hang';
    const seen = target.requests.filter((r) => r.path === `/${parentName}`).length;
    const run3 = (await api<{ runId: string }>('POST', `/v1/jobs/${parent}/run`)).body.runId;
    await waitFor(() => target.requests.filter((r) => r.path === `/${parentName}`).length > seen, 10_000, 'parent run 3 to call');
    assert.equal((await api('POST', `/v1/runs/${run3}/stop`)).status, 202);
    const aborted = await waitFor(
      async () => {
        const items = await runs(onFail);
        return items.find((r) => r.trigger === 'dependency' && r.runId !== rec2.dependents[0]);
      },
      15_000,
      'the on-aborted dependent to start',
    );
    const detail = await api<Run>('GET', `/v1/runs/${aborted.runId}`);
    assert.equal(detail.body.cause?.outcome, 'aborted');
    assert.equal(detail.body.cause?.workflowId, run3);
    // The parent starts its dependents before it closes, so its own record may still say running.
    const stopped = await finalRun(run3, 'parent run 3 to close');
    assert.equal(stopped.status, 'cancelled');
  });
});
