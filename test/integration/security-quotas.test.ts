// Quotas and page limits (issue #13, item 9), tried as a NON-ADMIN user on a private stack with
// small quotas (KAIROS_QUOTA_JOBS=3, KAIROS_QUOTA_CONCURRENT_RUNS=1): a 4th job through /v1, Fusion
// and Informer is refused with nothing created; a second concurrent manual run is refused; a
// scheduled run over the limit fails as QuotaExceeded without calling its target; other users are
// unaffected; pages larger than a list allows are a 400 naming the field. The refused scheduled run
// shows on the worker's /metrics as a skipped run (reason quota).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { startOwnStack, type OwnStack } from '../support/processes.ts';
import { startHttpTarget, type HttpTarget, type RecordedRequest } from '../support/http-target.ts';
import { api, uniqueId, type ApiResponse } from '../support/env.ts';
import { waitFor } from '../support/wait-for.ts';
import { scrape, total } from '../support/prometheus.ts';
import { freePort } from '../../scripts/dev-server.ts';

type Json = Record<string, unknown>;
type Res<T = Json> = ApiResponse<T>;
interface Run {
  runId: string;
  status: string;
  trigger: string;
}

const PW = 'quota-user-password';
const basic = (user: string) => `Basic ${Buffer.from(`${user}:${PW}`).toString('base64')}`;

