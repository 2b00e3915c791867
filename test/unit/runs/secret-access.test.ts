// Who may use which secret (core/secrets/access.ts), what the masker catches of a value on its way
// back from a target (core/secrets/refs.ts), and the worker's environment (core/config.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ambiguousMessage, lookupFor, SecretAccess, unavailableMessage, visibleTo, type DaprTokenRule } from '../../../core/secrets/access.ts';
import { masker, MASK } from '../../../core/secrets/refs.ts';
import { OPERATOR, SecretStore, type SecretEntry } from '../../../core/secrets/store.ts';
import { SecretCipher } from '../../../core/secrets/cipher.ts';
import type { Db } from '../../../core/db/state.ts';
import { withEachBackend } from '../../support/db.ts';
import { KairosError } from '../../../core/errors.ts';
import type { Job, JobSpec } from '../../../core/jobs/model.ts';
import { loadConfig, workerEnv } from '../../../core/config.ts';

const entry = (owner: string, name: string, value: string, extra: Partial<SecretEntry> = {}): SecretEntry => ({
  owner,
  name,
  value,
  source: 'file',
  updatedAt: '2026-01-01T00:00:00.000Z',
  sharedWith: { all: false, users: [] },
  ...extra,
});

describe('secret access', () => {
  const entries: SecretEntry[] = [
    entry('usr_admin', 'ADMIN_ONLY', 'admin-only'),
    entry('usr_admin', 'TO_USER', 'to-user', { sharedWith: { all: false, users: ['usr_user'] } }),
    entry('usr_admin', 'TO_ALL', 'to-all', { sharedWith: { all: true, users: [] } }),
    entry('usr_admin2', 'TO_ALL', 'to-all-2', { sharedWith: { all: false, users: ['usr_other'] } }),
    entry('usr_admin', 'TWICE', 'twice-1', { sharedWith: { all: true, users: [] } }),
    entry('usr_admin2', 'TWICE', 'twice-2', { sharedWith: { all: true, users: [] } }),
    entry('usr_user', 'MINE', 'mine'),
    entry('usr_user', 'TO_ALL', 'my-own-to-all'),
    entry('usr_demoted', 'FROM_DEMOTED', 'x', { sharedWith: { all: true, users: [] } }),
    entry('usr_admin', 'TO_TEAM', 'to-team', { sharedWith: { all: false, users: ['team_ops'] } }),
    entry(OPERATOR, 'OLD', 'old-file'),
    entry(OPERATOR, 'ENV_ONE', 'env-one', { source: 'env', updatedAt: null }),
    entry(OPERATOR, 'DAPR_TOKEN', 'dapr-token', { source: 'env', updatedAt: null }),
  ];
  const admins = new Set(['usr_admin', 'usr_admin2']);
  const dapr: DaprTokenRule = { tokenSecret: 'DAPR_TOKEN', appUrls: ['http://127.0.0.1:3500', 'http://orders:8080/base'] };
  const http = (url: string) => ({ url });
  const value = (ownerId: string | undefined, name: string, url = 'https://example.test/x') => {
    const r = lookupFor(entries, admins, { ownerId, type: 'http', data: http(url) }, dapr)(name);
    return r.ok ? r.entry.value : r.message;
  };

  it("resolves the owner's own secret first, then one shared with the owner by an admin", () => {
    assert.equal(value('usr_user', 'MINE'), 'mine');
    assert.equal(value('usr_user', 'TO_USER'), 'to-user');
    assert.equal(value('usr_user', 'TO_ALL'), 'my-own-to-all', 'own beats shared');
    assert.equal(value('usr_third', 'TO_ALL'), 'to-all');
    assert.equal(value('usr_admin', 'ADMIN_ONLY'), 'admin-only');
  });

  it('answers one message for a secret that does not exist and one that is not permitted', () => {
    for (const name of ['ADMIN_ONLY', 'NO_SUCH', 'OLD', 'ENV_ONE', 'FROM_DEMOTED']) assert.equal(value('usr_user', name), unavailableMessage(name), name);
    assert.equal(value('usr_third', 'TO_USER'), unavailableMessage('TO_USER'));
    assert.equal(value(undefined, 'MINE'), unavailableMessage('MINE'));
    assert.equal(value('usr_admin2', 'ADMIN_ONLY'), unavailableMessage('ADMIN_ONLY'), "another admin's unshared secret is not an admin's to use");
  });

  it("resolves a secret shared with a team for the team's members only", () => {
    const teams = (ownerId: string, memberOf: string[]) => lookupFor(entries, admins, { ownerId, type: 'http', data: http('https://x.test') }, dapr, new Set(memberOf))('TO_TEAM');
    const member = teams('usr_user', ['team_ops']);
    assert.equal(member.ok && member.entry.value, 'to-team');
    assert.deepEqual(teams('usr_user', ['team_other']), { ok: false, message: unavailableMessage('TO_TEAM') });
    assert.deepEqual(teams('usr_user', []), { ok: false, message: unavailableMessage('TO_TEAM') });
    assert.equal(visibleTo(entries.find((e) => e.name === 'TO_TEAM') as SecretEntry, { id: 'usr_user', role: 'user' }, admins, new Set(['team_ops'])), true);
    assert.equal(visibleTo(entries.find((e) => e.name === 'TO_TEAM') as SecretEntry, { id: 'usr_user', role: 'user' }, admins), false);
  });

  it('refuses a name shared with the owner by two admins', () => {
    assert.equal(value('usr_user', 'TWICE'), ambiguousMessage('TWICE'));
    assert.equal(value('usr_other', 'TO_ALL'), ambiguousMessage('TO_ALL'));
    assert.equal(value('usr_admin', 'TWICE'), 'twice-1', "an admin's own wins");
  });

  it("gives admins' jobs the operator's secrets (old file entries, the environment), and no one else's", () => {
    assert.equal(value('usr_admin', 'OLD'), 'old-file');
    assert.equal(value('usr_admin', 'ENV_ONE'), 'env-one');
    // the role can come from the caller (an admin's user-role API key saves as a user)
    const asUser = lookupFor(entries, admins, { ownerId: 'usr_admin', ownerRole: 'user', type: 'http', data: http('https://x.test') }, dapr)('ENV_ONE');
    assert.equal(asUser.ok, false);
  });

  it('lets the Dapr app token go to configured Dapr apps only, for every owner', () => {
    for (const owner of ['usr_user', 'usr_admin', 'dapr']) {
      assert.equal(value(owner, 'DAPR_TOKEN', 'http://127.0.0.1:3500/job/x'), 'dapr-token', owner);
      assert.equal(value(owner, 'DAPR_TOKEN', 'http://orders:8080/elsewhere'), 'dapr-token', `${owner}: the origin counts, not the path`);
      for (const url of ['https://example.test/x', 'http://127.0.0.1:3501/job/x', 'https://127.0.0.1:3500/job/x', 'http://localhost:3500/job/x']) {
        assert.equal(value(owner, 'DAPR_TOKEN', url), unavailableMessage('DAPR_TOKEN'), `${owner} ${url}`);
      }
    }
    // a URL that is itself a reference is not a Dapr app's
    const r = lookupFor(entries, admins, { ownerId: 'usr_user', type: 'http', data: { url: { $secret: 'MINE' } } }, dapr)('DAPR_TOKEN');
    assert.equal(r.ok, false);
    const other = lookupFor(entries, admins, { ownerId: 'usr_user', type: 'datasource', data: { url: 'http://127.0.0.1:3500' } }, dapr)('DAPR_TOKEN');
    assert.equal(other.ok, false, 'only http jobs deliver to Dapr apps');
  });

  it('lists for a user only what they may use; admins see all', () => {
    const names = (viewer: { id: string; role: 'admin' | 'user' }) =>
      entries.filter((e) => visibleTo(e, viewer, admins)).map((e) => `${e.owner}/${e.name}`);
    assert.deepEqual(names({ id: 'usr_user', role: 'user' }), ['usr_admin/TO_USER', 'usr_admin/TO_ALL', 'usr_admin/TWICE', 'usr_admin2/TWICE', 'usr_user/MINE', 'usr_user/TO_ALL']);
    assert.equal(names({ id: 'usr_admin', role: 'admin' }).length, entries.length);
  });
});

