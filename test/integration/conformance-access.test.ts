// The access policy's conformance suite (issue #14): ONE permission table — owner, shared read,
// shared run, shared edit, a member of a team the job is shared with, a stranger, an admin × read,
// list, run, stop, edit, delete, history and "learn that it exists" — run through every surface that
// has the operation, each cell a real HTTP call against the real stack. A refused call answers 404
// to whoever may not read the job (the same answer as a job that does not exist) and 403 to whoever
// may; a refused mutation must have changed nothing (checked through /v1 as an admin). Shares are made
// through /v1 for jobs created through each surface, so the table also shows a share holding on all
// of them. Teams: the team and its membership are written to the stack's state store directly.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { api, uniqueId, type ApiResponse } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';
import { loadConfig } from '../../core/config.ts';
import { openDatabase, type Db } from '../../core/db/open.ts';
import { jobIdFor as daprJobId } from '../../api/dialects/dapr/mapping.ts';
import { jobRunIdOf } from '../../api/dialects/cluedin/ids.ts';

type Json = Record<string, unknown>;
type Res = ApiResponse<unknown>;
const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

// ---- the table ------------------------------------------------------------------------------------

const WHO = ['owner', 'shared read', 'shared run', 'shared edit', 'team member', 'stranger', 'admin'] as const;
type Who = (typeof WHO)[number];
const OPS = ['exists', 'read', 'list', 'history', 'edit', 'run', 'stop', 'delete'] as const;
type Op = (typeof OPS)[number];

/** The share each principal gets on the jobs under test (the team member's is its team's). */
const SHARE: Partial<Record<Who, 'read' | 'run' | 'edit'>> = { 'shared read': 'read', 'shared run': 'run', 'shared edit': 'edit', 'team member': 'edit' };

//                      exists read  list  history edit   run    stop   delete
const ALLOWED: Record<Who, boolean[]> = {
  owner:              [true, true, true, true,  true,  true,  true,  true],
  'shared read':      [true, true, true, true,  false, false, false, false],
  'shared run':       [true, true, true, true,  false, true,  true,  false],
  'shared edit':      [true, true, true, true,  true,  true,  true,  false],
  'team member':      [true, true, true, true,  true,  true,  true,  false],
  stranger:           [false, false, false, false, false, false, false, false],
  admin:              [true, true, true, true,  true,  true,  true,  true],
};
const allowed = (who: Who, op: Op): boolean => ALLOWED[who][OPS.indexOf(op)] ?? false;
/** Whether the principal may read the job at all: the status a refusal gets depends on it. */
const mayRead = (who: Who): boolean => allowed(who, 'read');

// ---- the surfaces ---------------------------------------------------------------------------------

/** A job under test: its canonical id (for /v1 checks as admin) and the id its surface uses. */
interface Target {
  id: string;
  ref: string;
}

interface Surface {
  name: string;
  /** Creates a job through the surface as `auth`; `url` is what the job calls. */
  create(auth: string, url: string): Promise<Target>;
  /** One call per operation the surface has (exists is answered by `read` and a missing id). */
  read?(auth: string, ref: string): Promise<Res>;
  listed?(auth: string, t: Target): Promise<boolean>;
  history?(auth: string, ref: string): Promise<Res>;
  edit?(auth: string, ref: string): Promise<Res>;
  run?(auth: string, ref: string): Promise<Res>;
  stop?(auth: string, t: Target, runId: string): Promise<Res>;
  delete?(auth: string, ref: string): Promise<Res>;
  /** A refusal's status for whoever may read but not act (403 everywhere so far). */
  forbiddenStatus?: number;
  /** What reading a job that does not exist answers (Dapr: 500 DAPR_SCHEDULER_GET_JOB, as daprd does). */
  notFoundStatus?: number;
  /** What deleting a job that does not exist answers (Dapr: 204, deleting nothing succeeds). */
  deleteMissingStatus?: number;
}

const call = (method: string, path: string, auth: string, body?: unknown) => api<unknown>(method, path, { auth, ...(body !== undefined ? { body } : {}) });
const httpJob = (id: string | undefined, url: string) => ({
  ...(id ? { id } : {}),
  name: id ?? 'conformance',
  type: 'http',
  enabled: false,
  data: { url, method: 'POST' },
  triggers: [{ type: 'cron', dialect: 'unix', expression: '0 3 1 1 *' }],
});

