// Issue #13, items 4 and 5, as a non-admin user would attack them: a job that names the admin's
// secret (through /v1, Volt MX, Informer and CluedIn), a secret name taken over by a PUT, a shared secret
// echoed back by the target in every encoding, a share withdrawn, the Dapr app token sent elsewhere,
// and the worker's environment read for the admin password. Each attack fails without side effects.
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import protoPkg from '@temporalio/proto';
import { api, apiUrl, temporalClient, uniqueId } from '../support/env.ts';
import { loadConfig } from '../../core/config.ts';
import { openDatabase } from '../../core/db/open.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';

const { temporal } = protoPkg;
type Detail = { path: string; message: string };
type ErrorBody = { error: { code: string; message: string; details: Detail[] } };
interface SecretItem {
  name: string;
  owner: string;
  source: string;
  updatedAt: string | null;
  sharedWith?: { all: boolean; users: string[] };
}
interface Run {
  runId: string;
  status: string;
  attempts: number;
  error: { type: string; message: string } | null;
  output: { request?: { headers?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown }; body?: string; headers?: Record<string, string> } | null;
}
const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'terminated', 'timed_out']);
const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
const unavailable = (name: string) => `secret '${name}' is not available to the job's owner`;
const secretName = (p: string) => `${p}_${uniqueId('s').replace(/-/g, '_')}`;

/** Every encoding the issue names, as a target that echoes a value back would write it. */
function echoes(v: string): Record<string, string> {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
  return {
    raw: v,
    uriComponent: encodeURIComponent(v),
    plus: encodeURIComponent(v).replace(/%20/g, '+'),
    form: new URLSearchParams({ v }).toString().slice(2),
    uri: encodeURI(v),
    json: JSON.stringify(v).slice(1, -1),
    base64: b64(v),
    base64url: b64url(v),
    // embedded in a longer base64'd string, at the three alignments (Basic auth user:secret)
    basic0: b64(`abc:${v}`),
    basic1: b64(`ab:${v}:x`),
    basic2: b64(`a:${v}!!`),
    basicUrl: b64url(`user:${v}`),
  };
}

/** The forms of `v` found in `haystack`, as bytes (history is protobuf, with JSON payloads inside). */
function leaks(haystack: Buffer | string, v: string): string[] {
  const text = Buffer.isBuffer(haystack) ? haystack.toString('latin1') : haystack;
  const b64core = (prefix: string) => {
    // the characters that only the secret's bytes determine
    const enc = Buffer.from(`${prefix}${v}`, 'utf8').toString('base64');
    const k = Buffer.byteLength(prefix);
    return enc.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + Buffer.byteLength(v))) / 6));
  };
  const forms = [...Object.values(echoes(v)).slice(0, 8), b64core('abc:'), b64core('ab:'), b64core('a:'), v.slice(0, 12)];
  return forms.filter((f) => text.includes(Buffer.from(f, 'utf8').toString('latin1')));
}

