// Favorites, natural ids and id sequences in the state store, on SQLite and on PostgreSQL: what the
// Informer and Volt MX dialects rely on, races between concurrent callers and processes, and the
// import of the data-dir files older versions wrote.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { DatabaseConfig } from '../../../core/config.ts';
import { importLegacyFiles } from '../../../core/db/legacy.ts';
import type { Db } from '../../../core/db/open.ts';
import { favoritesImport, FavoriteStore } from '../../../core/favorites/store.ts';
import { SequenceAllocator } from '../../../core/ids/sequence.ts';
import { naturalIdsImport, NaturalIdStore } from '../../../core/names/store.ts';
import { freshState, withEachBackend, type TestState } from '../../support/db.ts';

const execFileP = promisify(execFile);
const childScript = fileURLToPath(new URL('../../support/sequence-child.ts', import.meta.url));
const dirs: string[] = [];
const states: TestState[] = [];
after(async () => {
  await Promise.all(states.map((s) => s.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const j1 = { id: 'j1', incarnation: 'i1' };
const j2 = { id: 'j2', incarnation: 'i2' };

function dataDirWith(file: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-collab-'));
  dirs.push(dir);
  writeFileSync(join(dir, file), text);
  return dir;
}

/** Allocates `count` numbers of sequence `name` in a process of its own. */
async function allocateInChild(cfg: DatabaseConfig, name: string, count: number): Promise<number[]> {
  const { stdout } = await execFileP(process.execPath, ['--import', 'tsx', childScript, JSON.stringify(cfg), name, String(count)], { timeout: 60_000 });
  return JSON.parse(stdout) as number[];
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

withEachBackend('favorites', (fresh) => {
  test('per user: add is idempotent, remove and removeJob forget, list keeps the order they were added in', async () => {
    const favs = new FavoriteStore(await fresh());
    await favs.add('usr_alice', j2, new Date('2026-01-01T00:00:00Z'));
    await favs.add('usr_alice', j1, new Date('2026-01-02T00:00:00Z'));
    await favs.add('usr_alice', j1);
    await favs.add('usr_bob', j1);
    assert.deepEqual(await favs.list('usr_alice'), [
      { jobId: 'j2', incarnation: 'i2' },
      { jobId: 'j1', incarnation: 'i1' },
    ]);
    assert.equal(await favs.has('usr_bob', j1), true);
    assert.equal(await favs.has('usr_bob', j2), false);
    await favs.remove('usr_alice', j2);
    await favs.remove('usr_alice', j2);
    assert.deepEqual(await favs.list('usr_alice'), [{ jobId: 'j1', incarnation: 'i1' }]);
    await favs.removeJob('j1');
    assert.deepEqual([await favs.list('usr_alice'), await favs.list('usr_bob')], [[], []]);
  });

  test('a favorite belongs to the creation of the job id it was made for', async () => {
    const favs = new FavoriteStore(await fresh());
    const legacy = { id: 'j' };
    const recreated = { id: 'j', incarnation: 'new' };
    await favs.add('usr_alice', legacy);
    await favs.add('usr_bob', legacy);
    assert.deepEqual(await favs.list('usr_alice'), [{ jobId: 'j', incarnation: undefined }]);
    assert.equal(await favs.has('usr_alice', recreated), false, 'a legacy favorite does not name a job created since');
    await favs.remove('usr_alice', recreated);
    assert.equal(await favs.has('usr_alice', legacy), true, 'removing for another creation leaves it');
    // Favoriting the new job drops every user's favorite of the old one.
    await favs.add('usr_carol', recreated);
    assert.deepEqual(await favs.list('usr_bob'), []);
    assert.equal(await favs.has('usr_alice', legacy), false);
    assert.equal(await favs.has('usr_carol', recreated), true);
  });

  test('concurrent adds of many users and jobs lose nothing', async () => {
    const db = await fresh();
    const one = new FavoriteStore(db);
    const two = new FavoriteStore(db);
    await Promise.all(range(0, 30).map((i) => (i % 2 ? one : two).add(`usr_${i % 3}`, { id: `j${i % 10}`, incarnation: `i${i % 10}` })));
    const all = await Promise.all([0, 1, 2].map(async (u) => (await one.list(`usr_${u}`)).length));
    assert.deepEqual(all, [10, 10, 10]);
  });

  test('favorites.json is imported: every user, with the incarnations it recorded', async () => {
    const db = await fresh();
    const file = { version: 1, users: { usr_alice: ['old', 'j1'], usr_bob: ['j1'] }, incarnations: { j1: 'i1' } };
    const dir = dataDirWith('favorites.json', JSON.stringify(file));
    assert.deepEqual(await importLegacyFiles(db, dir, [favoritesImport]), ['favorites.json']);
    assert.ok(existsSync(join(dir, 'favorites.json.imported')));
    const favs = new FavoriteStore(db);
    assert.equal(await favs.has('usr_alice', { id: 'old' }), true);
    assert.equal(await favs.has('usr_alice', j1), true);
    assert.equal(await favs.has('usr_bob', j1), true);
    assert.equal(await favs.has('usr_bob', { id: 'j1' }), false);
  });

  test('a damaged favorites.json stops the start and writes nothing', async () => {
    const db = await fresh();
    const dir = dataDirWith('favorites.json', JSON.stringify({ version: 1, users: { usr_alice: 'not-a-list' } }));
    await assert.rejects(importLegacyFiles(db, dir, [favoritesImport]), /favorites\.json/);
    assert.ok(existsSync(join(dir, 'favorites.json')), 'the file stays for the operator');
    assert.deepEqual(await new FavoriteStore(db).list('usr_alice'), []);
  });
});

withEachBackend('natural ids', (fresh) => {
  test('slugs are unique per owner (suffixed when taken), kept by their job, released with it', async () => {
    const names = new NaturalIdStore(await fresh());
    assert.equal(await names.reserve('usr_alice', 'daily', j1), 'daily');
    assert.equal(await names.reserve('usr_alice', 'daily', j2), 'daily-2');
    assert.equal(await names.reserve('usr_alice', 'daily', j1), 'daily', 'the same job keeps its slug');
    assert.equal(await names.reserve('usr_bob', 'daily', { id: 'j3' }), 'daily', 'another owner has its own slugs');
    assert.deepEqual(await names.lookup('usr_alice', 'daily-2'), { id: 'j2', incarnation: 'i2' });
    assert.deepEqual(await names.lookup('usr_bob', 'daily'), { id: 'j3', incarnation: undefined });
    const index = await names.all();
    assert.deepEqual([index.of(j1), index.of({ id: 'j3' }), index.of({ id: 'nope' })], [{ ownerId: 'usr_alice', slug: 'daily' }, { ownerId: 'usr_bob', slug: 'daily' }, undefined]);
    await names.release('j2');
    assert.equal(await names.lookup('usr_alice', 'daily-2'), undefined);
  });

  test('a new slug releases the old one; only exact slugs and their -n forms count as taken', async () => {
    const names = new NaturalIdStore(await fresh());
    assert.equal(await names.reserve('o', 'report', j1), 'report');
    assert.equal(await names.reserve('o', 'renamed', j1), 'renamed');
    assert.equal(await names.lookup('o', 'report'), undefined, 'the old slug is free again');
    assert.equal(await names.reserve('o', 'a-b', { id: 'x' }), 'a-b');
    assert.equal(await names.reserve('o', 'ab', { id: 'y' }), 'ab');
    assert.equal(await names.reserve('o', 'a', { id: 'z' }), 'a', "'a-b' and 'ab' do not take 'a'");
    assert.equal(await names.reserve('o', 'a', { id: 'w' }), 'a-2');
    assert.equal(await names.reserve('o', 'a', { id: 'v' }), 'a-3', "'a-b' is no suffix of 'a', 'a-2' is");
  });

  test('moving a job to another owner: its slug there, then released under the old owner', async () => {
    const names = new NaturalIdStore(await fresh());
    await names.reserve('usr_alice', 'job', j1);
    await names.reserve('usr_bob', 'job', { id: 'other' });
    assert.equal(await names.reserve('usr_bob', 'job', j1), 'job-2');
    await names.release('j1', 'usr_alice');
    assert.equal(await names.lookup('usr_alice', 'job'), undefined);
    assert.deepEqual(await names.lookup('usr_bob', 'job-2'), j1);
  });

  test('concurrent claims of one slug for different jobs: exactly one wins it, the others get suffixes', async () => {
    const db = await fresh();
    // Separate store objects, as separate requests (on PostgreSQL, separate pooled connections).
    const got = await Promise.all(range(1, 8).map((i) => new NaturalIdStore(db).reserve('usr_alice', 'nightly', { id: `job${i}`, incarnation: `i${i}` })));
    assert.deepEqual([...got].sort(), ['nightly', 'nightly-2', 'nightly-3', 'nightly-4', 'nightly-5', 'nightly-6', 'nightly-7', 'nightly-8']);
    const names = new NaturalIdStore(db);
    const holders = await Promise.all(got.map(async (slug) => (await names.lookup('usr_alice', slug))?.id));
    assert.deepEqual(holders, range(1, 8).map((i) => `job${i}`), 'each job holds the slug it was told');
  });

  test('natural ids belong to the creation they were made for; one reserved before its job existed is claimed at creation', async () => {
    const names = new NaturalIdStore(await fresh());
    assert.equal(await names.reserve('o', 'nightly', { id: 'n' }), 'nightly');
    assert.deepEqual((await names.all()).of({ id: 'n', incarnation: 'c1' }), undefined, 'not yet: reserved without an incarnation');
    assert.equal(await names.reserve('o', 'nightly', { id: 'n', incarnation: 'c1' }), 'nightly');
    assert.deepEqual(await names.lookup('o', 'nightly'), { id: 'n', incarnation: 'c1' });
    // Deleted without cleanup, then created again with another owner's slug: the leftover is dropped.
    assert.equal(await names.reserve('p', 'again', { id: 'n', incarnation: 'c2' }), 'again');
    assert.equal(await names.lookup('o', 'nightly'), undefined);
    assert.deepEqual((await names.all()).of({ id: 'n', incarnation: 'c2' }), { ownerId: 'p', slug: 'again' });
  });

  test('natural-ids.json is imported with the incarnations it recorded', async () => {
    const db = await fresh();
    const file = { version: 1, owners: { usr_alice: { daily: 'old', nightly: 'j1' }, usr_bob: { daily: 'j2' } }, incarnations: { j1: 'i1', j2: 'i2' } };
    const dir = dataDirWith('natural-ids.json', JSON.stringify(file));
    assert.deepEqual(await importLegacyFiles(db, dir, [naturalIdsImport]), ['natural-ids.json']);
    const names = new NaturalIdStore(db);
    assert.deepEqual(await names.lookup('usr_alice', 'daily'), { id: 'old', incarnation: undefined });
    assert.deepEqual(await names.lookup('usr_alice', 'nightly'), j1);
    assert.deepEqual(await names.lookup('usr_bob', 'daily'), j2);
    assert.equal(await names.reserve('usr_alice', 'daily', { id: 'new' }), 'daily-2', 'imported slugs are taken');
  });

  test('a damaged natural-ids.json stops the start and writes nothing', async () => {
    const db = await fresh();
    const dir = dataDirWith('natural-ids.json', '{"version":1,"owners":');
    await assert.rejects(importLegacyFiles(db, dir, [naturalIdsImport]), /natural-ids\.json/);
    assert.ok(existsSync(join(dir, 'natural-ids.json')));
    assert.deepEqual(await db.kysely.selectFrom('natural_ids').selectAll().execute(), []);
  });
});

withEachBackend('id sequences', (fresh, backend) => {
  test('1, 2, 3, … per name; concurrent callers never get one number twice', async () => {
    const db = await fresh();
    const a = new SequenceAllocator(db, 'a');
    assert.deepEqual([await a.next(), await a.next()], [1, 2]);
    assert.equal(await new SequenceAllocator(db, 'b').next(), 1, 'names are independent');
    const got = await Promise.all(range(0, 30).map(() => new SequenceAllocator(db, 'a').next()));
    assert.deepEqual(sorted(got), range(3, 30));
  });

  test('separate processes allocating at once, from a sequence none of them has created yet, never share a number', async () => {
    const state = await freshState(backend);
    states.push(state);
    const got = await Promise.all(range(0, 3).map(() => allocateInChild(state.cfg, 'shared', 15)));
    assert.deepEqual(sorted(got.flat()), range(1, 45));
    assert.equal(await new SequenceAllocator(state.db, 'shared').next(), 46);
  });

  test('a sequence with no row starts where `first` says, seeded once however many callers race', async () => {
    const db: Db = await fresh();
    let asked = 0;
    const seeded: number[] = [];
    const opts = {
      first: async () => {
        asked++;
        await new Promise((resolve) => setImmediate(resolve));
        return 42;
      },
      seeded: async (n: number) => void seeded.push(n),
    };
    const got = await Promise.all(range(0, 10).map(() => new SequenceAllocator(db, 'upgraded', opts).next()));
    assert.deepEqual(sorted(got), range(42, 10));
    assert.deepEqual(seeded, [42], 'one caller wrote the row');
    const before = asked;
    assert.equal(await new SequenceAllocator(db, 'upgraded', opts).next(), 52);
    assert.equal(asked, before, 'once the row exists, `first` is not asked again');
  });

  test('`first` below 1 or fractional starts at a whole number ≥ 1', async () => {
    const db = await fresh();
    assert.equal(await new SequenceAllocator(db, 'low', { first: async () => -5 }).next(), 1);
    assert.equal(await new SequenceAllocator(db, 'frac', { first: async () => 7.9 }).next(), 7);
  });
});
