import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KairosError } from '../../../core/errors.ts';
import { API_KEY_PATTERN, hashPassword, verifyPassword } from '../../../core/auth/hash.ts';
import { AuthStore } from '../../../core/auth/store.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'kairos-auth-'));
  dirs.push(d);
  return d;
}
void after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function rejectsKind(p: Promise<unknown>, kind: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof KairosError, `expected KairosError, got ${String(err)}`);
    assert.equal(err.kind, kind);
    return true;
  });
}

void describe('password hashing', () => {
  void it('round-trips and has the documented format', async () => {
    const h = await hashPassword('correct horse');
    const parts = h.split('$');
    assert.equal(parts.length, 6);
    assert.deepEqual(parts.slice(0, 4), ['scrypt', '131072', '8', '1']);
    assert.equal(Buffer.from(parts[4] ?? '', 'base64').length, 16);
    assert.equal(Buffer.from(parts[5] ?? '', 'base64').length, 64);
    assert.equal(await verifyPassword('correct horse', h), true);
    assert.equal(await verifyPassword('correct horsf', h), false);
  });

  void it('salts: the same password hashes differently', async () => {
    assert.notEqual(await hashPassword('same'), await hashPassword('same'));
  });

  void it('rejects malformed hashes instead of throwing', async () => {
    assert.equal(await verifyPassword('x', 'nope'), false);
    assert.equal(await verifyPassword('x', 'scrypt$1048577$8$1$AAAAAAAAAAA=$AAAA'), false);
  });
});

void describe('AuthStore users', () => {
  let dir: string;
  let store: AuthStore;
  void before(async () => {
    dir = await tempDir();
    store = new AuthStore(dir);
  });

  void it('authenticates a created user and rejects a wrong password or unknown user', async () => {
    const u = await store.createUser({ username: 'alice', password: 'alice-password', role: 'user' });
    assert.equal(u.username, 'alice');
    assert.equal(u.role, 'user');
    assert.ok(!('passwordHash' in u));
    const p = await store.authenticateBasic('alice', 'alice-password');
    assert.deepEqual(p, { id: u.id, name: 'alice', role: 'user', via: 'basic' });
    assert.equal(await store.authenticateBasic('alice', 'wrong-password'), null);
    assert.equal(await store.authenticateBasic('nobody', 'alice-password'), null);
  });

  void it('rejects duplicates, bad usernames, short passwords and unknown ids', async () => {
    await rejectsKind(store.createUser({ username: 'alice', password: 'whatever1' }), 'conflict');
    await rejectsKind(store.createUser({ username: 'bad:name', password: 'whatever1' }), 'validation');
    await rejectsKind(store.createUser({ username: 'bob', password: 'short' }), 'validation');
    await rejectsKind(store.getUser('usr_missing'), 'not_found');
    await rejectsKind(store.deleteUser('usr_missing'), 'not_found');
    await rejectsKind(store.setPassword('usr_missing', 'whatever1'), 'not_found');
  });

  void it('setPassword replaces the password (and the cached verification)', async () => {
    const u = await store.createUser({ username: 'carol', password: 'first-password' });
    assert.ok(await store.authenticateBasic('carol', 'first-password')); // now cached
    await store.setPassword(u.id, 'second-password');
    assert.equal(await store.authenticateBasic('carol', 'first-password'), null);
    assert.ok(await store.authenticateBasic('carol', 'second-password'));
  });

  void it('the file holds hashes only and is mode 0600', async () => {
    const text = await readFile(join(dir, 'auth.json'), 'utf8');
    assert.ok(!text.includes('alice-password'));
    assert.ok(text.includes('scrypt$131072$8$1$'));
    if (process.platform !== 'win32') assert.equal((await stat(join(dir, 'auth.json'))).mode & 0o777, 0o600);
  });

  void it('cannot delete the last admin', async () => {
    const d = await tempDir();
    const s = new AuthStore(d);
    const a1 = await s.createUser({ username: 'root', password: 'root-password', role: 'admin' });
    const u = await s.createUser({ username: 'plain', password: 'plain-password' });
    await rejectsKind(s.deleteUser(a1.id), 'conflict');
    await s.deleteUser(u.id); // non-admins are always deletable
    const a2 = await s.createUser({ username: 'root2', password: 'root-password', role: 'admin' });
    await s.deleteUser(a1.id);
    await rejectsKind(s.deleteUser(a2.id), 'conflict');
    assert.deepEqual(
      (await s.listUsers()).map((x) => x.username),
      ['root2'],
    );
    assert.equal(await s.authenticateBasic('root', 'root-password'), null);
  });
});