describe('security: quotas and page limits (private stack, non-admin users)', { timeout: 300_000 }, () => {
  let s: OwnStack;
  let target: HttpTarget;
  const bob = uniqueId('bob');
  const carol = uniqueId('carol');
  /** username → principal id (what ownerId holds) */
  const ids = new Map<string, string>();
  let BOB: string;
  let CAROL: string;
  /** Requests to /slow/… are held until this is called. */
  let releaseSlow: () => void = () => {};
  const slowReleased = new Promise<void>((r) => (releaseSlow = r));

  const call = <T = Json>(method: string, path: string, auth: string, body?: unknown): Promise<Res<T>> => api<T>(method, path, { auth, body, baseUrl: s.apiUrl });
  const httpJob = (id: string, path: string, extra: Json = {}) => ({ id, type: 'http', data: { url: `${target.url}/${path}/${id}` }, ...extra });
  const runsOf = async (jobId: string, auth: string) => (await call<{ items: Run[] }>('GET', `/v1/jobs/${jobId}/runs?limit=50`, auth)).body.items ?? [];
  const hits = (prefix: string) => target.requests.filter((r) => r.path.startsWith(prefix)).length;
  const assertQuota = (res: Res<unknown>, variable: RegExp, where: string) => {
    assert.equal(res.status, 403, `${where}: ${JSON.stringify(res.body)}`);
    assert.match(JSON.stringify(res.body), variable, where);
  };

  // bob's three jobs
  const slow = uniqueId('q-slow');
  const fast = uniqueId('q-fast');
  const sched = uniqueId('q-sched');
  const carolJob = uniqueId('q-carol');

  before(async () => {
    s = await startOwnStack({ env: { KAIROS_QUOTA_JOBS: '3', KAIROS_QUOTA_CONCURRENT_RUNS: '1', KAIROS_WORKER_METRICS_PORT: String(await freePort()) } });
    target = await startHttpTarget();
    target.respond = async (req: RecordedRequest, res: ServerResponse) => {
      if (req.path.startsWith('/slow/')) await slowReleased;
      if (!res.destroyed) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    };
    for (const username of [bob, carol]) {
      const created = await call<{ id: string }>('POST', '/v1/users', s.auth, { username, password: PW, role: 'user' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      ids.set(username, created.body.id);
    }
    BOB = basic(bob);
    CAROL = basic(carol);
  });
  after(async () => {
    releaseSlow();
    await target?.close();
    await s?.stop();
  });

  it('a 4th job is refused through /v1, Fusion and Informer, and nothing is created; other users are unaffected', async () => {
    for (const body of [
      httpJob(slow, 'slow', { timeout: { startToClose: '2m' } }),
      httpJob(fast, 'fast'),
      httpJob(sched, 'sched', { enabled: false, triggers: [{ type: 'interval', every: '2s' }] }),
    ]) {
      const created = await call('POST', '/v1/jobs', BOB, body);
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }

    const native = uniqueId('q-4th');
    const refused = await call<{ error: { details: { path: string }[] } }>('POST', '/v1/jobs', BOB, httpJob(native, 'x'));
    assertQuota(refused, /KAIROS_QUOTA_JOBS.*\D3\b/, '/v1');
    assert.equal(refused.body.error.details[0]?.path, 'quota.jobs');
    assert.equal((await call('GET', `/v1/jobs/${native}`, s.auth)).status, 404, 'the refused /v1 job does not exist');

    const task = uniqueId('q-task');
    const fusion = await call<Json>('POST', '/fusion/api/tasks', BOB, { id: task, type: 'rest-call', callParams: { uri: `${target.url}/x/${task}`, method: 'get' } });
    assertQuota(fusion, /KAIROS_QUOTA_JOBS/, 'Fusion');
    assert.equal(fusion.body.type, 'RESTError', 'Fusion error shape');
    assert.equal(fusion.body.httpStatusCode, 403);
    assert.equal((await call('GET', `/fusion/api/jobs/task:${task}`, s.auth)).status, 404, 'the refused Fusion task does not exist');

    const informerName = uniqueId('q-informer');
    const informer = await call<Json>('POST', '/informer/api/jobs', BOB, { name: informerName, type: 'api-call', enabled: false, data: { url: `${target.url}/x/i`, method: 'GET' } });
    assertQuota(informer, /KAIROS_QUOTA_JOBS/, 'Informer');
    assert.equal(typeof informer.body.error, 'string', 'Informer error shape');

    // carol is not bob: her first job is created
    assert.equal((await call('POST', '/v1/jobs', CAROL, httpJob(carolJob, 'carol'))).status, 201);
    // handing carol's job to bob would give him a 4th: refused, the job stays carol's
    const transfer = await call('PATCH', `/v1/jobs/${carolJob}`, s.auth, { ownerId: ids.get(bob) });
    assertQuota(transfer, /KAIROS_QUOTA_JOBS/, 'ownership transfer');
    assert.equal((await call<{ ownerId: string }>('GET', `/v1/jobs/${carolJob}`, s.auth)).body.ownerId, ids.get(carol));

    // once visibility has caught up, bob has exactly his three jobs (no Informer job slipped in)
    const want = [fast, sched, slow].sort();
    await waitFor(async () => {
      const listed = await call<{ items: { id: string }[] }>('GET', '/v1/jobs?limit=100', BOB);
      return JSON.stringify(listed.body.items.map((j) => j.id).sort()) === JSON.stringify(want);
    }, 15_000, `bob's list to be exactly ${want.join(', ')}`);
  });

  it('page sizes above a list’s maximum are a 400 naming the field, in each surface’s shape; pages are cursored', async () => {
    const v1 = await call('GET', '/v1/jobs?limit=1001', BOB);
    assert.equal(v1.status, 400);
    assert.match(JSON.stringify(v1.body), /limit/);
    const runs = await call('GET', '/v1/runs?limit=101', BOB);
    assert.equal(runs.status, 400);
    assert.match(JSON.stringify(runs.body), /limit/);

    const fusion = await call<{ type: string; details: { path: string }[] }>('GET', '/fusion/api/jobs?limit=1001', BOB);
    assert.equal(fusion.status, 400, JSON.stringify(fusion.body));
    assert.equal(fusion.body.type, 'RESTError');
    assert.deepEqual(fusion.body.details.map((d) => d.path), ['limit']);
    assert.equal((await call('GET', '/fusion/api/jobs?cursor=not%20a%20cursor', BOB)).status, 400);

    const cluedin = await call<{ errors: Record<string, string[]> }>('GET', '/cluedin/api/v1/hangfire/jobs/crawling?limit=5000', BOB);
    assert.equal(cluedin.status, 400, JSON.stringify(cluedin.body));
    assert.ok(cluedin.body.errors.limit, JSON.stringify(cluedin.body));
    const take = await call<{ errors: Record<string, string[]> }>('GET', '/cluedin/api/v1/jobs?page=0&take=5000', BOB);
    assert.equal(take.status, 400);
    assert.ok(take.body.errors.take, JSON.stringify(take.body));

    const informer = await call<{ validation?: { keys: string[] } }>('GET', '/informer/api/jobs?limit=5000', BOB);
    assert.equal(informer.status, 400);
    assert.deepEqual(informer.body.validation?.keys, ['limit']);

    // Fusion's list pages through bob's three jobs one at a time
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 5; i++) {
      const page: Res<{ resource: string }[]> = await call('GET', `/fusion/api/jobs?limit=1${cursor ? `&cursor=${cursor}` : ''}`, BOB);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      assert.ok(page.body.length <= 1);
      seen.push(...page.body.map((j) => j.resource));
      cursor = page.headers.get('x-kairos-next-cursor');
      if (!cursor) break;
    }
    assert.deepEqual(seen.sort(), [fast, sched, slow].map((id) => `task:${id}`).sort());
  });

  it('a second concurrent run is refused (manual) or fails as QuotaExceeded without calling its target (scheduled); other users are unaffected', async () => {
    const first = await call<{ runId: string }>('POST', `/v1/jobs/${slow}/run`, BOB);
    assert.equal(first.status, 202, JSON.stringify(first.body));
    await waitFor(() => hits(`/slow/${slow}`) > 0, 30_000, 'the first run to reach its slow target');

    // manual: refused through /v1 and through Fusion, and no run is started
    assertQuota(await call('POST', `/v1/jobs/${fast}/run`, BOB), /KAIROS_QUOTA_CONCURRENT_RUNS.*\D1\b/, '/v1 run');
    const fusion = await call<Json>('POST', `/fusion/api/jobs/task:${fast}/actions`, BOB, { action: 'start' });
    assertQuota(fusion, /KAIROS_QUOTA_CONCURRENT_RUNS/, 'Fusion start');
    assert.equal(fusion.body.type, 'RESTError');

    // carol's runs do not count against bob's quota
    assert.equal((await call('POST', `/v1/jobs/${carolJob}/run`, CAROL)).status, 202);
    await waitFor(() => hits(`/carol/${carolJob}`) > 0, 30_000, "carol's run to reach its target");

    // scheduled: the run starts and fails as QuotaExceeded; its target is never called
    assert.equal((await call('POST', `/v1/jobs/${sched}/resume`, BOB)).status, 200);
    const refusedRun = await waitFor(async () => (await runsOf(sched, BOB)).find((r) => r.status === 'failed'), 30_000, 'a scheduled run that failed');
    assert.equal((await call('POST', `/v1/jobs/${sched}/pause`, BOB)).status, 200);
    assert.equal(refusedRun.trigger, 'schedule');
    const detail = await call<{ error: { type: string; message: string }; attempts: number }>('GET', `/v1/runs/${refusedRun.runId}`, BOB);
    assert.equal(detail.body.error.type, 'QuotaExceeded', JSON.stringify(detail.body));
    assert.match(detail.body.error.message, /KAIROS_QUOTA_CONCURRENT_RUNS/);
    assert.equal(hits(`/sched/${sched}`), 0, 'the refused scheduled run never called its target');
    assert.equal((await runsOf(fast, BOB)).length, 0, 'the refused manual runs never started');
    const skipped = { job_id: sched, reason: 'quota', trigger: 'schedule', job_type: 'http', dialect: 'native' };
    const metrics = await waitFor(async () => {
      const m = await scrape(`http://127.0.0.1:${s.env.KAIROS_WORKER_METRICS_PORT}/metrics`);
      return total(m, 'kairos_runs_skipped_total', skipped) >= 1 ? m : undefined;
    }, 15_000, 'the skipped run on the worker metrics');
    assert.ok(total(metrics, 'kairos_runs_finished_total', { job_id: sched, outcome: 'failed' }) >= 1, 'and a failed one, as its record says');

    // once the first run has finished, bob may run again
    releaseSlow();
    await waitFor(async () => (await runsOf(slow, BOB)).find((r) => r.runId === first.body.runId && r.status === 'succeeded'), 30_000, 'the first run to succeed');
    await waitFor(async () => (await call('POST', `/v1/jobs/${fast}/run`, BOB)).status === 202, 15_000, 'a run to be accepted again');
    await waitFor(() => hits(`/fast/${fast}`) > 0, 30_000, 'the accepted run to reach its target');
  });

  it('a deleted job stops counting at once: the next create is accepted', async () => {
    assert.equal((await call('DELETE', `/v1/jobs/${sched}`, BOB)).status, 204);
    const again = uniqueId('q-again');
    const created = await call('POST', '/v1/jobs', BOB, httpJob(again, 'again', { enabled: false, triggers: [{ type: 'interval', every: '1h' }] }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assertQuota(await call('POST', '/v1/jobs', BOB, httpJob(uniqueId('q-5th'), 'x')), /KAIROS_QUOTA_JOBS/, '/v1 after the re-create');
  });
});
