import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSecretRefs, masker, resolveSecretRefs, SecretRefError } from '../../../core/secrets/refs.ts';
import { SecretStore } from '../../../core/secrets/store.ts';
import { KairosError } from '../../../core/errors.ts';

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
      (e: unknown) => e instanceof SecretRefError && /'C'/.test(e.message) && e.path === 'h',
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

  it('stores values in a 0600 file, lists names only, prefers the file over the environment', async () => {
    const store = new SecretStore(dir, { KAIROS_SECRET_FROM_ENV: 'env-value', KAIROS_SECRET_BOTH: 'env-both', KAIROS_SECRET_bad_name__: 'x', OTHER: 'y' });
    assert.equal((await store.put('ONE', 'one')).created, true);
    assert.equal((await store.put('ONE', 'uno')).created, false);
    await store.put('BOTH', 'file-both');
    assert.equal(statSync(store.file).mode & 0o777, 0o600);
    const list = await store.list();
    assert.deepEqual(
      list.map((s) => [s.name, s.source]),
      [
        ['BOTH', 'file'],
        ['FROM_ENV', 'env'],
        ['ONE', 'file'],
        ['bad_name__', 'env'],
      ],
    );
    assert.ok(!JSON.stringify(list).includes('uno'));
    const values = await store.values();
    assert.equal(values.get('ONE'), 'uno');
    assert.equal(values.get('BOTH'), 'file-both');
    assert.equal(values.get('FROM_ENV'), 'env-value');
    assert.equal(values.has('OTHER'), false);
  });

  it('deletes file secrets; an env secret cannot be deleted; bad names are validation errors', async () => {
    const store = new SecretStore(dir, { KAIROS_SECRET_ENV_ONLY: 'v' });
    await store.put('GONE', 'x');
    await store.delete('GONE');
    await assert.rejects(store.delete('GONE'), (e: unknown) => e instanceof KairosError && e.kind === 'not_found');
    await assert.rejects(store.delete('ENV_ONLY'), (e: unknown) => e instanceof KairosError && e.kind === 'conflict');
    await assert.rejects(store.put('no-dashes', 'x'), (e: unknown) => e instanceof KairosError && e.kind === 'validation' && e.details[0]?.path === 'name');
  });

  it('serialises concurrent writers without losing one', async () => {
    const a = new SecretStore(dir, {});
    const b = new SecretStore(dir, {});
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).put(`K${i}`, `v${i}`)));
    const values = await a.values();
    for (let i = 0; i < 20; i++) assert.equal(values.get(`K${i}`), `v${i}`);
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
        for (const attempt of [store.values(), store.put('OTHER', 'x')]) {
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
      await assert.rejects(store.put('A', 'a'), (e: unknown) => e instanceof KairosError && e.kind === 'unavailable');
      const old = new Date(Date.now() - 60_000);
      utimesSync(`${store.file}.lock`, old, old);
      await store.put('A', 'a');
      assert.equal((await store.values()).get('A'), 'a');
      assert.equal(statSync(`${store.file}.lock`, { throwIfNoEntry: false }), undefined);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