void describe('password verification cache', () => {
  void it('remembers a success for the TTL, then verifies again', async () => {
    let now = 1_000_000;
    const s = new AuthStore(await tempDir(), { now: () => now, passwordCacheTtlMs: 60_000 });
    await s.createUser({ username: 'dave', password: 'dave-password' });
    // Cold: a full scrypt. Warm: far cheaper.
    const t0 = performance.now();
    assert.ok(await s.authenticateBasic('dave', 'dave-password'));
    const cold = performance.now() - t0;
    const t1 = performance.now();
    for (let i = 0; i < 5; i++) assert.ok(await s.authenticateBasic('dave', 'dave-password'));
    const warm = (performance.now() - t1) / 5;
    assert.ok(warm < cold, `warm ${warm}ms should be below cold ${cold}ms`);
    // A wrong password is never served from the cache.
    assert.equal(await s.authenticateBasic('dave', 'dave-passwordX'), null);
    now += 61_000;
    assert.ok(await s.authenticateBasic('dave', 'dave-password'));
  });

  void it('a password changed by another process invalidates the cached success', async () => {
    const d = await tempDir();
    const a = new AuthStore(d);
    const b = new AuthStore(d);
    const u = await a.createUser({ username: 'erin', password: 'erin-password' });
    assert.ok(await a.authenticateBasic('erin', 'erin-password'));
    await b.setPassword(u.id, 'erin-password-2');
    assert.equal(await a.authenticateBasic('erin', 'erin-password'), null);
    assert.ok(await a.authenticateBasic('erin', 'erin-password-2'));
    // Rapid same-size rewrites (same-length hashes) within one timestamp tick are all seen.
    for (let i = 3; i <= 7; i++) {
      await b.setPassword(u.id, `erin-password-${i}`);
      assert.ok(await a.authenticateBasic('erin', `erin-password-${i}`), `version ${i} seen`);
    }
  });
});

void describe('API keys', () => {
  void it('creates a key shown once, finds it by hash, and forgets it when deleted', async () => {
    const d = await tempDir();
    const s = new AuthStore(d);
    const admin = await s.createUser({ username: 'admin', password: 'admin-password', role: 'admin' });
    const created = await s.createApiKey({ name: 'ci', ownerId: admin.id });
    assert.match(created.key, API_KEY_PATTERN);
    assert.ok(created.key.startsWith(created.prefix));
    assert.equal(created.prefix.length, 15);
    assert.equal(created.role, 'admin'); // defaults to the owner's role
    assert.ok(!('keyHash' in created));

    const p = await s.authenticateApiKey(created.key);
    assert.deepEqual(p, { id: admin.id, name: 'admin', role: 'admin', via: 'apikey', keyId: created.id });
    assert.equal(await s.authenticateApiKey(created.key.slice(0, -1) + (created.key.endsWith('A') ? 'B' : 'A')), null);
    assert.equal(await s.authenticateApiKey('kairos_short'), null);
    assert.equal(await s.authenticateApiKey(''), null);

    const text = await readFile(join(d, 'auth.json'), 'utf8');
    assert.ok(!text.includes(created.key), 'plaintext key must not be stored');

    const listed = await s.listApiKeys();
    assert.equal(listed.length, 1);
    assert.ok(!('keyHash' in (listed[0] ?? {})));
    assert.ok(!('key' in (listed[0] ?? {})));

    await s.flush();
    assert.ok((await s.getApiKey(created.id)).lastUsedAt, 'lastUsedAt recorded');

    await s.deleteApiKey(created.id);
    assert.equal(await s.authenticateApiKey(created.key), null);
    await rejectsKind(s.deleteApiKey(created.id), 'not_found');
  });

  void it('a key never carries more than its owner', async () => {
    const s = new AuthStore(await tempDir());
    await s.createUser({ username: 'admin', password: 'admin-password', role: 'admin' });
    const u = await s.createUser({ username: 'frank', password: 'frank-password' });
    await rejectsKind(s.createApiKey({ name: 'x', ownerId: u.id, role: 'admin' }), 'validation');
    await rejectsKind(s.createApiKey({ name: 'x', ownerId: 'usr_missing' }), 'not_found');
    const k = await s.createApiKey({ name: 'x', ownerId: u.id });
    assert.equal(k.role, 'user');
    assert.equal((await s.authenticateApiKey(k.key))?.role, 'user');
    await s.flush();
  });

  void it("deleting a user deletes the user's keys", async () => {
    const s = new AuthStore(await tempDir());
    await s.createUser({ username: 'admin', password: 'admin-password', role: 'admin' });
    const u = await s.createUser({ username: 'gina', password: 'gina-password' });
    const k = await s.createApiKey({ name: 'laptop', ownerId: u.id });
    await s.deleteUser(u.id);
    assert.equal(await s.authenticateApiKey(k.key), null);
    assert.deepEqual(await s.listApiKeys(), []);
  });
});