const native: Surface = {
  name: '/v1',
  async create(auth, url) {
    const id = uniqueId('acc-v1');
    const res = await call('POST', '/v1/jobs', auth, httpJob(id, url));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return { id, ref: id };
  },
  read: (auth, ref) => call('GET', `/v1/jobs/${ref}`, auth),
  async listed(auth, t) {
    const res = await api<{ items: { id: string }[] }>('GET', '/v1/jobs?limit=1000', { auth });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items.some((j) => j.id === t.id);
  },
  history: (auth, ref) => call('GET', `/v1/jobs/${ref}/runs`, auth),
  edit: (auth, ref) => call('PATCH', `/v1/jobs/${ref}`, auth, { description: `edited ${Date.now()}` }),
  run: (auth, ref) => call('POST', `/v1/jobs/${ref}/run`, auth),
  stop: (auth, _t, runId) => call('POST', `/v1/runs/${runId}/stop`, auth),
  delete: (auth, ref) => call('DELETE', `/v1/jobs/${ref}`, auth),
};

const I = '/informer/api';
const informer: Surface = {
  name: 'Informer',
  async create(auth, url) {
    const res = await api<Json>('POST', `${I}/jobs`, {
      auth,
      body: { name: uniqueId('acc-inf'), type: 'http', enabled: false, interval: '0 3 1 1 *', intervalType: 'cron', data: { url, method: 'POST' } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const uuid = String(res.body.id);
    return { id: `informer.${uuid}`, ref: uuid };
  },
  read: (auth, ref) => call('GET', `${I}/jobs/${ref}`, auth),
  async listed(auth, t) {
    const res = await api<{ id: string }[]>('GET', `${I}/jobs-list`, { auth });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.some((j) => j.id === t.ref);
  },
  history: (auth, ref) => call('GET', `${I}/jobs/${ref}/history`, auth),
  edit: (auth, ref) => call('PUT', `${I}/jobs/${ref}`, auth, { description: `edited ${Date.now()}` }),
  // Informer's run answers with the run's outcome (the target answers at once unless held).
  run: (auth, ref) => call('POST', `${I}/jobs/${ref}`, auth),
  delete: (auth, ref) => call('DELETE', `${I}/jobs/${ref}`, auth),
};

/** Fusion shows a job of another API as `task:<id>` (its driver is http); created through /v1. */
const F = '/fusion/api';
const fusion: Surface = {
  name: 'Fusion',
  create: native.create,
  read: (auth, ref) => call('GET', `${F}/jobs/task:${ref}`, auth),
  async listed(auth, t) {
    const res = await api<{ resource: string }[]>('GET', `${F}/jobs?limit=1000`, { auth });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.some((j) => j.resource === `task:${t.ref}`);
  },
  history: (auth, ref) => call('GET', `${F}/jobs/task:${ref}/history`, auth),
  edit: (auth, ref) => call('PUT', `${F}/jobs/task:${ref}/schedule`, auth, { enabled: false }),
  async run(auth, ref) {
    const res = await call('POST', `${F}/jobs/task:${ref}/actions`, auth, { action: 'start' });
    if (res.status === 200) assert.equal((res.body as Json).accepted, true, JSON.stringify(res.body));
    return res;
  },
  async stop(auth, t) {
    const res = await call('POST', `${F}/jobs/task:${t.ref}/actions`, auth, { action: 'stop' });
    if (res.status === 200) assert.equal((res.body as Json).accepted, true, JSON.stringify(res.body));
    return res;
  },
  delete: (auth, ref) => call('DELETE', `${F}/tasks/${ref}`, auth),
};

/** Volt MX jobs are numbered (`voltmx.job.<n>`); Kairos credentials work on its routes as its tokens do. */
const V = '/voltmx/admin/api/jobs';
const voltmxJob = (over: Json = {}) => ({
  jobName: uniqueId('acc-vmx'),
  jobFrequency: '0 0 3 1 1 ? *',
  description: 'conformance',
  jobServiceInfo: {
    version: '1.0',
    serviceType: 'intSer',
    serviceName: 'svc',
    objectName: '',
    operationName: 'op',
    requestheaderMap: {},
    serviceExecutionType: 'SERVER_URL',
    postData: '{}',
    operationSecurityLevel: 'public',
  },
  jobStatus: 'Inactive',
  historyStrategy: 'FULL',
  retentionPeriod: '30',
  ...over,
});
const voltmx: Surface = {
  name: 'Volt MX',
  async create(auth) {
    const res = await call('POST', `${V}/job`, auth, voltmxJob());
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const n = /\/job\/(\d+)$/.exec(res.headers.get('location') ?? '')?.[1];
    assert.ok(n, `Location: ${res.headers.get('location')}`);
    return { id: `voltmx.job.${n}`, ref: n };
  },
  read: (auth, ref) => call('GET', `${V}/job/${ref}`, auth),
  async listed(auth, t) {
    const res = await api<{ jobId: number }[]>('GET', `${V}/job?limit=1000`, { auth });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.some((j) => String(j.jobId) === t.ref);
  },
  history: (auth, ref) => call('GET', `${V}/history/${ref}`, auth),
  edit: (auth, ref) => call('PUT', `${V}/job`, auth, voltmxJob({ jobId: Number(ref), description: `edited ${Date.now()}` })),
  run: (auth, ref) => call('POST', `${V}/job/run/${ref}`, auth),
  delete: (auth, ref) => call('DELETE', `${V}/job/${ref}`, auth),
};

/** CluedIn's recurring jobs are per configuration GUID (`cluedin.crawling.<guid>`); it has no single-job read. */
const C = '/cluedin';
const cluedinForm = (path: string, auth: string, ids: string[]) =>
  api<unknown>('POST', `${C}${path}`, { auth, rawBody: ids.map((id) => `jobIds%5B%5D=${encodeURIComponent(id)}`).join('&'), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
const cluedin: Surface = {
  name: 'CluedIn',
  async create(auth, url) {
    const cfg = randomUUID();
    const res = await call('POST', `${C}/api/v1/hangfire/jobs/crawling`, auth, {
      ConfigurationId: cfg,
      OrganizationId: randomUUID(),
      UserId: randomUUID(),
      Cron: '0 3 1 1 *',
      Job: 'Conformance',
      Task: { Type: 'http', Data: { url, method: 'POST' } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return { id: `cluedin.crawling.${cfg}`, ref: cfg };
  },
  async listed(auth, t) {
    const res = await api<{ ConfigurationId: string }[]>('GET', `${C}/api/v1/hangfire/jobs/crawling?limit=1000`, { auth });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.some((j) => j.ConfigurationId === t.ref);
  },
  edit: (auth, ref) => call('PATCH', `${C}/api/v1/hangfire/jobs/crawling`, auth, { id: ref, cron: `0 ${new Date().getUTCHours()} 1 1 *` }),
  run: (auth, ref) => cluedinForm('/hangfire/recurring/trigger', auth, [ref]),
  stop: (auth, t, runId) => call('PATCH', `${C}/api/v1/jobs/abandonwork`, auth, { jobId: t.ref, jobRunId: jobRunIdOf(t.id, runId) }),
  delete: (auth, ref) => cluedinForm('/hangfire/recurring/remove', auth, [ref]),
};

/** Dapr jobs (`dapr:<name>`): get and delete; scheduling is create-or-overwrite, not an edit of someone's job. */
const D = '/dapr/v1.0-alpha1/jobs';
const dapr: Surface = {
  name: 'Dapr',
  async create(auth) {
    const name = uniqueId('acc-dapr');
    const res = await call('POST', `${D}/${name}`, auth, { schedule: '@every 720h', data: { conformance: true } });
    assert.equal(res.status, 204, JSON.stringify(res.body));
    return { id: daprJobId(undefined, name), ref: name };
  },
  read: (auth, ref) => call('GET', `${D}/${ref}`, auth),
  delete: (auth, ref) => call('DELETE', `${D}/${ref}`, auth),
  notFoundStatus: 500,
  deleteMissingStatus: 204,
};

const SURFACES: Surface[] = [native, informer, fusion, voltmx, cluedin, dapr];

// ---- the suite ------------------------------------------------------------------------------------

describe('access conformance: one table, every surface', { timeout: 600_000 }, () => {
  const pw = 'conformance-access-password';
  const auth = {} as Record<Who, string>;
  const ids = {} as Record<Who, string>;
  let teamId = '';
  const teamName = uniqueId('acc-team');
  let db: Db;
  let target: HttpTarget;
  /** Requests to /hold/<job> wait here until released (a run that stays running for the stop cells). */
  const held = new Map<string, ServerResponse[]>();
  const holding = new Set<string>();

  const release = (jobId: string) => {
    holding.delete(jobId);
    for (const res of held.get(jobId) ?? []) res.writeHead(200).end('ok');
    held.delete(jobId);
  };

  before(async () => {
    db = openDatabase(loadConfig(process.env).database);
    target = await startHttpTarget();
    target.respond = (req, res) => {
      const jobKey = decodeURIComponent(req.path.replace(/^\/job\//, ''));
      if (holding.has(jobKey)) held.set(jobKey, [...(held.get(jobKey) ?? []), res]);
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    };
    const at = new Date().toISOString();
    for (const who of WHO) {
      if (who === 'admin') {
        auth.admin = `Basic ${Buffer.from(`${process.env.KAIROS_ADMIN_USER}:${process.env.KAIROS_ADMIN_PASSWORD}`).toString('base64')}`;
        ids.admin = (await api<{ id: string }>('GET', '/v1/me', { auth: auth.admin })).body.id;
        continue;
      }
      const username = uniqueId(`acc-${who.replace(' ', '-')}`);
      const res = await api<{ id: string }>('POST', '/v1/users', { body: { username, password: pw, role: 'user' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      auth[who] = basic(username, pw);
      ids[who] = res.body.id;
      // The membership table refers to principals: make sure the user is one (the auth store may keep it elsewhere).
      await db.kysely
        .insertInto('principals')
        .values({ id: res.body.id, kind: 'user', name: username, role: 'user', password_hash: null, credential_version: 0, created_at: at })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
    teamId = `team_${uniqueId('acc').replace(/-/g, '')}`;
    await db.kysely.insertInto('principals').values({ id: teamId, kind: 'team', name: teamName, role: 'user', password_hash: null, credential_version: 0, created_at: at }).execute();
    await db.kysely.insertInto('team_members').values({ team_id: teamId, user_id: ids['team member'], added_at: at }).execute();
  });

  after(async () => {
    for (const id of [...holding]) release(id);
    await target.close();
    await db.close();
  });

  /** The job as an admin sees it through /v1 (status 404 once gone). */
  const adminView = (id: string) => api<{ version: number; description: string }>('GET', `/v1/jobs/${id}`, { auth: auth.admin });
  const runsOf = async (id: string) => (await api<{ items: { runId: string; status: string }[] }>('GET', `/v1/jobs/${id}/runs`, { auth: auth.admin })).body.items;

  /** Shares a job through /v1 as its owner: the grants of the table. */
  async function share(owner: string, t: Target): Promise<void> {
    for (const [who, level] of Object.entries(SHARE) as [Who, string][]) {
      const principal = who === 'team member' ? teamId : ids[who];
      const res = await api('PUT', `/v1/jobs/${t.id}/shares/${principal}`, { auth: owner, body: { level } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
  }

  /** A refused call: 404 for whoever may not read, the surface's 403 for whoever may. */
  function assertRefused(s: Surface, who: Who, res: Res): void {
    const expected = mayRead(who) ? (s.forbiddenStatus ?? 403) : (s.notFoundStatus ?? 404);
    assert.equal(res.status, expected, `${who}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const ok = (res: Res, what: string) => assert.ok(res.status >= 200 && res.status < 300, `${what}: ${res.status} ${JSON.stringify(res.body)}`);

  for (const s of SURFACES) {
    describe(s.name, () => {
      for (const who of WHO) {
        describe(who, () => {
          let t: Target;
          before(async () => {
            t = await s.create(auth.owner, `${target.url}/job/`);
            await share(auth.owner, t);
          });

          if (s.read) {
            const read = s.read;
            it(`exists: ${allowed(who, 'exists') ? 'learns it' : 'answered exactly as a missing job'}`, async () => {
              const real = await read(auth[who], t.ref);
              if (allowed(who, 'exists')) return ok(real, 'read');
              const missingRef = s === informer ? '00000000-0000-4000-8000-000000000000' : s === voltmx ? '999999999' : uniqueId('acc-missing');
              const missing = await read(auth[who], missingRef);
              const masked = (r: Res, ref: string) => JSON.stringify(r.body).replaceAll(ref, 'ID').replace(/"(requestId|traceId)":"[^"]*"/g, '');
              assert.equal(real.status, missing.status);
              assert.equal(masked(real, t.ref), masked(missing, missingRef));
            });
          }

          // Reads: allowed, or refused with 404 / 403.
          for (const op of ['read', 'history'] as const) {
            const get = s[op];
            if (!get) continue;
            it(`${op}: ${allowed(who, op) ? 'allowed' : 'refused'}`, async () => {
              const res = await get(auth[who], t.ref);
              if (allowed(who, op)) ok(res, op);
              else assertRefused(s, who, res);
            });
          }

          if (s.listed) {
            const listed = s.listed;
            it(`list: ${allowed(who, 'list') ? 'listed' : 'not listed'}`, async () => {
              if (allowed(who, 'list')) {
                await waitFor(() => listed(auth[who], t), 30_000, `${t.id} in ${who}'s list`);
              } else {
                // Once the owner sees it listed, its absence from this list means something.
                await waitFor(() => listed(auth.owner, t), 30_000, `${t.id} in the owner's list`);
                assert.equal(await listed(auth[who], t), false);
              }
            });
          }

          if (s.edit) {
            const edit = s.edit;
            it(`edit: ${allowed(who, 'edit') ? 'allowed' : 'refused, nothing changed'}`, async () => {
              const before = (await adminView(t.id)).body;
              const res = await edit(auth[who], t.ref);
              const now = (await adminView(t.id)).body;
              if (allowed(who, 'edit')) {
                ok(res, 'edit');
                assert.equal(now.version, before.version + 1);
              } else {
                assertRefused(s, who, res);
                assert.deepEqual(now, before, 'the job is unchanged');
              }
            });
          }

          if (s.run) {
            const run = s.run;
            it(`run: ${allowed(who, 'run') ? 'allowed' : 'refused, no run started'}`, async () => {
              const before = await runsOf(t.id);
              const calls = target.requests.filter((r) => r.path.startsWith('/job/')).length;
              const res = await run(auth[who], t.ref);
              if (allowed(who, 'run')) {
                ok(res, 'run');
                await waitFor(async () => (await runsOf(t.id)).length > before.length, 30_000, 'the run listed');
              } else {
                assertRefused(s, who, res);
                assert.equal((await runsOf(t.id)).length, before.length, 'no run');
                assert.equal(target.requests.filter((r) => r.path.startsWith('/job/')).length, calls, 'nothing was called');
              }
            });
          }

          if (s.stop) {
            const stop = s.stop;
            it(`stop: ${allowed(who, 'stop') ? 'allowed' : 'refused, the run goes on'}`, async () => {
              holding.add('');
              const started = await api<{ runId: string }>('POST', `/v1/jobs/${t.id}/run`, { auth: auth.admin });
              assert.equal(started.status, 202, JSON.stringify(started.body));
              const runId = started.body.runId;
              const status = async () => (await api<{ status: string }>('GET', `/v1/runs/${runId}`, { auth: auth.admin })).body.status;
              await waitFor(async () => (await status()) === 'running', 30_000, 'the run running');
              try {
                const res = await stop(auth[who], t, runId);
                if (allowed(who, 'stop')) {
                  ok(res, 'stop');
                  await waitFor(async () => (await status()) !== 'running', 30_000, 'the run stopped');
                } else {
                  assertRefused(s, who, res);
                  assert.equal(await status(), 'running', 'the run goes on');
                }
              } finally {
                release('');
              }
            });
          }

          if (s.delete) {
            const del = s.delete;
            it(`delete: ${allowed(who, 'delete') ? 'allowed, shares gone' : 'refused, the job stays'}`, async () => {
              const res = await del(auth[who], t.ref);
              if (allowed(who, 'delete')) {
                ok(res, 'delete');
                assert.equal((await adminView(t.id)).status, 404);
                const left = await db.kysely.selectFrom('job_shares').select('principal_id').where('job_id', '=', t.id).execute();
                assert.deepEqual(left, [], 'its shares went with it');
              } else {
                if (!mayRead(who) && s.deleteMissingStatus !== undefined) assert.equal(res.status, s.deleteMissingStatus, 'answered as for a missing job');
                else assertRefused(s, who, res);
                assert.equal((await adminView(t.id)).status, 200, 'the job stays');
              }
            });
          }
        });
      }
    });
  }
  describe('shares hold across surfaces; the share endpoints', () => {
    const sharesOf = async (id: string, who: Who = 'owner') => api<{ items: { principalId: string; level: string }[] }>('GET', `/v1/jobs/${id}/shares`, { auth: auth[who] });

    it('a share made through Informer holds on /v1, and one made through /v1 shows in Informer', async () => {
      const t = await native.create(auth.owner, `${target.url}/job/`);
      const readerName = (await api<{ username: string }>('GET', '/v1/me', { auth: auth['shared read'] })).body.username;
      assert.equal((await api('PUT', `${I}/jobs/${t.id}/shares/${readerName}`, { auth: auth.owner, body: { accessLevel: 1 } })).status, 200);
      assert.equal((await native.read!(auth['shared read'], t.id)).status, 200);
      assert.equal((await native.edit?.(auth['shared read'], t.id))?.status, 403);
      assert.deepEqual((await sharesOf(t.id)).body.items.map((x) => [x.principalId, x.level]), [[ids['shared read'], 'read']]);

      assert.equal((await api('PUT', `/v1/jobs/${t.id}/shares/${ids['shared edit']}`, { auth: auth.owner, body: { level: 'edit' } })).status, 200);
      const editorName = (await api<{ username: string }>('GET', '/v1/me', { auth: auth['shared edit'] })).body.username;
      const inInformer = await api<{ principalId: string; accessLevel: number }[]>('GET', `${I}/jobs/${t.id}/shares`, { auth: auth.owner });
      assert.deepEqual(inInformer.body.map((x) => [x.principalId, x.accessLevel]).sort(), [[editorName, 2], [readerName, 1]].sort());
      const seen = await api<{ permissions: Json }>('GET', `${I}/jobs/${t.id}`, { auth: auth['shared edit'] });
      assert.deepEqual(seen.body.permissions, { read: true, edit: true, delete: false, run: true });
      // A team share made through /v1 shows under the team's name in Informer, and Informer can share with a team by name.
      assert.equal((await api('PUT', `/v1/jobs/${t.id}/shares/${teamId}`, { auth: auth.owner, body: { level: 'run' } })).status, 200);
      const withTeam = await api<{ principalId: string; accessLevel: number }[]>('GET', `${I}/jobs/${t.id}/shares`, { auth: auth.owner });
      assert.ok(withTeam.body.some((x) => x.principalId === teamName && x.accessLevel === 1), JSON.stringify(withTeam.body));
      assert.equal((await api('PUT', `${I}/jobs/${t.id}/shares/${teamName}`, { auth: auth.owner, body: { accessLevel: 2 } })).status, 200);
      assert.ok((await sharesOf(t.id)).body.items.some((x) => x.principalId === teamId && x.level === 'edit'));
      assert.equal((await native.edit?.(auth['team member'], t.id))?.status, 200, 'the team member edits through the team share');
      assert.equal((await api('DELETE', `/v1/jobs/${t.id}`, { auth: auth.owner })).status, 204);
    });

    it('share endpoints: read to list, share permission to change, 404 for a stranger and for an unknown principal, 400 for a bad level', async () => {
      const t = await native.create(auth.owner, `${target.url}/job/`);
      const put = (who: Who, principal: string, body: unknown) => api<Json>('PUT', `/v1/jobs/${t.id}/shares/${principal}`, { auth: auth[who], body });
      assert.equal((await put('owner', ids['shared read'], { level: 'read' })).status, 200);
      assert.equal((await put('owner', ids['shared edit'], { level: 'edit' })).status, 200);
      assert.equal((await put('owner', ids['shared run'], { level: 'admin' })).status, 200, 'an admin share');

      // A stranger learns nothing: every share call answers as for a missing job.
      const missing = uniqueId('acc-missing');
      for (const [method, path] of [['GET', '/shares'], ['PUT', `/shares/${ids.stranger}`], ['DELETE', `/shares/${ids['shared read']}`]] as const) {
        const real = await api<Json>(method, `/v1/jobs/${t.id}${path}`, { auth: auth.stranger, ...(method === 'PUT' ? { body: { level: 'admin' } } : {}) });
        const none = await api<Json>(method, `/v1/jobs/${missing}${path}`, { auth: auth.stranger, ...(method === 'PUT' ? { body: { level: 'admin' } } : {}) });
        assert.equal(real.status, 404, `${method} ${path}`);
        assert.equal(JSON.stringify(real.body).replaceAll(t.id, 'ID'), JSON.stringify(none.body).replaceAll(missing, 'ID'));
      }
      // Read shares may list; read and edit shares may not change them; an admin share may.
      assert.equal((await sharesOf(t.id, 'shared read')).status, 200);
      assert.equal((await put('shared read', ids.stranger, { level: 'read' })).status, 403);
      assert.equal((await put('shared edit', ids.stranger, { level: 'read' })).status, 403);
      assert.equal((await api('DELETE', `/v1/jobs/${t.id}/shares/${ids['shared read']}`, { auth: auth['shared edit'] })).status, 403);
      assert.equal((await put('shared run', teamId, { level: 'read' })).status, 200, 'the admin share shares with a team');
      assert.ok((await sharesOf(t.id)).body.items.some((x) => x.principalId === teamId));

      // Bad input, by the owner: an unknown principal is 404, a bad level or the owner itself 400.
      const unknown = await put('owner', 'usr_nobody_here', { level: 'read' });
      assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
      assert.ok(!JSON.stringify(unknown.body).includes(t.id), 'names the principal, not the job');
      const bad = await put('owner', ids.stranger, { level: 'owner' });
      assert.equal(bad.status, 400);
      assert.deepEqual((bad.body as { error: { details: { path: string }[] } }).error.details.map((d) => d.path), ['level']);
      assert.equal((await put('owner', ids.stranger, { level: 'read', extra: 1 })).status, 400);
      assert.equal((await put('owner', ids.owner, { level: 'read' })).status, 400, 'the owner has everything already');
      const before = (await sharesOf(t.id)).body.items;
      assert.ok(!before.some((x) => x.principalId === ids.stranger), 'no refused call made a share');

      // Removing a share ends the access at once.
      assert.equal((await api('DELETE', `/v1/jobs/${t.id}/shares/${ids['shared read']}`, { auth: auth.owner })).status, 204);
      assert.equal((await native.read!(auth['shared read'], t.id)).status, 404);
      assert.equal((await api('DELETE', `/v1/jobs/${t.id}`, { auth: auth.owner })).status, 204);
    });

    it('cross-job run views that name a shared job show its runs to a sharee, nothing to a stranger (/v1/runs, CluedIn)', async () => {
      const t = await cluedin.create(auth.owner, `${target.url}/job/`);
      await share(auth.owner, t);
      const started = await api<{ runId: string }>('POST', `/v1/jobs/${t.id}/run`, { auth: auth.admin });
      assert.equal(started.status, 202);
      const v1 = (who: Who) => api<{ items: { runId: string }[] }>('GET', `/v1/runs?jobId=${encodeURIComponent(t.id)}`, { auth: auth[who] });
      const rows = (who: Who) => api<{ Id: string }[]>('GET', `${C}/api/v1/jobs?page=0&take=50&configurationId=${t.ref}`, { auth: auth[who] });
      for (const who of ['shared read', 'team member', 'owner'] as const) {
        await waitFor(async () => (await v1(who)).body.items.some((r) => r.runId === started.body.runId), 30_000, `the run in ${who}'s /v1/runs`);
        await waitFor(async () => (await rows(who)).body.length > 0, 30_000, `the run in ${who}'s CluedIn list`);
      }
      assert.deepEqual((await v1('stranger')).body.items, []);
      assert.deepEqual((await rows('stranger')).body, []);
      assert.equal((await cluedin.delete?.(auth.owner, t.ref))?.status, 200);
    });

    for (const s of [native, informer]) {
      it(`deleting through ${s.name} removes the shares; a job created again with the id has none`, async () => {
        const t = await s.create(auth.owner, `${target.url}/job/`);
        await share(auth.owner, t);
        assert.equal((await sharesOf(t.id)).body.items.length, 4);
        const del = await s.delete?.(auth.owner, t.ref);
        assert.ok(del && del.status < 300, JSON.stringify(del?.body));
        assert.deepEqual(await db.kysely.selectFrom('job_shares').select('principal_id').where('job_id', '=', t.id).execute(), []);
        // Another user creates the id again: none of the earlier sharees can open it.
        const again = await api('POST', '/v1/jobs', { auth: auth.stranger, body: httpJob(t.id, `${target.url}/job/`) });
        assert.equal(again.status, 201, JSON.stringify(again.body));
        assert.deepEqual((await sharesOf(t.id, 'stranger')).body.items, []);
        for (const who of ['shared read', 'shared edit', 'team member', 'owner'] as const) assert.equal((await native.read!(auth[who], t.id)).status, 404, who);
        assert.equal((await api('DELETE', `/v1/jobs/${t.id}`, { auth: auth.stranger })).status, 204);
      });
    }
  });
});
