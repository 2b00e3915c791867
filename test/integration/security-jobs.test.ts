// Issue #13 items 10 and 11, as attacks by plain (non-admin) users against the real stack: a job id
// is not an identity (a re-created id shows none of the deleted job's runs, shares, favorites or
// natural ids, through /v1, Informer and CluedIn), and a `job` trigger may name only a job its owner
// may read (refused exactly as a missing job; a revoked share stops the dependent at run time).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { api, uniqueId, type ApiResponse } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';
import { ShareStore } from '../../core/sharing/store.ts';
import { loadConfig } from '../../core/config.ts';
import { openDatabase, type Db } from '../../core/db/open.ts';

type Json = Record<string, unknown>;
type Page = { items: { runId: string; status: string }[] };
type Stats = { total: number; lastRun: unknown };
type NativeError = { error: { code: string; message: string; details: { path: string; message: string }[] } };

const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

describe('security: a job id is not an identity; job triggers follow read access', { timeout: 180_000 }, () => {
  let target: HttpTarget;
  const pw = 'security-jobs-password';
  const names = { a: uniqueId('sj-alice'), b: uniqueId('sj-bob'), c: uniqueId('sj-carol') };
  let A = '';
  let B = '';
  let C = '';
  // The stack's state store (shares, favorites, natural ids), read to see what a deletion left behind.
  let db: Db;
  const favoritesOf = async (jobId: string) => (await db.kysely.selectFrom('favorites').select('principal_id').where('job_id', '=', jobId).execute()).length;
  const slugHeld = async (slug: string) => (await db.kysely.selectFrom('natural_ids').select('job_id').where('slug', '=', slug).execute()).length > 0;

  const as =
    (auth: string) =>
    <T = Json>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> =>
      api<T>(method, path, { auth, ...(body !== undefined ? { body } : {}) });

  const sharesOfJob = async (jobId: string) => await db.kysely.selectFrom('job_shares').select('principal_id').where('job_id', '=', jobId).execute();

  before(async () => {
    db = openDatabase(loadConfig(process.env).database);
    target = await startHttpTarget();
    target.respond = (req, res) => {
      res.writeHead(req.path.startsWith('/fail') ? 500 : 200, { 'content-type': 'text/plain' }).end('ok');
    };
    for (const username of Object.values(names)) {
      const res = await api<{ id: string }>('POST', '/v1/users', { body: { username, password: pw, role: 'user' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    A = basic(names.a, pw);
    B = basic(names.b, pw);
    C = basic(names.c, pw);
  });
  after(async () => {
    await target.close();
    await db.close();
  });

  const httpJob = (id: string, extra: Json = {}) => ({
    id,
    type: 'http',
    data: { url: `${target.url}/${id}`, method: 'GET', headers: { 'x-secret-ish': `header-of-${id}` } },
    retry: { maxAttempts: 1 },
    ...extra,
  });

  async function runToEnd(auth: string, jobId: string): Promise<string> {
    const started = await as(auth)<{ runId: string }>('POST', `/v1/jobs/${jobId}/run`);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const runId = started.body.runId;
    await waitFor(async () => {
      const r = await as(auth)<{ status: string }>('GET', `/v1/runs/${runId}`);
      return r.status === 200 && r.body.status !== 'running';
    }, 30_000, `run ${runId} to finish`);
    return runId;
  }

  it('/v1: a re-created job id shows none of the deleted job\'s runs, stats or overview; the old run is 404 to the new owner', async () => {
    const id = uniqueId('sj-x');
    assert.equal((await as(A)('POST', '/v1/jobs', httpJob(id))).status, 201);
    const oldRun = await runToEnd(A, id);
    // The run record carries the request, headers included.
    const rec = await as(A)<{ output: unknown }>('GET', `/v1/runs/${oldRun}`);
    assert.match(JSON.stringify(rec.body), new RegExp(`header-of-${id}`));
    // Visibility lags the run by a moment: A's own listing shows it before the job is deleted.
    await waitFor(async () => (await as(A)<Page>('GET', `/v1/jobs/${id}/runs`)).body.items.length === 1, 15_000, 'the run in the listing');
    assert.equal((await as(A)('DELETE', `/v1/jobs/${id}`)).status, 204);

    const created = await as(B)<Json>('POST', '/v1/jobs', httpJob(id));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual((await as(B)<Page>('GET', `/v1/jobs/${id}/runs`)).body.items, [], 'no runs of the deleted job');
    const stats = await as(B)<Stats>('GET', `/v1/jobs/${id}/stats`);
    assert.equal(stats.status, 200);
    assert.deepEqual([stats.body.total, stats.body.lastRun], [0, null]);
    const overview = await as(B)<{ items: unknown[]; total: number }>('GET', `/v1/runs?jobId=${id}`);
    assert.deepEqual([overview.body.items, overview.body.total], [[], 0]);
    const old = await as(B)<NativeError>('GET', `/v1/runs/${oldRun}`);
    assert.equal(old.status, 404, JSON.stringify(old.body));
    assert.doesNotMatch(JSON.stringify(old.body), /header-of/);
    assert.equal((await as(B)('POST', `/v1/runs/${oldRun}/stop`)).status, 404);

    // B's own run is B's, and the only one listed.
    const newRun = await runToEnd(B, id);
    const listed = await waitFor(async () => {
      const items = (await as(B)<Page>('GET', `/v1/jobs/${id}/runs`)).body.items;
      return items.length > 0 ? items : undefined;
    }, 15_000, 'B\'s run in the listing');
    assert.deepEqual(listed.map((r) => r.runId), [newRun]);
    assert.equal((await as(B)<Stats>('GET', `/v1/jobs/${id}/stats`)).body.total, 1);
    assert.equal((await as(B)('DELETE', `/v1/jobs/${id}`)).status, 204);
  });

  it('Informer: shares, favorites and natural ids go with a job deleted through /v1; a stranger cannot open the re-created id', async () => {
    const id = uniqueId('sj-shared');
    const first = await as(A)<{ incarnation: string }>('POST', '/v1/jobs', httpJob(id));
    assert.equal(first.status, 201);
    assert.equal((await as(A)('PUT', `/informer/api/jobs/${id}/shares/${names.c}`, { accessLevel: 2 })).status, 200);
    assert.equal((await as(C)('GET', `/informer/api/jobs/${id}`)).status, 200, 'shared with C');
    assert.equal((await as(C)('PUT', `/informer/api/jobs/${id}/favorite`)).status, 200);
    assert.equal((await as(A)('PUT', `/informer/api/jobs/${id}/favorite`)).status, 200);
    assert.equal((await sharesOfJob(id)).length, 1);
    assert.equal(await favoritesOf(id), 2);

    assert.equal((await as(A)('DELETE', `/v1/jobs/${id}`)).status, 204);
    assert.deepEqual(await sharesOfJob(id), [], 'the share is gone');
    assert.equal(await favoritesOf(id), 0, 'every user\'s favorite is gone');

    // B creates the id again: C (who had A's share) cannot open, edit, run or list it, even with the
    // share put back as a crash between the schedule's deletion and the cleanup would have left it.
    assert.equal((await as(B)('POST', '/v1/jobs', httpJob(id))).status, 201);
    const cId = (await as(C)<{ id: string }>('GET', '/v1/me')).body.id;
    await new ShareStore(db).set({ id, incarnation: first.body.incarnation }, cId, 'admin', null);
    assert.equal((await sharesOfJob(id)).length, 1, 'the leftover is in place');
    assert.equal((await as(C)('GET', `/informer/api/jobs/${id}`)).status, 404);
    assert.equal((await as(C)('PUT', `/informer/api/jobs/${id}/shares/${names.c}`, { accessLevel: 3 })).status, 404);
    assert.equal((await as(C)('POST', `/informer/api/jobs/${id}`)).status, 404);
    const listed = await as(C)<{ id: string }[]>('GET', '/informer/api/jobs-list');
    assert.ok(!JSON.stringify(listed.body).includes(id), 'not listed for C');
    assert.deepEqual((await as(B)<unknown[]>('GET', `/informer/api/jobs/${id}/shares`)).body, [], 'B\'s job has no shares');
    assert.deepEqual((await as(B)<Json>('GET', `/informer/api/jobs/${id}/favorite`)).body, { favorited: false });
    assert.equal((await as(B)('DELETE', `/v1/jobs/${id}`)).status, 204);

    // Natural ids: an Informer job deleted through /v1 leaves no natural id behind.
    const name = `Report ${randomUUID().slice(0, 6)}`;
    const made = await as(A)<{ id: string }>('POST', '/informer/api/jobs', {
      name,
      type: 'http',
      enabled: false,
      interval: '0 8 * * *',
      intervalType: 'cron',
      data: { url: `${target.url}/informer` },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const slug = name.toLowerCase().replace(/ /g, '-');
    assert.equal((await as(A)('GET', `/informer/api/jobs/${names.a}:${slug}`)).status, 200);
    assert.equal(await slugHeld(slug), true);
    // A stranger's lookup of A's natural id is a 404 that leaves A's name in place (it used to erase it).
    assert.equal((await as(C)('GET', `/informer/api/jobs/${names.a}:${slug}`)).status, 404);
    assert.equal(await slugHeld(slug), true, 'a stranger\'s lookup erased nothing');
    assert.equal((await as(A)('GET', `/informer/api/jobs/${names.a}:${slug}`)).status, 200);
    assert.equal((await as(A)('DELETE', `/v1/jobs/informer.${made.body.id}`)).status, 204);
    assert.equal(await slugHeld(slug), false, 'the natural id is gone');
    assert.equal((await as(A)('GET', `/informer/api/jobs/${names.a}:${slug}`)).status, 404);
  });

  it('CluedIn: a configuration removed and created again (by another user, or the same) shows none of the old runs', async () => {
    const cfg = randomUUID();
    const org = randomUUID();
    const recurring = (auth: string, user: string) =>
      as(auth)('POST', '/cluedin/api/v1/hangfire/jobs/crawling', {
        ConfigurationId: cfg,
        OrganizationId: org,
        UserId: user,
        Cron: '0 0 1 1 *',
        Job: 'Security',
        Task: { Type: 'http', Data: { url: `${target.url}/crawl/${cfg}`, method: 'GET', headers: { 'x-secret-ish': 'cluedin-header' } } },
      });
    const rows = (auth: string) => as(auth)<{ JobRunId: string }[]>('GET', `/cluedin/api/v1/jobs?page=0&take=50&configurationId=${cfg}`);
    const made = await recurring(A, randomUUID());
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const form = (auth: string, path: string, hangfireId: string) =>
      api('POST', `/cluedin${path}`, { auth, rawBody: `jobIds%5B%5D=${encodeURIComponent(hangfireId)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const aId = String((made.body as Json).Id);
    assert.equal((await form(A, '/hangfire/recurring/trigger', aId)).status, 200);
    await waitFor(async () => (await rows(A)).body.length > 0, 30_000, 'A\'s run in the CluedIn list');
    assert.equal((await form(A, '/hangfire/recurring/remove', aId)).status, 200);

    const again = await recurring(B, randomUUID());
    assert.equal(again.status, 201, JSON.stringify(again.body));
    const seen = await rows(B);
    assert.equal(seen.status, 200);
    assert.deepEqual(seen.body, [], 'B sees none of A\'s runs');
    assert.doesNotMatch(JSON.stringify((await as(B)('GET', '/cluedin/api/v1/hangfire/jobs/crawling')).body), /LastJobId":"[0-9a-f-]{36}/);
    assert.equal((await form(B, '/hangfire/recurring/remove', String((again.body as Json).Id))).status, 200);

    // A creates the configuration once more: the new job shows none of A's own earlier runs either.
    const third = await recurring(A, randomUUID());
    assert.equal(third.status, 201, JSON.stringify(third.body));
    assert.deepEqual((await rows(A)).body, [], 'a re-created job starts with no runs');
    assert.equal((await form(A, '/hangfire/recurring/remove', String((third.body as Json).Id))).status, 200);
    assert.ok((await rows(A)).body.length > 0, 'a removed job\'s runs stay listed to their owner');
  });

  it('a job trigger naming another user\'s job is refused as a missing job; accepted after a read share; skipped once the share is revoked', async () => {
    const parent = uniqueId('sj-parent');
    const dependent = uniqueId('sj-dependent');
    assert.equal((await as(A)('POST', '/v1/jobs', httpJob(parent))).status, 201);
    const follow = (parentId: string) => httpJob(dependent, { triggers: [{ type: 'job', jobId: parentId, on: ['succeeded'] }] });

    const foreign = await as(B)<NativeError>('POST', '/v1/jobs', follow(parent));
    const missing = await as(B)<NativeError>('POST', '/v1/jobs', follow('sj-no-such-job'));
    assert.equal(foreign.status, 400, JSON.stringify(foreign.body));
    assert.equal(missing.status, foreign.status);
    const shape = (r: ApiResponse<NativeError>, jobId: string) => JSON.stringify(r.body).replaceAll(jobId, 'ID');
    assert.equal(shape(foreign, parent), shape(missing, 'sj-no-such-job'), 'a foreign job is answered exactly as a missing one');
    assert.deepEqual(foreign.body.error.details.map((d) => d.path), ['triggers.0.jobId']);
    assert.equal((await as(B)('GET', `/v1/jobs/${dependent}`)).status, 404, 'nothing was created');

    // Shared with read: accepted, and a run of the parent starts the dependent.
    assert.equal((await as(A)('PUT', `/informer/api/jobs/${parent}/shares/${names.b}`, { accessLevel: 1 })).status, 200);
    const created = await as(B)('POST', '/v1/jobs', follow(parent));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // The parent finds its dependents through the schedule list (visibility): give it its moment.
    await waitFor(async () => (await as(B)<{ items: { id: string }[] }>('GET', '/v1/jobs')).body.items.some((j) => j.id === dependent), 15_000, 'the dependent listed');
    const first = await runToEnd(A, parent);
    const started = await as(A)<{ dependents: string[] }>('GET', `/v1/runs/${first}`);
    assert.equal(started.body.dependents.length, 1, JSON.stringify(started.body));
    await waitFor(() => target.requests.some((r) => r.path === `/${dependent}`), 30_000, 'the dependent to run');

    // Revoked: the next run of the parent starts nothing.
    assert.equal((await as(A)('DELETE', `/informer/api/jobs/${parent}/shares/${names.b}`)).status, 204);
    const hitsBefore = target.requests.filter((r) => r.path === `/${dependent}`).length;
    const second = await runToEnd(A, parent);
    const record = await as(A)<{ status: string; dependents: string[] }>('GET', `/v1/runs/${second}`);
    assert.equal(record.body.status, 'succeeded');
    assert.deepEqual(record.body.dependents, [], 'no dependent started');
    assert.equal(target.requests.filter((r) => r.path === `/${dependent}`).length, hitsBefore, 'the dependent did not call its target');

    assert.equal((await as(B)('DELETE', `/v1/jobs/${dependent}`)).status, 204);
    assert.equal((await as(A)('DELETE', `/v1/jobs/${parent}`)).status, 204);
  });
});