void describe('persistence across store instances', () => {
  void it('two stores on one data dir see each other’s changes', async () => {
    const d = await tempDir();
    const a = new AuthStore(d);
    const b = new AuthStore(d);
    const u = await a.createUser({ username: 'henry', password: 'henry-password', role: 'admin' });
    assert.deepEqual(await b.getUser(u.id), u);
    assert.ok(await b.authenticateBasic('henry', 'henry-password'));
    const k = await b.createApiKey({ name: 'k', ownerId: u.id, role: 'user' });
    assert.equal((await a.authenticateApiKey(k.key))?.role, 'user');
    await b.deleteApiKey(k.id);
    await a.flush();
    assert.equal(await a.authenticateApiKey(k.key), null);

    const other = await b.createUser({ username: 'ivy', password: 'ivy-password' });
    await a.deleteUser(other.id);
    await rejectsKind(b.getUser(other.id), 'not_found');

    // A brand-new instance (a restart) reads the same state.
    const c = new AuthStore(d);
    assert.deepEqual(
      (await c.listUsers()).map((x) => x.username),
      ['henry'],
    );
  });

  void it('concurrent writers on one data dir lose no update', async () => {
    const d = await tempDir();
    const stores = [new AuthStore(d), new AuthStore(d), new AuthStore(d)];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => stores[i % stores.length]!.createUser({ username: `u${i}`, password: 'password-' + i })),
    );
    const names = (await new AuthStore(d).listUsers()).map((x) => x.username).sort();
    assert.equal(names.length, 12);
  });

  void it('refuses to run on a corrupt file rather than overwrite it', async () => {
    const d = await tempDir();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(d, 'auth.json'), '{not json');
    const s = new AuthStore(d);
    await assert.rejects(s.listUsers(), /not valid JSON/);
    await assert.rejects(s.createUser({ username: 'x', password: 'xxxxxxxx' }), /not valid JSON/);
    assert.equal(await readFile(join(d, 'auth.json'), 'utf8'), '{not json');
  });
});

