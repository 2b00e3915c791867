// The cleanup driver on the real dev server: it deletes closed runs older than a given age (only
// those), and with no age applies each job's history.retentionDays (runs younger than that stay).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, uniqueId } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';
import { finishedRun } from '../support/runs.ts';

interface Run {
  runId: string;
  status: string;
  endedAt: string | null;
  output: { deleted: number; found: number; scopes: { jobId: string | null; closedBefore: string }[] } | null;
  progress: { done: number; total?: number; unit?: string } | null;
}
type Page = { items: Run[] };
const finished = (runId: string): Promise<Run> => finishedRun<Run>(runId, 20_000);

describe('cleanup driver', () => {
  let target: HttpTarget;
  const jobs: string[] = [];
  before(async () => {
    target = await startHttpTarget();
  });
  after(async () => {
    for (const id of jobs) await api('DELETE', `/v1/jobs/${id}`);
    await target.close();
  });
  const job = async (body: Record<string, unknown>) => {
    const res = await api<{ id: string }>('POST', '/v1/jobs', { body: { triggers: [], ...body } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    jobs.push(res.body.id);
    return res.body.id;
  };
  const run = async (jobId: string) => await finished((await api<{ runId: string }>('POST', `/v1/jobs/${jobId}/run`)).body.runId);
  const listed = async (jobId: string) => ((await api<Page>('GET', `/v1/jobs/${jobId}/runs`)).body.items ?? []).map((r) => r.runId);

  it('deletes only the runs older than the given age', async () => {
    const x = await job({ id: uniqueId('old-runs'), type: 'http', data: { url: `${target.url}/x` } });
    const r1 = await run(x);
    const r1End = Date.parse(r1.endedAt ?? '');
    await waitFor(() => Date.now() > r1End + 3000, 5000, 'a gap between the two runs');
    const r2 = await run(x);
    const r2End = Date.parse(r2.endedAt ?? '');
    await waitFor(async () => (await listed(x)).length === 2, 10_000, 'both runs listed');

    // cutoff halfway between the two runs' ends, as seen when the cleanup run starts
    const midpoint = (r1End + r2End) / 2;
    const cleaner = await job({ id: uniqueId('cleaner'), type: 'cleanup', data: { jobId: x, olderThan: `${Math.round(Date.now() - midpoint)}ms` } });
    const c = await run(cleaner);
    assert.equal(c.status, 'succeeded', JSON.stringify(c));
    assert.equal(c.output?.deleted, 1);
    assert.equal(c.output?.found, 1);
    assert.deepEqual(c.progress, { done: 1, total: 1, unit: 'runs' });
    // DeleteWorkflowExecution is carried out asynchronously by the server
    await waitFor(async () => (await api('GET', `/v1/runs/${r1.runId}`)).status === 404, 40_000, 'the old run to be gone');
    assert.equal((await api('GET', `/v1/runs/${r2.runId}`)).status, 200, 'the recent run stays');
    await waitFor(async () => (await listed(x)).join() === r2.runId, 10_000, 'visibility to list only the recent run');
  });

  it('applies each job’s retention: runs younger than retentionDays stay', async () => {
    const y = await job({ id: uniqueId('kept'), type: 'http', data: { url: `${target.url}/y` }, history: { strategy: 'FULL', retentionDays: 1 } });
    const r = await run(y);
    await waitFor(async () => (await listed(y)).length === 1, 10_000, 'the run listed');
    const scoped = await job({ id: uniqueId('retention-one'), type: 'cleanup', data: { jobId: y } });
    const c1 = await run(scoped);
    assert.equal(c1.status, 'succeeded', JSON.stringify(c1));
    assert.equal(c1.output?.deleted, 0);
    assert.equal(c1.output?.scopes[0]?.jobId, y);
    const cutoff = Date.parse(c1.output?.scopes[0]?.closedBefore ?? '');
    assert.ok(Math.abs(Date.now() - 86_400_000 - cutoff) < 60_000, 'cutoff is one day back');

    const everyJob = await job({ id: uniqueId('retention-all'), type: 'cleanup', data: {} });
    const c2 = await run(everyJob);
    assert.equal(c2.status, 'succeeded', JSON.stringify(c2));
    assert.equal(c2.output?.deleted, 0);
    assert.ok(c2.output?.scopes.some((s) => s.jobId === y), 'the job with a retention is in scope');
    assert.ok(!c2.output?.scopes.some((s) => s.jobId === everyJob), 'jobs without retention are kept forever');
    assert.equal((await api('GET', `/v1/runs/${r.runId}`)).status, 200);
  });
});
