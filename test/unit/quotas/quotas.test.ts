import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../core/config.ts';
import { KairosError } from '../../../core/errors.ts';
import type { JobSummary } from '../../../core/jobs/model.ts';
import type { ListPage, ListQuery } from '../../../core/jobs/store.ts';
import { JobQuota, runningRunsQuery, VISIBILITY_LAG_MS } from '../../../core/quotas/quotas.ts';

/** A schedule list as visibility would answer it: whatever `visible` holds, paged by offset. */
class ListedJobs {
  visible = new Map<string, string>(); // id → owner
  calls: ListQuery[] = [];
  async list(q: ListQuery): Promise<ListPage> {
    this.calls.push(q);
    const all = [...this.visible].filter(([, o]) => o === q.owner).map(([id]) => id);
    const start = q.cursor ? Number(q.cursor) : 0;
    const items = all.slice(start, start + q.pageSize).map((id) => ({ id }) as JobSummary);
    return { items, nextCursor: start + q.pageSize < all.length ? String(start + q.pageSize) : null };
  }
}

const isQuota = (err: unknown) => err instanceof KairosError && err.kind === 'forbidden' && /KAIROS_QUOTA_JOBS/.test(err.message) && err.details[0]?.path === 'quota.jobs';

describe('quotas', () => {
  it('are configured by KAIROS_QUOTA_JOBS and KAIROS_QUOTA_CONCURRENT_RUNS (defaults 1000 and 20, 0 = unlimited)', () => {
    assert.deepEqual(loadConfig({}).quotas, { jobs: 1000, concurrentRuns: 20 });
    assert.deepEqual(loadConfig({ KAIROS_QUOTA_JOBS: '0', KAIROS_QUOTA_CONCURRENT_RUNS: '3' }).quotas, { jobs: 0, concurrentRuns: 3 });
    assert.throws(() => loadConfig({ KAIROS_QUOTA_JOBS: '-1' }), /KAIROS_QUOTA_JOBS: must be a whole number/);
    assert.throws(() => loadConfig({ KAIROS_QUOTA_CONCURRENT_RUNS: 'many' }), /KAIROS_QUOTA_CONCURRENT_RUNS/);
  });

  it('refuse a job over the limit, counting the list and this process’s holds and recent writes', async () => {
    const list = new ListedJobs();
    let now = 1_000_000;
    const q = new JobQuota(list, 3, () => now);
    list.visible.set('a', 'bob');
    // a burst: both read the same list (one job) while neither is written yet
    const [b, c] = await Promise.all([q.reserve('bob', 'b'), q.reserve('bob', 'c')]);
    await assert.rejects(q.reserve('bob', 'd'), isQuota);
    b.commit();
    c.release(); // c's write failed: it no longer counts
    const d = await q.reserve('bob', 'd');
    d.commit();
    // b and d are not visible yet, but count: a + b + d = 3
    await assert.rejects(q.reserve('bob', 'e'), isQuota);
    // another owner is not affected
    (await q.reserve('carol', 'x')).commit();
    // a deleted job stops counting at once, although the list still shows it
    q.noteRemoved('bob', 'a');
    const e = await q.reserve('bob', 'e');
    e.commit();
    // after the lag, the list alone counts
    now += VISIBILITY_LAG_MS + 1;
    list.visible.delete('a');
    for (const id of ['b', 'd', 'e']) list.visible.set(id, 'bob');
    await assert.rejects(q.reserve('bob', 'f'), isQuota);
    // the pages read are bounded by the limit, never the whole list
    for (let i = 0; i < 50; i++) list.visible.set(`z${i}`, 'bob');
    list.calls = [];
    await assert.rejects(q.reserve('bob', 'g'), isQuota);
    assert.deepEqual(list.calls.map((c2) => c2.pageSize), [3]);
  });

  it('answer from a count while clearly below the limit, and read the list near it or when the count fails', async () => {
    const list = new ListedJobs();
    let counted: number | Error = 0;
    const q = new JobQuota(list, 3, Date.now, async () => {
      if (counted instanceof Error) throw counted;
      return counted;
    });
    (await q.reserve('bob', 'a')).commit(); // 0 + 0 < 3: no list read
    assert.equal(list.calls.length, 0);
    list.visible.set('a', 'bob');
    counted = 1; // a is counted and also a recent create: 1 + 1 < 3, still no list read
    (await q.reserve('bob', 'b')).commit();
    assert.equal(list.calls.length, 0);
    counted = 1; // b not visible yet: 1 + 2 ≥ 3, so the list decides (a, b: 2 < 3)
    (await q.reserve('bob', 'c')).commit();
    assert.equal(list.calls.length, 1);
    counted = new Error('visibility unavailable');
    await assert.rejects(q.reserve('bob', 'd'), isQuota);
    assert.equal(list.calls.length, 2);
  });

  it('are off at 0', async () => {
    const list = new ListedJobs();
    const q = new JobQuota(list, 0);
    for (let i = 0; i < 5; i++) (await q.reserve('bob', `j${i}`)).commit();
    assert.equal(list.calls.length, 0);
  });

  it('count an owner’s running runs, the asking one and later ones left out', () => {
    assert.equal(
      runningRunsQuery("o'x", { exceptWorkflowId: 'run-1', startedBefore: new Date('2026-01-02T03:04:05.678Z') }),
      "WorkflowType = 'runJob' AND KairosOwner = 'o\\'x' AND ExecutionStatus = 'Running' AND WorkflowId != 'run-1' AND StartTime < '2026-01-02T03:04:05.678Z'",
    );
  });
});
