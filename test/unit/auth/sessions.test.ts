// Login sessions (core/auth/sessions.ts) on SQLite and PostgreSQL, with an injected clock: idle expiry
// that slides with use (written at most once a minute), the absolute lifetime, revocation, the
// credential version, purging, and that only hashes are stored.
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuthStore } from '../../../core/auth/store.ts';
import { csrfTokenOf } from '../../../core/auth/sessions.ts';
import { openDatabase, type Db } from '../../../core/db/open.ts';
import { freshState, withEachBackend, type TestState } from '../../support/db.ts';

const opened: (Db | TestState)[] = [];
after(async () => {
  for (const o of opened.reverse()) await o.close();
});

const MIN = 60_000;
const HOUR = 60 * MIN;

withEachBackend('SessionStore', (fresh, backend) => {
  /** A store with a clock the test moves, 1 h idle and 5 h absolute lifetimes, and a user. */
  async function setup() {
    const clock = { now: Date.parse('2026-03-01T08:00:00.000Z') };
    const db = await fresh();
    const auth = new AuthStore(db, { now: () => clock.now, sessions: { idleTtlMs: HOUR, maxTtlMs: 5 * HOUR } });
    const user = await auth.createUser({ username: 'sam', password: 'sam-password' });
    const lastSeen = async () => (await db.kysely.selectFrom('sessions').select('last_seen_at').executeTakeFirstOrThrow()).last_seen_at;
    return { clock, db, auth, sessions: auth.sessions, user, lastSeen };
  }

  it('create answers a random token and its CSRF token; only their hashes are stored', async () => {
    const { db, sessions, user } = await setup();
    const a = await sessions.create({ id: user.id, credentialVersion: 0 });
    const b = await sessions.create({ id: user.id, credentialVersion: 0 });
    assert.match(a.token, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a.token, b.token);
    assert.equal(a.csrfToken, csrfTokenOf(a.token));
    assert.notEqual(a.csrfToken, b.csrfToken);
    assert.equal(a.expiresAt, '2026-03-01T09:00:00.000Z');
    assert.equal(a.absoluteExpiresAt, '2026-03-01T13:00:00.000Z');
    const dump = JSON.stringify(await db.kysely.selectFrom('sessions').selectAll().execute());
    for (const secret of [a.token, a.csrfToken, b.token, b.csrfToken]) assert.ok(!dump.includes(secret));
    const v = await sessions.validate(a.token);
    assert.deepEqual(v?.principal, { id: user.id, name: 'sam', role: 'user', via: 'session' });
    assert.equal(v.checkCsrf(a.csrfToken), true);
    assert.equal(v.checkCsrf(b.csrfToken), false);
    assert.equal(v.checkCsrf(''), false);
    assert.equal(await sessions.validate('x'), null);
    assert.equal(await sessions.validate(a.token.slice(0, -1) + (a.token.endsWith('A') ? 'B' : 'A')), null);
  });

  it('idle expiry slides with use, written at most once a minute', async () => {
    const { clock, sessions, user, lastSeen } = await setup();
    const s = await sessions.create({ id: user.id, credentialVersion: 0 });
    clock.now += 30_000;
    assert.equal((await sessions.validate(s.token))?.expiresAt, '2026-03-01T09:00:00.000Z', 'within the minute: not renewed');
    assert.equal(await lastSeen(), '2026-03-01T08:00:00.000Z');
    clock.now += 50 * MIN;
    assert.equal((await sessions.validate(s.token))?.expiresAt, '2026-03-01T09:50:30.000Z');
    assert.equal(await lastSeen(), '2026-03-01T08:50:30.000Z');
    clock.now += HOUR - 1;
    assert.ok(await sessions.validate(s.token), 'used within the idle time: alive');
    clock.now += HOUR;
    assert.equal(await sessions.validate(s.token), null, 'idle an hour: ended');
    assert.equal(await sessions.validate(s.token), null);
  });

  it('a short idle time (the 1 min minimum) still slides with use: the renewal is written at a tenth of it', async () => {
    const clock = { now: Date.parse('2026-03-01T08:00:00.000Z') };
    const db = await fresh();
    const auth = new AuthStore(db, { now: () => clock.now, sessions: { idleTtlMs: MIN, maxTtlMs: HOUR } });
    const user = await auth.createUser({ username: 'kim', password: 'kim-password' });
    const s = await auth.sessions.create({ id: user.id, credentialVersion: 0 });
    for (let i = 0; i < 10; i++) {
      clock.now += 40_000;
      assert.ok(await auth.sessions.validate(s.token), `used every 40 s, alive after ${(i + 1) * 40} s`);
    }
    clock.now += MIN;
    assert.equal(await auth.sessions.validate(s.token), null, 'idle a minute: ended');
  });

  it('the absolute lifetime ends a session however much it is used', async () => {
    const { clock, sessions, user } = await setup();
    const s = await sessions.create({ id: user.id, credentialVersion: 0 });
    for (let i = 0; i < 9; i++) {
      clock.now += 30 * MIN;
      assert.ok(await sessions.validate(s.token), `use ${i}`);
    }
    clock.now = Date.parse(s.absoluteExpiresAt) - 1;
    assert.equal((await sessions.validate(s.token))?.expiresAt, s.absoluteExpiresAt, 'the idle expiry never passes the absolute one');
    clock.now += 1;
    assert.equal(await sessions.validate(s.token), null);
  });

  it('revoke, revokeAll, a deleted user and a changed credential version end sessions', async () => {
    const { auth, sessions, user } = await setup();
    const one = await sessions.create({ id: user.id, credentialVersion: 0 });
    const two = await sessions.create({ id: user.id, credentialVersion: 0 });
    assert.equal(await sessions.revoke(one.token), true);
    assert.equal(await sessions.revoke(one.token), false);
    assert.equal(await sessions.validate(one.token), null);
    assert.ok(await sessions.validate(two.token));
    assert.equal(await sessions.revokeAll(user.id), 1);
    assert.equal(await sessions.validate(two.token), null);

    // Opened with a version the user no longer has (a change between the password check and now).
    const stale = await sessions.create({ id: user.id, credentialVersion: 7 });
    assert.equal(await sessions.validate(stale.token), null);

    const three = await sessions.create({ id: user.id, credentialVersion: 0 });
    await auth.revokeTokens(user.id);
    assert.equal(await sessions.validate(three.token), null, 'revoke-tokens ends sessions');

    const four = await sessions.create({ id: user.id, credentialVersion: 1 });
    assert.ok(await sessions.validate(four.token));
    await auth.createUser({ username: 'root', password: 'root-password', role: 'admin' });
    await auth.deleteUser(user.id);
    assert.equal(await sessions.validate(four.token), null, 'user gone');
    await assert.rejects(sessions.create({ id: user.id, credentialVersion: 1 }), /authentication required/);
  });

  it('ended rows are purged: by purgeExpired, and by a create at most once an hour', async () => {
    const { clock, db, sessions, user } = await setup();
    const expiries = async () => (await db.kysely.selectFrom('sessions').select('expires_at').execute()).map((r) => r.expires_at);
    await sessions.create({ id: user.id, credentialVersion: 0 });
    clock.now += 2 * HOUR;
    const live = await sessions.create({ id: user.id, credentialVersion: 0 });
    assert.deepEqual(await expiries(), [live.expiresAt], 'the create purged the ended row');
    clock.now += HOUR;
    assert.equal(await sessions.purgeExpired(), 1, 'idle an hour');
    assert.deepEqual(await expiries(), []);
    assert.equal(await sessions.purgeExpired(), 0);
  });

  it('a session opened through one instance works on another at once, and a log-out there ends it here', async () => {
    const state = await freshState(backend);
    const otherDb = openDatabase(state.cfg);
    opened.push(state, otherDb);
    const a = new AuthStore(state.db);
    const b = new AuthStore(otherDb);
    const u = await a.createUser({ username: 'pat', password: 'pat-password' });
    const login = await a.login('pat', 'pat-password');
    assert.ok(login);
    const s = await a.sessions.create({ id: u.id, credentialVersion: login.credentialVersion });
    assert.equal((await b.sessions.validate(s.token))?.principal.name, 'pat');
    await b.sessions.revoke(s.token);
    assert.equal(await a.sessions.validate(s.token), null);
    const s2 = await b.sessions.create({ id: u.id, credentialVersion: 0 });
    await a.setPassword(u.id, 'pat-password-2');
    assert.equal(await b.sessions.validate(s2.token), null, 'a password change on one instance ends it on the other');
  });
});
