// The core modules the Informer dialect needs and the core job lacked: shares and permissions,
// favorites, natural ids (data-dir files shared by API instances) and drafts (paused jobs). Real
// files in a temporary directory; the job service runs over an in-memory schedule store.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
import { dialectOf } from '../../../core/jobs/schedule-mapping.ts';

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
      const items: JobSummary[] = [...jobs.values()]
        .filter((j) => !q.owner || j.ownerId === q.owner)
        .map((j) => ({ id: j.id, name: j.name, type: j.type, ownerId: j.ownerId, tags: j.tags, enabled: j.enabled, dialect: dialectOf(j), nextRunAt: null, lastRunAt: null }));
      return { items, nextCursor: null };
    },
  };
  return store as unknown as JobStore;
}

const alice: Actor = { id: 'usr_alice', role: 'user' };
const bob: Actor = { id: 'usr_bob', role: 'user' };
const admin: Actor = { id: 'usr_admin', role: 'admin' };
const job = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: id,
  type: 'http',
  data: { url: 'http://192.0.2.1:9/x' }, // TEST-NET-1: never run; loopback would be refused at save (egress)
  triggers: [{ type: 'cron', dialect: 'unix', expression: '0 8 * * *' }],
  ...extra,
});

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kairos-collab-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('data-dir stores', () => {
  it('shares: set, read, list by principal, remove; a second instance on the same directory sees every write', async () => {
    const one = new ShareStore(join(dir, 'a'));
    const two = new ShareStore(join(dir, 'a'));
    await one.set('j1', 'usr_bob', 1);
    await two.set('j1', 'usr_bob', 2);
    await two.set('j2', 'usr_bob', 3);
    assert.equal(await one.levelOf('j1', 'usr_bob'), 2);
    assert.deepEqual(await one.sharedWith('usr_bob'), [{ jobId: 'j1', accessLevel: 2 }, { jobId: 'j2', accessLevel: 3 }]);
    assert.equal(await one.remove('j1', 'usr_bob'), true);
    assert.equal(await two.remove('j1', 'usr_bob'), false);
    await two.removeJob('j2');
    assert.deepEqual(await one.sharedWith('usr_bob'), []);
  });

  it('concurrent writers through two instances lose nothing', async () => {
    const one = new FavoriteStore(join(dir, 'b'));
    const two = new FavoriteStore(join(dir, 'b'));
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).add('usr_alice', `j${i}`)));
    assert.equal((await one.list('usr_alice')).length, 20);
    await one.add('usr_alice', 'j0'); // idempotent
    assert.equal((await two.list('usr_alice')).length, 20);
    await two.removeJob('j0');
    await one.remove('usr_alice', 'j1');
    assert.equal(await one.has('usr_alice', 'j0'), false);
    assert.equal(await one.has('usr_alice', 'j2'), true);
  });

  it('natural ids: slugs unique per owner (suffixed when taken), released with the job', async () => {
    const names = new NaturalIdStore(join(dir, 'c'));
    assert.equal(slugify('Daily Sales Report!'), 'daily-sales-report');
    assert.equal(slugify('***'), 'job');
    assert.equal(await names.reserve('usr_alice', 'daily', 'j1'), 'daily');
    assert.equal(await names.reserve('usr_alice', 'daily', 'j2'), 'daily-2');
    assert.equal(await names.reserve('usr_alice', 'daily', 'j1'), 'daily', 'the same job keeps its slug');
    assert.equal(await names.reserve('usr_bob', 'daily', 'j3'), 'daily', 'another owner has its own slugs');
    assert.equal(await names.lookup('usr_alice', 'daily-2'), 'j2');
    await names.release('j2');
    assert.equal(await names.lookup('usr_alice', 'daily-2'), undefined);
    assert.deepEqual((await names.all()).get('j3'), { ownerId: 'usr_bob', slug: 'daily' });
  });

  it('keys Object.prototype lends every object ("constructor", "toString") name nothing until written', async () => {
    const names = new NaturalIdStore(join(dir, 'f'));
    assert.equal(await names.lookup('constructor', 'constructor'), undefined);
    assert.equal(await names.lookup('alice', 'toString'), undefined);
    assert.equal(await names.reserve('alice', 'constructor', 'j1'), 'constructor');
    assert.equal(await names.lookup('alice', 'constructor'), 'j1');
    const favs = new FavoriteStore(join(dir, 'f'));
    assert.deepEqual(await favs.list('constructor'), []);
    assert.equal(await favs.has('toString', 'j1'), false);
    await favs.add('constructor', 'j1');
    assert.deepEqual(await favs.list('constructor'), ['j1']);
    const shares = new ShareStore(join(dir, 'f'));
    assert.deepEqual(await shares.sharesOf('constructor'), []);
    assert.equal(await shares.levelOf('j1', 'constructor'), undefined);
    assert.equal(await shares.remove('j1', 'toString'), false);
    await shares.set('j1', 'constructor', 2);
    assert.equal(await shares.levelOf('j1', 'constructor'), 2);
    assert.deepEqual(await shares.sharedWith('valueOf'), []);
  });

  it('a damaged file is reported, never silently replaced', async () => {
    const sub = join(dir, 'd');
    const names = new NaturalIdStore(sub);
    await names.reserve('o', 's', 'j');
    writeFileSync(join(sub, 'natural-ids.json'), '{"version":1,"owners":');
    await assert.rejects(names.lookup('o', 's'), /not valid JSON/);
  });
});

describe('permissions and sharing', () => {
  it('owner and admin have everything; shares give read (1), edit and run (2), share (3); delete stays with the owner', () => {
    assert.deepEqual(permissionsOf('usr_alice', alice), { read: true, edit: true, run: true, share: true, delete: true });
    assert.deepEqual(permissionsOf('usr_alice', admin), { read: true, edit: true, run: true, share: true, delete: true });
    assert.deepEqual(permissionsOf('usr_alice', bob), { read: false, edit: false, run: false, share: false, delete: false });
    assert.deepEqual(permissionsOf('usr_alice', bob, 1), { read: true, edit: false, run: false, share: false, delete: false });
    assert.deepEqual(permissionsOf('usr_alice', bob, 2), { read: true, edit: true, run: true, share: false, delete: false });
    assert.deepEqual(permissionsOf('usr_alice', bob, 3), { read: true, edit: true, run: true, share: true, delete: false });
  });

  it('a job is 404 to whoever may not read it, 403 to whoever may read but not act; shared jobs are listed', async () => {
    const jobs = new JobService(memoryStore());
    const access = new JobAccess(jobs, new ShareStore(join(dir, 'e')));
    await jobs.create(job('report'), alice);
    await assert.rejects(access.open('report', bob), (e: KairosError) => e.kind === 'not_found');
    await assert.rejects(access.share('report', bob, 'usr_bob', 3), (e: KairosError) => e.kind === 'not_found');
    await access.share('report', alice, 'usr_bob', 1);
    await assert.rejects(access.share('report', alice, 'usr_alice', 1), (e: KairosError) => e.kind === 'validation');
    const opened = await access.open('report', bob);
    assert.deepEqual(opened.acting, { id: 'usr_alice', role: 'user' }, 'work is done as the owner');
    await assert.rejects(access.open('report', bob, 'edit'), (e: KairosError) => e.kind === 'forbidden');
    assert.deepEqual((await access.readable(bob)).map((x) => [x.summary.id, x.permissions.read, x.permissions.edit]), [['report', true, false]]);
    // Edit access lets the sharee hand the job over (Informer's rule); the job service alone would not.
    await access.share('report', alice, 'usr_bob', 2);
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
