// The credential store over the state store, on SQLite and PostgreSQL (withEachBackend): users, API
// keys, bootstrap, credential versions, teams, and auth.json's import.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KairosError } from '../../../core/errors.ts';
import { API_KEY_PATTERN, hashApiKey, hashPassword, hashPasswordWith, verifyPassword } from '../../../core/auth/hash.ts';
import { AuthStore } from '../../../core/auth/store.ts';
import { openDatabase, type Db } from '../../../core/db/open.ts';
import { legacyImports } from '../../../core/db/state.ts';
import { freshState, withEachBackend, type TestBackend } from '../../support/db.ts';

async function rejectsKind(p: Promise<unknown>, kind: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof KairosError, `expected KairosError, got ${String(err)}`);
    assert.equal(err.kind, kind);
    return true;
  });
}

const extraHandles: Db[] = [];
const extraDirs: string[] = [];
after(async () => {
  await Promise.all(extraHandles.map((d) => d.close()));
  for (const d of extraDirs) rmSync(d, { recursive: true, force: true });
});

/**
 * Two handles on one fresh store, as two API processes have (their own connections, no shared
 * memory): what one writes, the other must see at once.
 */
async function twoHandles(backend: TestBackend): Promise<[Db, Db]> {
  const s = await freshState(backend);
  const other = openDatabase(s.cfg);
  extraHandles.push(s.db, other);
  extraDirs.push(s.dataDir);
  return [s.db, other];
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

withEachBackend('AuthStore', (fresh, backend) => {
  const store = async (opts?: ConstructorParameters<typeof AuthStore>[1]) => new AuthStore(await fresh(), opts);

  describe('users', () => {
    it('authenticates a created user and rejects a wrong password or unknown user', async () => {
      const s = await store();
      const u = await s.createUser({ username: 'alice', password: 'alice-password', role: 'user' });
      assert.equal(u.username, 'alice');
      assert.equal(u.role, 'user');
      assert.ok(!('passwordHash' in u));
      const p = await s.authenticateBasic('alice', 'alice-password');
      assert.deepEqual(p, { id: u.id, name: 'alice', role: 'user', via: 'basic' });
      assert.equal(await s.authenticateBasic('alice', 'wrong-password'), null);
      assert.equal(await s.authenticateBasic('nobody', 'alice-password'), null);
    });

    it('rejects duplicates, bad usernames, short passwords and unknown ids', async () => {
      const s = await store();
      await s.createUser({ username: 'alice', password: 'alice-password' });
      await rejectsKind(s.createUser({ username: 'alice', password: 'whatever1' }), 'conflict');
      await rejectsKind(s.createUser({ username: 'bad:name', password: 'whatever1' }), 'validation');
      await rejectsKind(s.createUser({ username: 'bob', password: 'short' }), 'validation');
      await rejectsKind(s.getUser('usr_missing'), 'not_found');
      await rejectsKind(s.deleteUser('usr_missing'), 'not_found');
      await rejectsKind(s.setPassword('usr_missing', 'whatever1'), 'not_found');
    });

    it('setPassword replaces the password (and the cached verification)', async () => {
      const s = await store();
      const u = await s.createUser({ username: 'carol', password: 'first-password' });
      assert.ok(await s.authenticateBasic('carol', 'first-password')); // now cached
      await s.setPassword(u.id, 'second-password');
      assert.equal(await s.authenticateBasic('carol', 'first-password'), null);
      assert.ok(await s.authenticateBasic('carol', 'second-password'));
    });

    it('the store holds hashes only', async () => {
      const db = await fresh();
      const s = new AuthStore(db);
      await s.createUser({ username: 'alice', password: 'alice-password' });
      const k = await s.createApiKey({ name: 'k', ownerId: (await s.listUsers())[0]!.id });
      const dump = JSON.stringify([await db.kysely.selectFrom('principals').selectAll().execute(), await db.kysely.selectFrom('api_keys').selectAll().execute()]);
      assert.ok(!dump.includes('alice-password'));
      assert.ok(!dump.includes(k.key), 'plaintext key must not be stored');
      assert.ok(dump.includes('scrypt$131072$8$1$'));
    });

    it('cannot delete the last admin', async () => {
      const s = await store();
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

    it('two admins deleted at once through two instances: one stays', async () => {
      const [da, db] = await twoHandles(backend);
      const a = new AuthStore(da);
      const b = new AuthStore(db);
      const x = await a.createUser({ username: 'x-admin', password: 'x-password', role: 'admin' });
      const y = await a.createUser({ username: 'y-admin', password: 'y-password', role: 'admin' });
      const results = await Promise.allSettled([a.deleteUser(x.id), b.deleteUser(y.id)]);
      assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      assert.equal((await a.listUsers()).filter((u) => u.role === 'admin').length, 1);
    });

    it('an older-cost scrypt hash works and is re-hashed at N=2^17 on the next successful login', async () => {
      const db = await fresh();
      const s = new AuthStore(db);
      const u = await s.createUser({ username: 'legacy', password: 'legacy-password-1' });
      await db.kysely.updateTable('principals').set({ password_hash: await hashPasswordWith('legacy-password-1', { N: 16384, r: 8, p: 1 }) }).where('id', '=', u.id).execute();
      assert.equal((await new AuthStore(db).authenticateBasic('legacy', 'legacy-password-1'))?.name, 'legacy');
      const row = await db.kysely.selectFrom('principals').select('password_hash').where('id', '=', u.id).executeTakeFirstOrThrow();
      assert.match(row.password_hash ?? '', /^scrypt\$131072\$8\$1\$/);
      assert.equal((await new AuthStore(db).authenticateBasic('legacy', 'legacy-password-1'))?.name, 'legacy', 'the new hash verifies');
      assert.equal((await new AuthStore(db).login('legacy', 'legacy-password-1'))?.credentialVersion, 0, 're-hashing keeps the credential version');
    });
  });

  describe('password verification cache', () => {
    it('remembers a success for the TTL, then verifies again', async () => {
      let now = 1_000_000;
      const s = await store({ now: () => now, passwordCacheTtlMs: 60_000 });
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

    it('a password changed through another instance misses the cached success at once', async () => {
      const [da, db] = await twoHandles(backend);
      const a = new AuthStore(da);
      const b = new AuthStore(db);
      const u = await a.createUser({ username: 'erin', password: 'erin-password' });
      assert.ok(await a.authenticateBasic('erin', 'erin-password'));
      await b.setPassword(u.id, 'erin-password-2');
      assert.equal(await a.authenticateBasic('erin', 'erin-password'), null);
      assert.ok(await a.authenticateBasic('erin', 'erin-password-2'));
    });
  });

  describe('API keys', () => {
    it('creates a key shown once, finds it by hash, and forgets it when deleted', async () => {
      const s = await store();
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

    it('lastUsedAt is written at most once per resolution period', async () => {
      let now = Date.parse('2026-01-01T00:00:00.000Z');
      const s = await store({ now: () => now, lastUsedResolutionMs: 60_000 });
      const u = await s.createUser({ username: 'kit', password: 'kit-password' });
      const k = await s.createApiKey({ name: 'k', ownerId: u.id });
      await s.authenticateApiKey(k.key);
      await s.flush();
      assert.equal((await s.getApiKey(k.id)).lastUsedAt, '2026-01-01T00:00:00.000Z');
      now += 30_000;
      await s.authenticateApiKey(k.key);
      await s.flush();
      assert.equal((await s.getApiKey(k.id)).lastUsedAt, '2026-01-01T00:00:00.000Z', 'within the minute: not written');
      now += 31_000;
      await s.authenticateApiKey(k.key);
      await s.flush();
      assert.equal((await s.getApiKey(k.id)).lastUsedAt, '2026-01-01T00:01:01.000Z');
    });

    it('a key never carries more than its owner', async () => {
      const s = await store();
      await s.createUser({ username: 'admin', password: 'admin-password', role: 'admin' });
      const u = await s.createUser({ username: 'frank', password: 'frank-password' });
      await rejectsKind(s.createApiKey({ name: 'x', ownerId: u.id, role: 'admin' }), 'validation');
      await rejectsKind(s.createApiKey({ name: 'x', ownerId: 'usr_missing' }), 'not_found');
      const k = await s.createApiKey({ name: 'x', ownerId: u.id });
      assert.equal(k.role, 'user');
      assert.equal((await s.authenticateApiKey(k.key))?.role, 'user');
      await s.flush();
    });

    it("deleting a user deletes the user's keys, memberships and sessions", async () => {
      const db = await fresh();
      const s = new AuthStore(db);
      await s.createUser({ username: 'admin', password: 'admin-password', role: 'admin' });
      const u = await s.createUser({ username: 'gina', password: 'gina-password' });
      const k = await s.createApiKey({ name: 'laptop', ownerId: u.id });
      const t = await s.createTeam({ name: 'ops' });
      await s.addMember(t.id, u.id);
      await s.sessions.create({ id: u.id, credentialVersion: 0 });
      await s.deleteUser(u.id);
      assert.equal(await s.authenticateApiKey(k.key), null);
      assert.deepEqual(await s.listApiKeys(), []);
      assert.deepEqual((await s.getTeam(t.id)).members, []);
      assert.deepEqual(await s.teamsOf(u.id), []);
      assert.equal((await db.kysely.selectFrom('sessions').select('id_hash').execute()).length, 0);
    });
  });

  describe('several instances on one store', () => {
    it('see each other’s changes at once', async () => {
      const [da, db] = await twoHandles(backend);
      const a = new AuthStore(da);
      const b = new AuthStore(db);
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
      assert.deepEqual(
        (await new AuthStore(db).listUsers()).map((x) => x.username),
        ['henry'],
      );
    });

    it('concurrent writers lose no update', async () => {
      const [da, db] = await twoHandles(backend);
      const stores = [new AuthStore(da), new AuthStore(db), new AuthStore(da)];
      await Promise.all(Array.from({ length: 9 }, (_, i) => stores[i % stores.length]!.createUser({ username: `u${i}`, password: 'password-' + i })));
      assert.equal((await new AuthStore(db).listUsers()).length, 9);
    });
  });

  describe('bootstrapAdmin', () => {
    it('generates a password for `admin` when no env is given, once', async () => {
      const db = await fresh();
      const s = new AuthStore(db);
      const r = await s.bootstrapAdmin({ admin: {} });
      assert.equal(r.action, 'created');
      assert.ok(r.action === 'created' && r.generated);
      assert.equal(r.username, 'admin');
      assert.equal(r.password.length, 24);
      assert.match(r.password, /^[A-Za-z0-9]{24}$/);
      assert.equal((await s.authenticateBasic('admin', r.password))?.role, 'admin');
      assert.deepEqual(await new AuthStore(db).bootstrapAdmin({ admin: {} }), { action: 'unchanged', generated: false });
    });

    it('uses KAIROS_ADMIN_USER/PASSWORD and treats the env as the truth', async () => {
      const [da, db] = await twoHandles(backend);
      const s = new AuthStore(da);
      const r1 = await s.bootstrapAdmin({ admin: { user: 'boss', password: 'boss-password-1' } });
      assert.deepEqual(r1, { action: 'created', username: 'boss', generated: false });
      assert.equal((await s.authenticateBasic('boss', 'boss-password-1'))?.role, 'admin');

      const r2 = await s.bootstrapAdmin({ admin: { user: 'boss', password: 'boss-password-1' } });
      assert.deepEqual(r2, { action: 'unchanged', username: 'boss', generated: false });

      // Restart with another password in the env: the stored hash follows.
      const s2 = new AuthStore(db);
      const r3 = await s2.bootstrapAdmin({ admin: { user: 'boss', password: 'boss-password-2' } });
      assert.deepEqual(r3, { action: 'updated', username: 'boss', generated: false });
      assert.equal(await s2.authenticateBasic('boss', 'boss-password-1'), null);
      assert.ok(await s2.authenticateBasic('boss', 'boss-password-2'));
      assert.equal(await s.authenticateBasic('boss', 'boss-password-1'), null, 'other instance sees it too');

      // Only a password in the env and users present: nothing to do.
      assert.equal((await s2.bootstrapAdmin({ admin: { password: 'whatever-pass' } })).action, 'unchanged');
    });

    it('uses the env username with a generated password when only the user is set', async () => {
      const s = await store();
      const r = await s.bootstrapAdmin({ admin: { user: 'ops' } });
      assert.ok(r.action === 'created' && r.generated);
      assert.equal(r.username, 'ops');
      assert.ok(await s.authenticateBasic('ops', r.password));
    });

    it('rejects an env username that could never log in', async () => {
      const s = await store();
      await rejectsKind(s.bootstrapAdmin({ admin: { user: 'a:b', password: 'long-enough' } }), 'validation');
    });

    it('two processes bootstrapping at once create one admin', async () => {
      const [da, db] = await twoHandles(backend);
      const rs = await Promise.all([new AuthStore(da).bootstrapAdmin({ admin: {} }), new AuthStore(db).bootstrapAdmin({ admin: {} })]);
      assert.deepEqual(rs.map((r) => r.action).sort(), ['created', 'unchanged']);
      assert.equal((await new AuthStore(da).listUsers()).length, 1);
    });
  });

  describe('credential version (what login tokens and sessions are bound to)', () => {
    /** The version a login now would put in a token. */
    async function versionAtLogin(s: AuthStore, username: string, password: string): Promise<number> {
      const r = await s.login(username, password);
      assert.ok(r, `${username} logs in`);
      return r.credentialVersion;
    }

    it('login answers the principal and version 0 for a new user; a wrong password answers null', async () => {
      const s = await store();
      const u = await s.createUser({ username: 'kim', password: 'kim-password' });
      assert.deepEqual(await s.login('kim', 'kim-password'), { principal: { id: u.id, name: 'kim', role: 'user', via: 'basic' }, credentialVersion: 0 });
      assert.equal(await s.login('kim', 'kim-passwordX'), null);
      assert.equal(await s.login('nobody', 'kim-password'), null);
      assert.deepEqual(await s.authenticateToken(u.id, 0), { ok: true, principal: { id: u.id, name: 'kim', role: 'user', via: 'token' } });
      assert.ok(!('credentialVersion' in (await s.getUser(u.id))), 'not part of the public user');
    });

    it('a password change, a role change and a revocation each bump it; the old version is then revoked', async () => {
      const s = await store();
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

    it('setRole keeps one admin and knows its users; revokeTokens knows its users', async () => {
      const s = await store();
      const root = await s.createUser({ username: 'root', password: 'root-password', role: 'admin' });
      await rejectsKind(s.setRole(root.id, 'user'), 'conflict');
      await rejectsKind(s.setRole('usr_missing', 'user'), 'not_found');
      await rejectsKind(s.revokeTokens('usr_missing'), 'not_found');
      assert.equal((await s.authenticateToken(root.id, 0)).ok, true, 'a refused change revokes nothing');
    });

    it('a change made through another instance ends tokens at once', async () => {
      const [da, db] = await twoHandles(backend);
      const a = new AuthStore(da);
      const b = new AuthStore(db);
      const u = await a.createUser({ username: 'max', password: 'max-password' });
      assert.equal((await a.authenticateToken(u.id, 0)).ok, true);
      await b.revokeTokens(u.id);
      assert.deepEqual(await a.authenticateToken(u.id, 0), { ok: false, reason: 'revoked' });
    });

    it('bootstrapAdmin resetting the admin from the env ends its tokens', async () => {
      const s = await store();
      await s.bootstrapAdmin({ admin: { user: 'boss', password: 'boss-password-1' } });
      const v = await versionAtLogin(s, 'boss', 'boss-password-1');
      await s.bootstrapAdmin({ admin: { user: 'boss', password: 'boss-password-1' } });
      assert.equal(await versionAtLogin(s, 'boss', 'boss-password-1'), v, 'unchanged env: tokens stand');
      await s.bootstrapAdmin({ admin: { user: 'boss', password: 'boss-password-2' } });
      assert.equal(await versionAtLogin(s, 'boss', 'boss-password-2'), v + 1);
    });
  });

  describe('teams', () => {
    it('creates, lists, gets and deletes teams; members come and go; teamsOf answers a user’s teams', async () => {
      const s = await store();
      const ann = await s.createUser({ username: 'ann', password: 'ann-password' });
      const bob = await s.createUser({ username: 'bob', password: 'bob-password' });
      const ops = await s.createTeam({ name: 'ops' });
      assert.match(ops.id, /^team_[0-9a-f]{20}$/);
      assert.deepEqual(ops.members, []);
      const dev = await s.createTeam({ name: 'dev' });
      assert.deepEqual(
        (await s.listTeams()).map((t) => t.name),
        ['dev', 'ops'],
      );
      const withAnn = await s.addMember(ops.id, ann.id);
      assert.deepEqual(
        withAnn.members.map((m) => m.username),
        ['ann'],
      );
      await s.addMember(ops.id, ann.id); // again: no change
      await s.addMember(ops.id, bob.id);
      await s.addMember(dev.id, ann.id);
      assert.deepEqual((await s.teamsOf(ann.id)).sort(), [dev.id, ops.id].sort());
      assert.deepEqual(await s.teamsOf(bob.id), [ops.id]);
      assert.deepEqual(
        (await s.listTeams({ memberId: bob.id })).map((t) => t.id),
        [ops.id],
      );
      await s.removeMember(ops.id, ann.id);
      await rejectsKind(s.removeMember(ops.id, ann.id), 'not_found');
      assert.deepEqual(
        (await s.getTeam(ops.id)).members.map((m) => m.id),
        [bob.id],
      );
      await s.deleteTeam(dev.id);
      await rejectsKind(s.getTeam(dev.id), 'not_found');
      await rejectsKind(s.deleteTeam(dev.id), 'not_found');
      assert.deepEqual(await s.teamsOf(ann.id), []);
    });

    it('names are unique across users and teams; teams are neither users nor logins', async () => {
      const s = await store();
      const ann = await s.createUser({ username: 'ann', password: 'ann-password' });
      await rejectsKind(s.createTeam({ name: 'ann' }), 'conflict');
      const t = await s.createTeam({ name: 'ops' });
      await rejectsKind(s.createTeam({ name: 'ops' }), 'conflict');
      await rejectsKind(s.createUser({ username: 'ops', password: 'ops-password' }), 'conflict');
      await rejectsKind(s.createTeam({ name: 'bad name' }), 'validation');
      await rejectsKind(s.getUser(t.id), 'not_found');
      await rejectsKind(s.getTeam(ann.id), 'not_found');
      await rejectsKind(s.deleteUser(t.id), 'not_found');
      await rejectsKind(s.deleteTeam(ann.id), 'not_found');
      await rejectsKind(s.addMember(t.id, t.id), 'not_found');
      await rejectsKind(s.addMember(ann.id, ann.id), 'not_found');
      await rejectsKind(s.addMember(t.id, 'usr_missing'), 'not_found');
      await rejectsKind(s.createApiKey({ name: 'k', ownerId: t.id }), 'not_found');
      assert.equal(await s.authenticateBasic('ops', ''), null);
      assert.deepEqual(
        (await s.listUsers()).map((u) => u.username),
        ['ann'],
      );
    });
  });

  it('ids and names with a NUL character name nothing (PostgreSQL text cannot hold one): not found, never a crash', async () => {
    const s = await store();
    const u = await s.createUser({ username: 'nul', password: 'nul-password' });
    const t = await s.createTeam({ name: 'nul-team' });
    const bad = `${u.id}\0`;
    await rejectsKind(s.getUser(bad), 'not_found');
    await rejectsKind(s.deleteUser(bad), 'not_found');
    await rejectsKind(s.setRole(bad, 'user'), 'not_found');
    await rejectsKind(s.getTeam(`${t.id}\0`), 'not_found');
    await rejectsKind(s.deleteTeam('\0'), 'not_found');
    await rejectsKind(s.addMember(t.id, bad), 'not_found');
    await rejectsKind(s.removeMember(t.id, bad), 'not_found');
    await rejectsKind(s.getApiKey('key_\0'), 'not_found');
    await rejectsKind(s.deleteApiKey('key_\0'), 'not_found');
    await rejectsKind(s.createApiKey({ name: 'a\0b', ownerId: u.id }), 'validation');
    assert.deepEqual(await s.teamsOf(bad), []);
    assert.deepEqual(await s.listApiKeys({ ownerId: bad }), []);
    assert.equal(await s.authenticateBasic('nul\0', 'nul-password'), null);
    assert.deepEqual(await s.authenticateToken(bad, 0), { ok: false, reason: 'unknown_user' });
    assert.equal(await s.sessions.revokeAll(bad), 0);
  });

  describe('auth.json import', () => {
    it('a data dir with an old auth.json: after openState the user logs in with the old password, the key works, the file is renamed', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'kairos-auth-import-'));
      extraDirs.push(dataDir);
      const key = 'kairos_' + 'A'.repeat(43);
      const legacy = {
        version: 1,
        users: [
          { id: 'usr_old', username: 'old', role: 'admin', passwordHash: await hashPassword('old-password'), createdAt: '2025-01-01T00:00:00.000Z', credentialVersion: 3 },
          // Written before credential versions existed: 0.
          { id: 'usr_older', username: 'older', role: 'user', passwordHash: await hashPassword('older-password'), createdAt: '2025-01-02T00:00:00.000Z' },
        ],
        apiKeys: [
          { id: 'key_old', name: 'ci', ownerId: 'usr_older', role: 'user', keyHash: hashApiKey(key), prefix: key.slice(0, 15), createdAt: '2025-01-03T00:00:00.000Z' },
          { id: 'key_orphan', name: 'x', ownerId: 'usr_gone', role: 'user', keyHash: hashApiKey('kairos_' + 'B'.repeat(43)), prefix: 'kairos_BBBBBBBB', createdAt: '2025-01-03T00:00:00.000Z' },
        ],
      };
      writeFileSync(join(dataDir, 'auth.json'), JSON.stringify(legacy), { mode: 0o600 });
      const state = await freshState(backend, { dataDir, imports: legacyImports });
      extraHandles.push(state.db);
      const s = new AuthStore(state.db);
      const old = await s.login('old', 'old-password');
      assert.deepEqual(old, { principal: { id: 'usr_old', name: 'old', role: 'admin', via: 'basic' }, credentialVersion: 3 });
      assert.equal((await s.authenticateToken('usr_old', 3)).ok, true, 'tokens issued before the upgrade stand');
      assert.equal((await s.login('older', 'older-password'))?.credentialVersion, 0);
      assert.deepEqual(await s.authenticateApiKey(key), { id: 'usr_older', name: 'older', role: 'user', via: 'apikey', keyId: 'key_old' });
      await s.flush();
      assert.deepEqual(
        (await s.listApiKeys()).map((k) => k.id),
        ['key_old'],
        'a key whose owner was gone is dropped',
      );
      assert.equal((await s.getUser('usr_old')).createdAt, '2025-01-01T00:00:00.000Z');
      assert.equal(existsSync(join(dataDir, 'auth.json')), false);
      assert.equal(readFileSync(join(dataDir, 'auth.json.imported'), 'utf8'), JSON.stringify(legacy));
    });

    it('a malformed auth.json stops the start and is left in place', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'kairos-auth-import-'));
      extraDirs.push(dataDir);
      writeFileSync(join(dataDir, 'auth.json'), JSON.stringify({ version: 1, users: [{ id: 'usr_x', username: 'x' }], apiKeys: [] }));
      await assert.rejects(freshState(backend, { dataDir, imports: legacyImports }), /auth\.json is malformed: users\.0\.role/);
      assert.ok(existsSync(join(dataDir, 'auth.json')));
    });
  });
});
