// Job versions and the audit log end to end, through the real API, Temporal and state store: every
// surface's writes become versions naming the surface, restore makes a new version, a version lost
// between the schedule's write and its own is repaired, delete and re-create start over; the audit
// log records mutations, failures, denials, logins and runs (never a secret's value), for admins only.
import { TemporalGateway } from '../../core/temporal/gateway.ts';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { AuditEntry } from '../../core/audit/log.ts';
import type { KeysetPage } from '../../core/db/keyset.ts';
import { JobService } from '../../core/jobs/service.ts';
import type { JobVersion } from '../../core/versions/store.ts';
import { JobStore } from '../../core/jobs/store.ts';
import { JobHeads } from '../../core/jobs/heads.ts';
import { loadConfig } from '../../core/config.ts';
import { openDatabase, type Db } from '../../core/db/open.ts';
import { adminAuth, api, taskQueue, temporalClient, uniqueId } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';

type Json = Record<string, unknown>;
type Version = Omit<JobVersion, 'definition'> & { definition: Json };
type Page<T> = KeysetPage<T>;

const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

describe('job versions and the audit log', { timeout: 180_000 }, () => {
  let target: HttpTarget;
  let client: Client;
  const pw = 'history-test-password';
  const alice = uniqueId('hist-alice');
  const bob = uniqueId('hist-bob');
  let A: string;
  let B: string;
  let aliceId: string;
  const cleanup: string[] = [];

  const versions = async (id: string, auth: string = A, query = '') => await api<Page<Version>>('GET', `/v1/jobs/${id}/versions${query}`, { auth });
  const audit = async (query: string, auth?: string) => await api<Page<AuditEntry>>('GET', `/v1/audit${query}`, auth === undefined ? {} : { auth });
  const httpJob = (name: string) => ({ id: uniqueId(name), name, type: 'http', enabled: false, data: { url: `${target.url}/${name}`, method: 'GET' } });

  let db: Db;
  before(async () => {
    target = await startHttpTarget();
    client = await temporalClient();
    db = openDatabase(loadConfig(process.env).database);
    for (const username of [alice, bob]) {
      const res = await api<{ id: string }>('POST', '/v1/users', { body: { username, password: pw, role: 'user' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      if (username === alice) aliceId = res.body.id;
    }
    A = basic(alice, pw);
    B = basic(bob, pw);
  });
  after(async () => {
    for (const id of cleanup) await api('DELETE', `/v1/jobs/${id}`);
    await client.connection.close();
    await target.close();
    await db.close();
  });

  it('/v1 writes record versions with author, surface and an RFC 6902 diff; a no-op pause records none', async () => {
    const input = httpJob('v1-versions');
    cleanup.push(input.id);
    assert.equal((await api('POST', '/v1/jobs', { auth: A, body: input })).status, 201);
    assert.equal((await api('PATCH', `/v1/jobs/${input.id}`, { auth: A, body: { description: 'second' } })).status, 200);
    // Already paused: the stored definition does not change.
    assert.equal((await api('POST', `/v1/jobs/${input.id}/pause`, { auth: A })).status, 200);
    assert.equal((await api('POST', `/v1/jobs/${input.id}/resume`, { auth: A })).status, 200);

    const list = await versions(input.id);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(list.body.items.map((v) => [v.version, v.surface, v.authorId, v.state]), [
      [3, 'v1', aliceId, 'applied'],
      [2, 'v1', aliceId, 'applied'],
      [1, 'v1', aliceId, 'applied'],
    ]);
    const [v3, v2, v1] = list.body.items;
    assert.deepEqual(v1?.diff, []);
    assert.deepEqual(v2?.diff, [{ op: 'replace', path: '/description', value: 'second' }]);
    assert.deepEqual(v3?.diff, [{ op: 'replace', path: '/enabled', value: true }]);
    assert.equal(v1?.definition.id, input.id);
    assert.equal('updatedAt' in (v1?.definition ?? {}), false);

    const one = await api<Version>('GET', `/v1/jobs/${input.id}/versions/2`, { auth: A });
    assert.equal(one.status, 200);
    assert.equal(one.body.definition.description, 'second');
    assert.equal((await api('GET', `/v1/jobs/${input.id}/versions/99`, { auth: A })).status, 404);
    assert.equal((await api('GET', `/v1/jobs/${input.id}/versions/zero`, { auth: A })).status, 400);

    // Paging: limit and the cursor of the previous page.
    const p1 = await versions(input.id, A, '?limit=2');
    assert.deepEqual(p1.body.items.map((v) => v.version), [3, 2]);
    assert.equal(p1.headers.get('x-kairos-next-cursor'), p1.body.nextCursor);
    const p2 = await versions(input.id, A, `?limit=2&cursor=${p1.body.nextCursor ?? ''}`);
    assert.deepEqual(p2.body.items.map((v) => v.version), [1]);
    assert.equal((await versions(input.id, A, '?limit=0')).status, 400);

    // Whoever may not read the job may not read its versions, nor learn that it exists.
    assert.equal((await versions(input.id, B)).status, 404);
    assert.equal((await api('GET', `/v1/jobs/${input.id}/versions/1`, { auth: B })).status, 404);
    assert.equal((await api('POST', `/v1/jobs/${input.id}/versions/1/restore`, { auth: B })).status, 404);
    // Admins may.
    assert.equal((await versions(input.id, adminAuth())).body.items.length, 3);
  });

  it('Fusion and Informer writes record versions naming their surface', async () => {
    const task = uniqueId('hist-task');
    const created = await api('POST', '/fusion/api/tasks', { auth: A, body: { id: task, type: 'rest-call', callParams: { uri: `${target.url}/t`, method: 'GET' } } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const put = await api('PUT', `/fusion/api/tasks/${task}`, { auth: A, body: { id: task, type: 'rest-call', callParams: { uri: `${target.url}/t2`, method: 'GET' } } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const fusionId = `fusion.task.${task}`;
    cleanup.push(fusionId);
    const fv = await versions(fusionId);
    assert.equal(fv.status, 200, JSON.stringify(fv.body));
    assert.deepEqual(fv.body.items.map((v) => [v.version, v.surface, v.authorId]), [[2, 'fusion', aliceId], [1, 'fusion', aliceId]]);
    assert.ok(fv.body.items[0]?.diff.some((op) => op.path.startsWith('/data')), JSON.stringify(fv.body.items[0]?.diff));

    const inf = await api<{ id: string }>('POST', '/informer/api/jobs', { auth: A, body: { name: uniqueId('hist-inf'), type: 'http', enabled: false, data: { url: `${target.url}/i`, method: 'GET' } } });
    assert.equal(inf.status, 201, JSON.stringify(inf.body));
    // Informer shows a UUID; the job's id is `informer.<uuid>`.
    const informerId = `informer.${inf.body.id}`;
    cleanup.push(informerId);
    assert.equal((await api('PUT', `/informer/api/jobs/${inf.body.id}`, { auth: A, body: { description: 'via informer' } })).status, 200);
    const iv = await versions(informerId);
    assert.equal(iv.status, 200, JSON.stringify(iv.body));
    // The audit names the job as core does (the route named it by its UUID).
    const infAudit = await audit(`?job=${informerId}`);
    assert.deepEqual(infAudit.body.items.map((e) => [e.surface, e.action]), [
      ['informer', 'PUT /informer/api/jobs/:id'],
      ['informer', 'POST /informer/api/jobs'],
    ]);
    assert.deepEqual(iv.body.items.map((v) => [v.version, v.surface]), [[2, 'informer'], [1, 'informer']]);
    assert.deepEqual(iv.body.items[0]?.diff, [{ op: 'replace', path: '/description', value: 'via informer' }]);
  });

  it("Informer's drafts are versions not yet applied; the commit applies the draft", async () => {
    const inf = await api<{ id: string }>('POST', '/informer/api/jobs', { auth: A, body: { name: uniqueId('hist-draft'), type: 'http', enabled: false, data: { url: `${target.url}/d`, method: 'GET' } } });
    assert.equal(inf.status, 201, JSON.stringify(inf.body));
    const id = `informer.${inf.body.id}`;
    cleanup.push(id);
    const edit = await api<{ id: string }>('POST', `/informer/api/jobs/${inf.body.id}/_edit`, { auth: A });
    assert.equal(edit.status, 201, JSON.stringify(edit.body));
    // Opening a draft changes nothing yet.
    assert.deepEqual((await versions(id)).body.items.map((v) => [v.version, v.state]), [[1, 'applied']]);
    assert.equal((await api('PUT', `/informer/api/jobs/${edit.body.id}`, { auth: A, body: { description: 'drafted' } })).status, 200);
    const drafted = await versions(id);
    assert.deepEqual(drafted.body.items.map((v) => [v.version, v.state, v.surface, v.authorId]), [[2, 'draft', 'informer', aliceId], [1, 'applied', 'informer', aliceId]]);
    assert.deepEqual(drafted.body.items[0]?.diff, [{ op: 'replace', path: '/description', value: 'drafted' }]);
    // The live job is unchanged until the commit, which applies the draft's version.
    assert.equal((await api<Json>('GET', `/v1/jobs/${id}`, { auth: A })).body.description, '');
    assert.equal((await api('POST', `/informer/api/jobs/${edit.body.id}/_commit`, { auth: A })).status, 200);
    const applied = await versions(id);
    assert.deepEqual(applied.body.items.map((v) => [v.version, v.state]), [[2, 'applied'], [1, 'applied']]);
    assert.equal((await api<Json>('GET', `/v1/jobs/${id}`, { auth: A })).body.description, 'drafted');
  });

  it('restore writes a version back as the live job, as a new version, with If-Match', async () => {
    const input = httpJob('restore');
    cleanup.push(input.id);
    await api('POST', '/v1/jobs', { auth: A, body: { ...input, description: 'original', tags: ['a'] } });
    await api('PATCH', `/v1/jobs/${input.id}`, { auth: A, body: { description: 'changed', tags: ['b', 'c'] } });
    // A stale If-Match is a conflict, and nothing is written.
    assert.equal((await api('POST', `/v1/jobs/${input.id}/versions/1/restore`, { auth: A, headers: { 'if-match': '"1"' } })).status, 409);
    const restored = await api<Json & { version: number }>('POST', `/v1/jobs/${input.id}/versions/1/restore`, { auth: A, headers: { 'if-match': '"2"' } });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal(restored.headers.get('etag'), '"3"');
    const live = await api<Json>('GET', `/v1/jobs/${input.id}`, { auth: A });
    const v1 = (await api<Version>('GET', `/v1/jobs/${input.id}/versions/1`, { auth: A })).body;
    for (const [k, v] of Object.entries(v1.definition)) assert.deepEqual(live.body[k], v, k);
    const list = await versions(input.id);
    assert.deepEqual(list.body.items.map((v) => [v.version, v.surface]), [[3, 'v1'], [2, 'v1'], [1, 'v1']]);
    assert.deepEqual(list.body.items[0]?.definition, v1.definition);
    // A stranger cannot restore; a sharee who may read but not edit is H3's (access) to test.
    assert.equal((await api('POST', `/v1/jobs/${input.id}/versions/1/restore`, { auth: B })).status, 404);
  });

  it('repairs a version lost between the schedule write and its record: a system version appears', async () => {
    const input = httpJob('repair');
    cleanup.push(input.id);
    await api('POST', '/v1/jobs', { auth: A, body: input });
    // Written through Temporal by a job service that records no versions, as a crash after the write
    // would leave it: the write had marked the job's head (core/jobs/heads.ts) and never finished.
    const bypass = new JobService(new JobStore(new TemporalGateway(client), taskQueue()));
    const crashed = (id: string) => new JobHeads(db).begin(id);
    await crashed(input.id);
    await bypass.patch(input.id, { notes: 'written past the history' }, { id: 'admin', role: 'admin' });
    const list = await versions(input.id);
    assert.deepEqual(list.body.items.map((v) => [v.version, v.surface, v.authorId]), [[2, 'system', null], [1, 'v1', aliceId]]);
    assert.deepEqual(list.body.items[0]?.diff, [{ op: 'replace', path: '/notes', value: 'written past the history' }]);
    // Reading again adds nothing; the next write's diff is its own change only.
    await api('PATCH', `/v1/jobs/${input.id}`, { auth: A, body: { description: 'after repair' } });
    await crashed(input.id);
    await bypass.patch(input.id, { notes: 'again past it' }, { id: 'admin', role: 'admin' });
    await api('PATCH', `/v1/jobs/${input.id}`, { auth: A, body: { description: 'after the second' } });
    const again = await versions(input.id);
    assert.deepEqual(again.body.items.map((v) => [v.version, v.surface]), [[5, 'v1'], [4, 'system'], [3, 'v1'], [2, 'system'], [1, 'v1']]);
    assert.deepEqual(again.body.items[0]?.diff, [{ op: 'replace', path: '/description', value: 'after the second' }]);
  });

  it('deleting a job closes its versions; the same id created again starts at version 1', async () => {
    const input = httpJob('recreate');
    await api('POST', '/v1/jobs', { auth: A, body: input });
    await api('PATCH', `/v1/jobs/${input.id}`, { auth: A, body: { description: 'two' } });
    assert.equal((await versions(input.id)).body.items.length, 2);
    assert.equal((await api('DELETE', `/v1/jobs/${input.id}`, { auth: A })).status, 204);
    assert.equal((await versions(input.id)).status, 404);
    cleanup.push(input.id);
    assert.equal((await api('POST', '/v1/jobs', { auth: A, body: { ...input, description: 'reborn' } })).status, 201);
    const fresh = await versions(input.id);
    assert.deepEqual(fresh.body.items.map((v) => [v.version, v.state, v.definition.description]), [[1, 'applied', 'reborn']]);
    // The deleted creation's versions stay, closed, for admins.
    const closed = await versions(input.id, adminAuth(), '?closed=true');
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.deepEqual(closed.body.items.map((v) => [v.version, v.state, v.definition.description ?? '']), [[2, 'closed', 'two'], [1, 'closed', '']]);
    assert.equal((await versions(input.id, A, '?closed=true')).status, 403);
  });

  it('audits mutations, failures, denials, logins, secret changes and manual runs; filters and pages; admins only', async () => {
    const since = new Date().toISOString();
    const input = httpJob('audited');
    cleanup.push(input.id);
    assert.equal((await api('POST', '/v1/jobs', { auth: A, body: input })).status, 201);
    assert.equal((await api('POST', '/v1/jobs', { auth: A, body: { ...input, id: uniqueId('bad'), type: 'no-such-type' } })).status, 400);
    assert.equal((await api('DELETE', `/v1/jobs/${input.id}`, { auth: B })).status, 404);
    const run = await api<{ runId: string }>('POST', `/v1/jobs/${input.id}/run`, { auth: A });
    assert.equal(run.status, 202, JSON.stringify(run.body));
    // A wrong password, on a GET.
    assert.equal((await api('GET', '/v1/jobs', { auth: basic(alice, 'not-the-password') })).status, 401);
    const secretName = `HIST_${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`;
    const secretValue = `value-${randomUUID()}`;
    assert.equal((await api('PUT', `/v1/secrets/${secretName}`, { auth: A, body: { value: secretValue } })).status, 201);
    // Volt MX's login route: a failure, then a success.
    const vlogin = async (password: string) =>
      await api('POST', '/voltmx/authService/accounts/login', { auth: null, body: { userid: alice, password } });
    assert.equal((await vlogin('wrong')).status, 401);
    assert.equal((await vlogin(pw)).status, 200);

    const all = await audit(`?from=${encodeURIComponent(since)}&limit=500`);
    assert.equal(all.status, 200, JSON.stringify(all.body));
    const mine = all.body.items.filter((e) => e.principalName === alice || e.principalName === bob || e.target === alice);
    const find = (pred: (e: AuditEntry) => boolean, what: string): AuditEntry => {
      const hit = mine.find(pred);
      assert.ok(hit, `${what} in ${JSON.stringify(mine, null, 1)}`);
      return hit;
    };
    // The job id comes from the job service when the route has none (a create).
    const created = find((e) => e.action === 'job.create' && e.jobId === input.id && e.outcome === 'ok', 'the create');
    assert.equal(created.principalId, aliceId);
    assert.equal(created.surface, 'v1');
    assert.equal(find((e) => e.action === 'job.create' && e.outcome === 'failed' && e.detail?.status === 400, 'the failed create').jobId, null);
    const denied = find((e) => e.action === 'job.delete' && e.jobId === input.id, "bob's delete");
    assert.equal(denied.principalName, bob);
    assert.equal(denied.outcome, 'failed');
    assert.equal(denied.detail?.status, 404);
    find((e) => e.action === 'job.run' && e.jobId === input.id && e.outcome === 'ok', 'the manual run');
    const failedLogin = find((e) => e.action === 'login' && e.surface === 'v1' && e.outcome === 'failed', 'the failed login');
    assert.equal(failedLogin.principalId, null);
    assert.equal(failedLogin.detail?.method, 'GET');
    const secret = find((e) => e.action === 'secret.put' && e.target === secretName, 'the secret PUT');
    assert.equal(secret.outcome, 'ok');
    assert.equal(JSON.stringify(all.body).includes(secretValue), false, 'no secret value in the audit log');
    assert.equal(JSON.stringify(all.body).includes('not-the-password'), false, 'no password in the audit log');
    assert.equal(JSON.stringify(all.body).includes(pw), false, 'no password in the audit log');
    find((e) => e.action === 'login' && e.surface === 'voltmx' && e.outcome === 'failed' && e.target === alice, 'the failed Volt MX login');
    const vok = find((e) => e.action === 'login' && e.surface === 'voltmx' && e.outcome === 'ok', 'the Volt MX login');
    assert.equal(vok.principalId, aliceId);
    assert.ok(all.body.items.every((e, i, xs) => i === 0 || (xs[i - 1]?.id ?? 0) > e.id), 'newest first');

    // Filters.
    const byJob = await audit(`?job=${input.id}`);
    assert.deepEqual(new Set(byJob.body.items.map((e) => e.action)), new Set(['job.create', 'job.delete', 'job.run']));
    const byPrincipal = await audit(`?principal=${bob}&from=${encodeURIComponent(since)}`);
    assert.ok(byPrincipal.body.items.length >= 1 && byPrincipal.body.items.every((e) => e.principalName === bob));
    const logins = await audit(`?action=login&surface=voltmx&outcome=ok&from=${encodeURIComponent(since)}`);
    assert.ok(logins.body.items.length >= 1 && logins.body.items.every((e) => e.action === 'login' && e.surface === 'voltmx' && e.outcome === 'ok'));
    const none = await audit(`?from=${encodeURIComponent(since)}&to=${encodeURIComponent(since)}`);
    assert.deepEqual(none.body.items, []);
    // Paging: one at a time, newest first, the same events.
    const paged: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof audit>> = await audit(`?job=${input.id}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...page.body.items.map((e) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(paged, byJob.body.items.map((e) => e.id));
    // Bad filters are 400s naming the field.
    const bad = await audit('?from=yesterday');
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /from/);
    assert.equal((await audit('?outcome=maybe')).status, 400);
    assert.equal((await audit('?limit=100000')).status, 400);
    // Not for users.
    assert.equal((await audit('', A)).status, 403);
    assert.equal((await api('GET', '/v1/audit', { auth: null })).status, 401);
    await api('DELETE', `/v1/secrets/${secretName}`, { auth: A });
  });
});
