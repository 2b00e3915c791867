import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSecretRefs, masker, resolveSecretRefs, SecretRefError } from '../../../core/secrets/refs.ts';
import { OPERATOR, SecretStore } from '../../../core/secrets/store.ts';
import { KairosError } from '../../../core/errors.ts';

/** One owner's values (the store's entries, as the worker reads them). */
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

describe('secret store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-secrets-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stores values in a 0600 file per owner, lists names only; the environment is the operator\'s', async () => {
    const store = new SecretStore(dir, { KAIROS_SECRET_FROM_ENV: 'env-value', KAIROS_SECRET_BOTH: 'env-both', KAIROS_SECRET_bad_name__: 'x', OTHER: 'y' });
    assert.equal((await store.put('usr_a', 'ONE', 'one')).created, true);
    assert.equal((await store.put('usr_a', 'ONE', 'uno')).created, false);
    // another owner's ONE is another secret: it is created, and A's is unchanged
    assert.equal((await store.put('usr_b', 'ONE', 'b-one')).created, true);
    await store.put('usr_a', 'BOTH', 'file-both');
    assert.equal(statSync(store.file).mode & 0o777, 0o600);
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
    const file = JSON.parse(readFileSync(store.file, 'utf8')) as { version: number; owners: Record<string, Record<string, unknown>> };
    assert.equal(file.version, 2);
    assert.deepEqual(Object.keys(file.owners).sort(), ['usr_a', 'usr_b']);
  });

  it('loads a version-1 file (before owners): its entries become the operator\'s; the next write stores version 2', async () => {
    const d = mkdtempSync(join(tmpdir(), 'kairos-secrets-'));
    try {
      const store = new SecretStore(d, {});
      writeFileSync(store.file, JSON.stringify({ version: 1, secrets: { OLD: { value: 'old-value', updatedAt: '2026-01-01T00:00:00.000Z' } } }), { mode: 0o600 });
      assert.deepEqual(
        (await store.list()).map((s) => [s.name, s.owner, s.source]),
        [['OLD', OPERATOR, 'file']],
      );
      await store.put('usr_a', 'NEW', 'new');
      const file = JSON.parse(readFileSync(store.file, 'utf8')) as { version: number; owners: Record<string, Record<string, { value: string }>> };
      assert.equal(file.version, 2);
      assert.equal(file.owners[OPERATOR]?.OLD?.value, 'old-value');
      assert.equal(file.owners.usr_a?.NEW?.value, 'new');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('shares a secret, keeps the shares on a new value, unshares; a name such as __proto__ is a plain key', async () => {
    const store = new SecretStore(dir, {});
    await store.put('usr_admin', 'SHARED', 'v1');
    const info = await store.share('usr_admin', 'SHARED', { all: false, users: ['usr_b', 'usr_a', 'usr_b'] });
    assert.deepEqual(info.sharedWith, { all: false, users: ['usr_a', 'usr_b'] });
    await store.put('usr_admin', 'SHARED', 'v2');
    assert.deepEqual((await store.info('usr_admin', 'SHARED')).sharedWith, { all: false, users: ['usr_a', 'usr_b'] });
    assert.deepEqual((await store.share('usr_admin', 'SHARED', { all: false, users: [] })).sharedWith, { all: false, users: [] });
    await assert.rejects(store.share('usr_b', 'SHARED', { all: true, users: [] }), (e: unknown) => e instanceof KairosError && e.kind === 'not_found');
    await store.put('__proto__', '__proto__', 'p');
    assert.equal((await values(store, '__proto__')).get('__proto__'), 'p');
    assert.equal(Object.getPrototypeOf(JSON.parse(readFileSync(store.file, 'utf8')).owners), Object.prototype);
  });

  it('deletes file secrets; an env secret cannot be deleted; bad names are validation errors', async () => {
    const store = new SecretStore(dir, { KAIROS_SECRET_ENV_ONLY: 'v' });
    await store.put('usr_a', 'GONE', 'x');
    await store.put('usr_b', 'GONE', 'y');
    await store.delete('usr_a', 'GONE');
    await assert.rejects(store.delete('usr_a', 'GONE'), (e: unknown) => e instanceof KairosError && e.kind === 'not_found');
    assert.equal((await values(store, 'usr_b')).get('GONE'), 'y', "another owner's secret of the name stays");
    await assert.rejects(store.delete(OPERATOR, 'ENV_ONLY'), (e: unknown) => e instanceof KairosError && e.kind === 'conflict');
    await assert.rejects(store.delete('usr_a', 'ENV_ONLY'), (e: unknown) => e instanceof KairosError && e.kind === 'not_found');
    await assert.rejects(store.put('usr_a', 'no-dashes', 'x'), (e: unknown) => e instanceof KairosError && e.kind === 'validation' && e.details[0]?.path === 'name');
  });

  it('serialises concurrent writers without losing one', async () => {
    const a = new SecretStore(dir, {});
    const b = new SecretStore(dir, {});
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).put('usr_a', `K${i}`, `v${i}`)));
    const got = await values(a, 'usr_a');
    for (let i = 0; i < 20; i++) assert.equal(got.get(`K${i}`), `v${i}`);
  });

  it('a corrupt file is an error that names the file but never quotes it, and is left as it was', async () => {
    const d = mkdtempSync(join(tmpdir(), 'kairos-secrets-'));
    try {
      const store = new SecretStore(d, {});
      const cases = [
        ['{"version":1,"secrets":{"LEAKY_NAME":{"value":"hunter2-value"', /is not valid JSON/],
        ['{"version":1,"secrets":{"LEAKY_NAME":{"value":"hunter2-value"}}}', /is malformed/],
      ] as const;
      for (const [text, problem] of cases) {
        writeFileSync(store.file, text);
        for (const attempt of [store.entries(), store.put('usr_a', 'OTHER', 'x')]) {
          await assert.rejects(attempt, (e: unknown) => {
            const message = (e as Error).message;
            assert.match(message, problem);
            assert.ok(message.includes(store.file), message);
            assert.ok(!/hunter2|LEAKY_NAME/.test(message), message);
            return true;
          });
        }
        assert.equal(readFileSync(store.file, 'utf8'), text);
      }
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('takes over a lock left behind by a crashed process, and waits for a live one', async () => {
    const d = mkdtempSync(join(tmpdir(), 'kairos-secrets-'));
    try {
      const store = new SecretStore(d, {}, 200);
      writeFileSync(`${store.file}.lock`, '99999\n');
      await assert.rejects(store.put('usr_a', 'A', 'a'), (e: unknown) => e instanceof KairosError && e.kind === 'unavailable');
      const old = new Date(Date.now() - 60_000);
      utimesSync(`${store.file}.lock`, old, old);
      await store.put('usr_a', 'A', 'a');
      assert.equal((await values(store, 'usr_a')).get('A'), 'a');
      assert.equal(statSync(`${store.file}.lock`, { throwIfNoEntry: false }), undefined);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