describe('masking a secret in what a target echoes', () => {
  const secret = 'p@ss w/rd+ü~!';
  const mask = masker([secret]);
  const clean = (s: string) => {
    const out = mask(s);
    assert.ok(out.includes(MASK), `masked: ${s} → ${out}`);
    return out;
  };
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

  it('as is', () => assert.equal(clean(`x ${secret} y`), `x ${MASK} y`));

  it('URL-encoded: %20, +, form-encoded, encodeURI, lower-case hex', () => {
    assert.equal(clean(`t=${encodeURIComponent(secret)}`), `t=${MASK}`);
    assert.equal(clean(`t=${encodeURIComponent(secret).replace(/%20/g, '+')}`), `t=${MASK}`);
    assert.equal(clean(new URLSearchParams({ t: secret }).toString()), `t=${MASK}`);
    assert.equal(clean(`https://h/${encodeURI(secret)}`), `https://h/${MASK}`);
    assert.equal(clean(`t=${encodeURIComponent(secret).toLowerCase()}`), `t=${MASK}`);
  });

  it('JSON-escaped: plain, ASCII-only, escaped slashes', () => {
    assert.equal(clean(JSON.stringify({ v: secret })), `{"v":"${MASK}"}`);
    assert.equal(clean('{"v":"p@ss w/rd+\\u00fc~!"}'), `{"v":"${MASK}"}`);
    assert.equal(clean('{"v":"p@ss w\\/rd+ü~!"}'), `{"v":"${MASK}"}`);
    const quoted = masker(['say "hi"\n']);
    assert.equal(quoted(JSON.stringify({ v: 'say "hi"\n' })), `{"v":"${MASK}"}`);
  });

  it('base64 and base64url, alone and inside a longer encoded string at each of the three offsets', () => {
    assert.equal(clean(b64(secret)), MASK);
    assert.equal(clean(b64url(secret)), MASK);
    for (const prefix of ['', 'u', 'us', 'user:', 'admin:', 'x:']) {
      for (const suffix of ['', '!', ':tail', 'ab']) {
        const whole = `${prefix}${secret}${suffix}`;
        for (const enc of [b64(whole), b64url(whole)]) {
          const out = clean(`Basic ${enc}`);
          // what is left cannot be decoded back to the secret
          assert.ok(!Buffer.from(out.replace('Basic ', '').replaceAll(MASK, ''), 'base64').toString('utf8').includes(secret.slice(2, -2)), `${prefix}|${suffix}`);
        }
      }
    }
  });

  it('a copy cut off at the end (a truncated capture) or starting in the middle', () => {
    const body = `{"echo":"${secret}"}`;
    const cut = body.slice(0, body.indexOf(secret) + 7);
    assert.equal(clean(cut), `{"echo":"${MASK}`);
    // cut inside the multi-byte ü: the decoder leaves U+FFFD
    const bytes = Buffer.from(body, 'utf8');
    const at = bytes.indexOf(Buffer.from('ü')) + 1;
    assert.equal(clean(bytes.subarray(0, at).toString('utf8')), `{"echo":"${MASK}`);
    assert.equal(clean(`${secret.slice(3)} and more`), `${MASK} and more`);
    assert.equal(clean(b64(`user:${secret}`).slice(0, 12)).endsWith(MASK), true);
    // fewer than MIN_PARTIAL characters are ordinary text
    assert.equal(mask('ends with p@s'), 'ends with p@s');
  });

  it('masks keys and nested values; leaves other data alone', () => {
    assert.deepEqual(mask({ [secret]: [secret, 1, { a: `Bearer ${secret}` }], other: 'fine' }), { [MASK]: [MASK, 1, { a: `Bearer ${MASK}` }], other: 'fine' });
  });
});