void describe('bootstrapAdmin', () => {
  void it('generates a password for `admin` when no env is given, once', async () => {
    const d = await tempDir();
    const s = new AuthStore(d);
    const r = await s.bootstrapAdmin({ admin: {} });
    assert.equal(r.action, 'created');
    assert.ok(r.action === 'created' && r.generated);
    assert.equal(r.username, 'admin');
    assert.equal(r.password.length, 24);
    assert.match(r.password, /^[A-Za-z0-9]{24}$/);
    assert.equal((await s.authenticateBasic('admin', r.password))?.role, 'admin');
    const text = await readFile(join(d, 'auth.json'), 'utf8');
    assert.ok(!text.includes(r.password));

    assert.deepEqual(await new AuthStore(d).bootstrapAdmin({ admin: {} }), { action: 'unchanged', generated: false });
  });

  void it('uses KAIROS_ADMIN_USER/PASSWORD and treats the env as the truth', async () => {
    const d = await tempDir();
    const s = new AuthStore(d);
    const r1 = await s.bootstrapAdmin({ admin: { user: 'boss', password: 'boss-password-1' } });
    assert.deepEqual(r1, { action: 'created', username: 'boss', generated: false });
    assert.equal((await s.authenticateBasic('boss', 'boss-password-1'))?.role, 'admin');

    const r2 = await s.bootstrapAdmin({ admin: { user: 'boss', password: 'boss-password-1' } });
    assert.deepEqual(r2, { action: 'unchanged', username: 'boss', generated: false });

    // Restart with another password in the env: the stored hash follows.
    const s2 = new AuthStore(d);
    const r3 = await s2.bootstrapAdmin({ admin: { user: 'boss', password: 'boss-password-2' } });
    assert.deepEqual(r3, { action: 'updated', username: 'boss', generated: false });
    assert.equal(await s2.authenticateBasic('boss', 'boss-password-1'), null);
    assert.ok(await s2.authenticateBasic('boss', 'boss-password-2'));
    assert.equal(await s.authenticateBasic('boss', 'boss-password-1'), null, 'other instance sees it too');

    // Only a password in the env and users present: nothing to do.
    assert.equal((await s2.bootstrapAdmin({ admin: { password: 'whatever-pass' } })).action, 'unchanged');
  });

  void it('uses the env username with a generated password when only the user is set', async () => {
    const s = new AuthStore(await tempDir());
    const r = await s.bootstrapAdmin({ admin: { user: 'ops' } });
    assert.ok(r.action === 'created' && r.generated);
    assert.equal(r.username, 'ops');
    assert.ok(await s.authenticateBasic('ops', r.password));
  });

  void it('rejects an env username that could never log in', async () => {
    const s = new AuthStore(await tempDir());
    await rejectsKind(s.bootstrapAdmin({ admin: { user: 'a:b', password: 'long-enough' } }), 'validation');
  });

  void it('two processes bootstrapping at once create one admin', async () => {
    const d = await tempDir();
    const rs = await Promise.all([new AuthStore(d).bootstrapAdmin({ admin: {} }), new AuthStore(d).bootstrapAdmin({ admin: {} })]);
    assert.deepEqual(rs.map((r) => r.action).sort(), ['created', 'unchanged']);
    assert.equal((await new AuthStore(d).listUsers()).length, 1);
  });
});