describe('security: secrets have owners; the worker holds no API credential', { timeout: 180_000 }, () => {
  let target: HttpTarget;
  let client: Client;
  const pw = 'security-secrets-pw-1';
  const username = uniqueId('sec-user');
  let userId = '';
  let U = '';
  const adminSecrets: string[] = [];
  const userSecrets: string[] = [];
  const jobs: string[] = [];
  // The secret the target echoes back; cut off at the capture's end as well.
  const shared = `Sh4red s3cret/${uniqueId('v')}+ü@x`;
  let sharedName = '';
  let adminOnlyName = '';
  const adminOnlyValue = `admin-only-${uniqueId('v')}`;

  before(async () => {
    client = await temporalClient();
    target = await startHttpTarget();
    target.respond = (req, res) => {
      if (!req.path.startsWith('/echo')) return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      const got = String(req.headers.authorization ?? '');
      const lines = Object.entries(echoes(got)).map(([k, v]) => `${k}=${v}`);
      // the last line is the value again; the job's maxCaptureBytes cuts it in the middle
      res.writeHead(200, { 'content-type': 'text/plain', 'x-echo': got, 'x-echo-b64': Buffer.from(got).toString('base64') }).end(`${lines.join('\n')}\ncut=${got}`);
    };
    const created = await api<{ id: string }>('POST', '/v1/users', { body: { username, password: pw, role: 'user' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    userId = created.body.id;
    U = basic(username, pw);
    adminOnlyName = secretName('ADMIN_ONLY');
    sharedName = secretName('SHARED');
    for (const [name, value] of [
      [adminOnlyName, adminOnlyValue],
      [sharedName, shared],
    ] as const) {
      assert.equal((await api('PUT', `/v1/secrets/${name}`, { body: { value } })).status, 201);
      adminSecrets.push(name);
    }
  });
  after(async () => {
    for (const id of jobs) await api('DELETE', `/v1/jobs/${id}`);
    for (const n of adminSecrets) await api('DELETE', `/v1/secrets/${n}`);
    for (const n of userSecrets) await api('DELETE', `/v1/secrets/${n}`, { auth: U });
    await target.close();
    await client.connection.close();
  });

  const httpJob = (id: string, headers: Record<string, unknown>, extra: Record<string, unknown> = {}, url = `${target.url}/echo`) => ({
    id,
    type: 'http',
    triggers: [],
    retry: { maxAttempts: 3 },
    history: { strategy: 'FULL' },
    data: { url, headers, ...extra },
  });
  const jobExists = async (id: string) => (await api('GET', `/v1/jobs/${encodeURIComponent(id)}`)).status === 200;
  const run = async (jobId: string, auth: string): Promise<Run> => {
    const started = await api<{ runId: string }>('POST', `/v1/jobs/${jobId}/run`, { auth });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    return await waitFor(
      async () => {
        const r = await api<Run>('GET', `/v1/runs/${started.body.runId}`, { auth });
        return r.status === 200 && FINAL.has(r.body.status) ? r.body : undefined;
      },
      30_000,
      'the run to finish',
    );
  };
  const ownerJobs = async () => (await api<{ items: { id: string }[] }>('GET', `/v1/jobs?owner=${userId}&limit=1000`)).body.items.map((j) => j.id);

  it("refuses a job that names the admin's secret, through /v1, with the same answer as for a secret that does not exist", async () => {
    const refused: Record<string, ErrorBody> = {};
    for (const name of [adminOnlyName, secretName('NO_SUCH')]) {
      const id = uniqueId('steal');
      const res = await api<ErrorBody>('POST', '/v1/jobs', { auth: U, body: httpJob(id, { authorization: { $secret: name } }) });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.deepEqual(res.body.error.details, [{ path: 'data.headers.authorization', message: unavailable(name) }]);
      assert.equal(await jobExists(id), false, 'no job was created');
      refused[name] = res.body;
    }
    const [a, b] = Object.entries(refused).map(([name, body]) => JSON.stringify(body).replaceAll(name, 'NAME'));
    assert.equal(a, b, 'existing and missing secrets answer alike');

    // elsewhere in the data, and by a replace or a patch of the user's own job: refused, job unchanged
    const own = uniqueId('own');
    assert.equal((await api('POST', '/v1/jobs', { auth: U, body: httpJob(own, {}) })).status, 201);
    jobs.push(own);
    const put = await api<ErrorBody>('PUT', `/v1/jobs/${own}`, { auth: U, body: httpJob(own, {}, { query: { t: { $secret: adminOnlyName } } }) });
    assert.equal(put.status, 400);
    assert.deepEqual(put.body.error.details, [{ path: 'data.query.t', message: unavailable(adminOnlyName) }]);
    const patch = await api<ErrorBody>('PATCH', `/v1/jobs/${own}`, { auth: U, body: { data: { body: { k: { $secret: adminOnlyName } } } } });
    assert.equal(patch.status, 400);
    assert.equal(patch.body.error.details[0]?.message, unavailable(adminOnlyName));
    assert.equal((await api<{ version: number }>('GET', `/v1/jobs/${own}`)).body.version, 1, 'the job is unchanged');

    // it is the OWNER's secrets that count: an admin saving a job for the user cannot lend the admin's
    const forUser = uniqueId('for-user');
    const asAdmin = await api<ErrorBody>('POST', '/v1/jobs', { body: { ...httpJob(forUser, { authorization: { $secret: adminOnlyName } }), ownerId: userId } });
    assert.equal(asAdmin.status, 400, JSON.stringify(asAdmin.body));
    assert.equal(asAdmin.body.error.details[0]?.message, unavailable(adminOnlyName));
    assert.equal(await jobExists(forUser), false);
  });

  it('refuses it through Volt MX, Informer and CluedIn too; nothing is created', async () => {
    const before = await ownerJobs();
    // Volt MX: a header of the service call may be a secret reference
    const login = await fetch(`${apiUrl()}/voltmx/authService/accounts/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ userid: username, password: pw }).toString(),
    });
    assert.equal(login.status, 200);
    const token = ((await login.json()) as { claims_token: { value: string } }).claims_token.value;
    for (const name of [adminOnlyName, secretName('NO_SUCH')]) {
      const res = await fetch(`${apiUrl()}/voltmx/admin/api/jobs/job`, {
        method: 'POST',
        headers: { 'X-VoltMX-Authorization': token, 'content-type': 'application/json' },
        body: JSON.stringify({
          jobName: uniqueId('vmx-steal'),
          jobFrequency: '41 5 * * * ? *',
          jobServiceInfo: {
            serviceType: 'intSer',
            serviceName: 'svc',
            operationName: 'op',
            requestheaderMap: { authorization: { $secret: name } },
            serviceExecutionType: 'SERVER_URL',
          },
          jobStatus: 'Active',
          historyStrategy: 'FULL',
        }),
      });
      const text = await res.text();
      assert.equal(res.status, 400, text);
      assert.ok(text.includes(unavailable(name)), text);
    }
    // Informer: the job's data as is
    for (const name of [adminOnlyName, secretName('NO_SUCH')]) {
      const res = await api<{ message: string }>('POST', '/informer/api/jobs', {
        auth: U,
        body: { name: uniqueId('inf-steal'), type: 'http', enabled: false, data: { url: `${target.url}/echo`, headers: { authorization: { $secret: name } } } },
      });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.ok(JSON.stringify(res.body).includes(unavailable(name)), JSON.stringify(res.body));
    }
    // CluedIn: Task.Data is the job's data
    for (const name of [adminOnlyName, secretName('NO_SUCH')]) {
      const res = await api('POST', '/cluedin/api/v1/hangfire/jobs/crawling', {
        auth: U,
        body: {
          ConfigurationId: randomUUID(),
          OrganizationId: randomUUID(),
          UserId: randomUUID(),
          Cron: '0 3 * * *',
          Task: { Type: 'http', Data: { url: `${target.url}/echo`, headers: { authorization: { $secret: name } } } },
        },
      });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.ok(JSON.stringify(res.body).includes(unavailable(name)), JSON.stringify(res.body));
    }
    assert.deepEqual(await ownerJobs(), before, 'no job was created');
  });

  it("lists only the user's own and shared secrets; a PUT of the admin's name makes the user's own and leaves the admin's alone", async () => {
    const mine = await api<{ items: SecretItem[] }>('GET', '/v1/secrets', { auth: U });
    assert.equal(mine.status, 200);
    assert.ok(!mine.body.items.some((s) => s.name === adminOnlyName || s.name === sharedName), JSON.stringify(mine.body));
    assert.ok(!mine.body.items.some((s) => s.source === 'env'), "the operator's environment secrets are not the user's");
    assert.equal((await api('GET', `/v1/secrets/${adminOnlyName}`, { auth: U })).status, 404);
    assert.equal((await api('GET', `/v1/secrets/${adminOnlyName}?owner=operator`, { auth: U })).status, 403);
    assert.equal((await api('DELETE', `/v1/secrets/${adminOnlyName}`, { auth: U })).status, 404);
    assert.equal((await api('PUT', `/v1/secrets/${adminOnlyName}/shares`, { auth: U, body: { users: [userId] } })).status, 403);

    const adminBefore = await api<SecretItem>('GET', `/v1/secrets/${adminOnlyName}`);
    const taken = await api<SecretItem>('PUT', `/v1/secrets/${adminOnlyName}`, { auth: U, body: { value: 'the-users-own-value' } });
    assert.equal(taken.status, 201, 'a new secret of the user, not a replacement');
    assert.equal(taken.body.owner, userId);
    userSecrets.push(adminOnlyName);
    const adminAfter = await api<SecretItem>('GET', `/v1/secrets/${adminOnlyName}`);
    assert.deepEqual(adminAfter.body, adminBefore.body, "the admin's secret is unchanged");
    const all = await api<{ items: SecretItem[] }>('GET', '/v1/secrets');
    assert.deepEqual(
      all.body.items.filter((s) => s.name === adminOnlyName).map((s) => s.owner).sort(),
      [adminAfter.body.owner, userId].sort(),
      'admins see both, with owners',
    );

    // the user's job now resolves the name to the user's own value, never the admin's
    const id = uniqueId('own-name');
    const res = await api('POST', '/v1/jobs', { auth: U, body: httpJob(id, { authorization: { $secret: adminOnlyName } }, {}, `${target.url}/plain`) });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    jobs.push(id);
    const r = await run(id, U);
    assert.equal(r.status, 'succeeded', JSON.stringify(r));
    const sent = target.requests.filter((q) => q.path.startsWith('/plain')).at(-1);
    assert.equal(sent?.headers.authorization, 'the-users-own-value');
    assert.ok(!target.requests.some((q) => JSON.stringify(q).includes(adminOnlyValue)), "the admin's value never left");
  });

  it('a shared secret works, and what the target echoes is masked in the run record and the whole history; unsharing stops the next run before anything is sent', async () => {
    const share = await api<SecretItem>('PUT', `/v1/secrets/${sharedName}/shares`, { body: { users: [userId] } });
    assert.equal(share.status, 200, JSON.stringify(share.body));
    assert.deepEqual(share.body.sharedWith, { all: false, users: [userId] });
    const badShare = await api<ErrorBody>('PUT', `/v1/secrets/${sharedName}/shares`, { body: { users: ['usr_nobody'] } });
    assert.equal(badShare.status, 400);
    assert.equal(badShare.body.error.details[0]?.path, 'users.0');
    const listed = await api<{ items: SecretItem[] }>('GET', '/v1/secrets', { auth: U });
    const item = listed.body.items.find((s) => s.name === sharedName);
    assert.ok(item, 'the user sees the secret shared with them');
    assert.equal(item.sharedWith, undefined, 'but not who else it is shared with');

    const id = uniqueId('shared');
    const ref = { $secret: sharedName };
    // the capture ends 6 bytes before the end of the echoed value: a cut-off copy
    const whole = Object.entries(echoes(shared)).map(([k, v]) => `${k}=${v}`).join('\n') + `\ncut=${shared}`;
    const cap = Buffer.byteLength(whole) - 6;
    const created = await api('POST', '/v1/jobs', { auth: U, body: httpJob(id, { authorization: ref }, { method: 'POST', query: { t: ref }, body: { password: ref }, maxCaptureBytes: cap }) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    jobs.push(id);
    const ok = await run(id, U);
    assert.equal(ok.status, 'succeeded', JSON.stringify(ok));
    const got = target.requests.filter((q) => q.path.startsWith('/echo')).at(-1);
    assert.equal(got?.headers.authorization, shared, 'the target got the value');
    // the run record: the request as written, the echo masked in every encoding
    assert.deepEqual(ok.output?.request?.headers?.authorization, ref);
    assert.deepEqual(ok.output?.request?.query, { t: ref });
    assert.deepEqual(ok.output?.request?.body, { password: ref });
    const body = ok.output?.body ?? '';
    const lines = new Map(body.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    for (const key of Object.keys(echoes(shared))) assert.ok(lines.get(key)?.includes('***'), `${key} is masked: ${body}`);
    // embedded in a longer base64 string, only the characters the neighbours also feed are left
    assert.equal(lines.get('basic0'), `${Buffer.from(`abc:${shared}`).toString('base64').slice(0, Math.ceil((4 * 8) / 6))}***`);
    assert.ok(/cut=\*\*\*$/.test(body), `the cut-off copy is masked: ${body.slice(-40)}`);
    assert.deepEqual(leaks(JSON.stringify(ok), shared), []);
    for (const path of [`/v1/runs/${ok.runId}`, `/v1/jobs/${id}/runs`, `/v1/jobs/${id}`]) {
      for (const auth of [U, undefined]) {
        const r = await api('GET', path, { auth });
        assert.deepEqual(leaks(JSON.stringify(r.body), shared), [], path);
      }
    }
    const history = await client.workflow.getHandle(ok.runId).fetchHistory();
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    assert.ok(bytes.includes(Buffer.from(sharedName)), 'the history holds the reference');
    assert.deepEqual(leaks(bytes, shared), [], 'the history holds no form of the value');

    // unshared: the saved job's next run fails at once and sends nothing
    assert.equal((await api('DELETE', `/v1/secrets/${sharedName}/shares`)).status, 204);
    assert.ok(!(await api<{ items: SecretItem[] }>('GET', '/v1/secrets', { auth: U })).body.items.some((s) => s.name === sharedName));
    const sentBefore = target.requests.length;
    const failed = await run(id, U);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.attempts, 1, 'not retried');
    assert.equal(failed.error?.type, 'SecretNotAvailable');
    assert.match(failed.error?.message ?? '', new RegExp(`data\\.headers\\.authorization: secret '${sharedName}' is not available to the job's owner`));
    assert.equal(target.requests.length, sentBefore, 'no request reached the target');
    // and the job can still be paused (a write that does not touch its data)
    assert.equal((await api('POST', `/v1/jobs/${id}/pause`, { auth: U })).status, 200);
  });

  it("a secret shared with a team is used by the team's members' jobs, and no one else's", async () => {
    // The team and its membership are written into the stack's state store directly (the teams API is
    // another part of #14); the user may already be a principal there.
    const db = openDatabase(loadConfig(process.env).database);
    const teamId = `team_${uniqueId('t').replace(/-/g, '_')}`;
    const other = uniqueId('sec-other');
    const otherUser = await api<{ id: string }>('POST', '/v1/users', { body: { username: other, password: pw, role: 'user' } });
    assert.equal(otherUser.status, 201);
    try {
      const at = new Date().toISOString();
      await db.kysely
        .insertInto('principals')
        .values([
          { id: userId, kind: 'user', name: username, role: 'user', password_hash: null, credential_version: 0, created_at: at },
          { id: teamId, kind: 'team', name: teamId, role: 'user', password_hash: null, credential_version: 0, created_at: at },
        ])
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      await db.kysely.insertInto('team_members').values({ team_id: teamId, user_id: userId, added_at: at }).execute();
    } finally {
      await db.close();
    }
    const name = secretName('TEAM');
    const value = `team-value-${uniqueId('v')}`;
    assert.equal((await api('PUT', `/v1/secrets/${name}`, { body: { value } })).status, 201);
    adminSecrets.push(name);
    const share = await api<SecretItem>('PUT', `/v1/secrets/${name}/shares`, { body: { users: [teamId] } });
    assert.equal(share.status, 200, JSON.stringify(share.body));
    assert.deepEqual(share.body.sharedWith, { all: false, users: [teamId] });
    const unknownTeam = await api<ErrorBody>('PUT', `/v1/secrets/${name}/shares`, { body: { users: [teamId, 'team_nope'] } });
    assert.equal(unknownTeam.status, 400);
    assert.deepEqual(unknownTeam.body.error.details, [{ path: 'users.1', message: "'team_nope' is not a user or team id" }]);

    // a member sees it and its job gets the value
    assert.ok((await api<{ items: SecretItem[] }>('GET', '/v1/secrets', { auth: U })).body.items.some((s) => s.name === name));
    const id = uniqueId('team-share');
    const created = await api('POST', '/v1/jobs', { auth: U, body: httpJob(id, { authorization: { $secret: name } }) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    jobs.push(id);
    const ok = await run(id, U);
    assert.equal(ok.status, 'succeeded', JSON.stringify(ok));
    assert.equal(target.requests.filter((q) => q.path.startsWith('/echo')).at(-1)?.headers.authorization, value);
    // someone outside the team neither sees it nor may use it
    const O = basic(other, pw);
    assert.ok(!(await api<{ items: SecretItem[] }>('GET', '/v1/secrets', { auth: O })).body.items.some((s) => s.name === name));
    const refused = await api<ErrorBody>('POST', '/v1/jobs', { auth: O, body: httpJob(uniqueId('team-share-no'), { authorization: { $secret: name } }) });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.details[0]?.message, unavailable(name));
  });

  it('the Dapr app token secret goes only to a configured Dapr app', async () => {
    const token = process.env.KAIROS_DAPR_APP_API_TOKEN_SECRET;
    const appUrl = process.env.KAIROS_DAPR_APP_URL;
    assert.ok(token && appUrl, 'the harness configures a Dapr app and its token secret');
    const ref = { 'dapr-api-token': { $secret: token } };
    const elsewhere: string[] = [`${target.url}/echo`, `${appUrl.replace('127.0.0.1', 'localhost')}/job/x`];
    const callers: [string | undefined, string][] = [
      [U, 'user'],
      [undefined, 'admin'],
    ];
    for (const [auth, who] of callers) {
      for (const url of elsewhere) {
        const id = uniqueId('dapr-steal');
        const res = await api<ErrorBody>('POST', '/v1/jobs', { auth, body: httpJob(id, ref, {}, url) });
        assert.equal(res.status, 400, `${who} ${url}: ${JSON.stringify(res.body)}`);
        assert.deepEqual(res.body.error.details, [{ path: 'data.headers.dapr-api-token', message: unavailable(token) }]);
        assert.equal(await jobExists(id), false);
      }
    }
    // aimed at the Dapr app, a user's job may carry it (as every Dapr job does)
    const id = uniqueId('dapr-ok');
    const ok = await api('POST', '/v1/jobs', { auth: U, body: { ...httpJob(id, ref, {}, `${appUrl}/job/${id}`), enabled: false } });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    jobs.push(id);
    // and cannot then be pointed elsewhere
    const moved = await api<ErrorBody>('PATCH', `/v1/jobs/${id}`, { auth: U, body: { data: { url: `${target.url}/echo` } } });
    assert.equal(moved.status, 400);
    assert.equal(moved.body.error.details[0]?.message, unavailable(token));
  });

  it("the worker's environment holds no admin password and no API-only credential", async () => {
    const dataDir = process.env.KAIROS_DATA_DIR;
    const adminPassword = process.env.KAIROS_ADMIN_PASSWORD;
    assert.ok(dataDir && adminPassword);
    /** The environments of this stack's processes running `entry` (compiled or not; matched by the data dir). */
    const envsOf = async (entry: string): Promise<Map<string, string>[]> => {
      const out: Map<string, string>[] = [];
      for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
        try {
          const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
          if (!cmd.some((a) => a.endsWith(`${entry}.js`) || a.endsWith(`${entry}.ts`))) continue;
          const env = new Map((await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
          if (env.get('KAIROS_DATA_DIR') === dataDir) out.push(env);
        } catch {
          // the process ended meanwhile
        }
      }
      return out;
    };
    const workers = await envsOf('worker/index');
    assert.ok(workers.length >= 1, "this stack's worker process was found");
    for (const env of workers) {
      for (const k of ['KAIROS_ADMIN_PASSWORD', 'KAIROS_ADMIN_USER', 'KAIROS_DAPR_API_TOKEN']) assert.equal(env.get(k), undefined, k);
      assert.ok(![...env.values()].some((v) => v.includes(adminPassword)), 'no variable holds the admin password');
      assert.ok(env.has('KAIROS_DATA_DIR') && env.has('TEMPORAL_ADDRESS') && env.has('PATH'), 'it has what it reads');
    }
    // the API keeps its environment (and so the scan above would have seen the password)
    const apis = await envsOf('api/index');
    assert.ok(apis.length >= 1);
    assert.equal(apis[0]?.get('KAIROS_ADMIN_PASSWORD'), adminPassword);
  });
});
