// The rows of fire times that did not run (#17) on both state-store backends: written once per fire
// time whoever races, listed newest first with keyset paging and filters, counted, watermarks that
// never move back, and deleted with their job.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunSkipStore } from '../../../core/runs/skip-store.ts';
import { notRunRow } from '../../support/run-skips.ts';
import { withEachBackend } from '../../support/db.ts';

const row = notRunRow;

withEachBackend('run skips', (fresh) => {
  test('each fire time is written once, also by racing writers; only the writer that took it is told', async () => {
    const store = new RunSkipStore(await fresh());
    const r = row('j', '2026-03-01T10:00:00Z');
    const results = await Promise.all([store.record([r]), store.record([r]), store.record([r])]);
    assert.equal(results.flat().length, 1);
    // The same fire time under another status (a second judgment) is still the one row.
    assert.equal((await store.record([row('j', '2026-03-01T10:00:00Z', { status: 'missed' })])).length, 0);
    assert.equal((await store.list({}, 10)).length, 1);
    assert.deepEqual(await store.get(r.id), r);
  });

  test('lists newest first with keyset paging, filters by job, owner, shares, status and time; counts', async () => {
    const store = new RunSkipStore(await fresh());
    await store.record([
      row('a', '2026-03-01T10:00:00Z'),
      row('a', '2026-03-01T10:00:10Z', { status: 'missed' }),
      row('a', '2026-03-01T10:00:20Z'),
      row('b', '2026-03-01T10:00:05Z', { ownerId: 'usr_b', incarnation: 'i9' }),
      row('a', '2026-03-01T09:00:00Z', { incarnation: 'old' }),
    ]);
    const page1 = await store.list({ jobs: [{ id: 'a', incarnation: 'i1' }] }, 2);
    assert.deepEqual(page1.map((r) => r.scheduledAt), ['2026-03-01T10:00:20.000Z', '2026-03-01T10:00:10.000Z']);
    const last = page1.at(-1);
    const page2 = await store.list({ jobs: [{ id: 'a', incarnation: 'i1' }], before: { at: last?.scheduledAt ?? '', id: last?.id ?? '' } }, 2);
    assert.deepEqual(page2.map((r) => r.scheduledAt), ['2026-03-01T10:00:00.000Z']);
    assert.deepEqual((await store.list({ owner: 'usr_a' }, 10)).map((r) => r.jobId), ['a', 'a', 'a', 'a']);
    assert.equal((await store.list({ owner: 'usr_a', sharedJobs: ['b'] }, 10)).length, 5);
    assert.deepEqual((await store.list({ statuses: ['missed'] }, 10)).map((r) => r.status), ['missed']);
    assert.equal((await store.list({ from: new Date('2026-03-01T10:00:05Z'), to: new Date('2026-03-01T10:00:20Z') }, 10)).length, 2);
    assert.equal((await store.list({ notBefore: '2026-03-01T10:00:10.000Z' }, 10)).length, 2);
    assert.deepEqual(await store.count({ jobs: [{ id: 'a', incarnation: 'i1' }] }), { skipped: 2, missed: 1 });
    assert.deepEqual(await store.count({ jobs: [] }), { skipped: 0, missed: 0 });
    assert.equal((await store.list({ jobs: [{ id: 'a' }] }, 10)).length, 4);
  });

  test('watermarks only move forward; forgetting a job deletes its rows and watermark', async () => {
    const store = new RunSkipStore(await fresh());
    await store.advance('a', 'i1', '2026-03-01T10:00:00.000Z', false);
    await store.advance('a', 'i1', '2026-03-01T09:00:00.000Z', false);
    assert.deepEqual((await store.marks()).get('a\u0000i1'), { checkedUntil: '2026-03-01T10:00:00.000Z', closed: false });
    await store.advance('a', 'i1', '2026-03-01T11:00:00.000Z', true);
    await store.advance('a', 'i1', '2026-03-01T11:30:00.000Z', false);
    assert.deepEqual((await store.marks()).get('a\u0000i1'), { checkedUntil: '2026-03-01T11:30:00.000Z', closed: true });
    await store.record([row('a', '2026-03-01T10:00:00Z'), row('b', '2026-03-01T10:00:00Z')]);
    await store.forgetJob('a');
    assert.deepEqual((await store.list({}, 10)).map((r) => r.jobId), ['b']);
    assert.equal((await store.marks()).size, 0);
  });
});
