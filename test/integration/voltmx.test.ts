// The Volt MX dialect end to end: accounts login, then the Scheduling Job APIs with the claims token,
// against the real dev server and worker. Jobs call a real "Foundry server" on loopback (the address
// the harness configured as KAIROS_VOLTMX_SERVER_URL, bound here).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { legacyRegistryId } from '../../core/ids/legacy-registry.ts';
import { voltmxJobIds } from '../../api/dialects/voltmx/job-ids.ts';
import { TemporalGateway } from '../../core/temporal/gateway.ts';
import { api, apiUrl, namespace, temporalAddress, temporalClient, uniqueId } from '../support/env.ts';
import { freshState } from '../support/db.ts';
import { ALLOCATE_UPDATE, LEGACY_SEQUENCE_WORKFLOW } from '../support/legacy-sequence-workflow.ts';
import { waitFor } from '../support/wait-for.ts';

const legacyWorkflows = fileURLToPath(new URL('../support/legacy-sequence-workflow.ts', import.meta.url));

interface Call {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

interface Foundry {
  calls: Call[];
  /** Status per path (default 200). */
  status: Map<string, number>;
  to(path: string): Call[];
  close(): Promise<void>;
}

async function startFoundry(url: string): Promise<Foundry> {
  const f: Foundry = { calls: [], status: new Map(), to: (p) => f.calls.filter((c) => c.path.startsWith(p)), close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      f.calls.push({ method: req.method ?? '', path, headers: req.headers, body: Buffer.concat(chunks).toString(), at: Date.now() });
      res.writeHead(f.status.get(path.split('?')[0] ?? '') ?? 200, { 'content-type': 'application/json' }).end('{"opstatus":0}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(new URL(url).port), '127.0.0.1', () => resolve());
  });
  f.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return f;
}

const BASE = () => `${apiUrl()}/voltmx`;
let token = '';

interface Answer<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** A call as a Volt MX client makes it: the claims token in X-VoltMX-Authorization. */
async function vmx<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const h: Record<string, string> = { 'X-VoltMX-Authorization': token, ...headers };
  if (body !== undefined) h['content-type'] ??= 'application/json';
  const res = await fetch(`${BASE()}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
}

type Fail = { status: string; result: { code: string; errors: { field: string; message: string }[] }; message: string; token: null };
const SUCCESS = { status: 'SUCCESS', result: null, message: null, token: null };

const job = (over: Record<string, unknown> = {}, service: Record<string, unknown> = {}) => ({
  jobName: 'weather-cache',
  jobFrequency: '41 5 * * * ? *',
  description: 'warms the weather cache',
  jobServiceInfo: {
    version: '1.0',
    serviceType: 'intSer',
    serviceName: 'openweather',
    objectName: '',
    operationName: 'getWeather',
    requestheaderMap: { 'X-VoltMX-App-Key': 'app-key' },
    serviceExecutionType: 'SERVER_URL',
    postData: '{"cityName":"Paris"}',
    operationSecurityLevel: 'public',
    ...service,
  },
  jobStatus: 'Active',
  historyStrategy: 'MINIMAL',
  retentionPeriod: '30',
  jobFrequencyInfo: { frequencyType: 1, minuteValues: [5] },
  ...over,
});

/** Creates a job; its id from the Location header. */
async function create(body: unknown): Promise<number> {
  const r = await vmx('POST', '/admin/api/jobs/job', body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body, SUCCESS);
  const m = /\/admin\/api\/jobs\/job\/(\d+)$/.exec(r.headers.get('location') ?? '');
  assert.ok(m, `Location: ${r.headers.get('location')}`);
  return Number(m[1]);
}

describe('Volt MX dialect', { timeout: 90_000 }, () => {
  let foundry: Foundry;
  const created: number[] = [];

  before(async () => {
    const url = process.env.KAIROS_VOLTMX_SERVER_URL;
    if (!url) throw new Error('KAIROS_VOLTMX_SERVER_URL is not set: run through scripts/run-tests.ts');
    foundry = await startFoundry(url);
  });
  after(async () => {
    for (const id of created) await vmx('DELETE', `/admin/api/jobs/${id}`).catch(() => undefined);
    await foundry.close();
  });

  it('accounts login: Kairos credentials → a claims token; wrong ones → 401', async () => {
    const form = (userid: string, password: string) =>
      fetch(`${BASE()}/authService/accounts/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ userid, password }).toString(),
      });
    const res = await form(process.env.KAIROS_ADMIN_USER ?? '', process.env.KAIROS_ADMIN_PASSWORD ?? '');
    assert.equal(res.status, 200);
    const body = (await res.json()) as { profile: { userid: string }; claims_token: { value: string; exp: number; integrity_check_required: boolean }; refresh_token: null };
    assert.equal(body.profile.userid, process.env.KAIROS_ADMIN_USER);
    assert.ok(body.claims_token.exp > Date.now() + 30 * 60_000, 'valid for the configured hour');
    token = body.claims_token.value;

    const wrong = await form(process.env.KAIROS_ADMIN_USER ?? '', 'not-the-password');
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { code: number }).code, -4);
    const noToken = await fetch(`${BASE()}/admin/api/jobs/job`);
    assert.equal(noToken.status, 401);
    const forged = await vmx('GET', '/admin/api/jobs/job', undefined, { 'X-VoltMX-Authorization': `${token.slice(0, -3)}abc` });
    assert.equal(forged.status, 401);
    assert.equal((forged.body as unknown as Fail).result.code, 'FAILURE_INVALID_TOKEN');
  });

  it('create → GET returns it field for field at once; it really fires on its Quartz schedule and calls the service', async () => {
    const body = job({ jobFrequency: '0/2 * * * * ? *' });
    const id = await create({ jobId: 999, ...body }); // a jobId sent on create is the system's to choose
    created.push(id);
    assert.notEqual(id, 999);
    for (const path of [`/admin/api/jobs/${id}`, `/admin/api/jobs/job${id}`, `/admin/api/jobs/job/${id}`]) {
      const got = await vmx('GET', path);
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, { jobId: id, ...body });
    }
    const call = await waitFor(() => foundry.to('/services/openweather/getWeather')[0], 15_000, 'a scheduled call of the service');
    assert.equal(call.method, 'POST');
    assert.equal(call.body, '{"cityName":"Paris"}');
    assert.equal(call.headers['x-voltmx-app-key'], 'app-key');
    assert.equal(call.headers['content-type'], 'application/json');
  });

  it('list: every job with its run counts, last status and next run (lists may lag a write by about a second)', async () => {
    const id = created[0] ?? 0;
    const row = await waitFor(
      async () => {
        const r = await vmx<Record<string, unknown>[]>('GET', '/admin/api/jobs/job');
        assert.equal(r.status, 200);
        const x = r.body.find((j) => j.jobId === id);
        return x && Number(x.jobHistorySuccessCount) >= 1 ? x : undefined;
      },
      15_000,
      'the job listed with a successful run',
    );
    assert.equal(row.jobName, 'weather-cache');
    assert.equal(row.cronExpression, '0/2 * * * * ? *');
    assert.equal(row.jobStatus, 'Active');
    assert.equal(row.updatedUser, process.env.KAIROS_ADMIN_USER);
    assert.match(String(row.updatedDate), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.match(String(row.jobNextRunTime), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal(row.jobHistorySucPercentage, 100);
    assert.equal(row.jobHistoryFailPercentage, 0);
    assert.ok(['Success', 'Running'].includes(String(row.jobLastRunStatus)));
  });

  it('update: Inactive stops it, the new definition reads back at once; run now still runs it; history shows the runs', async () => {
    const id = created[0] ?? 0;
    const body = job({ jobId: id, jobName: 'weather-cache-2', jobStatus: 'Inactive', jobFrequency: '0 0 12 ? * MON-FRI *' }, { postData: { cityName: 'Oslo' } });
    assert.deepEqual((await vmx('PUT', '/admin/api/jobs/job', body)).body, SUCCESS);
    assert.deepEqual((await vmx('GET', `/admin/api/jobs/${id}`)).body, body);

    const before = foundry.to('/services/openweather/getWeather').length;
    const run = await vmx('POST', `/admin/api/jobs/job/run/${id}`);
    assert.deepEqual(run.body, SUCCESS);
    assert.match(run.headers.get('x-kairos-run-id') ?? '', /^voltmx\.job\.\d+-manual-/);
    const call = await waitFor(() => foundry.to('/services/openweather/getWeather').slice(before).find((c) => c.body.includes('Oslo')), 15_000, 'the run-now call');
    assert.equal(call.body, '{"cityName":"Oslo"}');

    const history = await waitFor(
      async () => {
        const r = await vmx<Record<string, unknown>[]>('GET', `/admin/api/jobs/history/${id}`);
        return r.body.length >= 2 && r.body.every((h) => h.executionStatus === 'Success') ? r.body : undefined;
      },
      15_000,
      'two successful runs in the history',
    );
    const h = history[0] ?? {};
    assert.equal(typeof h.jobRunId, 'number');
    assert.match(String(h.jobStartTime), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal(typeof h.jobDuration, 'number');
    assert.equal(h.executionFrequency, '0 0 12 ? * MON-FRI *');
    assert.equal(h.completeHistory, false);
    assert.ok(Number(history[0]?.jobRunId) >= Number(history[1]?.jobRunId), 'newest first');
    const paged = await vmx<unknown[]>('GET', `/admin/api/jobs/history/${id}?limit=1`);
    assert.equal(paged.body.length, 1);
    assert.ok(paged.headers.get('x-kairos-next-cursor'), 'a cursor to the next page');
  });

  it('history strategy: ERROR shows failed runs only, OFF shows none; failures count as Fail', async () => {
    const id = await create(job({ jobFrequency: null, historyStrategy: 'ERROR' }, { serviceName: 'flaky', operationName: 'op' }));
    created.push(id);
    foundry.status.set('/services/flaky/op', 500);
    await vmx('POST', `/admin/api/jobs/job/run/${id}`);
    await waitFor(() => foundry.to('/services/flaky/op').length >= 1, 15_000, 'the failing call');
    foundry.status.set('/services/flaky/op', 200);
    // The second run starts only after the first ended (its history record is the barrier).
    const failed = await waitFor(async () => {
      const r = await vmx<Record<string, unknown>[]>('GET', `/admin/api/jobs/history/${id}`);
      return r.body.length === 1 ? r.body : undefined;
    }, 15_000, 'the failed run in the history');
    assert.equal(failed[0]?.executionStatus, 'Fail');
    await vmx('POST', `/admin/api/jobs/job/run/${id}`);
    await waitFor(() => foundry.to('/services/flaky/op').length >= 2, 15_000, 'the succeeding call');
    const row = await waitFor(async () => {
      const r = await vmx<Record<string, unknown>[]>('GET', '/admin/api/jobs/job');
      const x = r.body.find((j) => j.jobId === id);
      return x && x.jobHistoryTotal === 2 && x.jobHistorySuccessCount === 1 ? x : undefined;
    }, 15_000, 'both runs counted');
    assert.deepEqual([row.jobHistoryFailCount, row.jobHistorySucPercentage, row.jobHistoryFailPercentage, row.jobNextRunTime], [1, 50, 50, null]);
    const shown = await vmx<Record<string, unknown>[]>('GET', `/admin/api/jobs/history/${id}`);
    assert.deepEqual(shown.body.map((h) => h.executionStatus), ['Fail'], 'ERROR keeps only failed runs');

    const off = job({ jobId: id, jobFrequency: null, historyStrategy: 'OFF' }, { serviceName: 'flaky', operationName: 'op' });
    assert.deepEqual((await vmx('PUT', '/admin/api/jobs/job', off)).body, SUCCESS);
    assert.deepEqual((await vmx('GET', `/admin/api/jobs/history/${id}`)).body, []);
  });

  it('job ids come from a sequence: concurrent creates get distinct numbers, a rejected create uses none and changes nothing', async () => {
    const ids = await Promise.all([1, 2, 3, 4].map((i) => create(job({ jobName: `parallel-${i}`, jobFrequency: null }))));
    created.push(...ids);
    assert.equal(new Set(ids).size, 4);
    const last = Math.max(...ids);
    const bad = await vmx<Fail>('POST', '/admin/api/jobs/job', job({ jobFrequency: '0 0 25 * * ? *' }));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.status, 'FAIL');
    assert.equal(bad.body.token, null);
    assert.deepEqual(bad.body.result.errors.map((e) => e.field), ['jobFrequency']);
    assert.match(bad.body.message, /jobFrequency/);
    const next = await create(job({ jobName: 'after-the-rejected-one', jobFrequency: null }));
    created.push(next);
    assert.equal(next, last + 1, 'the rejected create allocated no number');
  });

  it('bad input: a 400 in Volt MX\'s shape naming the field and the reason; unknown ids: 404; nothing changes', async () => {
    const id = created[0] ?? 0;
    const cases: [string, string, unknown, string][] = [
      ['POST', '/admin/api/jobs/job', job({ jobName: undefined }), 'jobName'],
      ['POST', '/admin/api/jobs/job', job({ jobStatus: 'On' }), 'jobStatus'],
      ['POST', '/admin/api/jobs/job', job({ historyStrategy: 'ALL' }), 'historyStrategy'],
      ['POST', '/admin/api/jobs/job', job({ retentionPeriod: '-1' }), 'retentionPeriod'],
      ['POST', '/admin/api/jobs/job', job({}, { serviceExecutionType: 'CLIENT' }), 'jobServiceInfo.serviceExecutionType'],
      ['POST', '/admin/api/jobs/job', job({}, { postData: '{oops' }), 'jobServiceInfo.postData'],
      ['POST', '/admin/api/jobs/job', job({ jobFrequency: '61 * * * * ? *' }), 'jobFrequency'],
      ['POST', '/admin/api/jobs/job', { ...job(), color: 'red' }, 'color'],
      ['PUT', '/admin/api/jobs/job', job(), 'jobId'],
      ['PUT', '/admin/api/jobs/job', job({ jobId: id, jobFrequency: '0 0 12 ? * 6#9 *' }), 'jobFrequency'],
      ['GET', '/admin/api/jobs/abc', undefined, 'jobId'],
    ];
    for (const [method, path, body, field] of cases) {
      const r = await vmx<Fail>(method, path, body);
      assert.equal(r.status, 400, `${method} ${path} ${field}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.status, 'FAIL');
      assert.ok(r.body.result.errors.some((e) => e.field === field && e.message.length > 0), `${field} named: ${JSON.stringify(r.body)}`);
    }
    const malformed = await fetch(`${BASE()}/admin/api/jobs/job`, { method: 'POST', headers: { 'X-VoltMX-Authorization': token, 'content-type': 'application/json' }, body: '{"jobName":' });
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as Fail).status, 'FAIL');
    assert.equal(((await vmx('GET', `/admin/api/jobs/${id}`)).body as { jobName: string }).jobName, 'weather-cache-2', 'the rejected update changed nothing');

    for (const [method, path, body] of [
      ['GET', '/admin/api/jobs/2147483000', undefined],
      ['DELETE', '/admin/api/jobs/2147483000', undefined],
      ['POST', '/admin/api/jobs/job/run/2147483000', undefined],
      ['GET', '/admin/api/jobs/history/2147483000', undefined],
      ['PUT', '/admin/api/jobs/job', job({ jobId: 2147483000 })],
    ] as const) {
      const r = await vmx<Fail>(method, path, body);
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(r.body.result.code, 'JOB_NOT_FOUND');
    }
  });

  it('delete: SUCCESS, then the id is unknown (404) and its schedule is gone', async () => {
    const id = created.shift() ?? 0;
    assert.deepEqual((await vmx('DELETE', `/admin/api/jobs/job${id}`)).body, SUCCESS);
    assert.equal((await vmx('GET', `/admin/api/jobs/${id}`)).status, 404);
    assert.equal((await vmx('DELETE', `/admin/api/jobs/${id}`)).status, 404);
    const native = await fetch(`${apiUrl()}/v1/jobs/voltmx.job.${id}`, { headers: { 'X-VoltMX-Authorization': token } });
    assert.equal(native.status, 401, 'a Volt MX token opens the Volt MX routes only');
  });
});

describe('Volt MX tokens end when their user\'s credentials change', { timeout: 60_000 }, () => {
  const users: string[] = [];
  after(async () => {
    for (const id of users) await api('DELETE', `/v1/users/${id}`).catch(() => undefined);
  });

  /** A new Kairos user through the native API; its id. */
  async function newUser(username: string, password: string): Promise<string> {
    const r = await api<{ id: string }>('POST', '/v1/users', { body: { username, password, role: 'user' } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    users.push(r.body.id);
    return r.body.id;
  }

  /** The Volt MX login; the claims token, or the status when it fails. */
  async function loginAs(userid: string, password: string): Promise<{ status: number; token: string }> {
    const res = await fetch(`${BASE()}/authService/accounts/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ userid, password }).toString(),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json()) as { claims_token?: { value: string } };
    return { status: res.status, token: body.claims_token?.value ?? '' };
  }

  /** The job list with this token: 200 while it stands. */
  const listWith = (t: string) => vmx<Fail>('GET', '/admin/api/jobs/job', undefined, { 'X-VoltMX-Authorization': t });

  async function assertWorks(t: string, what: string): Promise<void> {
    const r = await listWith(t);
    assert.equal(r.status, 200, `${what}: ${JSON.stringify(r.body)}`);
  }

  /** Volt MX's own answer to a token that no longer stands: 401, FAIL, FAILURE_INVALID_TOKEN. */
  async function assertRevoked(t: string, what: string): Promise<void> {
    const r = await listWith(t);
    assert.equal(r.status, 401, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.status, 'FAIL', what);
    assert.equal(r.body.result.code, 'FAILURE_INVALID_TOKEN', what);
    assert.equal(r.body.result.errors[0]?.field, 'X-VoltMX-Authorization', what);
  }

  it('a password change through /v1 ends the token at once; the old password no longer logs in, the new one does', async () => {
    const name = uniqueId('vmx-pw');
    const id = await newUser(name, 'first-password');
    const first = await loginAs(name, 'first-password');
    assert.equal(first.status, 200);
    await assertWorks(first.token, 'fresh token');

    assert.equal((await api('PUT', `/v1/users/${id}/password`, { body: { password: 'second-password' } })).status, 204);
    await assertRevoked(first.token, 'after the password change');
    assert.equal((await loginAs(name, 'first-password')).status, 401);
    const second = await loginAs(name, 'second-password');
    assert.equal(second.status, 200);
    await assertWorks(second.token, 'token of the new password');
  });

  it('a role change ends the token; setting the same role does not; a fresh login works', async () => {
    const name = uniqueId('vmx-role');
    const id = await newUser(name, 'role-password');
    const before = await loginAs(name, 'role-password');
    await assertWorks(before.token, 'fresh token');

    const same = await api<{ role: string }>('PUT', `/v1/users/${id}/role`, { body: { role: 'user' } });
    assert.equal(same.status, 200);
    await assertWorks(before.token, 'same role');

    const changed = await api<{ id: string; role: string }>('PUT', `/v1/users/${id}/role`, { body: { role: 'admin' } });
    assert.deepEqual([changed.status, changed.body.id, changed.body.role], [200, id, 'admin']);
    await assertRevoked(before.token, 'after the role change');
    const after = await loginAs(name, 'role-password');
    await assertWorks(after.token, 'token after the role change');
    // The change took: the user is an admin now.
    const me = await api<{ role: string }>('GET', '/v1/me', { auth: `Basic ${Buffer.from(`${name}:role-password`).toString('base64')}` });
    assert.equal(me.body.role, 'admin');
  });

  it('revoke-tokens ends the token without changing the password (admin only); deleting the user ends it too', async () => {
    const name = uniqueId('vmx-del');
    const id = await newUser(name, 'del-password');
    const first = await loginAs(name, 'del-password');
    await assertWorks(first.token, 'fresh token');

    // Not for the user itself: revocation is an admin's tool.
    const self = await api('POST', `/v1/users/${id}/revoke-tokens`, { auth: `Basic ${Buffer.from(`${name}:del-password`).toString('base64')}` });
    assert.equal(self.status, 403);
    await assertWorks(first.token, 'a refused revocation');

    assert.equal((await api('POST', `/v1/users/${id}/revoke-tokens`)).status, 204);
    await assertRevoked(first.token, 'after revoke-tokens');
    const second = await loginAs(name, 'del-password');
    assert.equal(second.status, 200, 'the password still works');
    await assertWorks(second.token, 'token after the revocation');

    assert.equal((await api('DELETE', `/v1/users/${id}`)).status, 204);
    await assertRevoked(second.token, 'after the deletion');
    assert.equal((await loginAs(name, 'del-password')).status, 401);
  });

  it("changing one user's credentials leaves other users' tokens alone", async () => {
    const a = uniqueId('vmx-a');
    const b = uniqueId('vmx-b');
    const idA = await newUser(a, 'a-password');
    await newUser(b, 'b-password');
    const ta = await loginAs(a, 'a-password');
    const tb = await loginAs(b, 'b-password');
    const admin = await loginAs(process.env.KAIROS_ADMIN_USER ?? '', process.env.KAIROS_ADMIN_PASSWORD ?? '');
    assert.equal((await api('PUT', `/v1/users/${idA}/password`, { body: { password: 'a-password-2' } })).status, 204);
    await assertRevoked(ta.token, "a's token");
    await assertWorks(tb.token, "b's token");
    await assertWorks(admin.token, "the admin's token");
  });
});

