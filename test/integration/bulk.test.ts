// Issue #17 items 5 and 6 on the real stack (Temporal dev server, the worker, real HTTP targets):
// backfill (dry run, then the runs Temporal's backfill starts, marked `backfill` and left out of the
// lateness metric), bulk pause/resume/delete by filter, export and declarative apply (YAML and JSON,
// dry-run diff, prune only when asked) — with another user's jobs untouched and uncounted, and bad
// input refused with a 400 naming the field before anything changes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { api, uniqueId, workerMetricsUrl, type ApiResponse } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';

type Json = Record<string, unknown>;
type NativeError = { error: { code: string; message: string; details: { path: string; message: string }[] } };
type Backfill = { jobId: string; count: number; times: string[]; dryRun: boolean; overlap: string; backfillId?: string };
type Bulk = { matched: number; ids: string[]; changed: string[]; unchanged: string[]; failed: unknown[] };
type ApplyItem = { index?: number; id: string; action: string; diff?: { op: string; path: string; value?: unknown }[]; outcome?: string; error?: { code: string } };
type Apply = { dryRun: boolean; counts: Record<string, number>; items: ApplyItem[] };
type Run = { runId: string; trigger: string; scheduledAt: string; status: string };

const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
const paths = (r: ApiResponse<unknown>) => (r.body as NativeError).error.details.map((d) => d.path);

