// The job heads' protocol (core/jobs/heads.ts) on both state-store backends: what a reader may trust,
// writes that overlap, a process that stops between its Temporal write and the head update, repairs
// that race a write, lazy backfill, deletes and their tombstones. The clock is injected.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { JobHeads, STALE_PENDING_MS } from '../../../core/jobs/heads.ts';
import { withEachBackend } from '../../support/db.ts';
import { storedJob } from '../../support/jobs.ts';

const job = storedJob;

/** A clock tests move by hand. */
function clock(start = Date.parse('2026-06-01T00:00:00Z')) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

withEachBackend('job heads', (fresh) => {
  it('a write that ran alone is trusted at once, with its write id; nothing is trusted while a write is in progress', async () => {
    const heads = new JobHeads(await fresh());
    assert.equal((await heads.read('nightly')).exists, false);
    const t = await heads.begin('nightly', 'w1');
    const during = await heads.read('nightly');
    assert.equal(during.trusted, undefined, 'a write in progress: untrusted');
    assert.deepEqual(Object.keys(during.pending), ['w1']);
    await heads.succeeded(t, job(), 'w1');
    assert.deepEqual((await heads.read('nightly')).trusted, { job: job(), writeId: 'w1' });

    const t2 = await heads.begin('nightly', 'w2');
    assert.equal((await heads.read('nightly')).trusted, undefined);
    await heads.succeeded(t2, job({ version: 2, description: 'v2' }), 'w2');
    assert.equal((await heads.read('nightly')).trusted?.job.description, 'v2');
  });

  it('writes that overlapped leave the head untrusted, whichever finishes first; a repair then stores the schedule', async () => {
    const heads = new JobHeads(await fresh());
    await heads.succeeded(await heads.begin('nightly', 'w0'), job(), 'w0');
    const a = await heads.begin('nightly', 'wa');
    const b = await heads.begin('nightly', 'wb');
    await heads.succeeded(b, job({ version: 2, description: 'b' }), 'wb');
    assert.equal((await heads.read('nightly')).trusted, undefined, 'a is still in progress');
    await heads.succeeded(a, job({ version: 2, description: 'a' }), 'wa');
    // Temporal applied one of them last, and neither knows which: a late 'a' must not win.
    const seen = await heads.read('nightly');
    assert.equal(seen.trusted, undefined);
    assert.deepEqual(seen.pending, {});
    assert.equal(await heads.repair('nightly', seen, { job: job({ version: 2, description: 'b' }), writeId: 'wb' }), true);
    assert.equal((await heads.read('nightly')).trusted?.job.description, 'b');
  });

  it('a write that failed (or whose outcome is unknown) leaves the head untrusted until a repair', async () => {
    const heads = new JobHeads(await fresh());
    await heads.succeeded(await heads.begin('nightly', 'w1'), job(), 'w1');
    await heads.failed(await heads.begin('nightly', 'w2'));
    const seen = await heads.read('nightly');
    assert.equal(seen.trusted, undefined);
    assert.equal(await heads.repair('nightly', seen, { job: job({ version: 2 }), writeId: 'w2' }), true);
    assert.equal((await heads.read('nightly')).trusted?.job.version, 2);
  });

  it('a write Temporal refused (it changed nothing) keeps the head, unless another write overlapped it', async () => {
    const heads = new JobHeads(await fresh());
    await heads.succeeded(await heads.begin('nightly', 'w1'), job(), 'w1');
    await heads.rejected(await heads.begin('nightly', 'exists-already'));
    assert.deepEqual((await heads.read('nightly')).trusted, { job: job(), writeId: 'w1' });
    const a = await heads.begin('nightly', 'refused');
    const b = await heads.begin('nightly', 'other');
    await heads.rejected(a);
    await heads.failed(b);
    assert.equal((await heads.read('nightly')).trusted, undefined);
  });

  it('a process that stopped between its Temporal write and the head update: reads describe until the bound, then the repair clears it', async () => {
    const c = clock();
    const heads = new JobHeads(await fresh(), c.now);
    await heads.succeeded(await heads.begin('nightly', 'w1'), job(), 'w1');
    await heads.begin('nightly', 'crashed'); // never finished
    c.advance(60_000);
    const early = await heads.read('nightly');
    assert.equal(early.trusted, undefined);
    // A write may still be in progress: the repair leaves it to that write.
    assert.equal(await heads.repair('nightly', early, { job: job({ version: 2 }), writeId: 'crashed' }), false);
    assert.equal((await heads.read('nightly')).trusted, undefined);
    c.advance(STALE_PENDING_MS);
    const late = await heads.read('nightly');
    assert.equal(await heads.repair('nightly', late, { job: job({ version: 2 }), writeId: 'crashed' }), true);
    const after = await heads.read('nightly');
    assert.deepEqual(after.pending, {});
    assert.equal(after.trusted?.job.version, 2);
  });

  it('a write taken for a stopped one that finishes after all does not make its head trusted', async () => {
    const c = clock();
    const heads = new JobHeads(await fresh(), c.now);
    const slow = await heads.begin('nightly', 'slow');
    c.advance(STALE_PENDING_MS + 1);
    const seen = await heads.read('nightly');
    assert.equal(await heads.repair('nightly', seen, { job: job(), writeId: 'before' }), true);
    await heads.succeeded(slow, job({ version: 2 }), 'slow');
    assert.equal((await heads.read('nightly')).trusted, undefined, 'its schedule may hold either: a read repairs');
  });

  it('a repair that lost a race with a write stores nothing', async () => {
    const heads = new JobHeads(await fresh());
    await heads.failed(await heads.begin('nightly', 'w1'));
    const seen = await heads.read('nightly'); // untrusted; the reader describes the schedule now …
    const w = await heads.begin('nightly', 'w2'); // … while a write begins
    assert.equal(await heads.repair('nightly', seen, { job: job({ description: 'stale' }), writeId: 'w1' }), false);
    await heads.succeeded(w, job({ version: 2, description: 'new' }), 'w2');
    assert.equal((await heads.read('nightly')).trusted?.job.description, 'new');
  });

  it('a job from before heads existed gets one from the first read (lazy backfill), unless a write made one meanwhile', async () => {
    const heads = new JobHeads(await fresh());
    const none = await heads.read('legacy');
    assert.equal(none.exists, false);
    assert.equal(await heads.repair('legacy', none, null), false, 'no job, no head');
    assert.equal((await heads.read('legacy')).exists, false);
    const { incarnation: _none, ...legacy } = job({ id: 'legacy' }); // created before incarnations
    assert.equal(await heads.repair('legacy', none, { job: legacy, writeId: undefined }), true);
    assert.deepEqual((await heads.read('legacy')).trusted, { job: legacy, writeId: undefined });

    const other = await heads.read('raced');
    await heads.begin('raced', 'w1');
    assert.equal(await heads.repair('raced', other, { job: job({ id: 'raced' }), writeId: 'w0' }), false);
    assert.equal((await heads.read('raced')).trusted, undefined);
  });

  it('a reader slower than half the bound does not backfill (a delete could have come and gone)', async () => {
    const c = clock();
    const heads = new JobHeads(await fresh(), c.now);
    const none = await heads.read('slow-reader');
    c.advance(STALE_PENDING_MS / 2 + 1);
    assert.equal(await heads.repair('slow-reader', none, { job: job({ id: 'slow-reader' }), writeId: 'w' }), false);
    assert.equal((await heads.read('slow-reader')).exists, false);
  });

  it('a delete leaves a tombstone that no read trusts; a repair that finds the schedule gone purges it only after the bound', async () => {
    const c = clock();
    const heads = new JobHeads(await fresh(), c.now);
    await heads.succeeded(await heads.begin('nightly', 'w1'), job(), 'w1');
    await heads.deleted(await heads.begin('nightly'));
    const seen = await heads.read('nightly');
    assert.equal(seen.exists, true);
    assert.equal(seen.trusted, undefined);
    assert.equal(await heads.repair('nightly', seen, null), false, 'kept within the bound');
    c.advance(STALE_PENDING_MS + 1);
    assert.equal(await heads.repair('nightly', await heads.read('nightly'), null), true);
    assert.equal((await heads.read('nightly')).exists, false);
    // The id is created again: a new head.
    await heads.succeeded(await heads.begin('nightly', 'w3'), job({ incarnation: 'inc-2' }), 'w3');
    assert.equal((await heads.read('nightly')).trusted?.job.incarnation, 'inc-2');
  });

  it('a schedule found gone clears a head a crashed write left', async () => {
    const c = clock();
    const heads = new JobHeads(await fresh(), c.now);
    await heads.succeeded(await heads.begin('nightly', 'w1'), job(), 'w1');
    await heads.begin('nightly', 'crashed-delete');
    c.advance(STALE_PENDING_MS + 1);
    assert.equal(await heads.repair('nightly', await heads.read('nightly'), null), true);
    const after = await heads.read('nightly');
    assert.equal(after.trusted, undefined);
    assert.deepEqual(after.pending, {});
  });

  it('the purge deletes heads that hold nothing once older than the bound, and nothing else', async () => {
    const c = clock();
    const heads = new JobHeads(await fresh(), c.now);
    await heads.succeeded(await heads.begin('live', 'w1'), job({ id: 'live' }), 'w1');
    await heads.deleted(await heads.begin('gone'));
    await heads.begin('stopped', 'crashed'); // pending: a read repairs it, the purge leaves it
    assert.equal(await heads.purge(), 0, 'too young');
    c.advance(STALE_PENDING_MS + 1);
    await heads.deleted(await heads.begin('just-gone'));
    assert.equal(await heads.purge(1), 1);
    assert.equal((await heads.read('gone')).exists, false);
    assert.ok((await heads.read('live')).trusted);
    assert.equal((await heads.read('stopped')).exists, true);
    assert.equal((await heads.read('just-gone')).exists, true);
  });

  it('concurrent writers of one job lose no entry (row locks on PostgreSQL, immediate transactions on SQLite)', async () => {
    const heads = new JobHeads(await fresh());
    const tickets = await Promise.all(Array.from({ length: 12 }, (_, i) => heads.begin('busy', `w${i}`)));
    assert.equal(new Set(tickets.map((t) => t.seq)).size, 12, 'each begin saw the one before');
    assert.equal(tickets.filter((t) => t.solo).length, 1);
    await Promise.all(tickets.map((t, i) => heads.succeeded(t, job({ id: 'busy', version: i + 1 }), t.writeId)));
    const seen = await heads.read('busy');
    assert.deepEqual(seen.pending, {});
    assert.equal(seen.trusted, undefined, 'they overlapped');
  });
});
