import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { findSecretRefs, masker, resolveSecretRefs, SecretRefError } from '../../../core/secrets/refs.ts';
import { OPERATOR, SecretStore } from '../../../core/secrets/store.ts';
import { SecretCipher } from '../../../core/secrets/cipher.ts';
import { KairosError } from '../../../core/errors.ts';
import { withEachBackend } from '../../support/db.ts';

/** One owner's values (the store's entries, as the worker reads them: decrypted). */
async function values(store: SecretStore, owner: string): Promise<Map<string, string>> {
  return new Map((await store.entries()).filter((e) => e.owner === owner && (e.source === 'file' || owner === OPERATOR)).map((e) => [e.name, e.value]));
}

describe('secret references', () => {
  const data = { url: 'https://x', headers: { a: { $secret: 'A' } }, list: [{ $secret: 'B' }, 'plain'], nested: { deep: { $secret: 'A' } } };

  it('finds references with their paths', () => {
    assert.deepEqual(findSecretRefs(data), [
      { path: 'headers.a', name: 'A' },
      { path: 'list.0', name: 'B' },
      { path: 'nested.deep', name: 'A' },
    ]);
    assert.throws(() => findSecretRefs({ x: { $secret: 'not ok' } }), (e: unknown) => e instanceof SecretRefError && e.path === 'x');
    // an object with more keys is plain data, not a reference
    assert.deepEqual(findSecretRefs({ x: { $secret: 'A', other: 1 } }), []);
  });

  it('resolves references and reports the values used; an unknown name throws naming it', () => {
    const values = new Map([
      ['A', 'alpha'],
      ['B', 'beta'],
    ]);
    const r = resolveSecretRefs(data, (n) => values.get(n));
    assert.deepEqual(r.data, { url: 'https://x', headers: { a: 'alpha' }, list: ['beta', 'plain'], nested: { deep: 'alpha' } });
    assert.deepEqual(r.values.sort(), ['alpha', 'beta']);
    assert.throws(
      () => resolveSecretRefs({ h: { $secret: 'C' } }, () => undefined),
      (e: unknown) => e instanceof SecretRefError && e.message === "secret 'C' is not available to the job's owner" && e.path === 'h',
    );
    assert.throws(
      () => resolveSecretRefs({ h: [{ $secret: 'C' }] }, () => ({ message: 'why not' })),
      (e: unknown) => e instanceof SecretRefError && e.message === 'why not' && e.path === 'h.0',
    );
  });

  it('masks values and their usual encodings, deeply, keys too', () => {
    const mask = masker(['p@ss word']);
    const out = mask({
      plain: 'x p@ss word y',
      url: 'https://h/?t=p%40ss%20word',
      form: 't=p%40ss+word',
      b64: `Basic ${Buffer.from('p@ss word').toString('base64')}`,
      json: JSON.stringify({ v: 'p@ss word' }),
      list: ['p@ss word'],
      'p@ss word': 1,
      n: 5,
    });
    assert.deepEqual(out, { plain: 'x *** y', url: 'https://h/?t=***', form: 't=***', b64: 'Basic ***', json: '{"v":"***"}', list: ['***'], '***': 1, n: 5 });
    assert.equal(masker([])('p@ss word'), 'p@ss word');
  });
});

