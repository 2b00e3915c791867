// The Informer dialect end to end: /informer/api against the real dev server and worker, jobs that
// call a real HTTP target on loopback, two real users (owner and sharee) made through /v1/users.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, uniqueId } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';

const I = '/informer/api';
type Json = Record<string, unknown>;
type Boom = { statusCode: number; error: string; message: string; validation?: { source: string; keys: string[] } };

const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function assertBoom(res: { status: number; body: unknown }, status: number, keys?: string[]): Boom {
  const b = res.body as Boom;
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(b.statusCode, status);
  assert.equal(typeof b.error, 'string');
  assert.equal(typeof b.message, 'string');
  if (keys) assert.deepEqual(b.validation?.keys, keys, JSON.stringify(b));
  return b;
}

describe('Informer dialect', { timeout: 120_000 }, () => {
  let target: HttpTarget;
  const pw = 'informer-test-password';
  const alice = uniqueId('alice');
  const bob = uniqueId('bob');
  let A: string;
  let B: string;
  const as = (auth: string) => ({
    get: <T = Json>(p: string) => api<T>('GET', `${I}${p}`, { auth }),
    post: <T = Json>(p: string, body?: unknown) => api<T>('POST', `${I}${p}`, { auth, ...(body !== undefined ? { body } : {}) }),
    put: <T = Json>(p: string, body?: unknown) => api<T>('PUT', `${I}${p}`, { auth, ...(body !== undefined ? { body } : {}) }),
    del: <T = Json>(p: string) => api<T>('DELETE', `${I}${p}`, { auth }),
  });

  before(async () => {
    target = await startHttpTarget();
    target.respond = (req, res) => {
      res.writeHead(req.path.startsWith('/fail') ? 400 : 200, { 'content-type': 'text/plain' }).end('ok');
    };
    for (const username of [alice, bob]) {
      const res = await api('POST', '/v1/users', { body: { username, password: pw, role: 'user' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    A = basic(alice, pw);
    B = basic(bob, pw);
  });
  after(async () => {
    await target.close();
  });

  const report = () => ({
    name: 'Daily Sales Report',
    type: 'http',
    description: 'Send daily sales summary to management',
    enabled: false,
    interval: '0 8 * * *',
    intervalType: 'cron',
    timezone: 'America/New_York',
    data: { url: `${target.url}/report`, method: 'POST' },
    datasets: { sales: { datasetId: 'sales-2024', snapshots: { when: 'before', snapshotDatasets: ['sales-2024'] } } },
  });

  it('creates a job (201), reads it by UUID and by natural id, field for field', async () => {
    const created = await as(A).post('/jobs', report());
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = String(created.body.id);
    assert.match(id, UUID);
    assert.deepEqual(created.body, { id, name: 'Daily Sales Report', type: 'http', ownerId: alice, timezone: 'America/New_York', enabled: false });
    assert.equal(created.headers.get('location'), `${I}/jobs/${id}`);

    const got = await as(A).get(`/jobs/${id}`);
    assert.equal(got.status, 200);
    const j = got.body;
    for (const [k, v] of Object.entries({
      id, type: 'http', name: 'Daily Sales Report', slug: 'daily-sales-report', description: 'Send daily sales summary to management',
      ownerId: alice, interval: '0 8 * * *', intervalType: 'cron', timezone: 'America/New_York', enabled: false, nextRunAt: null,
      lockedAt: null, heartbeat: null, startOn: null, endOn: null, notes: '', source: null, sourceId: null, editingId: null,
    })) assert.deepEqual(j[k], v, k);
    assert.deepEqual(j.data, { url: `${target.url}/report`, method: 'POST' });
    assert.deepEqual(j._links, {
      self: { href: `${I}/jobs/${id}` },
      'inf:job-history': { href: `${I}/jobs/${id}/history` },
      'inf:job-actions': { href: `${I}/jobs/${id}/actions` },
      'inf:job-datasets': { href: `${I}/jobs/${id}/datasets` },
    });
    assert.deepEqual(j.permissions, { read: true, edit: true, delete: true, run: true });
    assert.ok(Date.parse(String(j.createdAt)) > 0 && Date.parse(String(j.updatedAt)) > 0);

    const natural = await as(A).get(`/jobs/${alice}:daily-sales-report`);
    assert.equal(natural.status, 200);
    assert.equal(natural.body.id, id);
    const datasets = await as(A).get<{ _embedded: { 'inf:job-dataset': Json[] } }>(`/jobs/${id}/datasets`);
    assert.deepEqual(datasets.body._embedded['inf:job-dataset'], [{ alias: 'sales', datasetId: 'sales-2024', snapshots: { when: 'before', snapshotDatasets: ['sales-2024'] } }]);

    // The same name again: the slug (the natural id) is made unique.
    const second = await as(A).post('/jobs', report());
    assert.equal(second.status, 201);
    assert.equal((await as(A).get(`/jobs/${alice}:daily-sales-report-2`)).body.id, second.body.id);
    assert.equal((await as(A).del(`/jobs/${alice}:daily-sales-report-2`)).status, 204);
    assertBoom(await as(A).get(`/jobs/${String(second.body.id)}`), 404);
    assertBoom(await as(A).get(`/jobs/${alice}:daily-sales-report-2`), 404);
  });

  it('a scheduled job is a real schedule that fires; POST /jobs/{id} runs it now and answers the outcome', async () => {
    const tick = uniqueId('tick');
    const created = await as(A).post('/jobs', { name: tick, type: 'api-call', enabled: true, interval: '2 seconds', data: { url: `${target.url}/${tick}`, method: 'GET' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = String(created.body.id);
    const got = await as(A).get(`/jobs/${id}`);
    assert.equal(got.body.type, 'api-call');
    assert.equal(got.body.intervalType, 'simple');
    assert.ok(got.body.nextRunAt, 'an enabled job has a next run');
    await waitFor(() => target.requests.some((r) => r.path === `/${tick}`), 20_000, 'a scheduled run');
    const off = await as(A).put(`/jobs/${id}`, { enabled: false });
    assert.equal(off.status, 200);
    assert.equal(off.body.enabled, false);
    assert.equal(off.body.nextRunAt, null);

    const before = target.requests.filter((r) => r.path === `/${tick}`).length;
    const run = await as(A).post<{ success: boolean; duration: number; history: Json[] }>(`/jobs/${id}`);
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.equal(run.body.success, true);
    assert.equal(typeof run.body.duration, 'number');
    assert.deepEqual(run.body.history, [{ task: { key: 'job:progress.invoking_job' }, result: { key: 'job:status.success', success: true } }]);
    assert.ok(target.requests.filter((r) => r.path === `/${tick}`).length > before, 'the run called the target');

    const failing = await as(A).post('/jobs', { name: uniqueId('fails'), type: 'http', data: { url: `${target.url}/fail`, method: 'GET' } });
    const failed = await as(A).post<{ success: boolean; history: { result: Json }[] }>(`/jobs/${String(failing.body.id)}`);
    assert.equal(failed.status, 200);
    assert.equal(failed.body.success, false);
    assert.equal(failed.body.history[0]?.result.key, 'job:status.failed');
    const history = await as(A).get<{ _embedded: { 'inf:job-history': Json[] } }>(`/jobs/${id}/history`);
    const rows = history.body._embedded['inf:job-history'];
    assert.ok(rows.length >= 2, 'the scheduled run and the run-now');
    // Rows as Informer has them: id, jobId, ownerId, success, warnings, duration as [start, end], data, progress, createdAt.
    for (const row of rows) {
      assert.deepEqual(Object.keys(row).sort(), ['createdAt', 'data', 'duration', 'id', 'jobId', 'ownerId', 'progress', 'success', 'warnings']);
      assert.equal(row.jobId, id);
      assert.equal(row.ownerId, alice);
      assert.ok(Array.isArray(row.warnings));
      const duration = row.duration as [string, string | null];
      assert.ok(Array.isArray(duration) && duration.length === 2 && !Number.isNaN(Date.parse(duration[0])), JSON.stringify(row.duration));
      assert.ok(!Number.isNaN(Date.parse(String(row.createdAt))));
    }
    const manual = rows.find((r) => (r.data as { trigger: string }).trigger === 'manual') as Json;
    assert.equal(manual.success, true);
    assert.deepEqual((manual.data as { history: Json[] }).history, run.body.history, 'the row says what the run-now answered');
    const one = await as(A).get<Json>(`/jobs/${id}/history/${String(manual.id)}`);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.deepEqual({ ...one.body, _links: undefined }, { ...manual, _links: undefined });
    // A failed run's row, and a run of another job under this job's id: not found, as an unknown id is.
    const failedRows = (await as(A).get<{ _embedded: { 'inf:job-history': Json[] } }>(`/jobs/${String(failing.body.id)}/history`)).body._embedded['inf:job-history'];
    assert.equal(failedRows[0]?.success, false);
    assert.equal(((failedRows[0]?.data as { error?: { message: string } }).error?.message ?? '').length > 0, true, 'the failed row carries its error');
    assert.equal((await as(A).get(`/jobs/${id}/history/${String(failedRows[0]?.id)}`)).status, 404);
    assert.equal((await as(A).get(`/jobs/${id}/history/no-such-run`)).status, 404);
    // The flat list gives the job's own Informer type, not the driver's.
    const flat = await as(A).get<Json[]>('/jobs-list');
    assert.equal(flat.body.find((j) => j.id === id)?.type, 'api-call');
    await as(A).del(`/jobs/${id}`);
    await as(A).del(`/jobs/${String(failing.body.id)}`);
  });

  it('lists with q, sort and limit/start paging (HAL), and the flat jobs-list', async () => {
    const marker = uniqueId('zeta');
    const names = ['Alpha', 'Bravo', 'Charlie'].map((n) => `${n} ${marker}`);
    const ids: string[] = [];
    for (const name of names) ids.push(String((await as(A).post('/jobs', { name, type: 'http', data: { url: `${target.url}/x` } })).body.id));
    const other = await as(A).post('/jobs', { name: uniqueId('delta'), type: 'http', description: `about ${marker}`, data: { url: `${target.url}/x` } });
    ids.push(String(other.body.id));
    type Page = { _links: Json; _embedded: { 'inf:job': Json[] }; start: number; count: number; total: number };
    const all = await waitFor(async () => {
      const p = await as(A).get<Page>(`/jobs?q=${marker}`);
      return p.body.total === 4 ? p : undefined;
    }, 15_000, 'the list to show the new jobs');
    assert.deepEqual(all.body._links, { self: { href: `${I}/jobs{?sort,limit,start,q}`, templated: true } });
    assert.equal(all.body.count, 4);
    assert.ok(all.body._embedded['inf:job'].some((j) => j.id === other.body.id), 'q searches descriptions too');
    const item = all.body._embedded['inf:job'].find((j) => j.name === names[0]) as Json;
    assert.deepEqual(Object.keys(item), ['_links', 'id', 'type', 'name', 'slug', 'description', 'ownerId', 'interval', 'intervalType', 'timezone', 'enabled', 'nextRunAt', 'startOn', 'endOn', 'lockedAt', 'createdAt', 'updatedAt']);
    assert.deepEqual(item._links, { self: { href: `${I}/jobs/${String(item.id)}` } });

    const page = await as(A).get<Page>(`/jobs?q=${encodeURIComponent(`${marker}`)}&sort=-name&limit=2&start=1`);
    assert.equal(page.status, 200);
    assert.deepEqual({ start: page.body.start, count: page.body.count, total: page.body.total }, { start: 1, count: 2, total: 4 });
    const sorted = [...names, String(other.body.name ?? '')].sort().reverse();
    assert.deepEqual(page.body._embedded['inf:job'].map((j) => j.name), (await as(A).get<Page>(`/jobs?q=${marker}&sort=-name`)).body._embedded['inf:job'].map((j) => j.name).slice(1, 3));
    assert.equal(sorted.length, 4);

    assertBoom(await as(A).get('/jobs?sort=colour'), 400, ['sort']);
    assertBoom(await as(A).get('/jobs?limit=0'), 400, ['limit']);
    assertBoom(await as(A).get('/jobs?start=-1'), 400, ['start']);

    const flat = await as(A).get<Json[]>('/jobs-list');
    const mine = flat.body.find((j) => j.id === ids[0]);
    assert.deepEqual(mine, {
      id: ids[0], name: names[0], type: 'http', enabled: false, ownerId: alice, ownerName: alice,
      naturalId: `${alice}:${String(names[0]).toLowerCase().replace(/[^a-z0-9]+/g, '-')}`, tags: [], sharing: [],
      permissions: { edit: true, write: true, delete: true, share: true },
    });
    // Bob sees none of Alice's jobs.
    assert.equal((await as(B).get<Json[]>('/jobs-list')).body.some((j) => ids.includes(String(j.id))), false);
    for (const id of ids) assert.equal((await as(A).del(`/jobs/${id}`)).status, 204);
  });

  it('PUT updates the job; bad input is a 400 naming the field and changes nothing', async () => {
    const id = String((await as(A).post('/jobs', report())).body.id);
    const updated = await as(A).put(`/jobs/${id}`, { interval: '0 9 * * *', timezone: 'America/Los_Angeles', enabled: true, notes: 'by alice' });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.interval, '0 9 * * *');
    assert.equal(updated.body.timezone, 'America/Los_Angeles');
    assert.equal(updated.body.enabled, true);
    assert.ok(updated.body.nextRunAt);
    assert.equal(new Date(String(updated.body.nextRunAt)).getUTCMinutes(), 0);
    // A client may send back what it read.
    const roundTrip = await as(A).put(`/jobs/${id}`, { ...updated.body, description: 'changed' });
    assert.equal(roundTrip.status, 200, JSON.stringify(roundTrip.body));
    assert.equal(roundTrip.body.description, 'changed');

    const before = (await as(A).get(`/jobs/${id}`)).body;
    assert.match(assertBoom(await as(A).put(`/jobs/${id}`, { interval: '61 * * * *' }), 400, ['interval']).message, /interval/);
    assertBoom(await as(A).put(`/jobs/${id}`, { interval: 'every now and then', intervalType: 'simple' }), 400, ['interval']);
    assertBoom(await as(A).put(`/jobs/${id}`, { enabled: 'yes' }), 400, ['enabled']);
    assertBoom(await as(A).put(`/jobs/${id}`, { colour: 'red' }), 400, ['colour']);
    assertBoom(await as(A).put(`/jobs/${id}`, { timezone: 'Mars/Olympus' }), 400, ['timezone']);
    assertBoom(await as(A).put(`/jobs/${id}`, { startOn: '2026-02-30' }), 400, ['startOn']);
    assertBoom(await as(A).put(`/jobs/${id}`, { data: { url: 'not a url' } }), 400);
    assertBoom(await as(A).put(`/jobs/${id}`, { ownerId: bob }), 400, ['ownerId']);
    assertBoom(await as(A).put(`/jobs/${id}`, { slug: 'another-slug' }), 400, ['slug']);
    assertBoom(await as(A).put(`/jobs/${id}`, { lockedAt: '2026-01-01T00:00:00Z' }), 403);
    assertBoom(await as(A).post('/jobs', { name: 'x', type: 'email' }), 400, ['type']);
    assertBoom(await as(A).post('/jobs', { type: 'http' }), 400, ['name']);
    assertBoom(await api('POST', `${I}/jobs`, { auth: A, rawBody: '{"name":', headers: { 'content-type': 'application/json' } }), 400);
    assert.deepEqual((await as(A).get(`/jobs/${id}`)).body, before, 'a rejected request changes nothing');

    assertBoom(await as(A).get('/jobs/00000000-0000-4000-8000-000000000000'), 404);
    assertBoom(await as(A).put('/jobs/00000000-0000-4000-8000-000000000000', { name: 'x' }), 404);
    assertBoom(await as(A).get(`/jobs/${alice}:no-such-slug`), 404);
    assertBoom(await api('GET', `${I}/jobs/${id}`, { auth: null }), 401);
    await as(A).del(`/jobs/${id}`);
  });

  it('drafts: _edit makes a copy that does not change the job until _commit', async () => {
    const id = String((await as(A).post('/jobs', { ...report(), name: uniqueId('drafted') })).body.id);
    const live = (await as(A).get(`/jobs/${id}`)).body;
    const edit = await as(A).post(`/jobs/${id}/_edit`);
    assert.equal(edit.status, 201, JSON.stringify(edit.body));
    const draftId = String(edit.body.id);
    assert.notEqual(draftId, id);
    assert.equal(edit.body.editingId, id);
    assert.equal(edit.body.name, live.name);
    assert.equal((await as(A).post(`/jobs/${id}/_edit`)).body.id, draftId, 'one draft per job');

    const changed = await as(A).put(`/jobs/${draftId}`, { name: 'Renamed in draft', interval: '30 7 * * 1-5', enabled: true });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.name, 'Renamed in draft');
    assert.equal(changed.body.nextRunAt, null, 'a draft never runs');
    assertBoom(await as(A).put(`/jobs/${draftId}`, { interval: '0 25 * * *' }), 400, ['interval']);
    assert.deepEqual((await as(A).get(`/jobs/${id}`)).body, live, 'the live job is unchanged');
    assertBoom(await as(A).post(`/jobs/${id}/_commit`), 400, ['id']);
    assertBoom(await as(A).post(`/jobs/${draftId}`), 400, ['id']);

    const committed = await as(A).post(`/jobs/${draftId}/_commit`);
    assert.equal(committed.status, 200, JSON.stringify(committed.body));
    assert.equal(committed.body.id, id);
    assert.equal(committed.body.name, 'Renamed in draft');
    assert.equal(committed.body.interval, '30 7 * * 1-5');
    assert.equal(committed.body.enabled, true);
    assert.equal(committed.body.editingId, null);
    assert.ok(committed.body.nextRunAt);
    assertBoom(await as(A).get(`/jobs/${draftId}`), 404);
    await as(A).del(`/jobs/${id}`);
  });

  it('owner, favorites per user, sharing and permissions', async () => {
    const created = await as(A).post('/jobs', { ...report(), name: uniqueId('shared') });
    const id = String(created.body.id);
    const slug = String((await as(A).get(`/jobs/${id}`)).body.slug);
    assert.deepEqual((await as(A).get(`/jobs/${id}/owner`)).body, { ownerId: alice });
    assertBoom(await as(B).get(`/jobs/${id}`), 404);
    assertBoom(await as(B).put(`/jobs/${id}/favorite`), 404);

    assert.deepEqual((await as(A).put(`/jobs/${id}/shares/${bob}`, { accessLevel: 1 })).body, { principalId: bob, accessLevel: 1 });
    assertBoom(await as(A).put(`/jobs/${id}/shares/${bob}`, { accessLevel: 9 }), 400, ['accessLevel']);
    const seen = await as(B).get(`/jobs/${id}`);
    assert.equal(seen.status, 200);
    assert.deepEqual(seen.body.permissions, { read: true, edit: false, delete: false, run: false });
    assertBoom(await as(B).put(`/jobs/${id}`, { name: 'by bob' }), 403);
    assertBoom(await as(B).post(`/jobs/${id}`), 403);
    const bobs = (await as(B).get<Json[]>('/jobs-list')).body.find((j) => j.id === id);
    assert.deepEqual(bobs?.permissions, { edit: false, write: false, delete: false, share: false });
    assert.deepEqual((await as(A).get<Json[]>('/jobs-list')).body.find((j) => j.id === id)?.sharing, [{ principalId: bob, accessLevel: 1 }]);

    await as(A).put(`/jobs/${id}/shares/${bob}`, { accessLevel: 2 });
    const byBob = await as(B).put(`/jobs/${id}`, { notes: 'edited by bob' });
    assert.equal(byBob.status, 200, JSON.stringify(byBob.body));
    assert.equal(byBob.body.ownerId, alice, 'an edit by a sharee keeps the owner');
    assertBoom(await as(B).del(`/jobs/${id}`), 403);

    // Favorites are per user.
    assert.deepEqual((await as(A).get(`/jobs/${id}/favorite`)).body, { favorited: false });
    assert.equal((await as(A).put(`/jobs/${id}/favorite`)).status, 200);
    assert.deepEqual((await as(A).get(`/jobs/${id}/favorite`)).body, { favorited: true });
    assert.deepEqual((await as(B).get(`/jobs/${id}/favorite`)).body, { favorited: false });
    assert.equal((await as(A).del(`/jobs/${id}/favorite`)).status, 204);
    assert.deepEqual((await as(A).get(`/jobs/${id}/favorite`)).body, { favorited: false });

    // A new owner: the natural id moves with the job.
    assertBoom(await as(A).put(`/jobs/${id}/owner`, { ownerId: 'nobody-by-that-name' }), 400, ['ownerId']);
    assert.deepEqual((await as(A).put(`/jobs/${id}/owner`, { ownerId: bob })).body, { ownerId: bob });
    assert.deepEqual((await as(B).get(`/jobs/${id}/owner`)).body, { ownerId: bob });
    assert.equal((await as(B).get(`/jobs/${bob}:${slug}`)).body.id, id);
    assertBoom(await as(B).get(`/jobs/${alice}:${slug}`), 404);
    assertBoom(await as(A).get(`/jobs/${id}`), 404);
    assert.equal((await as(B).del(`/jobs/${id}`)).status, 204);
    assertBoom(await as(B).get(`/jobs/${id}`), 404);
  });
});