void describe('credential version (what login tokens are bound to)', () => {
  /** The version a login now would put in a token. */
  async function versionAtLogin(s: AuthStore, username: string, password: string): Promise<number> {
    const r = await s.login(username, password);
    assert.ok(r, `${username} logs in`);
    return r.credentialVersion;
  }

  void it('login answers the principal and version 0 for a new user; a wrong password answers null', async () => {
    const s = new AuthStore(await tempDir());
    const u = await s.createUser({ username: 'kim', password: 'kim-password' });
    assert.deepEqual(await s.login('kim', 'kim-password'), { principal: { id: u.id, name: 'kim', role: 'user', via: 'basic' }, credentialVersion: 0 });
    assert.equal(await s.login('kim', 'kim-passwordX'), null);
    assert.equal(await s.login('nobody', 'kim-password'), null);
    assert.deepEqual(await s.authenticateToken(u.id, 0), { ok: true, principal: { id: u.id, name: 'kim', role: 'user', via: 'token' } });
    assert.ok(!('credentialVersion' in (await s.getUser(u.id))), 'not part of the public user');
  });

  void it('a password change, a role change and a revocation each bump it; the old version is then revoked', async () => {
    const s = new AuthStore(await tempDir());
    await s.createUser({ username: 'root', password: 'root-password', role: 'admin' });
    const u = await s.createUser({ username: 'lee', password: 'lee-password' });
    const steps: [string, () => Promise<unknown>, string][] = [
      ['password', () => s.setPassword(u.id, 'lee-password-2'), 'lee-password-2'],
      ['role', () => s.setRole(u.id, 'admin'), 'lee-password-2'],
      ['revoke', () => s.revokeTokens(u.id), 'lee-password-2'],
    ];
    let before = await versionAtLogin(s, 'lee', 'lee-password');
    for (const [what, change, password] of steps) {
      await change();
      const after = await versionAtLogin(s, 'lee', password);
      assert.equal(after, before + 1, what);
      assert.deepEqual(await s.authenticateToken(u.id, before), { ok: false, reason: 'revoked' }, what);
      assert.equal((await s.authenticateToken(u.id, after)).ok, true, what);
      before = after;
    }
    const asAdmin = await s.authenticateToken(u.id, before);
    assert.equal(asAdmin.ok && asAdmin.principal.role, 'admin', 'the token principal has the current role');
    // Setting the role the user already has changes nothing.
    assert.equal((await s.setRole(u.id, 'admin')).role, 'admin');
    assert.equal((await s.authenticateToken(u.id, before)).ok, true);
    // A deleted user's tokens name nobody.
    await s.deleteUser(u.id);
    assert.deepEqual(await s.authenticateToken(u.id, before), { ok: false, reason: 'unknown_user' });
  });

  void it('setRole keeps one admin and knows its users; revokeTokens knows its users', async () => {
    const s = new AuthStore(await tempDir());
    const root = await s.createUser({ username: 'root', password: 'root-password', role: 'admin' });
    await rejectsKind(s.setRole(root.id, 'user'), 'conflict');
    await rejectsKind(s.setRole('usr_missing', 'user'), 'not_found');
    await rejectsKind(s.revokeTokens('usr_missing'), 'not_found');
    assert.equal((await s.authenticateToken(root.id, 0)).ok, true, 'a refused change revokes nothing');
  });

  void it('a change made through another instance ends tokens at once (the file is the truth)', async () => {
    const d = await tempDir();
    const a = new AuthStore(d);
    const b = new AuthStore(d);
    const u = await a.createUser({ username: 'max', password: 'max-password' });
    assert.equal((await a.authenticateToken(u.id, 0)).ok, true);
    await b.revokeTokens(u.id);
    assert.deepEqual(await a.authenticateToken(u.id, 0), { ok: false, reason: 'revoked' });
  });

  void it('a file written before the field existed loads: its users are at version 0 until a change', async () => {
    const d = await tempDir();
    const { writeFile } = await import('node:fs/promises');
    const passwordHash = await hashPassword('old-password');
    const legacy = { version: 1, users: [{ id: 'usr_old', username: 'old', role: 'user', passwordHash, createdAt: '2025-01-01T00:00:00.000Z' }], apiKeys: [] };
    await writeFile(join(d, 'auth.json'), JSON.stringify(legacy), { mode: 0o600 });
    const s = new AuthStore(d);
    assert.equal(await versionAtLogin(s, 'old', 'old-password'), 0);
    assert.equal((await s.authenticateToken('usr_old', 0)).ok, true);
    await s.setPassword('usr_old', 'new-password');
    assert.equal(await versionAtLogin(s, 'old', 'new-password'), 1);
    assert.deepEqual(await s.authenticateToken('usr_old', 0), { ok: false, reason: 'revoked' });
    const stored = JSON.parse(await readFile(join(d, 'auth.json'), 'utf8')) as { users: { credentialVersion?: number }[] };
    assert.equal(stored.users[0]?.credentialVersion, 1);
  });

  void it('bootstrapAdmin resetting the admin from the env ends its tokens', async () => {
    const d = await tempDir();
    const s = new AuthStore(d);
    await s.bootstrapAdmin({ admin: { user: 'boss', password: 'boss-password-1' } });
    const v = await versionAtLogin(s, 'boss', 'boss-password-1');
    await s.bootstrapAdmin({ admin: { user: 'boss', password: 'boss-password-1' } });
    assert.equal(await versionAtLogin(s, 'boss', 'boss-password-1'), v, 'unchanged env: tokens stand');
    await s.bootstrapAdmin({ admin: { user: 'boss', password: 'boss-password-2' } });
    assert.equal(await versionAtLogin(s, 'boss', 'boss-password-2'), v + 1);
  });
});
