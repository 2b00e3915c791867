// The CluedIn dialect end to end against the real dev server and real HTTP targets on loopback:
// recurring crawling jobs that really fire on their Hangfire cron, the seed's requests sent as
// written (form-encoded jobIds[] for trigger/remove, {id, cron} for PATCH), job state counts and
// paged runs computed from real runs, the progress of an in-flight datasource ingestion, abandon
// work cancelling it, and bad input answered 4xx in ASP.NET's problem-details shape with nothing changed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { api, filesDir, type ApiResponse } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';
import type { ProblemDetails } from '../../api/dialects/cluedin/errors.ts';
import type { RecurringView, RunRow, StateCounts } from '../../api/dialects/cluedin/mapping.ts';

type Recurring = RecurringView & { CreatedAt: string };
type Row = RunRow;
type Counts = StateCounts;
type Problem = ProblemDetails;

const C = '/cluedin';
const c = <T = Record<string, unknown>>(method: string, path: string, opts: Parameters<typeof api>[2] = {}) => api<T>(method, `${C}${path}`, opts);
const RECURRING = '/api/v1/hangfire/jobs/crawling';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A form post, as CluedIn's UI sends trigger and remove. */
const form = (path: string, ids: string[]) =>
  c('POST', path, { rawBody: ids.map((id) => `jobIds%5B%5D=${encodeURIComponent(id)}`).join('&'), headers: { 'content-type': 'application/x-www-form-urlencoded' } });

