// Secrets at rest (core/secrets/cipher.ts, core/secrets/legacy.ts, core/auth/tokens.ts): AES-256-GCM
// with the row as associated data, the key from KAIROS_SECRET_KEY or a generated 0600 key file, the
// store's check value that stops a process with another key, the import of an older data dir's
// secrets.json and token-signing.key, and the token-signing key kept sealed in the state store. On
// SQLite and PostgreSQL.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { ConfigError, loadConfig, type DatabaseConfig } from '../../../core/config.ts';
import { openState, type Db } from '../../../core/db/state.ts';
import { migrate, openDatabase } from '../../../core/db/open.ts';
import { KEY_CHECK_SETTING, openSecretCipher, SECRET_KEY_FILE, SecretCipher, SecretDecryptError, secretAad } from '../../../core/secrets/cipher.ts';
import { SECRETS_FILE } from '../../../core/secrets/legacy.ts';
import { OPERATOR, SecretStore } from '../../../core/secrets/store.ts';
import { storedTokenKey, TOKEN_KEY_FILE, TOKEN_KEY_SETTING, TokenSigner } from '../../../core/auth/tokens.ts';
import { createTestDatabase, withEachBackend } from '../../support/db.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'kairos-at-rest-'));
  dirs.push(d);
  return d;
};
const opened: Db[] = [];
after(async () => {
  await Promise.all(opened.map((db) => db.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const open = async (cfg: DatabaseConfig) => {
  const db = await openState(cfg);
  opened.push(db);
  return db;
};

describe('the secret cipher', () => {
  const cipher = new SecretCipher(randomBytes(32));

  it('round-trips values with a fresh nonce each time, bound to their row', () => {
    for (const value of ['', 'p@ss wörd', 'x'.repeat(64 * 1024)]) {
      const a = cipher.encrypt(value, secretAad('usr_a', 'N'));
      const b = cipher.encrypt(value, secretAad('usr_a', 'N'));
      assert.notEqual(a, b, 'a random nonce per value');
      assert.equal(cipher.decrypt(a, secretAad('usr_a', 'N')).toString('utf8'), value);
      assert.equal(Buffer.from(a, 'base64').length, 12 + Buffer.byteLength(value) + 16, 'nonce ‖ ciphertext ‖ tag');
    }
  });

  it('refuses a changed byte anywhere, another row, another key, and garbage', () => {
    const sealed = cipher.encrypt('value', secretAad('usr_a', 'N'));
    const raw = Buffer.from(sealed, 'base64');
    for (let i = 0; i < raw.length; i++) {
      const bad = Buffer.from(raw);
      bad[i] = (bad[i] ?? 0) ^ 0x80;
      assert.throws(() => cipher.decrypt(bad.toString('base64'), secretAad('usr_a', 'N')), SecretDecryptError, `byte ${i}`);
    }
    // owner and name are bound, and no two pairs encode alike
    for (const [owner, name] of [
      ['usr_b', 'N'],
      ['usr_a', 'M'],
      ['usr_aN', ''],
    ]) {
      assert.throws(() => cipher.decrypt(sealed, secretAad(owner ?? '', name ?? '')), SecretDecryptError);
    }
    assert.throws(() => new SecretCipher(randomBytes(32)).decrypt(sealed, secretAad('usr_a', 'N')), SecretDecryptError);
    assert.throws(() => cipher.decrypt('AAAA', secretAad('usr_a', 'N')), SecretDecryptError);
    assert.throws(() => new SecretCipher(randomBytes(16)), /32 bytes/);
  });

  it('KAIROS_SECRET_KEY: 32 bytes as base64 or hex; anything else stops the start naming the variable, never its value', () => {
    const key = randomBytes(32);
    for (const text of [key.toString('base64'), key.toString('hex'), key.toString('base64url'), ` ${key.toString('base64')}\n`]) {
      assert.deepEqual(loadConfig({ KAIROS_SECRET_KEY: text }).database.secretKey, key, text);
    }
    assert.equal(loadConfig({}).database.secretKey, undefined);
    for (const bad of ['short-key-value', randomBytes(16).toString('base64'), randomBytes(33).toString('hex'), 'z'.repeat(64)]) {
      assert.throws(
        () => loadConfig({ KAIROS_SECRET_KEY: bad }),
        (e: unknown) => e instanceof ConfigError && e.message.includes('KAIROS_SECRET_KEY') && e.message.includes('32 bytes') && !e.message.includes(bad),
      );
    }
  });
});

withEachBackend('secrets at rest', (_fresh, backend) => {
  const config = async (dataDir = tempDir(), extra: Partial<DatabaseConfig> = {}): Promise<DatabaseConfig> => ({
    dataDir,
    poolSize: 3,
    url: backend === 'postgres' ? await createTestDatabase() : undefined,
    ...extra,
  });

  it('generates one 0600 key file on the first start, also when processes start together; the store records its key', async () => {
    const cfg = await config();
    // Processes starting together: on SQLite several handles in one process would block each other's
    // event loop, so they share one handle here; the key file race is the same.
    const db = openDatabase(cfg);
    opened.push(db);
    await migrate(db);
    const ciphers = await Promise.all(Array.from({ length: 5 }, () => openSecretCipher(db, cfg)));
    const file = join(cfg.dataDir, SECRET_KEY_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(cfg.dataDir).filter((f) => f.includes(SECRET_KEY_FILE)), [SECRET_KEY_FILE], 'no temporary file left');
    assert.equal(new Set(ciphers.map((c) => c.keyId)).size, 1);
    const check = await db.kysely.selectFrom('settings').select('value').where('key', '=', KEY_CHECK_SETTING).executeTakeFirstOrThrow();
    assert.ok(check.value.startsWith(`${ciphers[0]?.keyId}:`));
    // the file holds what KAIROS_SECRET_KEY takes: another data dir with it as the key opens the store
    const asEnv = loadConfig({ KAIROS_SECRET_KEY: readFileSync(file, 'utf8') }).database.secretKey;
    const other = await openSecretCipher(db, { ...cfg, dataDir: tempDir(), secretKey: asEnv });
    assert.equal(other.keyId, ciphers[0]?.keyId);
    if (backend === 'postgres') {
      // separate pools, as separate processes would have them
      const fresh = await config();
      const dbs = await Promise.all([open(fresh), open(fresh), open(fresh)]);
      assert.equal(new Set((await Promise.all(dbs.map((d) => openSecretCipher(d, fresh)))).map((c) => c.keyId)).size, 1);
    }
  });

  it('a process with another key stops at start with a message naming KAIROS_SECRET_KEY, and writes nothing', async () => {
    const cfg = await config();
    const db = await open(cfg);
    const cipher = await openSecretCipher(db, cfg);
    await new SecretStore(db, cipher, {}).put('usr_a', 'A', 'a-value');
    const file = join(cfg.dataDir, SECRET_KEY_FILE);
    const keyText = readFileSync(file, 'utf8');
    const before = await db.kysely.selectFrom('settings').selectAll().orderBy('key').execute();
    const refused = (why: RegExp) => (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.message, /KAIROS_SECRET_KEY/);
      assert.match(e.message, why);
      assert.ok(e.message.includes(cipher.keyId), e.message);
      assert.ok(!e.message.includes(keyText.trim()), 'never the key');
      return true;
    };
    // another KAIROS_SECRET_KEY
    await assert.rejects(openState({ ...cfg, secretKey: randomBytes(32) }), refused(/is not the key/));
    // another key file (a second machine that made its own)
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`);
    await assert.rejects(openState(cfg), refused(/is not the key/));
    // no key at all: refused, and no key file is made that would then be the wrong one
    rmSync(file);
    await assert.rejects(openState(cfg), refused(/KAIROS_SECRET_KEY is not set/));
    assert.equal(existsSync(file), false);
    if (backend === 'postgres') await assert.rejects(openState({ ...cfg, dataDir: tempDir() }), refused(/KAIROS_SECRET_KEY is not set/));
    assert.deepEqual(await db.kysely.selectFrom('settings').selectAll().orderBy('key').execute(), before, 'the store is as it was');
    // the key file's text as KAIROS_SECRET_KEY opens it (and no key file is made then)
    const secretKey = loadConfig({ KAIROS_SECRET_KEY: keyText }).database.secretKey;
    const reopened = await open({ ...cfg, secretKey });
    assert.equal(existsSync(file), false, 'no key file when KAIROS_SECRET_KEY is set');
    const values = await new SecretStore(reopened, await openSecretCipher(reopened, { ...cfg, secretKey }), {}).entries(['A']);
    assert.equal(values[0]?.value, 'a-value');
  });

  it('a damaged key file stops the start; it is never replaced', async () => {
    const cfg = await config();
    await open(cfg);
    writeFileSync(join(cfg.dataDir, SECRET_KEY_FILE), 'not a key\n');
    await assert.rejects(openState(cfg), (e: unknown) => e instanceof ConfigError && e.message.includes(SECRET_KEY_FILE) && !e.message.includes('not a key'));
    assert.equal(readFileSync(join(cfg.dataDir, SECRET_KEY_FILE), 'utf8'), 'not a key\n');
  });

  it('imports secrets.json (version 2: owners, shares; version 1: the operator\'s), encrypted; no value stays in plain text', async () => {
    const values = { a: 'plain-value-of-usr-a-7f3c', shared: 'plain-shared-value-91d2', old: 'plain-operator-value-55aa', proto: 'plain-proto-value-0b1e' };
    const v2 = {
      version: 2,
      owners: {
        usr_a: { A_TOKEN: { value: values.a, updatedAt: '2026-01-02T00:00:00.000Z' } },
        usr_admin: { SHARED: { value: values.shared, updatedAt: '2026-01-03T00:00:00.000Z', sharedWith: { all: false, users: ['usr_b', 'team_x'] } } },
      },
    };
    // An owner and a name "__proto__" (an object literal cannot hold that key): written as the old store did
    const v2Text = JSON.stringify(v2).replace('"owners":{', '"owners":{"__proto__":{"__proto__":{"value":"' + values.proto + '","updatedAt":"2026-01-04T00:00:00.000Z"}},');
    const v1Text = JSON.stringify({ version: 1, secrets: { OLD: { value: values.old, updatedAt: '2025-06-01T00:00:00.000Z' } } });
    for (const [text, expected] of [
      [
        v2Text,
        [
          ['usr_a', 'A_TOKEN', values.a],
          ['usr_admin', 'SHARED', values.shared],
          ['__proto__', '__proto__', values.proto],
        ],
      ],
      [v1Text, [[OPERATOR, 'OLD', values.old]]],
    ] as const) {
      const cfg = await config();
      writeFileSync(join(cfg.dataDir, SECRETS_FILE), text, { mode: 0o600 });
      const db = await open(cfg);
      assert.equal(existsSync(join(cfg.dataDir, SECRETS_FILE)), false);
      assert.equal(readFileSync(join(cfg.dataDir, `${SECRETS_FILE}.imported`), 'utf8'), text);
      const store = new SecretStore(db, await openSecretCipher(db, cfg), {});
      const entries = await store.entries();
      assert.deepEqual(
        entries.map((e) => [e.owner, e.name, e.value]).sort(),
        expected.map((e) => [...e]).sort(),
      );
      if (text === v2Text) {
        assert.deepEqual((await store.info('usr_admin', 'SHARED')).sharedWith, { all: false, users: ['team_x', 'usr_b'] });
        assert.equal((await store.info('usr_a', 'A_TOKEN')).updatedAt, '2026-01-02T00:00:00.000Z');
      }
      // nothing readable in the store: the PostgreSQL rows, or every byte of the SQLite files
      const dump =
        backend === 'postgres'
          ? (await sql<{ row: string }>`select row_to_json(s)::text as row from secrets s`.execute(db.kysely)).rows.map((r) => r.row).join('\n')
          : readdirSync(cfg.dataDir)
              .filter((f) => f.startsWith('kairos.db'))
              .map((f) => readFileSync(join(cfg.dataDir, f)).toString('latin1'))
              .join('\n');
      assert.ok(dump.length > 0);
      for (const v of Object.values(values)) {
        for (const form of [v, Buffer.from(v).toString('base64')]) assert.ok(!dump.includes(form), `${form} in the store`);
      }
    }
  });

  it('a malformed secrets.json stops the start without quoting it and stays where it is', async () => {
    for (const text of ['{"version":1,"secrets":{"LEAKY_NAME":{"value":"hunter2-value"', '{"version":1,"secrets":{"LEAKY_NAME":{"value":"hunter2-value"}}}', '{"version":3}']) {
      const cfg = await config();
      writeFileSync(join(cfg.dataDir, SECRETS_FILE), text);
      await assert.rejects(openState(cfg), (e: unknown) => {
        const m = (e as Error).message;
        assert.ok(m.includes(SECRETS_FILE) && !/hunter2|LEAKY_NAME/.test(m), m);
        return true;
      });
      assert.equal(readFileSync(join(cfg.dataDir, SECRETS_FILE), 'utf8'), text);
    }
  });

  it('keeps the token-signing key sealed in the store: made once for every instance, also when they start together', async () => {
    const cfg = await config();
    // two instances (on SQLite sharing a handle: see above)
    const first = await open(cfg);
    const dbs = backend === 'postgres' ? [first, await open(cfg)] : [first, first];
    const signers = await Promise.all(
      dbs.flatMap((db) => [1, 2, 3].map(async () => new TokenSigner(storedTokenKey(db, await openSecretCipher(db, cfg)), { ttlMs: 60_000 }))),
    );
    const tokens = await Promise.all(signers.map((s, i) => s.issue(`u${i}`, 'voltmx', i)));
    for (const s of signers) for (const [i, tok] of tokens.entries()) assert.equal((await s.verify(tok.value, 'voltmx')).ok, true, `token ${i}`);
    const rows = await dbs[0]?.kysely.selectFrom('settings').select('value').where('key', '=', TOKEN_KEY_SETTING).execute();
    assert.equal(rows?.length, 1);
    assert.equal(existsSync(join(cfg.dataDir, TOKEN_KEY_FILE)), false, 'no key file any more');
  });

  it("imports an older data dir's token-signing.key: tokens issued before the upgrade stay valid", async () => {
    const cfg = await config();
    const oldKey = randomBytes(32);
    writeFileSync(join(cfg.dataDir, TOKEN_KEY_FILE), oldKey, { mode: 0o600 });
    const before = await new TokenSigner(oldKey, { ttlMs: 60_000 }).issue('usr_a', 'voltmx', 2);
    const db = await open(cfg);
    assert.equal(existsSync(join(cfg.dataDir, `${TOKEN_KEY_FILE}.imported`)), true);
    const signer = new TokenSigner(storedTokenKey(db, await openSecretCipher(db, cfg)), { ttlMs: 60_000 });
    assert.deepEqual(await signer.verify(before.value, 'voltmx'), { ok: true, userId: 'usr_a', credentialVersion: 2, expiresAt: before.expiresAt });
    const row = await db.kysely.selectFrom('settings').select('value').where('key', '=', TOKEN_KEY_SETTING).executeTakeFirstOrThrow();
    for (const form of [oldKey.toString('base64'), oldKey.toString('hex'), oldKey.toString('latin1')]) assert.ok(!row.value.includes(form), 'sealed, not in plain');
  });
});