/** Sum of a Prometheus counter/histogram series over the samples whose labels include `labels`. */
function metric(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

describe('backfill, bulk actions, export and apply (#17 items 5-6)', { timeout: 300_000 }, () => {
  let target: HttpTarget;
  const pw = 'bulk-test-password';
  const names = { a: uniqueId('bk-alice'), b: uniqueId('bk-bob') };
  let A = '';
  let B = '';
  const as =
    (auth: string) =>
    <T = Json>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>> =>
      api<T>(method, path, { auth, ...(body !== undefined ? (typeof body === 'string' ? { rawBody: body } : { body }) : {}), ...(headers ? { headers } : {}) });

  before(async () => {
    target = await startHttpTarget();
    for (const username of Object.values(names)) {
      const res = await api('POST', '/v1/users', { body: { username, password: pw, role: 'user' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    A = basic(names.a, pw);
    B = basic(names.b, pw);
  });
  after(async () => {
    await target.close();
  });

  // Paused, so that only what a test asks for runs (a backfill runs on a paused schedule too).
  const httpJob = (id: string, extra: Json = {}) => ({
    id,
    type: 'http',
    enabled: false,
    data: { url: `${target.url}/${id}`, method: 'GET' },
    retry: { maxAttempts: 1 },
    ...extra,
  });

  it('backfill: a dry run lists the fire times, the backfill runs them as backfill runs (not late scheduled ones); bad input and strangers are refused', async () => {
    const id = uniqueId('bk-fill');
    const created = await as(A)('POST', '/v1/jobs', httpJob(id, { triggers: [{ type: 'cron', expression: '*/2 * * * *' }] }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // An aligned range an hour ago: 6 fire times, both ends inclusive.
    const t0 = new Date(Math.floor((Date.now() - 3600_000) / 600_000) * 600_000);
    const from = t0.toISOString();
    const to = new Date(t0.getTime() + 10 * 60_000).toISOString();
    const expected = [0, 2, 4, 6, 8, 10].map((m) => new Date(t0.getTime() + m * 60_000).toISOString());

    const dry = await as(A)<Backfill>('POST', `/v1/jobs/${id}/backfill`, { from, to, dryRun: true });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.deepEqual(dry.body.times, expected);
    assert.equal(dry.body.count, 6);
    assert.equal(dry.body.overlap, 'skip', "the job's own overlap policy by default");
    const before = await as(A)<{ items: Run[] }>('GET', `/v1/jobs/${id}/runs`);
    assert.equal(before.body.items.length, 0, 'a dry run starts nothing');

    // Bad input: 400 naming the field, nothing started.
    const cases: [Json, string][] = [
      [{ from: to, to: from }, 'to'],
      [{ from, to: new Date(Date.now() + 3600_000).toISOString() }, 'to'],
      [{ from: new Date(Date.now() - 3 * 86400_000).toISOString(), to: new Date(Date.now() - 60_000).toISOString() }, 'to'],
      [{ from: 'yesterday', to }, 'from'],
      [{ from, to, overlap: 'sometimes' }, 'overlap'],
      [{ from, to, extra: 1 }, ''],
    ];
    for (const [body, path] of cases) {
      const r = await as(A)('POST', `/v1/jobs/${id}/backfill`, body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
      assert.ok(paths(r).includes(path), `${JSON.stringify(body)} names ${path}: ${JSON.stringify(r.body)}`);
    }
    // A stranger gets exactly the answer for a job that does not exist.
    const stranger = await as(B)<NativeError>('POST', `/v1/jobs/${id}/backfill`, { from, to, dryRun: true });
    const missing = await as(B)<NativeError>('POST', `/v1/jobs/${uniqueId('bk-none')}/backfill`, { from, to, dryRun: true });
    assert.equal(stranger.status, 404);
    assert.equal(missing.status, 404);
    assert.equal(stranger.body.error.code, missing.body.error.code);

    const metricsBefore = await (await fetch(workerMetricsUrl())).text();
    const real = await as(A)<Backfill>('POST', `/v1/jobs/${id}/backfill`, { from, to, overlap: 'allow_all' });
    assert.equal(real.status, 202, JSON.stringify(real.body));
    assert.deepEqual(real.body.times, expected);
    assert.ok(real.body.backfillId);
    const recorded = await as(A)<{ items: { id: string; from: string; to: string; overlap: string; fireTimes: number }[] }>('GET', `/v1/jobs/${id}/backfills`);
    assert.deepEqual(recorded.body.items.map((b) => [b.id, b.from, b.to, b.overlap, b.fireTimes]), [[real.body.backfillId, from, to, 'allow_all', 6]]);
    assert.equal((await as(B)('GET', `/v1/jobs/${id}/backfills`)).status, 404, 'a stranger learns nothing');

    // The runs Temporal's backfill started: one per fire time, each for its scheduled time, marked backfill.
    let runs: Run[] = [];
    await waitFor(
      async () => {
        const r = await as(A)<{ items: Run[] }>('GET', `/v1/jobs/${id}/runs?limit=50`);
        runs = r.body.items;
        return runs.length === 6 && runs.every((x) => x.status === 'succeeded' && x.trigger === 'backfill');
      },
      90_000,
      'six backfill runs to succeed',
    );
    assert.deepEqual(runs.map((r) => new Date(r.scheduledAt).toISOString()).sort(), expected);
    assert.equal(target.requests.filter((q) => q.path === `/${id}`).length, 6, 'each fire time ran once');

    // Counted as backfill runs, and none of them as a late scheduled run (they are an hour "late").
    const metricsAfter = await (await fetch(workerMetricsUrl())).text();
    const started = (t: string) => metric(t, 'kairos_runs_started_total', { trigger: 'backfill', job_type: 'http' });
    assert.equal(started(metricsAfter) - started(metricsBefore), 6, 'six runs started as backfill');
    const late = (t: string) => metric(t, 'kairos_run_lateness_seconds_sum', { job_type: 'http', trigger: 'schedule' });
    assert.ok(late(metricsAfter) - late(metricsBefore) < 600, 'no hour-late scheduled runs recorded');

    // A read share is not enough to backfill (run permission is): 403, as for run now.
    const bobId = (await as(B)<{ id: string }>('GET', '/v1/me')).body.id;
    const share = await as(A)('PUT', `/v1/jobs/${id}/shares/${bobId}`, { level: 'read' });
    assert.ok(share.status === 201 || share.status === 200, JSON.stringify(share.body));
    const reader = await as(B)<NativeError>('POST', `/v1/jobs/${id}/backfill`, { from, to, dryRun: true });
    assert.equal(reader.status, 403, JSON.stringify(reader.body));
  });

  it('bulk: pause, resume and delete by filter act on the caller\'s jobs only; a stranger\'s are neither counted nor named', async () => {
    const tag = uniqueId('bk-tag');
    const mine = [uniqueId('bk-a1'), uniqueId('bk-a2'), uniqueId('bk-a3')];
    const theirs = [uniqueId('bk-b1'), uniqueId('bk-b2')];
    for (const id of mine) assert.equal((await as(A)('POST', '/v1/jobs', httpJob(id, { enabled: true, tags: [tag] }))).status, 201);
    for (const id of theirs) assert.equal((await as(B)('POST', '/v1/jobs', httpJob(id, { enabled: true, tags: [tag] }))).status, 201);
    // The filter is answered by the schedule list (visibility): wait until it shows the new jobs.
    await waitFor(async () => (await as(A)<{ items: unknown[] }>('GET', `/v1/jobs?tag=${tag}`)).body.items.length === 3, 30_000, 'jobs listed');
    await waitFor(async () => (await api<{ items: unknown[] }>('GET', `/v1/jobs?tag=${tag}`)).body.items.length === 5, 30_000, 'jobs listed to admin');

    const dry = await as(A)<Bulk>('POST', '/v1/jobs/bulk', { action: 'pause', filter: { tag }, dryRun: true });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.equal(dry.body.matched, 3);
    assert.deepEqual(dry.body.ids, [...mine].sort());
    for (const id of mine) assert.equal((await as(A)<{ enabled: boolean }>('GET', `/v1/jobs/${id}`)).body.enabled, true, 'a dry run changes nothing');

    const paused = await as(A)<Bulk>('POST', '/v1/jobs/bulk', { action: 'pause', filter: { tag } });
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.deepEqual(paused.body.changed.sort(), [...mine].sort());
    assert.ok(!JSON.stringify(paused.body).includes(theirs[0] ?? '?'), 'the stranger\'s job is not named');
    for (const id of mine) assert.equal((await as(A)<{ enabled: boolean }>('GET', `/v1/jobs/${id}`)).body.enabled, false);
    for (const id of theirs) assert.equal((await as(B)<{ enabled: boolean }>('GET', `/v1/jobs/${id}`)).body.enabled, true, 'the stranger\'s job untouched');

    // Pausing again: all unchanged. Naming ids of another user's jobs selects nothing of theirs.
    const again = await as(A)<Bulk>('POST', '/v1/jobs/bulk', { action: 'pause', filter: { ids: [...mine, ...theirs] } });
    assert.equal(again.body.matched, 3);
    assert.deepEqual(again.body.unchanged.sort(), [...mine].sort());
    for (const id of theirs) assert.equal((await as(B)<{ enabled: boolean }>('GET', `/v1/jobs/${id}`)).body.enabled, true);

    const resumed = await as(A)<Bulk>('POST', '/v1/jobs/bulk', { action: 'resume', filter: { tag, type: 'http' } });
    assert.deepEqual(resumed.body.changed.sort(), [...mine].sort());
    for (const id of mine) assert.equal((await as(A)<{ enabled: boolean }>('GET', `/v1/jobs/${id}`)).body.enabled, true);

    // Shares: a read share is not enough to pause (not counted), an edit share is; delete stays the owner's.
    const bobId = (await as(B)<{ id: string }>('GET', '/v1/me')).body.id;
    assert.ok([200, 201].includes((await as(A)('PUT', `/v1/jobs/${mine[0]}/shares/${bobId}`, { level: 'read' })).status));
    const readShare = await as(B)<Bulk>('POST', '/v1/jobs/bulk', { action: 'pause', filter: { tag }, dryRun: true });
    assert.deepEqual(readShare.body.ids, [...theirs].sort(), 'a job shared for reading is not counted');
    assert.ok([200, 201].includes((await as(A)('PUT', `/v1/jobs/${mine[0]}/shares/${bobId}`, { level: 'edit' })).status));
    const editShare = await as(B)<Bulk>('POST', '/v1/jobs/bulk', { action: 'pause', filter: { tag }, dryRun: true });
    assert.deepEqual(editShare.body.ids, [mine[0], ...theirs].sort(), 'a job shared for editing is');
    const deleteShared = await as(B)<Bulk>('POST', '/v1/jobs/bulk', { action: 'delete', filter: { tag }, dryRun: true });
    assert.deepEqual(deleteShared.body.ids, [...theirs].sort(), 'no share lets anyone delete');

    // Bad input changes nothing.
    const bad: [Json, string][] = [
      [{ action: 'explode', filter: { tag } }, 'action'],
      [{ action: 'delete', filter: {} }, 'filter'],
      [{ action: 'delete', filter: { tag, color: 'red' } }, 'filter'],
      [{ action: 'delete' }, 'filter'],
    ];
    for (const [body, path] of bad) {
      const r = await as(A)('POST', '/v1/jobs/bulk', body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.ok(paths(r).includes(path), `${JSON.stringify(body)} names ${path}: ${JSON.stringify(r.body)}`);
    }

    const deleted = await as(A)<Bulk>('POST', '/v1/jobs/bulk', { action: 'delete', filter: { tag } });
    assert.deepEqual(deleted.body.changed.sort(), [...mine].sort());
    for (const id of mine) assert.equal((await as(A)('GET', `/v1/jobs/${id}`)).status, 404);
    for (const id of theirs) assert.equal((await as(B)('GET', `/v1/jobs/${id}`)).status, 200, 'the stranger\'s jobs remain');
    // Audited: the request, and each job it deleted (so the audit log's job filter finds it).
    type Audit = { items: { action: string; jobId: string | null; outcome: string; detail: Json | null }[] };
    const perJob = await api<Audit>('GET', `/v1/audit?job=${mine[0]}&action=job.delete`);
    assert.equal(perJob.body.items.length, 1, JSON.stringify(perJob.body));
    assert.equal(perJob.body.items[0]?.detail?.['via'], 'bulk');
    const requests = await api<Audit>('GET', `/v1/audit?action=job.bulk&principal=${names.a}`);
    assert.ok(requests.body.items.length >= 4, JSON.stringify(requests.body));
    // The stranger's own bulk delete finds exactly its two.
    const theirDry = await as(B)<Bulk>('POST', '/v1/jobs/bulk', { action: 'delete', filter: { tag }, dryRun: true });
    assert.deepEqual(theirDry.body.ids, [...theirs].sort());
  });

  it('export → apply round trip in YAML and JSON: dry-run diff, create/update/unchanged, prune only when asked; a bad document applies nothing', async () => {
    const tag = uniqueId('bk-port');
    const [j1, j2, j3] = [uniqueId('bk-p1'), uniqueId('bk-p2'), uniqueId('bk-p3')];
    for (const id of [j1, j2, j3]) {
      const r = await as(A)('POST', '/v1/jobs', httpJob(id, { tags: [tag], description: `job ${id}`, triggers: [{ type: 'cron', expression: '0 3 * * *' }] }));
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    await waitFor(async () => (await as(A)<{ items: unknown[] }>('GET', `/v1/jobs?tag=${tag}`)).body.items.length === 3, 30_000, 'jobs listed');

    // YAML export: definitions only (no owner, no server bookkeeping), the filter as the selector.
    const exported = await as(A)<string>('GET', `/v1/jobs/export?format=yaml&tag=${tag}`);
    assert.equal(exported.status, 200);
    assert.match(exported.headers.get('content-type') ?? '', /yaml/);
    const doc = parseYaml(exported.body) as { apiVersion: string; kind: string; selector: Json; jobs: Json[] };
    assert.equal(doc.apiVersion, 'kairos/v1');
    assert.deepEqual(doc.selector, { tag });
    assert.deepEqual(doc.jobs.map((j) => j['id']), [j1, j2, j3].sort());
    for (const j of doc.jobs) for (const k of ['ownerId', 'createdAt', 'updatedAt', 'version', 'incarnation']) assert.ok(!(k in j), `${k} is not exported`);

    // Applying the export unchanged changes nothing.
    const same = await as(A)<Apply>('POST', '/v1/jobs/apply?dryRun=true', stringifyYaml(doc), { 'content-type': 'application/yaml' });
    assert.equal(same.status, 200, JSON.stringify(same.body));
    assert.equal(same.body.counts['unchanged'], 3, JSON.stringify(same.body));

    // Edit: change j1's description, drop j3, add j4.
    const j4 = uniqueId('bk-p4');
    const sorted = doc.jobs.sort((x, y) => String(x['id']).localeCompare(String(y['id'])));
    const edited = {
      ...doc,
      jobs: [
        ...sorted.filter((j) => j['id'] !== j3).map((j) => (j['id'] === j1 ? { ...j, description: 'changed by apply' } : j)),
        httpJob(j4, { tags: [tag] }),
      ],
    };
    const dry = await as(A)<Apply>('POST', '/v1/jobs/apply?dryRun=true', stringifyYaml(edited), { 'content-type': 'application/yaml' });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    const byId = new Map(dry.body.items.map((i) => [i.id, i]));
    assert.equal(byId.get(j1)?.action, 'update');
    assert.deepEqual(byId.get(j1)?.diff, [{ op: 'replace', path: '/description', value: 'changed by apply' }]);
    assert.equal(byId.get(j2)?.action, 'unchanged');
    assert.equal(byId.get(j4)?.action, 'create');
    assert.equal(byId.has(j3), false, 'no prune unless asked');
    const dryPrune = await as(A)<Apply>('POST', '/v1/jobs/apply?dryRun=true&prune=true', stringifyYaml(edited), { 'content-type': 'application/yaml' });
    assert.deepEqual(dryPrune.body.items.filter((i) => i.action === 'prune').map((i) => i.id), [j3]);
    assert.equal((await as(A)('GET', `/v1/jobs/${j4}`)).status, 404, 'dry runs create nothing');
    assert.equal((await as(A)('GET', `/v1/jobs/${j3}`)).status, 200, 'dry runs delete nothing');

    // Applied without prune: j4 created, j1 updated, j3 kept.
    const applied = await as(A)<Apply>('POST', '/v1/jobs/apply', stringifyYaml(edited), { 'content-type': 'application/yaml' });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    assert.ok(applied.body.items.every((i) => i.outcome === 'ok'), JSON.stringify(applied.body));
    assert.equal((await as(A)<{ description: string }>('GET', `/v1/jobs/${j1}`)).body.description, 'changed by apply');
    assert.equal((await as(A)<{ ownerId: string }>('GET', `/v1/jobs/${j4}`)).status, 200);
    assert.equal((await as(A)('GET', `/v1/jobs/${j3}`)).status, 200);

    // JSON round trip: export as JSON, apply as JSON → all unchanged; with prune → j3 goes.
    await waitFor(async () => (await as(A)<{ items: unknown[] }>('GET', `/v1/jobs?tag=${tag}`)).body.items.length === 4, 30_000, 'j4 listed');
    const asJson = await as(A)<{ jobs: Json[]; selector: Json }>('GET', `/v1/jobs/export?format=json&tag=${tag}`);
    assert.equal(asJson.body.jobs.length, 4);
    const jsonSame = await as(A)<Apply>('POST', '/v1/jobs/apply?dryRun=true', asJson.body);
    assert.equal(jsonSame.body.counts['unchanged'], 4, JSON.stringify(jsonSame.body));
    const pruned = await as(A)<Apply>('POST', '/v1/jobs/apply?prune=true', { ...asJson.body, jobs: asJson.body.jobs.filter((j) => j['id'] !== j3) });
    assert.equal(pruned.status, 200, JSON.stringify(pruned.body));
    assert.deepEqual(pruned.body.items.filter((i) => i.action === 'prune').map((i) => [i.id, i.outcome]), [[j3, 'ok']]);
    assert.equal((await as(A)('GET', `/v1/jobs/${j3}`)).status, 404);
    const prunedAudit = await api<{ items: { action: string; detail: Json | null }[] }>('GET', `/v1/audit?job=${j3}&action=job.delete`);
    assert.equal(prunedAudit.body.items[0]?.detail?.['via'], 'apply', JSON.stringify(prunedAudit.body));

    // A bad document: 400 naming the document index and field; nothing of it applied.
    const j5 = uniqueId('bk-p5');
    const bad = { jobs: [httpJob(j5), httpJob(uniqueId('bk-p6'), { triggers: [{ type: 'cron', expression: '61 * * * *' }] })] };
    const refused = await as(A)('POST', '/v1/jobs/apply', bad);
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.ok(paths(refused).some((p) => p.startsWith('jobs.1.triggers.0')), JSON.stringify(refused.body));
    assert.equal((await as(A)('GET', `/v1/jobs/${j5}`)).status, 404, 'the good job of a bad document is not created');
    // A secret the applier may not use: refused at validation, as POST /v1/jobs would, nothing applied.
    const secretRef = await as(A)('POST', '/v1/jobs/apply', { jobs: [httpJob(j5), httpJob(uniqueId('bk-p7'), { data: { url: `${target.url}/s`, method: 'GET', headers: { authorization: { $secret: 'not-alices' } } } })] });
    assert.equal(secretRef.status, 400, JSON.stringify(secretRef.body));
    assert.ok(paths(secretRef).some((p) => p.startsWith('jobs.1.data')), JSON.stringify(secretRef.body));
    assert.equal((await as(A)('GET', `/v1/jobs/${j5}`)).status, 404);
    const noId = await as(A)('POST', '/v1/jobs/apply', { jobs: [{ type: 'http', data: { url: `${target.url}/x` } }] });
    assert.ok(paths(noId).includes('jobs.0.id'), JSON.stringify(noId.body));
    const dup = await as(A)('POST', '/v1/jobs/apply', { jobs: [httpJob(j5), httpJob(j5)] });
    assert.ok(paths(dup).includes('jobs.1.id'), JSON.stringify(dup.body));
    const noSelector = await as(A)('POST', '/v1/jobs/apply?prune=true', { jobs: [] });
    assert.ok(paths(noSelector).includes('selector'), JSON.stringify(noSelector.body));
    const badYaml = await as(A)('POST', '/v1/jobs/apply', 'jobs: [unclosed', { 'content-type': 'application/yaml' });
    assert.equal(badYaml.status, 400, JSON.stringify(badYaml.body));
    const badFlag = await as(A)('POST', '/v1/jobs/apply?dryRun=maybe', { jobs: [] });
    assert.ok(paths(badFlag).includes('query.dryRun'), JSON.stringify(badFlag.body));
    const badFormat = await as(A)('GET', '/v1/jobs/export?format=xml');
    assert.ok(paths(badFormat).includes('query.format'), JSON.stringify(badFormat.body));

    // Another user: the export shows none of A's jobs; a prune in A's scope deletes nothing of A's;
    // a document naming A's job id cannot change it.
    const theirs = await as(B)<{ jobs: Json[] }>('GET', `/v1/jobs/export?tag=${tag}`);
    assert.deepEqual(theirs.body.jobs, []);
    const theirPrune = await as(B)<Apply>('POST', '/v1/jobs/apply?prune=true', { selector: { tag }, jobs: [] });
    assert.equal(theirPrune.body.items.length, 0, JSON.stringify(theirPrune.body));
    const takeover = await as(B)<Apply>('POST', '/v1/jobs/apply', { jobs: [{ ...httpJob(j1), description: 'taken' }] });
    assert.equal(takeover.body.items[0]?.outcome, 'failed', JSON.stringify(takeover.body));
    assert.equal((await as(A)<{ description: string }>('GET', `/v1/jobs/${j1}`)).body.description, 'changed by apply');
  });
});
