// The hourly run rollup in the state store (core/runs/stats-store.ts) on both backends: upserts
// that only add (racing writers lose nothing), sums per hour scoped by job creation, owner and
// shares, the not-run rows counted per hour, pruning; and the worker's batcher (worker/run-stats.ts)
// merging reports and keeping a batch whose write failed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunStatsStore } from '../../../core/runs/stats-store.ts';
import { RunSkipStore } from '../../../core/runs/skip-store.ts';
import { notRunRow } from '../../support/run-skips.ts';
import { bucketOf, deltaOf, type RollupDelta } from '../../../core/runs/rollup.ts';
import type { RunStatsEvent } from '../../../core/temporal/contract.ts';
import { RunStatsBatcher } from '../../../worker/run-stats.ts';
import { withEachBackend } from '../../support/db.ts';

const event = (over: Partial<RunStatsEvent> = {}): RunStatsEvent => ({
  jobId: 'j1',
  incarnation: 'i1',
  ownerId: 'usr_a',
  outcome: 'succeeded',
  endedAtMs: Date.parse('2026-12-04T10:15:00Z'),
  durationMs: 40,
  latenessMs: null,
  ...over,
});
const from = new Date('2026-12-04T00:00:00Z');
const to = new Date('2026-12-05T00:00:00Z');

withEachBackend('run stats rollup', (fresh) => {
  test('adds on conflict: counts, sums, histograms; maxima by the larger; racing writers lose nothing', async () => {
    const store = new RunStatsStore(await fresh());
    await store.add([deltaOf(event({ durationMs: 40, latenessMs: 7 }))]);
    await Promise.all([
      store.add([deltaOf(event({ outcome: 'failed', durationMs: 3_000_000_000 }))]),
      store.add([deltaOf(event({ outcome: 'aborted', durationMs: 10 }))]),
      store.add([deltaOf(event({ outcome: 'skipped', durationMs: null }))]),
    ]);
    const sums = await store.sums({}, from, to);
    assert.deepEqual([...sums.keys()], ['2026-12-04T10:00:00.000Z']);
    const s = sums.get('2026-12-04T10:00:00.000Z');
    assert.deepEqual([s?.succeeded, s?.failed, s?.aborted, s?.skipped], [1, 1, 1, 1]);
    assert.equal(s?.duration.count, 3);
    // Beyond 2^31 ms: the sum and max columns are bigint.
    assert.equal(s?.duration.sumMs, 3_000_000_050);
    assert.equal(s?.duration.maxMs, 3_000_000_000);
    assert.equal(s?.duration.hist[bucketOf(0.04)], 1);
    assert.equal(s?.duration.hist[bucketOf(0.01)], 1);
    assert.equal(s?.duration.hist.at(-1), 1);
    assert.deepEqual([s?.lateness.count, s?.lateness.sumMs, s?.lateness.maxMs], [1, 7, 7]);
  });

  test('sums per hour within [from, to), scoped by job creation, owner and shared creations', async () => {
    const store = new RunStatsStore(await fresh());
    const rows: RollupDelta[] = [
      deltaOf(event()),
      deltaOf(event({ endedAtMs: Date.parse('2026-12-04T11:00:00Z') })),
      // An older creation of j1, another owner's job, and a row outside the range.
      deltaOf(event({ incarnation: 'i0' })),
      deltaOf(event({ jobId: 'j2', incarnation: 'k', ownerId: 'usr_b', outcome: 'failed' })),
      deltaOf(event({ endedAtMs: Date.parse('2026-12-05T00:00:00Z') })),
    ];
    await store.add(rows);
    const count = (m: Map<string, { succeeded: number; failed: number }>) => [...m.values()].reduce((n, s) => n + s.succeeded + s.failed, 0);
    assert.equal(count(await store.sums({}, from, to)), 4);
    assert.deepEqual([...(await store.sums({ jobs: [{ id: 'j1', incarnation: 'i1' }] }, from, to)).keys()].sort(), ['2026-12-04T10:00:00.000Z', '2026-12-04T11:00:00.000Z']);
    assert.equal(count(await store.sums({ jobs: [{ id: 'j1', incarnation: 'i1' }] }, from, to)), 2);
    assert.equal(count(await store.sums({ jobs: [] }, from, to)), 0);
    assert.equal(count(await store.sums({ owner: 'usr_b' }, from, to)), 1);
    assert.equal(count(await store.sums({ owner: 'usr_c' }, from, to)), 0);
    // A share of j2 shows it to usr_a, but a share of another creation does not.
    assert.equal(count(await store.sums({ owner: 'usr_a', sharedJobs: [{ id: 'j2', incarnation: 'k' }] }, from, to)), 4);
    assert.equal(count(await store.sums({ owner: 'usr_a', sharedJobs: [{ id: 'j2', incarnation: 'old' }] }, from, to)), 3);
    // Pruning deletes the hours before the cut only.
    assert.equal(await store.prune(new Date('2026-12-04T11:00:00Z')), 3);
    assert.equal(count(await store.sums({}, from, new Date('2026-12-06T00:00:00Z'))), 2);
  });

  test('not-run rows are counted per hour of their scheduled time and status (grouped on the ISO text)', async () => {
    const db = await fresh();
    const skips = new RunSkipStore(db);
    const row = (at: string, status: 'skipped' | 'missed', jobId = 'j1') => notRunRow(jobId, at, { status });
    await skips.record([row('2026-12-04T10:00:00Z', 'skipped'), row('2026-12-04T10:59:00Z', 'missed'), row('2026-12-04T12:30:00Z', 'skipped'), row('2026-12-04T10:30:00Z', 'skipped', 'j2')]);
    const byHour = await skips.countByHour({ jobs: [{ id: 'j1', incarnation: 'i1' }], from, to });
    assert.deepEqual(Object.fromEntries(byHour), {
      '2026-12-04T10:00:00.000Z': { skipped: 1, missed: 1 },
      '2026-12-04T12:00:00.000Z': { skipped: 1, missed: 0 },
    });
    assert.equal((await skips.countByHour({ jobs: [] })).size, 0);
  });

  test('the batcher merges reports per row and writes them at flush; a failed write is kept for the next', async () => {
    const store = new RunStatsStore(await fresh());
    let fail = true;
    const errors: number[] = [];
    const flaky = { add: async (d: readonly RollupDelta[]) => (fail ? Promise.reject(new Error('store down')) : store.add(d)) };
    const batcher = new RunStatsBatcher(flaky, (_err, runs) => errors.push(runs), 3_600_000);
    batcher.record(event());
    batcher.record(event({ outcome: 'failed', durationMs: 90 }));
    await batcher.flush();
    assert.deepEqual(errors, [2]);
    batcher.record(event({ jobId: 'j9' }));
    fail = false;
    await batcher.close();
    const sums = await store.sums({}, from, to);
    const s = sums.get('2026-12-04T10:00:00.000Z');
    assert.deepEqual([s?.succeeded, s?.failed, s?.duration.count], [2, 1, 3]);
    // Nothing is left to write twice.
    await batcher.flush();
    assert.equal((await store.sums({}, from, to)).get('2026-12-04T10:00:00.000Z')?.succeeded, 2);
  });
});
