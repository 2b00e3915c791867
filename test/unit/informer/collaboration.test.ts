// The core modules the Informer dialect needs and the core job lacked: shares and permissions (the
// state store, core/access), favorites, natural ids (in the state store; the suites of their own are
// test/unit/db/collab.test.ts) and drafts (paused jobs). Real files in a temporary directory and a real state store (the run's
// backend); the job service runs over an in-memory schedule store.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KairosError, notFound } from '../../../core/errors.ts';
import type { Job, JobSummary } from '../../../core/jobs/model.ts';
import { JobService, type Actor } from '../../../core/jobs/service.ts';
import type { JobStore, ListQuery, StoredJob } from '../../../core/jobs/store.ts';
import { DraftService, draftIdFor, draftOf } from '../../../core/drafts/service.ts';
import { FavoriteStore } from '../../../core/favorites/store.ts';
import { NaturalIdStore, slugify } from '../../../core/names/store.ts';
import { JobAccess, permissionsOf } from '../../../core/sharing/access.ts';
import { ShareStore } from '../../../core/sharing/store.ts';
import { JobSideState } from '../../../core/sharing/job-side-state.ts';
import { legacyImports } from '../../../core/db/state.ts';
import { AccessService } from '../../../core/access/service.ts';
import { dialectOf } from '../../../core/jobs/schedule-mapping.ts';
import type { Db } from '../../../core/db/open.ts';
import { freshState, type TestState } from '../../support/db.ts';

/** Schedules in memory: what JobService needs of the Temporal-backed store, nothing more. */
function memoryStore(): JobStore {
  const jobs = new Map<string, Job>();
  const stored = (job: Job): StoredJob => ({
    job,
    writeId: undefined,
    conflictToken: new Uint8Array(),
    runLimit: undefined,
    state: { paused: !job.enabled, nextRunTimes: [], lastRunAt: null, runningWorkflowIds: [], remainingActions: null },
  });
  const get = (id: string) => {
    const j = jobs.get(id);
    if (!j) throw notFound('job', id);
    return j;
  };
  const store = {
    async create(job: Job) {
      if (jobs.has(job.id)) throw new KairosError('conflict', `job '${job.id}' already exists`);
      jobs.set(job.id, job);
    },
    async get(id: string) {
      return stored(get(id));
    },
    /** As JobStore.read answers a read that described the schedule (the state comes with it). */
    async read(id: string) {
      const s = stored(get(id));
      return { job: s.job, writeId: s.writeId, stored: s };
    },
    async update(job: Job) {
      get(job.id);
      jobs.set(job.id, job);
      return stored(job);
    },
    async delete(id: string) {
      get(id);
      jobs.delete(id);
    },
    async list(q: ListQuery) {
      const visible = (j: Job) =>
        !q.visibleTo || j.ownerId === q.visibleTo.owner || q.visibleTo.shared.some((s) => s.id === j.id && s.incarnation === j.incarnation);
      const items: JobSummary[] = [...jobs.values()]
        .filter((j) => (!q.owner || j.ownerId === q.owner) && visible(j))
        .map((j) => ({ id: j.id, name: j.name, type: j.type, ownerId: j.ownerId, tags: j.tags, enabled: j.enabled, dialect: dialectOf(j), ...(j.incarnation ? { incarnation: j.incarnation } : {}), nextRunAt: null, lastRunAt: null }));
      return { items, nextCursor: null };
    },
  };
  return store as unknown as JobStore;
}

const alice: Actor = { id: 'usr_alice', role: 'user' };
const bob: Actor = { id: 'usr_bob', role: 'user' };
const admin: Actor = { id: 'usr_admin', role: 'admin' };
const j1 = { id: 'j1', incarnation: 'i1' };
const j2 = { id: 'j2', incarnation: 'i2' };
const job = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: id,
  type: 'http',
  data: { url: 'http://192.0.2.1:9/x' }, // TEST-NET-1: never run; loopback would be refused at save (egress)
  triggers: [{ type: 'cron', dialect: 'unix', expression: '0 8 * * *' }],
  ...extra,
});

