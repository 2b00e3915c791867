// Two API processes and two workers on one state store, each with a data dir of its own (on
// PostgreSQL; on SQLite the pair shares one data dir, as processes of one machine do): what is made
// through one instance works on the other at once — users, API keys, teams, secrets, shares, login
// sessions and Volt MX tokens. No shared volume is involved on PostgreSQL: only the database and the
// secret key are common to both.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../core/config.ts';
import { bootstrapAdminInState } from '../../core/auth/bootstrap.ts';
import { launchStack, privateStackEnv, type Stack } from '../../scripts/stack.ts';
import { createTestDatabase, testBackend } from '../support/db.ts';
import { api, temporalAddress, uniqueId } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';

const ADMIN = { user: 'pair-admin', password: 'pair-admin-password' };
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const ADMIN_AUTH = basic(ADMIN.user, ADMIN.password);

describe('two API and two worker processes on one state store', { timeout: 300_000 }, () => {
  const dirs: string[] = [];
  const stacks: Stack[] = [];
  let a = '';
  let b = '';
  let target: HttpTarget;

  before(async () => {
    target = await startHttpTarget();
    const shared = {
      // One database (a fresh one on PostgreSQL), one secret key, one task queue, one Temporal.
      ...(testBackend() === 'postgres' ? { KAIROS_DATABASE_URL: await createTestDatabase() } : {}),
      KAIROS_SECRET_KEY: randomBytes(32).toString('base64'),
      KAIROS_TASK_QUEUE: uniqueId('pair'),
      TEMPORAL_ADDRESS: temporalAddress(),
      KAIROS_QUOTA_JOBS: '0',
      KAIROS_QUOTA_CONCURRENT_RUNS: '0',
      KAIROS_LOG_LEVEL: 'warn',
    };
    const sharedDir = mkdtempSync(join(tmpdir(), 'kairos-pair-'));
    dirs.push(sharedDir);
    for (let i = 0; i < 2; i++) {
      const dataDir = testBackend() === 'postgres' ? mkdtempSync(join(tmpdir(), `kairos-pair-${i}-`)) : sharedDir;
      if (dataDir !== sharedDir) dirs.push(dataDir);
      const env = await privateStackEnv(dataDir, ADMIN, shared);
      const cfg = loadConfig(env);
      if (i === 0) await bootstrapAdminInState(cfg);
      stacks.push(await launchStack(cfg, { env, logDir: join(sharedDir, `logs-${i}`) }));
    }
    [a, b] = stacks.map((s) => s.apiUrl) as [string, string];
  });

  after(async () => {
    await Promise.all(stacks.map((s) => s.stop()));
    await target?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const on = (baseUrl: string) => ({
    call: <T = Record<string, unknown>>(method: string, path: string, opts: Parameters<typeof api>[2] = {}) => api<T>(method, path, { auth: ADMIN_AUTH, ...opts, baseUrl }),
  });

  it('users, API keys and teams made on one instance hold on the other', async () => {
    const name = uniqueId('pair-user').replace(/-/g, '.');
    const created = await on(a).call<{ id: string }>('POST', '/v1/users', { body: { username: name, password: 'pair-user-password' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const userAuth = basic(name, 'pair-user-password');
    assert.equal((await on(b).call('GET', '/v1/me', { auth: userAuth })).status, 200, 'the user logs in on the other instance');

    const key = await on(b).call<{ id: string; key: string }>('POST', '/v1/api-keys', { auth: userAuth, body: { name: 'pair' } });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    assert.equal((await on(a).call('GET', '/v1/me', { auth: null, headers: { 'x-api-key': key.body.key } })).status, 200, 'the key works on the other instance');
    assert.equal((await on(a).call('DELETE', `/v1/api-keys/${key.body.id}`, { auth: userAuth })).status, 204);
    assert.equal((await on(b).call('GET', '/v1/me', { auth: null, headers: { 'x-api-key': key.body.key } })).status, 401, 'a deleted key is refused everywhere at once');

    const team = await on(a).call<{ id: string }>('POST', '/v1/teams', { body: { name: uniqueId('pair-team') } });
    assert.equal(team.status, 201, JSON.stringify(team.body));
    assert.equal((await on(b).call('PUT', `/v1/teams/${team.body.id}/members/${created.body.id}`)).status < 300, true);
    const mine = await on(a).call<{ items: { id: string }[] }>('GET', '/v1/teams', { auth: userAuth });
    assert.deepEqual(mine.body.items.map((t) => t.id), [team.body.id], 'membership added on one instance is seen on the other');
  });

  it('a password change on one instance ends the old password on the other', async () => {
    const name = uniqueId('pair-pw').replace(/-/g, '.');
    const u = await on(a).call<{ id: string }>('POST', '/v1/users', { body: { username: name, password: 'first-password-1' } });
    assert.equal((await on(b).call('GET', '/v1/me', { auth: basic(name, 'first-password-1') })).status, 200);
    assert.equal((await on(a).call('PUT', `/v1/users/${u.body.id}/password`, { body: { password: 'second-password-2' } })).status, 204);
    assert.equal((await on(b).call('GET', '/v1/me', { auth: basic(name, 'first-password-1') })).status, 401);
    assert.equal((await on(b).call('GET', '/v1/me', { auth: basic(name, 'second-password-2') })).status, 200);
  });

  it('a secret stored through one instance is used by a run started through the other', async () => {
    const secret = `PAIR_${randomBytes(4).toString('hex').toUpperCase()}`;
    const value = `pair-secret-${randomBytes(6).toString('hex')}`;
    assert.equal((await on(a).call('PUT', `/v1/secrets/${secret}`, { body: { value } })).status, 201);
    const listed = await on(b).call<{ items: { name: string }[] }>('GET', '/v1/secrets');
    assert.ok(listed.body.items.some((s) => s.name === secret));
    const id = uniqueId('pair-secret-job');
    const job = await on(b).call('POST', '/v1/jobs', {
      body: { id, type: 'http', triggers: [], data: { url: `${target.url}/pair`, headers: { 'x-pair': { $secret: secret } } } },
    });
    assert.equal(job.status, 201, JSON.stringify(job.body));
    assert.equal((await on(a).call('POST', `/v1/jobs/${id}/run`)).status, 202);
    const got = await waitFor(() => target.requests.find((r) => r.path === '/pair'), 60_000, 'the run to reach the target');
    assert.equal(got.headers['x-pair'], value);
  });

  it('a job written through one instance is read and run through the other at once (job heads)', async () => {
    const id = uniqueId('pair-head');
    type J = { version: number; description: string; state: { enabled: boolean } };
    const made = await on(a).call<J>('POST', '/v1/jobs', { body: { id, type: 'http', triggers: [{ type: 'interval', every: '1h' }], data: { url: `${target.url}/head` } } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal((await on(b).call<J>('GET', `/v1/jobs/${id}`)).body.version, 1);
    for (let i = 2; i <= 4; i++) {
      const [writer, reader] = i % 2 === 0 ? [b, a] : [a, b];
      assert.equal((await on(writer).call('PATCH', `/v1/jobs/${id}`, { body: { description: `v${i}` } })).status, 200);
      const got = await on(reader).call<J>('GET', `/v1/jobs/${id}`);
      assert.equal(got.body.version, i, 'the other instance reads the acknowledged write');
      assert.equal(got.body.description, `v${i}`);
    }
    assert.equal((await on(a).call('POST', `/v1/jobs/${id}/pause`)).status, 200);
    assert.equal((await on(b).call<J>('GET', `/v1/jobs/${id}`)).body.state.enabled, false);
    assert.equal((await on(b).call('POST', `/v1/jobs/${id}/run`)).status, 202);
    await waitFor(() => target.requests.some((r) => r.path === '/head'), 60_000, 'the run started on the other instance');
    assert.equal((await on(b).call('DELETE', `/v1/jobs/${id}`)).status, 204);
    assert.equal((await on(a).call('GET', `/v1/jobs/${id}`)).status, 404, 'a delete is read at once on the other instance');
    assert.equal((await on(a).call('POST', `/v1/jobs/${id}/run`)).status, 404);
  });

  it('a share made on one instance opens the job to its grantee on the other', async () => {
    const owner = uniqueId('pair-owner').replace(/-/g, '.');
    const grantee = uniqueId('pair-grantee').replace(/-/g, '.');
    await on(a).call('POST', '/v1/users', { body: { username: owner, password: 'pair-owner-password' } });
    const g = await on(a).call<{ id: string }>('POST', '/v1/users', { body: { username: grantee, password: 'pair-grantee-password' } });
    const ownerAuth = basic(owner, 'pair-owner-password');
    const granteeAuth = basic(grantee, 'pair-grantee-password');
    const id = uniqueId('pair-shared');
    assert.equal((await on(a).call('POST', '/v1/jobs', { auth: ownerAuth, body: { id, type: 'http', triggers: [], data: { url: `${target.url}/x` } } })).status, 201);
    assert.equal((await on(b).call('GET', `/v1/jobs/${id}`, { auth: granteeAuth })).status, 404, 'not shared yet: the job does not exist for the grantee');
    const share = await on(a).call('PUT', `/v1/jobs/${id}/shares/${g.body.id}`, { auth: ownerAuth, body: { level: 'read' } });
    assert.ok(share.status < 300, JSON.stringify(share.body));
    assert.equal((await on(b).call('GET', `/v1/jobs/${id}`, { auth: granteeAuth })).status, 200, 'the share holds on the other instance');
  });

  it('a login session and a Volt MX token from one instance work on the other; log-out ends the session everywhere', async () => {
    const login = await fetch(`${a}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: ADMIN.user, password: ADMIN.password }) });
    assert.equal(login.status, 201);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    assert.match(cookie, /^kairos_session=/);
    assert.equal((await fetch(`${b}/v1/me`, { headers: { cookie } })).status, 200, 'the session holds on the other instance');
    assert.equal((await fetch(`${b}/v1/sessions/current`, { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrfToken } })).status, 204);
    assert.equal((await fetch(`${a}/v1/me`, { headers: { cookie } })).status, 401, 'logged out everywhere');

    const vmx = await fetch(`${a}/voltmx/authService/accounts/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ userid: ADMIN.user, password: ADMIN.password }).toString(),
    });
    assert.equal(vmx.status, 200);
    const token = ((await vmx.json()) as { claims_token: { value: string } }).claims_token.value;
    const listed = await fetch(`${b}/voltmx/admin/api/jobs/job`, { headers: { 'X-VoltMX-Authorization': token } });
    assert.equal(listed.status, 200, 'a token signed by one instance is accepted by the other');
  });
});
