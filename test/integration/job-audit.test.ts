// A job's audit trail (GET /v1/jobs/{id}/audit) through the real API and state store: the events of
// a create, update, pause and restore name who made them; the one access policy decides who gets it
// (a stranger gets exactly a missing job's 404), and which events (readers: `ok` only; the owner,
// share admins and admins: all); filters, paging and bad input; a later creation of the same id by
// someone else never shows the earlier one's events.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEntry } from '../../core/audit/log.ts';
import { api, uniqueId } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';

interface Trail {
  items: AuditEntry[];
  nextCursor: string | null;
  visible: 'all' | 'ok';
}

const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

describe("a job's audit trail", { timeout: 180_000 }, () => {
  let target: HttpTarget;
  const pw = 'job-audit-test-password';
  const names = { owner: uniqueId('ja-owner'), reader: uniqueId('ja-reader'), shareAdmin: uniqueId('ja-sadmin'), stranger: uniqueId('ja-stranger') };
  const ids: Record<keyof typeof names, string> = { owner: '', reader: '', shareAdmin: '', stranger: '' };
  const auth = (who: keyof typeof names) => basic(names[who], pw);
  const id = uniqueId('ja-job');
  const trail = async (query = '', as?: string | null, jobId = id) => await api<Trail>('GET', `/v1/jobs/${encodeURIComponent(jobId)}/audit${query}`, as === undefined ? {} : { auth: as });
  let t0 = '';
  let afterPause = '';

  before(async () => {
    target = await startHttpTarget();
    for (const who of Object.keys(names) as (keyof typeof names)[]) {
      const res = await api<{ id: string }>('POST', '/v1/users', { body: { username: names[who], password: pw, role: 'user' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ids[who] = res.body.id;
    }
    t0 = new Date().toISOString();
    const created = await api('POST', '/v1/jobs', { auth: auth('owner'), body: { id, name: 'Audited', type: 'http', enabled: true, data: { url: `${target.url}/a` }, triggers: [{ type: 'cron', expression: '0 3 * * *' }] } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await api('PUT', `/v1/jobs/${id}/shares/${ids.reader}`, { auth: auth('owner'), body: { level: 'read' } })).status, 200);
    assert.equal((await api('PUT', `/v1/jobs/${id}/shares/${ids.shareAdmin}`, { auth: auth('owner'), body: { level: 'admin' } })).status, 200);
    assert.equal((await api('PATCH', `/v1/jobs/${id}`, { auth: auth('owner'), body: { description: 'second' } })).status, 200);
    // A reader may not change it (denied), a stranger may not even see it (failed: a 404).
    assert.equal((await api('PATCH', `/v1/jobs/${id}`, { auth: auth('reader'), body: { description: 'mine' } })).status, 403);
    assert.equal((await api('DELETE', `/v1/jobs/${id}`, { auth: auth('stranger') })).status, 404);
    assert.equal((await api('POST', `/v1/jobs/${id}/pause`, { auth: auth('owner') })).status, 200);
    afterPause = new Date().toISOString();
    // The share admin restores the first version.
    const restored = await api('POST', `/v1/jobs/${id}/versions/1/restore`, { auth: auth('shareAdmin') });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
  });
  after(async () => {
    await api('DELETE', `/v1/jobs/${id}`);
    for (const who of Object.keys(ids) as (keyof typeof names)[]) if (ids[who]) await api('DELETE', `/v1/users/${ids[who]}`);
    await target?.close();
  });

  it('lists every event of the job, newest first, with who made it, to its owner, share admins and admins', async () => {
    const owner = await trail('', auth('owner'));
    assert.equal(owner.status, 200, JSON.stringify(owner.body));
    assert.equal(owner.body.visible, 'all');
    const summary = owner.body.items.map((e) => [e.action, e.outcome, e.principalName, e.surface]);
    assert.deepEqual(summary, [
      ['job.restore', 'ok', names.shareAdmin, 'v1'],
      ['job.pause', 'ok', names.owner, 'v1'],
      ['job.delete', 'failed', names.stranger, 'v1'],
      ['job.patch', 'denied', names.reader, 'v1'],
      ['job.patch', 'ok', names.owner, 'v1'],
      ['PUT /v1/jobs/:id/shares/:principalId', 'ok', names.owner, 'v1'],
      ['PUT /v1/jobs/:id/shares/:principalId', 'ok', names.owner, 'v1'],
      ['job.create', 'ok', names.owner, 'v1'],
    ]);
    assert.equal(owner.body.items.at(-1)?.principalId, ids.owner);
    // The versions name their authors too (the restore made version 4).
    const versions = await api<{ items: { version: number; authorId: string; authorName: string }[] }>('GET', `/v1/jobs/${id}/versions`, { auth: auth('reader') });
    assert.deepEqual(versions.body.items.map((v) => [v.version, v.authorId, v.authorName]), [
      [4, ids.shareAdmin, names.shareAdmin],
      [3, ids.owner, names.owner],
      [2, ids.owner, names.owner],
      [1, ids.owner, names.owner],
    ]);
    assert.ok(owner.body.items.every((e) => e.jobId === id));
    assert.ok(owner.body.items.every((e, i, xs) => i === 0 || (xs[i - 1]?.id ?? 0) > e.id), 'newest first');
    // The share admin and a Kairos admin see the same.
    for (const as of [auth('shareAdmin'), undefined]) {
      const other = await trail('', as);
      assert.equal(other.status, 200);
      assert.equal(other.body.visible, 'all');
      assert.deepEqual(other.body.items.map((e) => e.id), owner.body.items.map((e) => e.id));
    }
  });

  it("shows a reader only the job's ok events, and refuses to list the others", async () => {
    const reader = await trail('', auth('reader'));
    assert.equal(reader.status, 200, JSON.stringify(reader.body));
    assert.equal(reader.body.visible, 'ok');
    assert.deepEqual(
      reader.body.items.map((e) => e.action),
      ['job.restore', 'job.pause', 'job.patch', 'PUT /v1/jobs/:id/shares/:principalId', 'PUT /v1/jobs/:id/shares/:principalId', 'job.create'],
    );
    assert.ok(reader.body.items.every((e) => e.outcome === 'ok'));
    assert.equal(JSON.stringify(reader.body).includes(names.stranger), false, "a stranger's attempt is not shown to a reader");
    assert.equal((await trail('?outcome=ok', auth('reader'))).body.items.length, reader.body.items.length);
    for (const outcome of ['denied', 'failed']) {
      const refused = await trail(`?outcome=${outcome}`, auth('reader'));
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      assert.match(JSON.stringify(refused.body), new RegExp(outcome));
    }
  });

  it('answers a stranger exactly as for a missing job, and needs credentials', async () => {
    const missing = uniqueId('ja-missing');
    const stranger = await trail('', auth('stranger'));
    const none = await trail('', auth('stranger'), missing);
    assert.equal(stranger.status, 404);
    assert.equal(none.status, 404);
    assert.equal(JSON.stringify(stranger.body).replaceAll(id, '<id>'), JSON.stringify(none.body).replaceAll(missing, '<id>'));
    // The admin of nothing: the same with a filter that would be refused to a reader.
    const strangerDenied = await trail('?outcome=denied', auth('stranger'));
    assert.equal(strangerDenied.status, 404);
    assert.equal((await trail('', null)).status, 401);
  });

  it('filters by action, outcome and time, pages with the cursor, and refuses bad filters naming them', async () => {
    const patches = await trail('?action=job.patch', auth('owner'));
    assert.deepEqual(patches.body.items.map((e) => e.outcome), ['denied', 'ok']);
    const failed = await trail('?outcome=failed', auth('owner'));
    assert.deepEqual(failed.body.items.map((e) => [e.action, e.principalId]), [['job.delete', ids.stranger]]);
    const later = await trail(`?from=${encodeURIComponent(afterPause)}`, auth('owner'));
    assert.deepEqual(later.body.items.map((e) => e.action), ['job.restore']);
    const before = await trail(`?to=${encodeURIComponent(t0)}`, auth('owner'));
    assert.deepEqual(before.body.items, []);

    const all = await trail('', auth('owner'));
    const paged: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof trail>> = await trail(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`, auth('owner'));
      assert.equal(page.status, 200, JSON.stringify(page.body));
      assert.ok(page.body.items.length <= 3);
      if (page.body.nextCursor) assert.equal(page.headers.get('x-kairos-next-cursor'), page.body.nextCursor);
      paged.push(...page.body.items.map((e) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(paged, all.body.items.map((e) => e.id));

    for (const [query, field] of [
      ['?outcome=maybe', 'outcome'],
      ['?from=yesterday', 'from'],
      ['?to=tomorrow', 'to'],
      ['?limit=0', 'limit'],
      ['?limit=100000', 'limit'],
      ['?cursor=not%20a%20cursor', 'cursor'],
      ['?cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['?principal=someone', 'principal'],
      ['?action=', 'action'],
    ] as const) {
      const bad = await trail(query, auth('owner'));
      assert.equal(bad.status, 400, `${query}: ${JSON.stringify(bad.body)}`);
      assert.match(JSON.stringify((bad.body as unknown as { error: unknown }).error), new RegExp(field), query);
    }
  });

  it("never shows an earlier creation's events to the owner of a later job with the same id", async () => {
    const reused = uniqueId('ja-reused');
    const body = { id: reused, name: 'Reused', type: 'http', enabled: false, data: { url: `${target.url}/r` } };
    assert.equal((await api('POST', '/v1/jobs', { auth: auth('owner'), body })).status, 201);
    assert.equal((await api('PATCH', `/v1/jobs/${reused}`, { auth: auth('owner'), body: { description: 'private' } })).status, 200);
    assert.equal((await api('DELETE', `/v1/jobs/${reused}`, { auth: auth('owner') })).status, 204);
    try {
      assert.equal((await api('POST', '/v1/jobs', { auth: auth('stranger'), body })).status, 201);
      const theirs = await trail('', auth('stranger'), reused);
      assert.equal(theirs.status, 200, JSON.stringify(theirs.body));
      assert.deepEqual(theirs.body.items.map((e) => [e.action, e.principalName]), [['job.create', names.stranger]]);
      // The whole log (admins) still has every event of the id.
      const all = await api<Trail>('GET', `/v1/audit?job=${reused}`);
      assert.deepEqual(all.body.items.map((e) => e.action), ['job.create', 'job.delete', 'job.patch', 'job.create']);
    } finally {
      await api('DELETE', `/v1/jobs/${reused}`);
    }
  });
});