describe("the worker's environment", () => {
  const env = {
    PATH: '/usr/bin',
    HOME: '/home/k',
    LANG: 'C.UTF-8',
    NODE_OPTIONS: '--enable-source-maps',
    KAIROS_DATA_DIR: '/data',
    KAIROS_TASK_QUEUE: 'q',
    KAIROS_ADMIN_USER: 'root',
    KAIROS_ADMIN_PASSWORD: 'admin-password-1',
    KAIROS_DAPR_API_TOKEN: 'dapr-api-token',
    KAIROS_DAPR_PORT: '3501',
    KAIROS_FUSION_PORT: '8765',
    KAIROS_DAPR_APP_URL: 'http://127.0.0.1:3500',
    KAIROS_DAPR_APP_API_TOKEN_SECRET: 'APP_TOKEN',
    KAIROS_SECRET_APP_TOKEN: 'app-token',
    KAIROS_BODY_LIMIT: '1mb',
    KAIROS_VOLTMX_TOKEN_TTL: '1h',
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    AWS_SECRET_ACCESS_KEY: 'aws',
    PGPASSWORD: 'pg',
  };

  it('holds what the worker reads and nothing of the API or the rest of the shell', () => {
    const w = workerEnv({ ...env, KAIROS_SECRET_KEY: 'k' });
    assert.equal(w.KAIROS_SECRET_KEY, 'k', 'the worker decrypts secrets: it gets the secret key');
    for (const k of ['KAIROS_ADMIN_USER', 'KAIROS_ADMIN_PASSWORD', 'KAIROS_DAPR_API_TOKEN', 'KAIROS_BODY_LIMIT', 'KAIROS_VOLTMX_TOKEN_TTL', 'AWS_SECRET_ACCESS_KEY', 'PGPASSWORD']) {
      assert.equal(w[k], undefined, k);
    }
    for (const k of ['PATH', 'HOME', 'LANG', 'NODE_OPTIONS', 'KAIROS_DATA_DIR', 'KAIROS_TASK_QUEUE', 'KAIROS_DAPR_APP_URL', 'KAIROS_SECRET_APP_TOKEN', 'TEMPORAL_ADDRESS', 'KAIROS_DAPR_PORT', 'KAIROS_FUSION_PORT']) {
      assert.equal(w[k], env[k as keyof typeof env], k);
    }
  });

  // The worker denies jobs the way to every Kairos and Temporal port (core/net/egress.ts), so it must know them.
  it('configures the worker as the full environment does', () => {
    const full = loadConfig(env);
    const worker = loadConfig(workerEnv(env));
    assert.deepEqual(
      { dataDir: worker.dataDir, taskQueue: worker.taskQueue, temporal: worker.temporal, dapr: { ...worker.dapr, apiToken: undefined }, fusionPort: worker.fusionPort, heap: worker.workerMaxHeapMb },
      { dataDir: full.dataDir, taskQueue: full.taskQueue, temporal: full.temporal, dapr: { ...full.dapr, apiToken: undefined }, fusionPort: full.fusionPort, heap: full.workerMaxHeapMb },
    );
    assert.deepEqual(worker.admin, { user: undefined, password: undefined });
    // the secret key and the data dir (its key file): the worker decrypts what the API encrypted
    const withKey = { ...env, KAIROS_SECRET_KEY: randomBytes(32).toString('base64') };
    assert.deepEqual(loadConfig(workerEnv(withKey)).database, loadConfig(withKey).database);
  });
});