let dir: string;
const states: TestState[] = [];
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kairos-collab-'));
});
async function state(opts: Parameters<typeof freshState>[1] = {}): Promise<TestState> {
  const s = await freshState(undefined, opts);
  states.push(s);
  return s;
}
after(async () => {
  await Promise.all(states.map((st) => st.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh state store (shares, favorites, natural ids); `dataDir` set: its legacy files are imported. */
async function stateDb(dataDir?: string): Promise<Db> {
  return (await state(dataDir === undefined ? {} : { dataDir, imports: legacyImports })).db;
}

describe('data-dir stores', () => {
  it('shares: set, read, list by principal, remove; a second instance on the same store sees every write', async () => {
    const { db } = await state();
    const one = new ShareStore(db);
    const two = new ShareStore(db);
    await one.set(j1, 'usr_bob', 'read', 'usr_alice');
    await two.set(j1, 'usr_bob', 'edit', 'usr_alice');
    await two.set(j2, 'usr_bob', 'admin', 'usr_alice');
    assert.equal(await one.levelFor(j1, ['usr_bob']), 'edit');
    assert.deepEqual(await one.sharedWith(['usr_bob']), [
      { jobId: 'j1', incarnation: 'i1', level: 'edit' },
      { jobId: 'j2', incarnation: 'i2', level: 'admin' },
    ]);
    assert.equal(await one.remove(j1, 'usr_bob'), true);
    assert.equal(await two.remove(j1, 'usr_bob'), false);
    await two.removeJob('j2');
    assert.deepEqual(await one.sharedWith(['usr_bob']), []);
  });

  it('concurrent writers through two instances lose nothing', async () => {
    const db = await stateDb();
    const one = new FavoriteStore(db);
    const two = new FavoriteStore(db);
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).add('usr_alice', { id: `j${i}`, incarnation: `i${i}` })));
    assert.equal((await one.list('usr_alice')).length, 20);
    await one.add('usr_alice', { id: 'j0', incarnation: 'i0' }); // idempotent
    assert.equal((await two.list('usr_alice')).length, 20);
    await two.removeJob('j0');
    await one.remove('usr_alice', { id: 'j1', incarnation: 'i1' });
    assert.equal(await one.has('usr_alice', { id: 'j0', incarnation: 'i0' }), false);
    assert.equal(await one.has('usr_alice', { id: 'j2', incarnation: 'i2' }), true);
  });

  it('natural ids: slugs unique per owner (suffixed when taken), released with the job', async () => {
    const names = new NaturalIdStore(await stateDb());
    assert.equal(slugify('Daily Sales Report!'), 'daily-sales-report');
    assert.equal(slugify('***'), 'job');
    assert.equal(await names.reserve('usr_alice', 'daily', j1), 'daily');
    assert.equal(await names.reserve('usr_alice', 'daily', j2), 'daily-2');
    assert.equal(await names.reserve('usr_alice', 'daily', j1), 'daily', 'the same job keeps its slug');
    assert.equal(await names.reserve('usr_bob', 'daily', { id: 'j3' }), 'daily', 'another owner has its own slugs');
    assert.deepEqual(await names.lookup('usr_alice', 'daily-2'), { id: 'j2', incarnation: 'i2' });
    await names.release('j2');
    assert.equal(await names.lookup('usr_alice', 'daily-2'), undefined);
    assert.deepEqual((await names.all()).of({ id: 'j3' }), { ownerId: 'usr_bob', slug: 'daily' });
  });

  it('keys Object.prototype lends every object ("constructor", "toString") name nothing until written', async () => {
    const db = await stateDb();
    const names = new NaturalIdStore(db);
    assert.equal(await names.lookup('constructor', 'constructor'), undefined);
    assert.equal(await names.lookup('alice', 'toString'), undefined);
    assert.equal(await names.reserve('alice', 'constructor', j1), 'constructor');
    assert.deepEqual(await names.lookup('alice', 'constructor'), { id: 'j1', incarnation: 'i1' });
    assert.equal((await names.all()).of({ id: 'constructor' }), undefined);
    const favs = new FavoriteStore(db);
    assert.deepEqual(await favs.list('constructor'), []);
    assert.equal(await favs.has('toString', j1), false);
    assert.equal(await favs.has('u', { id: 'constructor' }), false);
    await favs.add('constructor', j1);
    assert.deepEqual(await favs.list('constructor'), [{ jobId: 'j1', incarnation: 'i1' }]);
    const shares = new ShareStore((await state()).db);
    assert.deepEqual(await shares.sharesOf({ id: 'constructor' }), []);
    assert.equal(await shares.levelFor(j1, ['constructor']), undefined);
    assert.equal(await shares.remove(j1, 'toString'), false);
    await shares.set(j1, 'constructor', 'edit', null);
    assert.equal(await shares.levelFor(j1, ['constructor']), 'edit');
    assert.deepEqual(await shares.sharedWith(['valueOf']), []);
  });
});

describe('permissions and sharing', () => {
  it('owner and admin have everything; Informer\'s levels read (1), edit and run (2), share (3); delete stays with the owner', () => {
    assert.deepEqual(permissionsOf('usr_alice', alice), { read: true, edit: true, run: true, share: true, delete: true });
    assert.deepEqual(permissionsOf('usr_alice', admin), { read: true, edit: true, run: true, share: true, delete: true });
    assert.deepEqual(permissionsOf('usr_alice', bob), { read: false, edit: false, run: false, share: false, delete: false });
    assert.deepEqual(permissionsOf('usr_alice', bob, 'read'), { read: true, edit: false, run: false, share: false, delete: false });
    assert.deepEqual(permissionsOf('usr_alice', bob, 'run'), { read: true, edit: false, run: true, share: false, delete: false });
    assert.deepEqual(permissionsOf('usr_alice', bob, 'edit'), { read: true, edit: true, run: true, share: false, delete: false });
    assert.deepEqual(permissionsOf('usr_alice', bob, 'admin'), { read: true, edit: true, run: true, share: true, delete: false });
  });

  it('a job is 404 to whoever may not read it, 403 to whoever may read but not act; shared jobs are listed', async () => {
    const policy = new AccessService((await state()).db);
    const jobs = new JobService(memoryStore(), undefined, { access: policy });
    const access = new JobAccess(jobs, policy);
    await jobs.create(job('report'), alice);
    await assert.rejects(access.open('report', bob), (e: KairosError) => e.kind === 'not_found');
    await assert.rejects(access.share('report', bob, 'usr_bob', 'admin'), (e: KairosError) => e.kind === 'not_found');
    await access.share('report', alice, 'usr_bob', 'read');
    await assert.rejects(access.share('report', alice, 'usr_alice', 'read'), (e: KairosError) => e.kind === 'validation');
    const opened = await access.open('report', bob);
    assert.deepEqual(opened.acting, { id: 'usr_alice', role: 'user' }, 'work is done as the owner');
    await assert.rejects(access.open('report', bob, 'edit'), (e: KairosError) => e.kind === 'forbidden');
    assert.deepEqual((await access.readable(bob)).map((x) => [x.summary.id, x.permissions.read, x.permissions.edit]), [['report', true, false]]);
    // Handing the job over takes an admin share (core/access/policy.ts); edit is not enough.
    await access.share('report', alice, 'usr_bob', 'edit');
    await assert.rejects(access.transferOwner('report', bob, 'usr_bob'), (e: KairosError) => e.kind === 'forbidden');
    await access.share('report', alice, 'usr_bob', 'admin');
    const moved = await access.transferOwner('report', bob, 'usr_bob');
    assert.equal(moved.job.ownerId, 'usr_bob');
    await assert.rejects(access.open('report', alice), (e: KairosError) => e.kind === 'not_found');
    assert.equal(await access.unshare('report', bob, 'usr_bob'), true);
  });
});

describe('drafts', () => {
  it('a draft is a paused, trigger-less copy; saving validates; commit writes it over the job and removes it', async () => {
    const jobs = new JobService(memoryStore());
    const drafts = new DraftService(jobs);
    const live = await jobs.create(job('nightly', { enabled: true }), alice);
    const { view: draft, created } = await drafts.open(live, alice);
    assert.equal(created, true);
    assert.equal(draft.job.id, draftIdFor('nightly'));
    assert.equal(draftOf(draft.job), 'nightly');
    assert.deepEqual([draft.job.enabled, draft.job.triggers], [false, []], 'a draft can never fire');
    assert.equal(dialectOf(draft.job), 'draft', 'lists recognise drafts by their dialect');
    assert.equal((await drafts.open(live, alice)).created, false, 'one draft per job');
    await assert.rejects(drafts.open(draft, alice), (e: KairosError) => e.kind === 'validation');

    const shown = drafts.viewOf(draft);
    assert.deepEqual([shown.job.id, shown.job.enabled, shown.job.triggers.length, shown.state.nextRunAt], [draft.job.id, true, 1, null]);
    const intended = { ...job('nightly'), name: 'Renamed', triggers: [{ type: 'cron', dialect: 'unix', expression: '30 9 * * *' }] };
    await assert.rejects(drafts.save(draft, { ...intended, triggers: [{ type: 'cron', dialect: 'unix', expression: '61 * * * *' }] }, alice), (e: KairosError) => e.kind === 'validation');
    const saved = await drafts.save(draft, intended, alice);
    assert.equal((await jobs.get('nightly', alice)).job.name, 'nightly', 'the job is unchanged until commit');
    await assert.rejects(drafts.commit(live, alice), (e: KairosError) => e.kind === 'validation');

    const committed = await drafts.commit(saved, alice);
    assert.equal(committed.job.name, 'Renamed');
    assert.equal(committed.job.triggers[0]?.type === 'cron' && committed.job.triggers[0].expression, '30 9 * * *');
    await assert.rejects(jobs.get(draft.job.id, alice), (e: KairosError) => e.kind === 'not_found');
  });

  it('committing a draft whose job was deleted is a conflict; long ids get a hashed draft id', async () => {
    const jobs = new JobService(memoryStore());
    const drafts = new DraftService(jobs);
    const live = await jobs.create(job('gone'), alice);
    const { view } = await drafts.open(live, alice);
    await jobs.delete('gone', alice);
    await assert.rejects(drafts.commit(view, alice), (e: KairosError) => e.kind === 'conflict');
    assert.match(draftIdFor('x'.repeat(200)), /^draft\.[0-9a-f]{40}$/);
  });
});

describe('a job id is not an identity', () => {
  const roles = async (id: string) => (id === admin.id ? 'admin' : id.startsWith('usr_') ? 'user' : undefined);
  const setup = async (_what: string) => {
    const db = await stateDb();
    const policy = new AccessService(db);
    const side = new JobSideState(db, roles, policy);
    const jobs = new JobService(memoryStore(), undefined, { attachments: side, readAccess: side, access: policy });
    return { jobs, side, shares: policy.shares, favorites: new FavoriteStore(db), names: new NaturalIdStore(db), access: new JobAccess(jobs, policy) };
  };

  it('files written before incarnations load; their records belong to legacy jobs only', async () => {
    const sub = join(dir, 'legacy');
    mkdirSync(sub);
    writeFileSync(join(sub, 'shares.json'), JSON.stringify({ version: 1, jobs: { old: { usr_bob: 1 } } }));
    writeFileSync(join(sub, 'favorites.json'), JSON.stringify({ version: 1, users: { usr_bob: ['old'] } }));
    writeFileSync(join(sub, 'natural-ids.json'), JSON.stringify({ version: 1, owners: { usr_alice: { daily: 'old' } } }));
    const legacy = { id: 'old' };
    const recreated = { id: 'old', incarnation: 'new' };
    // shares.json, favorites.json and natural-ids.json are imported into the state store at its start.
    const db = await stateDb(sub);
    const shares = new ShareStore(db);
    const favorites = new FavoriteStore(db);
    const names = new NaturalIdStore(db);
    assert.equal(await shares.levelFor(legacy, ['usr_bob']), 'read');
    assert.equal(await shares.levelFor(recreated, ['usr_bob']), undefined, 'a leftover share does not open a re-created job');
    assert.equal(await favorites.has('usr_bob', legacy), true);
    assert.equal(await favorites.has('usr_bob', recreated), false);
    assert.deepEqual((await names.all()).of(legacy), { ownerId: 'usr_alice', slug: 'daily' });
    assert.equal((await names.all()).of(recreated), undefined);
    // Recording for the new job drops what was left from the old one.
    await shares.set(recreated, 'usr_carol', 'edit', 'usr_alice');
    assert.deepEqual((await shares.sharesOf(recreated)).map((x) => [x.principalId, x.level]), [['usr_carol', 'edit']]);
    assert.deepEqual(await shares.sharedWith(['usr_bob']), []);
    await favorites.add('usr_carol', recreated);
    assert.deepEqual(await favorites.list('usr_bob'), []);
    assert.equal(await names.reserve('usr_carol', 'daily', recreated), 'daily');
    assert.equal(await names.lookup('usr_alice', 'daily'), undefined);
  });

  it('each creation gets an incarnation, kept across edits and not settable; delete forgets shares, favorites, natural ids and the draft', async () => {
    const { jobs, shares, favorites, names, access } = await setup('forget');
    const first = await jobs.create({ ...job('x'), incarnation: 'chosen' }, alice);
    assert.match(first.job.incarnation ?? '', /^[0-9a-f-]{36}$/, 'the server chooses it, a client cannot');
    const edited = await jobs.patch('x', { name: 'renamed', incarnation: 'other' }, alice);
    assert.equal(edited.job.incarnation, first.job.incarnation, 'kept across edits');
    await access.share('x', alice, 'usr_bob', 'read');
    await favorites.add('usr_bob', first.job);
    await names.reserve('usr_alice', 'x', first.job);
    await new DraftService(jobs).open(first, alice);
    await jobs.delete('x', alice);
    assert.deepEqual(await shares.sharedWith(['usr_bob']), []);
    assert.deepEqual(await favorites.list('usr_bob'), []);
    assert.equal(await names.lookup('usr_alice', 'x'), undefined);
    await assert.rejects(jobs.get(draftIdFor('x'), alice), (e: KairosError) => e.kind === 'not_found', 'the draft went with its job');
    const again = await jobs.create(job('x'), bob);
    assert.notEqual(again.job.incarnation, first.job.incarnation);
  });

  it('a share left by a crash between deletion and cleanup does not open the re-created job', async () => {
    const { jobs, shares, access } = await setup('crash');
    const first = await jobs.create(job('y'), alice);
    await access.share('y', alice, 'usr_bob', 'admin');
    // The schedule is gone, the share is not (as if the process stopped in between).
    await new JobService(memoryStoreOf(jobs)).delete('y', admin);
    assert.deepEqual((await shares.sharesOf(first.job)).map((x) => [x.principalId, x.level]), [['usr_bob', 'admin']], 'the leftover is there');
    const carol: Actor = { id: 'usr_carol', role: 'user' };
    await jobs.create(job('y'), carol);
    await assert.rejects(access.open('y', bob), (e: KairosError) => e.kind === 'not_found');
    assert.deepEqual((await access.readable(bob)).map((x) => x.summary.id), []);
  });

  it('a draft left from an earlier job with the same id is neither reopened nor committed over the new one', async () => {
    const { jobs } = await setup('drafts');
    const drafts = new DraftService(jobs);
    const first = await jobs.create(job('z'), alice);
    const { view: stale } = await drafts.open(first, alice);
    // A crash after the schedule's deletion: the draft schedule is left behind.
    await new JobService(memoryStoreOf(jobs)).delete('z', admin);
    const second = await jobs.create(job('z'), bob);
    await assert.rejects(drafts.commit(stale, alice), (e: KairosError) => e.kind === 'conflict');
    const reopened = await drafts.open(second, bob);
    assert.equal(reopened.created, true, 'a new draft, not the earlier job\'s');
    assert.equal(reopened.view.job.ownerId, 'usr_bob');
    assert.equal(reopened.view.job.name, 'z');
  });

  it('a job trigger names only jobs the owner may read, with the answer a missing job gets', async () => {
    const { jobs, access } = await setup('triggers');
    await jobs.create(job('alices'), alice);
    const follow = (id: string, parent: string) => job(id, { triggers: [{ type: 'job', jobId: parent, on: ['succeeded'] }] });
    const refusal = async (p: Promise<unknown>) => {
      const err = await p.then(
        () => assert.fail('accepted'),
        (e: unknown) => e as KairosError,
      );
      assert.equal(err.kind, 'validation');
      return JSON.stringify([err.message, err.details.map((d) => d.message)]).replaceAll(/alices|nosuch/g, 'ID');
    };
    const foreign = await refusal(jobs.create(follow('bobs', 'alices'), bob));
    const missing = await refusal(jobs.create(follow('bobs', 'nosuch'), bob));
    assert.equal(foreign, missing, 'a foreign job is refused exactly as a missing one');
    await assert.rejects(jobs.get('bobs', bob), (e: KairosError) => e.kind === 'not_found', 'nothing was created');
    await jobs.create(job('bobs'), bob);
    await refusal(jobs.patch('bobs', { triggers: [{ type: 'job', jobId: 'alices', on: ['failed'] }] }, bob));
    await access.share('alices', alice, 'usr_bob', 'read');
    const saved = await jobs.patch('bobs', { triggers: [{ type: 'job', jobId: 'alices', on: ['failed'] }] }, bob);
    assert.equal(saved.job.triggers[0]?.type, 'job');
    await jobs.create(follow('admins', 'alices'), admin);
    await jobs.create(follow('for-admin', 'bobs'), { ...admin, id: 'usr_admin' });
  });
});

/** A second JobService over the same in-memory schedules, without side state (a crash's view). */
function memoryStoreOf(jobs: JobService): JobStore {
  return (jobs as unknown as { store: JobStore }).store;
}
