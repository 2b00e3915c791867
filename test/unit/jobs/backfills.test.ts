// The record of backfills (core/jobs/backfills.ts) on both state-store backends: a run is a
// backfill's exactly when its scheduled time lies in a recorded range of its job's creation and it
// started after the request — the schedule's own run for a time in the range (started before the
// request) is not, nor is a run of another job or of a later creation of the same id.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BackfillLog } from '../../../core/jobs/backfills.ts';
import { portableOf } from '../../../core/jobs/portable.ts';
import { withEachBackend } from '../../support/db.ts';
import { storedJob } from '../../support/jobs.ts';

withEachBackend('backfill record', (fresh) => {
  it('covers the runs a backfill started, and only those', async () => {
    const log = new BackfillLog(await fresh());
    const job = { id: 'nightly', incarnation: 'inc-1' };
    const from = new Date('2026-11-01T00:00:00Z');
    const to = new Date('2026-11-01T06:00:00Z');
    const requestedAt = new Date('2026-11-02T10:00:00Z');
    await log.record(job, { from, to, overlap: 'skip', fireTimes: 7, requestedBy: 'alice', requestedAt });
    const after = new Date('2026-11-02T10:00:01Z');
    const ask = (over: Partial<{ jobId: string; incarnation: string; scheduledAt: Date; startedAt: Date }>) =>
      log.covers({ jobId: 'nightly', incarnation: 'inc-1', scheduledAt: new Date('2026-11-01T03:00:00Z'), startedAt: after, ...over });
    assert.equal(await ask({}), true, 'a time inside the range, started after the request');
    assert.equal(await ask({ scheduledAt: from }), true, 'from is inclusive');
    assert.equal(await ask({ scheduledAt: to }), true, 'to is inclusive');
    assert.equal(await ask({ scheduledAt: new Date('2026-11-01T06:00:01Z') }), false, 'after the range');
    assert.equal(await ask({ startedAt: new Date('2026-11-01T03:00:00.200Z') }), false, "the schedule's own run, started at its time");
    assert.equal(await ask({ jobId: 'other' }), false, 'another job');
    assert.equal(await ask({ incarnation: 'inc-2' }), false, 'a later creation of the id');
    assert.equal((await log.list(job)).length, 1);
    await log.forgetJob('nightly');
    assert.equal(await ask({}), false, 'forgotten with its job');
  });

  it('a legacy job (no incarnation) is matched as such', async () => {
    const log = new BackfillLog(await fresh());
    const r = await log.record({ id: 'legacy' }, { from: new Date(0), to: new Date(1000), overlap: 'skip', fireTimes: 1, requestedBy: 'a', requestedAt: new Date(2000) });
    assert.equal(await log.covers({ jobId: 'legacy', scheduledAt: new Date(500), startedAt: new Date(3000) }), true);
    await log.forget(r.id);
    assert.equal(await log.covers({ jobId: 'legacy', scheduledAt: new Date(500), startedAt: new Date(3000) }), false);
  });
});

describe('portable definitions', () => {
  it('leave out the owner and the server bookkeeping, keep the id and the input fields', () => {
    const p = portableOf(storedJob({ id: 'j1', ownerId: 'alice', incarnation: 'x', tags: ['t'] }));
    for (const k of ['ownerId', 'createdAt', 'updatedAt', 'version', 'incarnation']) assert.ok(!(k in p), k);
    assert.equal(p.id, 'j1');
    assert.deepEqual(p['tags'], ['t']);
  });
});