withEachBackend('the save check (job service hook)', (fresh) => {
  const users = { listUsers: async () => [{ id: 'usr_admin', role: 'admin' as const }, { id: 'usr_user', role: 'user' as const }, { id: 'usr_other', role: 'user' as const }] };
  let db: Db;
  let access: SecretAccess;
  const ready = async () => {
    db ??= await fresh();
    access ??= new SecretAccess(new SecretStore(db, new SecretCipher(randomBytes(32)), { KAIROS_SECRET_OPS: 'ops' }), users, { appUrls: [] });
    return access;
  };
  const spec = (name: string, url = 'https://example.test/') => ({ type: 'http', data: { url, headers: { authorization: { $secret: name } } } }) as unknown as JobSpec;
  const refused = (name: string) => (e: unknown) =>
    e instanceof KairosError && e.kind === 'validation' && JSON.stringify(e.details) === JSON.stringify([{ path: 'data.headers.authorization', message: unavailableMessage(name) }]);

  it("checks the owner's secrets, with the role the owner has and no more than the caller's", async () => {
    const access = await ready();
    await access.store.put('usr_admin', 'MINE', 'v');
    await access.saveCheck({ spec: spec('MINE'), ownerId: 'usr_admin' }, { id: 'usr_admin', role: 'admin' });
    await access.saveCheck({ spec: spec('OPS'), ownerId: 'usr_admin' }, { id: 'usr_admin', role: 'admin' });
    // an admin's user-role API key saves as a user: no operator secrets
    await assert.rejects(access.saveCheck({ spec: spec('OPS'), ownerId: 'usr_admin' }, { id: 'usr_admin', role: 'user' }), refused('OPS'));
    // an admin saving a job for a user: the user's secrets count, not the admin's
    await assert.rejects(access.saveCheck({ spec: spec('MINE'), ownerId: 'usr_user' }, { id: 'usr_admin', role: 'admin' }), refused('MINE'));
    // a principal that is no user (e.g. the Dapr port's) is no admin, whatever the caller's role
    await assert.rejects(access.saveCheck({ spec: spec('OPS'), ownerId: 'dapr' }, { id: 'dapr', role: 'admin' }), refused('OPS'));
  });

  it('does not re-check a write that changes neither the data, the type nor the owner', async () => {
    const access = await ready();
    const current = { ...spec('GONE'), ownerId: 'usr_user' } as unknown as Job;
    await access.saveCheck({ spec: spec('GONE'), ownerId: 'usr_user', current }, { id: 'usr_user', role: 'user' });
    await assert.rejects(access.saveCheck({ spec: spec('GONE', 'https://other.test/'), ownerId: 'usr_user', current }, { id: 'usr_user', role: 'user' }), refused('GONE'));
  });

  it('resolves a team share for the members the state store lists (team_members), at save and at run', async () => {
    const access = await ready();
    const at = new Date().toISOString();
    await db.kysely
      .insertInto('principals')
      .values([
        { id: 'usr_user', kind: 'user', name: 'user', role: 'user', password_hash: null, credential_version: 0, created_at: at },
        { id: 'usr_other', kind: 'user', name: 'other', role: 'user', password_hash: null, credential_version: 0, created_at: at },
        { id: 'team_ops', kind: 'team', name: 'ops', role: 'user', password_hash: null, credential_version: 0, created_at: at },
      ])
      .execute();
    await db.kysely.insertInto('team_members').values({ team_id: 'team_ops', user_id: 'usr_user', added_at: at }).execute();
    await access.store.put('usr_admin', 'TEAM_TOKEN', 'team-token');
    await access.store.share('usr_admin', 'TEAM_TOKEN', { all: false, users: ['team_ops'] });
    await access.saveCheck({ spec: spec('TEAM_TOKEN'), ownerId: 'usr_user' }, { id: 'usr_user', role: 'user' });
    await assert.rejects(access.saveCheck({ spec: spec('TEAM_TOKEN'), ownerId: 'usr_other' }, { id: 'usr_other', role: 'user' }), refused('TEAM_TOKEN'));
    const run = await access.lookup({ ownerId: 'usr_user', type: 'http', data: spec('TEAM_TOKEN').data });
    const r = run('TEAM_TOKEN');
    assert.equal(r.ok && r.entry.value, 'team-token', 'the worker gets the value');
    // out of the team, out of the share
    await db.kysely.deleteFrom('team_members').where('user_id', '=', 'usr_user').execute();
    await assert.rejects(access.saveCheck({ spec: spec('TEAM_TOKEN'), ownerId: 'usr_user' }, { id: 'usr_user', role: 'user' }), refused('TEAM_TOKEN'));
    // share lists name users (credential store) and users or teams (state store); anything else is unknown
    assert.deepEqual(await access.unknownPrincipals(['usr_admin', 'team_ops', 'usr_other', 'team_nope', 'usr_nope']), ['team_nope', 'usr_nope']);
  });
});