withEachBackend('secret store', (fresh) => {
  const cipher = new SecretCipher(randomBytes(32));

  it("stores values per owner, lists names only; the environment is the operator's (KAIROS_SECRET_KEY is no secret)", async () => {
    const db = await fresh();
    const store = new SecretStore(db, cipher, {
      KAIROS_SECRET_FROM_ENV: 'env-value',
      KAIROS_SECRET_BOTH: 'env-both',
      KAIROS_SECRET_bad_name__: 'x',
      KAIROS_SECRET_KEY: randomBytes(32).toString('base64'),
      OTHER: 'y',
    });
    assert.equal((await store.put('usr_a', 'ONE', 'one')).created, true);
    assert.equal((await store.put('usr_a', 'ONE', 'uno')).created, false);
    // another owner's ONE is another secret: it is created, and A's is unchanged
    assert.equal((await store.put('usr_b', 'ONE', 'b-one')).created, true);
    await store.put('usr_a', 'BOTH', 'file-both');
    const list = await store.list();
    assert.deepEqual(
      list.map((s) => [s.name, s.owner, s.source]),
      [
        ['BOTH', OPERATOR, 'env'],
        ['BOTH', 'usr_a', 'file'],
        ['FROM_ENV', OPERATOR, 'env'],
        ['ONE', 'usr_a', 'file'],
        ['ONE', 'usr_b', 'file'],
        ['bad_name__', OPERATOR, 'env'],
      ],
    );
    assert.ok(!JSON.stringify(list).includes('uno'));
    assert.equal((await values(store, 'usr_a')).get('ONE'), 'uno');
    assert.equal((await values(store, 'usr_b')).get('ONE'), 'b-one');
    assert.equal((await values(store, 'usr_a')).get('BOTH'), 'file-both');
    assert.equal((await values(store, OPERATOR)).get('FROM_ENV'), 'env-value');
    assert.equal((await values(store, OPERATOR)).has('OTHER'), false);
    assert.equal((await values(store, OPERATOR)).has('KEY'), false, 'the secret key is not an environment secret named KEY');
    await assert.rejects(store.info(OPERATOR, 'KEY'), (e: unknown) => e instanceof KairosError && e.kind === 'not_found');
    // only the names asked for, when names are given
    assert.deepEqual((await store.entries(['ONE'])).map((e) => e.owner).sort(), ['usr_a', 'usr_b']);
    assert.deepEqual(await store.entries([]), []);
    // the rows hold ciphertext under this key's id, never the value
    const rows = await db.kysely.selectFrom('secrets').selectAll().execute();
    assert.equal(rows.length, 3);
    for (const r of rows) {
      assert.equal(r.key_id, cipher.keyId);
      assert.ok(!r.ciphertext.includes('uno') && !Buffer.from(r.ciphertext, 'base64').toString('latin1').includes('uno'));
    }
  });

  it('shares a secret with users and teams, keeps the shares on a new value, unshares; a name such as __proto__ is a plain key', async () => {
    const store = new SecretStore(await fresh(), cipher, {});
    await store.put('usr_admin', 'SHARED', 'v1');
    const info = await store.share('usr_admin', 'SHARED', { all: false, users: ['usr_b', 'usr_a', 'usr_b', 'team_x'] });
    assert.deepEqual(info.sharedWith, { all: false, users: ['team_x', 'usr_a', 'usr_b'] });
    await store.put('usr_admin', 'SHARED', 'v2');
    assert.deepEqual((await store.info('usr_admin', 'SHARED')).sharedWith, { all: false, users: ['team_x', 'usr_a', 'usr_b'] });
    assert.deepEqual((await store.share('usr_admin', 'SHARED', { all: true, users: [] })).sharedWith, { all: true, users: [] });
    assert.deepEqual((await store.share('usr_admin', 'SHARED', { all: false, users: [] })).sharedWith, { all: false, users: [] });
    await assert.rejects(store.share('usr_b', 'SHARED', { all: true, users: [] }), (e: unknown) => e instanceof KairosError && e.kind === 'not_found');
    await store.put('__proto__', '__proto__', 'p');
    assert.equal((await values(store, '__proto__')).get('__proto__'), 'p');
  });

  it('deletes stored secrets with their shares; an env secret cannot be deleted; bad names and values are validation errors', async () => {
    const db = await fresh();
    const store = new SecretStore(db, cipher, { KAIROS_SECRET_ENV_ONLY: 'v' });
    await store.put('usr_a', 'GONE', 'x');
    await store.share('usr_a', 'GONE', { all: true, users: ['usr_c'] });
    await store.put('usr_b', 'GONE', 'y');
    await store.delete('usr_a', 'GONE');
    await assert.rejects(store.delete('usr_a', 'GONE'), (e: unknown) => e instanceof KairosError && e.kind === 'not_found');
    assert.equal((await values(store, 'usr_b')).get('GONE'), 'y', "another owner's secret of the name stays");
    assert.deepEqual(await db.kysely.selectFrom('secret_shares').selectAll().execute(), []);
    // made again, it is shared with no one
    await store.put('usr_a', 'GONE', 'x2');
    assert.deepEqual((await store.info('usr_a', 'GONE')).sharedWith, { all: false, users: [] });
    await assert.rejects(store.delete(OPERATOR, 'ENV_ONLY'), (e: unknown) => e instanceof KairosError && e.kind === 'conflict');
    await assert.rejects(store.delete('usr_a', 'ENV_ONLY'), (e: unknown) => e instanceof KairosError && e.kind === 'not_found');
    await assert.rejects(store.put('usr_a', 'no-dashes', 'x'), (e: unknown) => e instanceof KairosError && e.kind === 'validation' && e.details[0]?.path === 'name');
    await assert.rejects(store.put('usr_a', 'BIG', 'x'.repeat(64 * 1024 + 1)), (e: unknown) => e instanceof KairosError && e.kind === 'validation' && e.details[0]?.path === 'value');
  });

  it('serialises concurrent writers (two stores, one database) without losing one', async () => {
    const db = await fresh();
    const a = new SecretStore(db, cipher, {});
    const b = new SecretStore(db, cipher, {});
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).put('usr_a', `K${i % 10}`, `v${i}`)));
    assert.equal(results.filter((r) => r.created).length, 10, 'each name is created once');
    const got = await values(a, 'usr_a');
    assert.equal(got.size, 10);
    for (let i = 0; i < 10; i++) assert.ok([`v${i}`, `v${i + 10}`].includes(got.get(`K${i}`) ?? ''));
  });

  it('refuses a tampered ciphertext, a value copied into another row, and another key, naming the secret but no value', async () => {
    const db = await fresh();
    const store = new SecretStore(db, cipher, {});
    await store.put('usr_a', 'A', 'value-of-a');
    await store.put('usr_b', 'B', 'value-of-b');
    const row = await db.kysely.selectFrom('secrets').selectAll().where('owner_id', '=', 'usr_a').executeTakeFirstOrThrow();
    const refused = (name: string) => (e: unknown) => e instanceof KairosError && e.kind === 'unavailable' && e.message.includes(`'${name}'`) && !e.message.includes('value-of');
    const valueOf = async (s: SecretStore, owner: string, name: string) => (await s.entries([name])).find((e) => e.owner === owner)?.value;

    // one flipped bit of the ciphertext
    const raw = Buffer.from(row.ciphertext, 'base64');
    raw[14] = (raw[14] ?? 0) ^ 1;
    await db.kysely.updateTable('secrets').set({ ciphertext: raw.toString('base64') }).where('owner_id', '=', 'usr_a').execute();
    await assert.rejects(valueOf(store, 'usr_a', 'A'), refused('A'));
    // A's intact ciphertext copied into B's row (the associated data names the row)
    await db.kysely.updateTable('secrets').set({ ciphertext: row.ciphertext }).where('owner_id', '=', 'usr_b').execute();
    await assert.rejects(valueOf(store, 'usr_b', 'B'), refused('B'));
    // the same ciphertext back in its own row decrypts
    await db.kysely.updateTable('secrets').set({ ciphertext: row.ciphertext }).where('owner_id', '=', 'usr_a').execute();
    assert.equal(await valueOf(store, 'usr_a', 'A'), 'value-of-a');
    // another key
    const other = new SecretStore(db, new SecretCipher(randomBytes(32)), {});
    await assert.rejects(valueOf(other, 'usr_a', 'A'), (e: unknown) => refused('A')(e) && (e as Error).message.includes(cipher.keyId));
    // listing never decrypts: a damaged row does not hide the others
    assert.deepEqual((await other.list()).map((s) => s.name), ['A', 'B']);
  });
});