function problem(res: ApiResponse<unknown>, status: number, field?: string): Problem {
  assert.equal(res.status, status, JSON.stringify(res.body));
  const p = res.body as Problem;
  assert.match(p.type, /^https:\/\/tools\.ietf\.org\/html\/rfc9110#section-/);
  assert.equal(p.status, status);
  assert.equal(typeof p.title, 'string');
  assert.equal(typeof p.detail, 'string');
  assert.ok(p.instance.startsWith(C), p.instance);
  if (field) assert.ok(p.errors?.[field]?.length, `names ${field}: ${JSON.stringify(p)}`);
  return p;
}

describe('CluedIn dialect', () => {
  let target: HttpTarget;
  let dir = '';
  const created: string[] = [];
  const org = randomUUID();
  const user = randomUUID();

  before(async () => {
    target = await startHttpTarget();
    dir = mkdtempSync(join(filesDir(), 'kairos-cluedin-'));
  });
  after(async () => {
    if (created.length) await form('/hangfire/recurring/remove', created).catch(() => undefined);
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Creates a recurring crawling job (Kairos's upsert) and returns its configuration id. */
  async function recurring(cron: string, task: (cfg: string) => Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<{ cfg: string; body: Recurring }> {
    const cfg = randomUUID();
    const res = await c<Recurring>('POST', RECURRING, { body: { ConfigurationId: cfg, OrganizationId: org, UserId: user, Cron: cron, Job: 'Acceptance', Task: task(cfg), ...extra } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    created.push(cfg);
    return { cfg, body: res.body };
  }
  const crawl = (cfg: string) => ({ Type: 'http', Data: { url: `${target.url}/crawl/${cfg}`, method: 'GET' } });
  const hits = (cfg: string) => target.requests.filter((r) => r.path === `/crawl/${cfg}`);
  const runsOf = async (cfg: string, state = 'null') => (await c<Row[]>('GET', `/api/v1/jobs?page=0&take=50&state=${state}&configurationId=${cfg}`)).body;

  it('a recurring crawling job fires on its Hangfire cron; PATCH changes the cron; trigger runs it now; runs and counts show it', async () => {
    const countsBefore = (await c<Counts>('GET', '/api/v1/jobstatecount')).body;
    // Every second (Cronos: six fields, seconds first).
    const { cfg, body } = await recurring('* * * * * *', crawl, { ConfigurationName: 'Acceptance account' });
    assert.equal(body.Id, `${cfg}|${org}|${user}`);
    assert.deepEqual(
      { ConfigurationId: body.ConfigurationId, OrganizationId: body.OrganizationId, UserId: body.UserId, Cron: body.Cron, Queue: body.Queue, Alarm: body.Alarm },
      { ConfigurationId: cfg, OrganizationId: org, UserId: user, Cron: '* * * * * *', Queue: 'default', Alarm: '00:00:00' },
    );
    assert.match(body.CreatedAt, /Z$/);

    await waitFor(() => hits(cfg).length > 0 || undefined, 20_000, 'a scheduled run to call the target');

    // PATCH as the seed documents it: {id, cron}; the answer and the next read reflect it.
    const patched = await c<Recurring>('PATCH', RECURRING, { body: { id: cfg, cron: '0 0 1 1 *' } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.Cron, '0 0 1 1 *');
    assert.equal(patched.body.NextExecution, `${new Date().getUTCFullYear() + 1}-01-01T00:00:00Z`);

    const listed = await waitFor(async () => (await c<Recurring[]>('GET', RECURRING)).body.find((j) => j.ConfigurationId === cfg && j.LastJobId), 15_000, 'the job in the list with a last run');
    assert.equal(listed.Cron, '0 0 1 1 *');
    assert.match(listed.LastJobId ?? '', GUID);
    assert.ok(listed.LastExecution);

    // Trigger now, as a form post with jobIds[] (the Hangfire id from the list).
    const before0 = hits(cfg).length;
    const trig = await form('/hangfire/recurring/trigger', [listed.Id]);
    assert.equal(trig.status, 200, JSON.stringify(trig.body));
    await waitFor(() => hits(cfg).length > before0 || undefined, 20_000, 'the triggered run to call the target');

    // Paged runs of the configuration: all finished, each addressed by GUIDs.
    const rows = await waitFor(async () => {
      const r = await runsOf(cfg);
      return r.length >= 2 && r.every((x) => x.Status === 'Completed') ? r : undefined;
    }, 20_000, 'two completed runs in the list');
    for (const row of rows) {
      assert.equal(row.Id, cfg);
      assert.match(row.JobRunId, GUID);
      assert.equal(row.Job, 'Acceptance');
      assert.equal(row.ConfigurationName, 'Acceptance account');
      assert.equal(row.Progress, 1, 'one request done');
      assert.match(row.QueuedAt ?? '', /\+00:00$/);
      assert.ok(row.StartedAt && row.FinishedAt && row.FinishedAt >= row.StartedAt);
    }
    assert.equal(new Set(rows.map((r) => r.JobRunId)).size, rows.length);
    assert.ok(rows.some((r) => r.JobRunId === listed.LastJobId), 'LastJobId names a listed run');
    // Paging and the state filter.
    const page1 = (await c<Row[]>('GET', `/api/v1/jobs?page=1&take=1&configurationId=${cfg}`)).body;
    assert.equal(page1.length, 1);
    assert.equal(page1[0]?.JobRunId, rows[1]?.JobRunId);
    assert.deepEqual(await runsOf(cfg, 'Failed'), []);

    const counts = (await c<Counts>('GET', '/api/v1/jobstatecount')).body;
    assert.deepEqual(Object.keys(counts).sort(), ['cancelled', 'completed', 'executing', 'failed', 'queued']);
    assert.ok(counts.completed >= countsBefore.completed + rows.length, JSON.stringify({ countsBefore, counts }));

    // Remove: gone at once for direct addressing, and from the list; its runs stay in the history.
    const removed = await form('/hangfire/recurring/remove', [listed.Id]);
    assert.equal(removed.status, 200);
    created.splice(created.indexOf(cfg), 1);
    problem(await c('PATCH', RECURRING, { body: { id: cfg, cron: '* * * * *' } }), 404, 'id');
    await waitFor(async () => !(await c<Recurring[]>('GET', RECURRING)).body.some((j) => j.ConfigurationId === cfg), 15_000, 'the job to leave the list');
    assert.ok((await runsOf(cfg)).length >= 2, 'runs of a removed job are still listed');
  });

  it('shows the progress of an in-flight datasource run; abandon work cancels it', async () => {
    let release = () => {};
    target.respond = (req, res) => {
      if (!req.path.startsWith('/slow.ndjson')) return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${Array.from({ length: 250 }, (_, i) => JSON.stringify({ id: i + 1 })).join('\n')}\n`);
      release = () => res.end();
    };
    try {
      const { cfg, body } = await recurring('0 0 1 1 *', () => ({
        Type: 'datasource',
        Data: { source: { kind: 'http', url: `${target.url}/slow.ndjson`, format: 'ndjson' }, key: 'id', sink: { kind: 'ndjson', path: join(dir, 'clues.ndjson') }, batchSize: 100 },
      }));
      assert.equal((await form('/hangfire/recurring/trigger', [body.Id])).status, 200);
      const row = await waitFor(async () => (await runsOf(cfg, 'Executing')).find((r) => r.Progress >= 200), 20_000, 'two batches written', 200);
      assert.equal(row.Status, 'Executing');
      assert.equal(row.FinishedAt, null);
      assert.ok(row.StartedAt);
      assert.ok((await c<Counts>('GET', '/api/v1/jobstatecount')).body.executing >= 1);

      const abandon = await c('PATCH', '/api/v1/jobs/abandonwork', { body: { jobRunId: row.JobRunId, jobId: row.Id } });
      assert.equal(abandon.status, 200, JSON.stringify(abandon.body));
      const done = await waitFor(async () => (await runsOf(cfg)).find((r) => r.JobRunId === row.JobRunId && r.Status === 'Cancelled'), 20_000, 'the run to end Cancelled');
      assert.ok(done.Progress >= 200, 'the abandoned run keeps the progress it made');
      assert.ok(done.FinishedAt);
      // Nothing left to abandon: a clear 409.
      problem(await c('PATCH', '/api/v1/jobs/abandonwork', { body: { jobRunId: row.JobRunId, jobId: row.Id } }), 409, 'jobRunId');
    } finally {
      release();
      target.respond = (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    }
  });

  it("the seed's recurring job: its ids and cron as written, next execution at 47 past every fourth hour", async () => {
    const seed = { ConfigurationId: '5b593555-7575-4a85-95f1-53b727ae061e', OrganizationId: 'e4fa89de-a3e7-4d4a-b3b1-7e4f25c1ed97', UserId: 'eedd5056-0e1a-429e-9e3b-19104d63bd9a' };
    const id = `${seed.ConfigurationId}|${seed.OrganizationId}|add490b8-e387-42de-99cb-f6d7b82fc78f`;
    const res = await c<Recurring>('POST', RECURRING, { body: { ...seed, Id: id, Cron: '47 0/4 * * *', Queue: 'default', Task: crawl('seed') } });
    assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
    created.push(seed.ConfigurationId);
    assert.equal(res.body.Id, id);
    const next = new Date(res.body.NextExecution ?? '');
    assert.equal(next.getUTCMinutes(), 47);
    assert.equal(next.getUTCHours() % 4, 0);
    assert.ok(next.getTime() - Date.now() <= 4 * 3600_000);
  });

  it('bad input → 4xx problem details naming the field; a rejected request changes nothing', async () => {
    const { cfg, body } = await recurring('0 0 1 1 *', () => crawl('bad'));
    const unknown = `${randomUUID()}|${org}|${user}`;

    // Cron: a bad one is a 400 naming `cron`, and the old one stays.
    const bad = problem(await c('PATCH', RECURRING, { body: { id: cfg, cron: '61 * * * *' } }), 400, 'cron');
    assert.equal(bad.title, 'One or more validation errors occurred.');
    // Cronos refuses a step past the field's last value and L-nW past 30; L-nW itself and the @ macros are Cronos syntax (below)
    problem(await c('PATCH', RECURRING, { body: { id: cfg, cron: '*/60 * * * *' } }), 400, 'cron');
    problem(await c('PATCH', RECURRING, { body: { id: cfg, cron: '0 12 L-31W * *' } }), 400, 'cron');
    problem(await c('PATCH', RECURRING, { body: { id: 'nope', cron: '* * * * *' } }), 400, 'id');
    problem(await c('PATCH', RECURRING, { body: { id: cfg } }), 400, 'cron');
    problem(await c('PATCH', RECURRING, { body: { id: randomUUID(), cron: '* * * * *' } }), 404, 'id');
    problem(await c('PATCH', RECURRING, { rawBody: '{"id":', headers: { 'content-type': 'application/json' } }), 400);
    for (const cron of ['@daily', '@HOURLY', '0 12 L-2W * *']) {
      const ok = await c<Recurring>('PATCH', RECURRING, { body: { id: body.Id, cron } });
      assert.equal(ok.status, 200, `${cron}: ${JSON.stringify(ok.body)}`);
      assert.equal(ok.body.Cron, cron);
    }
    const same = await c<Recurring>('PATCH', RECURRING, { body: { id: body.Id, cron: '0 0 1 1 *' } });
    assert.equal(same.status, 200);
    assert.equal(same.body.Cron, '0 0 1 1 *', 'unchanged');

    // Trigger/remove: one unknown id rejects the whole request.
    problem(await form('/hangfire/recurring/trigger', [body.Id, unknown]), 404, 'jobIds[1]');
    problem(await form('/hangfire/recurring/remove', [unknown, body.Id]), 404, 'jobIds[0]');
    problem(await form('/hangfire/recurring/remove', ['not-an-id']), 400, 'jobIds[0]');
    problem(await form('/hangfire/recurring/trigger', []), 400, 'jobIds[]');
    assert.equal((await c('PATCH', RECURRING, { body: { id: cfg, cron: '0 0 1 1 *' } })).status, 200, 'still there');

    // Runs query and abandon.
    problem(await c('GET', '/api/v1/jobs?page=0'), 400, 'take');
    problem(await c('GET', '/api/v1/jobs?page=0&take=10&state=Running'), 400, 'state');
    problem(await c('GET', '/api/v1/jobs?page=0&take=10&configurationId=42'), 400, 'configurationId');
    problem(await c('PATCH', '/api/v1/jobs/abandonwork', { body: { jobRunId: randomUUID(), jobId: cfg } }), 404, 'jobRunId');
    problem(await c('PATCH', '/api/v1/jobs/abandonwork', { body: { jobRunId: 'x', jobId: cfg } }), 400, 'jobRunId');

    // Upsert: a bad cron or task creates nothing.
    const cfg2 = randomUUID();
    const base = { ConfigurationId: cfg2, OrganizationId: org, UserId: user, Cron: '0 0 1 1 *', Task: crawl('never') };
    problem(await c('POST', RECURRING, { body: { ...base, Cron: '* * * *' } }), 400, 'Cron');
    problem(await c('POST', RECURRING, { body: { ...base, Task: { Type: 'http', Data: { url: 42 } } } }), 400, 'Task.Data.url');
    problem(await c('POST', RECURRING, { body: { ...base, Task: { Type: 'teleport', Data: {} } } }), 400, 'Task.Type');
    problem(await c('POST', RECURRING, { body: { ...base, TimeZone: 'Mars/Olympus' } }), 400, 'TimeZone');
    problem(await c('PATCH', RECURRING, { body: { id: cfg2, cron: '* * * * *' } }), 404, 'id');

    // Every endpoint needs credentials.
    for (const [m, p] of [['GET', RECURRING], ['GET', '/api/v1/jobstatecount'], ['GET', '/api/v1/jobs?page=0&take=1'], ['POST', '/hangfire/recurring/trigger']] as const) {
      problem(await c(m, p, { auth: null }), 401);
    }
    assert.equal(hits('bad').length + hits('never').length, 0, 'no rejected request ran anything');
  });
});