describe('Volt MX job ids after an upgrade from the registry workflow', { timeout: 120_000 }, () => {
  const noJobs = { list: async () => ({ items: [], nextCursor: null }) };

  it('start past every number the registry handed out, across its continue-as-new, and retire it', async () => {
    const client = await temporalClient();
    const connection = await NativeConnection.connect({ address: temporalAddress() });
    const state = await freshState();
    try {
      const name = `test-${randomUUID().slice(0, 8)}`;
      const queue = `legacy-sequence-${randomUUID().slice(0, 8)}`;
      // The registry as an older Kairos ran it, on a task queue of its own; a low threshold makes it
      // continue as new during the allocations, so its latest run's input carries numbers forward.
      const worker = await Worker.create({ connection, namespace: namespace(), taskQueue: queue, workflowsPath: legacyWorkflows });
      const handedOut = await worker.runUntil(async () => {
        const got: number[] = [];
        for (let i = 0; i < 5; i++) {
          const start = new WithStartWorkflowOperation(LEGACY_SEQUENCE_WORKFLOW, {
            workflowId: legacyRegistryId(name),
            taskQueue: queue,
            args: [{ next: 1, maxHistoryEvents: 12 }],
            workflowIdConflictPolicy: 'USE_EXISTING',
          });
          got.push(await client.workflow.executeUpdateWithStart<Workflow, number, []>(ALLOCATE_UPDATE, { startWorkflowOperation: start }));
        }
        return got;
      });
      assert.deepEqual(handedOut, [1, 2, 3, 4, 5]);
      const registry = client.workflow.getHandle(legacyRegistryId(name));
      const before = await registry.describe();
      assert.notEqual(before.runId, before.raw.workflowExecutionInfo?.firstRunId, 'the registry continued as new');
      assert.equal(before.status.name, 'RUNNING');

      // Two API processes' first allocations at once: the row is seeded once, past 5.
      const one = voltmxJobIds(state.db, new TemporalGateway(client), noJobs, name);
      const two = voltmxJobIds(state.db, new TemporalGateway(client), noJobs, name);
      assert.deepEqual((await Promise.all([one.next(), two.next()])).sort((a, b) => a - b), [6, 7]);
      assert.equal((await registry.describe()).status.name, 'TERMINATED', 'the registry is retired');
      assert.equal(await one.next(), 8, 'the sequence continues from the state store alone');
    } finally {
      await state.close();
      await connection.close();
      await client.connection.close();
    }
  });

  it('without a registry, start past the highest Volt MX job id that exists', async () => {
    const client = await temporalClient();
    const state = await freshState();
    try {
      const summary = (id: string) => ({ id, name: id, type: 'http', ownerId: 'u', tags: [], enabled: true, dialect: 'voltmx', nextRunAt: null, lastRunAt: null });
      const pages: Record<string, { items: ReturnType<typeof summary>[]; nextCursor: string | null }> = {
        first: { items: [summary('voltmx.job.3'), summary('voltmx.job.17')], nextCursor: 'p2' },
        p2: { items: [summary('voltmx.job.9'), summary('not-voltmx-99')], nextCursor: null },
      };
      const store = { list: async (q: { cursor?: string }) => pages[q.cursor ?? 'first'] ?? { items: [], nextCursor: null } };
      const ids = voltmxJobIds(state.db, new TemporalGateway(client), store, `test-${randomUUID().slice(0, 8)}`);
      assert.equal(await ids.next(), 18);
      assert.equal(await ids.next(), 19);
    } finally {
      await state.close();
      await client.connection.close();
    }
  });
});
