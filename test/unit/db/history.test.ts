// Job versions and the audit log on both state-store backends: numbering, diffs, repair of a
// version lost in a crash, closing on delete, concurrent writers; audit filters, paging and the
// retention purge (with an injected clock).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch } from 'rfc6902';
import { AuditLog, type AuditEvent } from '../../../core/audit/log.ts';
import { definitionOf, VersionStore } from '../../../core/versions/store.ts';
import { withEachBackend } from '../../support/db.ts';
import { storedJob } from '../../support/jobs.ts';

const job = storedJob;

const by = { authorId: 'usr_a', surface: 'v1' };

withEachBackend('job versions', (fresh) => {
  it('numbers versions per job and incarnation, keeps definitions without volatile fields, and diffs them (RFC 6902)', async () => {
    const store = new VersionStore(await fresh());
    const v1 = job();
    assert.equal(await store.record(v1, by), 1);
    const v2 = job({ description: 'now described', updatedAt: '2026-01-02T00:00:00.000Z', version: 2 });
    assert.equal(await store.record(v2, { authorId: 'usr_b', surface: 'fusion' }, v1), 2);
    // A write that changed nothing of the definition (only the bookkeeping) makes no version.
    assert.equal(await store.record(job({ description: 'now described', version: 3 }), by, v2), undefined);
    const page = await store.list('nightly', 'inc-1', { pageSize: 10 });
    assert.deepEqual(page.items.map((v) => [v.version, v.surface, v.authorId, v.state]), [[2, 'fusion', 'usr_b', 'applied'], [1, 'v1', 'usr_a', 'applied']]);
    const [second, first] = page.items;
    assert.deepEqual(first?.diff, []);
    assert.deepEqual(second?.diff, [{ op: 'replace', path: '/description', value: 'now described' }]);
    assert.equal('updatedAt' in (second?.definition ?? {}), false);
    assert.equal('incarnation' in (second?.definition ?? {}), false);
    // The diff applied to the previous definition gives this one.
    const rebuilt = structuredClone(first?.definition ?? {});
    applyPatch(rebuilt, second?.diff ?? []);
    assert.deepEqual(rebuilt, second?.definition);
    assert.deepEqual(rebuilt, definitionOf(v2));
  });

  it('records the live job as a system version first when the latest recorded one is not it (a lost version)', async () => {
    const store = new VersionStore(await fresh());
    const v1 = job();
    await store.record(v1, by);
    // The schedule was written as v2, and the process stopped before its version was recorded.
    const lost = job({ tags: ['lost'], version: 2 });
    await store.repair(lost);
    await store.repair(lost); // once only
    const v3 = job({ tags: ['lost', 'later'], version: 3 });
    // The next write, from the v2 it read, records only itself.
    assert.equal(await store.record(v3, by, lost), 3);
    // A write whose `previous` was never recorded gets it recorded by `system` first.
    const unseen = job({ tags: ['unseen'], version: 4 });
    assert.equal(await store.record(job({ tags: ['unseen', 'x'], version: 5 }), by, unseen), 5);
    const all = (await store.list('nightly', 'inc-1', { pageSize: 10 })).items.reverse();
    assert.deepEqual(all.map((v) => [v.version, v.surface]), [[1, 'v1'], [2, 'system'], [3, 'v1'], [4, 'system'], [5, 'v1']]);
    assert.equal(all[1]?.authorId, null);
    assert.deepEqual(all[1]?.diff, [{ op: 'add', path: '/tags/-', value: 'lost' }]);
  });

  it('closes a deleted job\'s versions; a new creation of the id starts at 1; pages with a cursor', async () => {
    const store = new VersionStore(await fresh());
    let prev = job();
    await store.record(prev, by);
    for (let i = 2; i <= 5; i++) {
      const next = job({ notes: `n${i}`, version: i });
      await store.record(next, by, prev);
      prev = next;
    }
    const p1 = await store.list('nightly', 'inc-1', { pageSize: 2 });
    assert.deepEqual(p1.items.map((v) => v.version), [5, 4]);
    const p2 = await store.list('nightly', 'inc-1', { pageSize: 2, cursor: p1.nextCursor ?? '' });
    assert.deepEqual(p2.items.map((v) => v.version), [3, 2]);
    const p3 = await store.list('nightly', 'inc-1', { pageSize: 2, cursor: p2.nextCursor ?? '' });
    assert.deepEqual(p3.items.map((v) => v.version), [1]);
    assert.equal(p3.nextCursor, null);
    await assert.rejects(store.list('nightly', 'inc-1', { pageSize: 2, cursor: 'bm9wZQ' }), /invalid page/);

    assert.equal(await store.close(prev), 5);
    assert.ok((await store.list('nightly', 'inc-1', { pageSize: 10 })).items.every((v) => v.state === 'closed'));
    assert.equal(await store.record(job({ incarnation: 'inc-2' }), by), 1);
    assert.equal((await store.get('nightly', 'inc-2', 1))?.state, 'applied');
    assert.equal((await store.get('nightly', 'inc-1', 5))?.state, 'closed');
    assert.equal(await store.get('nightly', 'inc-2', 2), undefined);
    // The closed versions of deleted creations, newest first, paged; the live creation's are not among them.
    await store.close(job({ incarnation: 'inc-2' }));
    const closed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listClosed('nightly', { pageSize: 2, ...(cursor ? { cursor } : {}) });
      closed.push(...page.items.map((v) => `${v.incarnation}/${v.version}`));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(closed, ['inc-2/1', 'inc-1/5', 'inc-1/4', 'inc-1/3', 'inc-1/2', 'inc-1/1']);
    await assert.rejects(store.listClosed('nightly', { pageSize: 2, cursor: 'bm9wZQ' }), /invalid page/);
  });

  it('records drafts as versions not yet applied; writing what the latest draft holds applies it', async () => {
    const store = new VersionStore(await fresh());
    const v1 = job();
    await store.record(v1, by);
    // A draft equal to the live job is no version; a changed one is, with its diff from the applied one.
    assert.equal(await store.recordDraft({ id: 'nightly', incarnation: 'inc-1' }, definitionOf(v1), by), undefined);
    assert.equal(await store.recordDraft({ id: 'nightly', incarnation: 'inc-1' }, definitionOf(job({ notes: 'd1' })), by), 2);
    assert.equal(await store.recordDraft({ id: 'nightly', incarnation: 'inc-1' }, definitionOf(job({ notes: 'd2' })), by), 3);
    assert.equal(await store.recordDraft({ id: 'nightly', incarnation: 'inc-1' }, definitionOf(job({ notes: 'd2' })), by), undefined);
    const d3 = await store.get('nightly', 'inc-1', 3);
    assert.equal(d3?.state, 'draft');
    assert.deepEqual(d3?.diff, [{ op: 'replace', path: '/notes', value: 'd2' }]);
    // The commit writes what draft 3 holds: draft 3 becomes the applied version, by the committer.
    assert.equal(await store.record(job({ notes: 'd2', version: 2 }), { authorId: 'usr_c', surface: 'informer' }, v1), 3);
    const all = (await store.list('nightly', 'inc-1', { pageSize: 10 })).items;
    assert.deepEqual(all.map((v) => [v.version, v.state, v.authorId]), [[3, 'applied', 'usr_c'], [2, 'draft', 'usr_a'], [1, 'applied', 'usr_a']]);
    // A write of something else after a draft is a new version; the draft stays one not applied.
    await store.recordDraft({ id: 'nightly', incarnation: 'inc-1' }, definitionOf(job({ notes: 'd3' })), by);
    assert.equal(await store.record(job({ notes: 'other', version: 3 }), by, job({ notes: 'd2', version: 2 })), 5);
    assert.deepEqual((await store.get('nightly', 'inc-1', 5))?.diff, [{ op: 'replace', path: '/notes', value: 'other' }]);
    assert.equal((await store.get('nightly', 'inc-1', 4))?.state, 'draft');
  });

  it('concurrent writers of one job get distinct, consecutive numbers', async () => {
    const store = new VersionStore(await fresh());
    await store.record(job(), by);
    const numbers = await Promise.all(Array.from({ length: 8 }, (_, i) => store.record(job({ notes: `w${i}`, version: i + 2 }), by)));
    assert.deepEqual(numbers.map(Number).sort((a, b) => a - b), [2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

withEachBackend('audit log', (fresh) => {
  const event = (over: Partial<AuditEvent> = {}): AuditEvent => ({
    principalId: 'usr_a',
    principalName: 'alice',
    surface: 'v1',
    action: 'job.create',
    jobId: 'j1',
    outcome: 'ok',
    ...over,
  });

  it('filters by job, principal (id or name), action, surface, outcome and time; pages newest first', async () => {
    let now = new Date('2026-03-01T00:00:00.000Z');
    const log = new AuditLog(await fresh(), () => now);
    await log.record(event());
    now = new Date('2026-03-02T00:00:00.000Z');
    await log.record(event({ action: 'job.delete', outcome: 'failed', principalId: 'usr_b', principalName: 'bob' }));
    now = new Date('2026-03-03T00:00:00.000Z');
    await log.record(event({ action: 'login', jobId: null, principalId: null, principalName: 'mallory', outcome: 'failed', surface: 'voltmx', detail: { status: 401 } }));
    await log.record(event({ jobId: 'j2' }));

    const all = await log.query({}, { pageSize: 10 });
    assert.deepEqual(all.items.map((e) => e.action), ['job.create', 'login', 'job.delete', 'job.create']);
    assert.deepEqual((await log.query({ job: 'j1' }, { pageSize: 10 })).items.map((e) => e.action), ['job.delete', 'job.create']);
    assert.equal((await log.query({ principal: 'bob' }, { pageSize: 10 })).items.length, 1);
    assert.equal((await log.query({ principal: 'usr_b' }, { pageSize: 10 })).items.length, 1);
    assert.deepEqual((await log.query({ surface: 'voltmx' }, { pageSize: 10 })).items[0]?.detail, { status: 401 });
    assert.equal((await log.query({ outcome: 'failed' }, { pageSize: 10 })).items.length, 2);
    assert.equal((await log.query({ action: 'login' }, { pageSize: 10 })).items[0]?.principalName, 'mallory');
    const day2 = await log.query({ from: new Date('2026-03-02T00:00:00.000Z'), to: new Date('2026-03-03T00:00:00.000Z') }, { pageSize: 10 });
    assert.deepEqual(day2.items.map((e) => e.action), ['job.delete']);

    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await log.query({}, { pageSize: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(seen, all.items.map((e) => e.id));
    assert.deepEqual([...seen].sort((a, b) => b - a), seen);
  });

  it('purges events older than the retention, in batches, and keeps the rest', async () => {
    let now = new Date('2026-01-01T00:00:00.000Z');
    const log = new AuditLog(await fresh(), () => now);
    for (let i = 0; i < 25; i++) await log.record(event({ action: `old.${i}` }));
    now = new Date('2026-01-10T00:00:00.000Z');
    for (let i = 0; i < 3; i++) await log.record(event({ action: `new.${i}` }));
    now = new Date('2026-01-12T00:00:00.000Z');
    // A 5-day retention: the first 25 are 11 days old, the last 3 two days old. Batches of 10.
    assert.equal(await log.purge(5 * 86_400_000, 10), 25);
    assert.deepEqual((await log.query({}, { pageSize: 100 })).items.map((e) => e.action), ['new.2', 'new.1', 'new.0']);
    assert.equal(await log.purge(5 * 86_400_000, 10), 0);
    now = new Date('2026-02-01T00:00:00.000Z');
    const retention = log.startRetention(5 * 86_400_000, 3_600_000, (err) => assert.fail(String(err)));
    await retention.stop();
    assert.equal((await log.query({}, { pageSize: 100 })).items.length, 0);
  });

  it('keeps long texts bounded', async () => {
    const log = new AuditLog(await fresh());
    await log.record(event({ action: `POST /${'x'.repeat(5000)}`, target: 'y'.repeat(5000) }));
    const [e] = (await log.query({}, { pageSize: 1 })).items;
    assert.equal(e?.action.length, 200);
    assert.equal(e?.target?.length, 200);
  });
});
