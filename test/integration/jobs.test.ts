// The native /v1 jobs API end to end through HTTP, against the real dev server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, uniqueId } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';

type JobBody = Record<string, unknown> & {
  id: string;
  version: number;
  state: { enabled: boolean; nextRunAt: string | null };
  error?: { code: string; details: { path: string; message: string }[] };
};
type ErrorBody = { error: { code: string; message: string; details: { path: string; message: string }[] } };

describe('native jobs API', () => {
  let target: HttpTarget;
  const url = () => `${target.url}/work`;
  before(async () => {
    target = await startHttpTarget();
  });
  after(async () => {
    await target.close();
  });

  const create = (body: Record<string, unknown>) => api<JobBody>('POST', '/v1/jobs', { body: { type: 'http', data: { url: url() }, ...body } });

  it('creates, reads, replaces, patches and deletes a job', async () => {
    const id = uniqueId('crud');
    const created = await create({
      id,
      name: 'Nightly report',
      tags: ['reports'],
      triggers: [{ type: 'cron', dialect: 'quartz', expression: '0 15 10 ? * MON-FRI', timezone: 'America/New_York' }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.id, id);
    assert.equal(created.body.version, 1);
    assert.equal(created.headers.get('etag'), '"1"');
    assert.equal(created.body.ownerId, 'admin-id-placeholder' === created.body.ownerId ? 'never' : created.body.ownerId);
    assert.ok(created.body.state.nextRunAt, 'a cron job has a next run time');

    const got = await api<JobBody>('GET', `/v1/jobs/${id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.name, 'Nightly report');
    assert.deepEqual(got.body.triggers, created.body.triggers);

    const patched = await api<JobBody>('PATCH', `/v1/jobs/${id}`, { body: { description: 'for the board' }, headers: { 'if-match': '"1"' } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.description, 'for the board');
    assert.equal(patched.body.name, 'Nightly report', 'a patch keeps other fields');
    assert.equal(patched.body.version, 2);

    const stale = await api<ErrorBody>('PATCH', `/v1/jobs/${id}`, { body: { description: 'stale' }, headers: { 'if-match': '"1"' } });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error.code, 'conflict');

    const replaced = await api<JobBody>('PUT', `/v1/jobs/${id}`, { body: { type: 'http', data: { url: url() }, name: 'Renamed' } });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.equal(replaced.body.name, 'Renamed');
    assert.equal(replaced.body.description, '', 'PUT replaces: unsent fields return to defaults');
    assert.deepEqual(replaced.body.triggers, []);
    assert.equal(replaced.body.createdAt, created.body.createdAt);

    const del = await api('DELETE', `/v1/jobs/${id}`);
    assert.equal(del.status, 204);
    const gone = await api<ErrorBody>('GET', `/v1/jobs/${id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'not_found');
    assert.equal((await api('DELETE', `/v1/jobs/${id}`)).status, 404);
  });

  it('generates an id when none is given', async () => {
    const res = await create({ name: 'Quick Thing' });
    assert.equal(res.status, 201);
    assert.match(res.body.id, /^quick-thing-[0-9a-f]{8}$/);
    await api('DELETE', `/v1/jobs/${res.body.id}`);
  });

  it('lists with filters and cursor paging', async () => {
    const tag = uniqueId('tag');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await create({ id: uniqueId(`list${i}`), tags: [tag], enabled: i !== 2 });
      assert.equal(r.status, 201);
      ids.push(r.body.id);
    }
    type Page = { items: { id: string; enabled: boolean; tags: string[] }[]; nextCursor: string | null };
    const all = await waitFor(
      async () => {
        const r = await api<Page>('GET', `/v1/jobs?tag=${tag}`);
        return r.body.items.length === 3 ? r.body.items : undefined;
      },
      10_000,
      'the list to show 3 jobs',
    );
    assert.deepEqual(all.map((i) => i.id).sort(), [...ids].sort());
    const enabled = await waitFor(
      async () => {
        const r = await api<Page>('GET', `/v1/jobs?tag=${tag}&enabled=false`);
        return r.body.items.length === 1 ? r.body.items : undefined;
      },
      10_000,
      'the enabled filter',
    );
    assert.equal(enabled[0]?.id, ids[2]);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const r: { status: number; body: Page } = await api<Page>('GET', `/v1/jobs?tag=${tag}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200);
      assert.ok(r.body.items.length <= 2);
      seen.push(...r.body.items.map((i) => i.id));
      cursor = r.body.nextCursor;
      if (!cursor) break;
    }
    assert.deepEqual(seen.sort(), [...ids].sort());
    const sorted: string[] = [];
    cursor = null;
    for (let page = 0; page < 5; page++) {
      const r: { status: number; body: Page } = await api<Page>('GET', `/v1/jobs?tag=${tag}&limit=2&sort=-id${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      sorted.push(...r.body.items.map((i) => i.id));
      cursor = r.body.nextCursor;
      if (!cursor) break;
    }
    assert.deepEqual(sorted, [...ids].sort().reverse(), 'sort=-id orders across pages');
    assert.equal((await api('GET', `/v1/jobs?sort=colour`)).status, 400);
    // Removing a tag clears it from the schedule's search attributes too.
    assert.equal((await api('PATCH', `/v1/jobs/${ids[0]}`, { body: { tags: [] } })).status, 200);
    await waitFor(
      async () => {
        const r = await api<Page>('GET', `/v1/jobs?tag=${tag}`);
        return r.body.items.length === 2 && !r.body.items.some((i) => i.id === ids[0]);
      },
      10_000,
      'the untagged job to leave the tag filter',
    );
    const bad = await api<ErrorBody>('GET', '/v1/jobs?limit=0');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0]?.path, 'query.limit');
    for (const id of ids) await api('DELETE', `/v1/jobs/${id}`);
  });

  it('pauses and resumes', async () => {
    const id = uniqueId('pause');
    await create({ id, triggers: [{ type: 'interval', every: '1h' }] });
    const paused = await api<JobBody>('POST', `/v1/jobs/${id}/pause`);
    assert.equal(paused.status, 200);
    assert.equal(paused.body.enabled, false);
    assert.equal(paused.body.state.enabled, false);
    assert.equal(paused.body.state.nextRunAt, null, 'a paused job shows no next run');
    const resumed = await api<JobBody>('POST', `/v1/jobs/${id}/resume`);
    assert.equal(resumed.body.state.enabled, true);
    assert.ok(resumed.body.state.nextRunAt);
    await api('DELETE', `/v1/jobs/${id}`);
  });

  it('runs a job now and the worker calls the target', async () => {
    const id = uniqueId('runnow');
    await api('POST', '/v1/jobs', { body: { id, type: 'http', data: { url: `${target.url}/run/${id}` } } });
    const run = await api<{ runId: string }>('POST', `/v1/jobs/${id}/run`);
    assert.equal(run.status, 202);
    assert.ok(run.body.runId.startsWith(`${id}-manual-`));
    await waitFor(() => target.requests.some((r) => r.path === `/run/${id}`), 30_000, 'the target to be called');
    assert.equal((await api('POST', '/v1/jobs/nope-does-not-exist/run')).status, 404);
    await api('DELETE', `/v1/jobs/${id}`);
  });

  it('reports next fire times from Temporal', async () => {
    const id = uniqueId('next');
    await create({ id, triggers: [{ type: 'cron', dialect: 'unix', expression: '0 12 * * *', timezone: 'UTC' }] });
    const res = await api<{ times: string[] }>('GET', `/v1/jobs/${id}/next?count=3`);
    assert.equal(res.status, 200);
    assert.equal(res.body.times.length, 3);
    for (const t of res.body.times) assert.match(t, /T12:00:00\.000Z$/);
    assert.equal((await api('GET', `/v1/jobs/${id}/next?count=99`)).status, 400);
    await api('DELETE', `/v1/jobs/${id}`);
  });

  it('previews a trigger without saving', async () => {
    const res = await api<{ times: string[]; description: string }>('POST', '/v1/triggers/preview', {
      body: { trigger: { type: 'cron', dialect: 'quartz', expression: '0 0 12 ? * 6#3' }, count: 3, from: '2026-01-01T00:00:00Z' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    // Quartz numbers days from Sunday = 1, so 6#3 is the third Friday.
    assert.deepEqual(res.body.times, ['2026-01-16T12:00:00.000Z', '2026-02-20T12:00:00.000Z', '2026-03-20T12:00:00.000Z']);
    assert.ok(res.body.description.length > 0);
    const bad = await api<ErrorBody>('POST', '/v1/triggers/preview', { body: { trigger: { type: 'cron', dialect: 'unix', expression: '61 * * * *' } } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.details[0]?.path ?? '', /^trigger/);
  });

  it('rejects bad input with a clear 400 and changes nothing', async () => {
    const id = uniqueId('bad');
    const malformed = await api<ErrorBody>('POST', '/v1/jobs', { rawBody: '{"id": ' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'malformed_json');

    const wrongType = await api<ErrorBody>('POST', '/v1/jobs', { body: { id, type: 'http', data: { url: url() }, enabled: 'yes' } });
    assert.equal(wrongType.status, 400);
    assert.deepEqual(wrongType.body.error.details.map((d) => d.path), ['enabled']);

    const unknownField = await api<ErrorBody>('POST', '/v1/jobs', { body: { id, type: 'http', data: { url: url() }, colour: 'red' } });
    assert.equal(unknownField.status, 400);
    assert.match(JSON.stringify(unknownField.body.error.details), /colour/);

    const badData = await api<ErrorBody>('POST', '/v1/jobs', { body: { id, type: 'http', data: { url: 'ftp://x' } } });
    assert.equal(badData.status, 400);
    assert.equal(badData.body.error.details[0]?.path, 'data.url');

    const badTrigger = await api<ErrorBody>('POST', '/v1/jobs', {
      body: { id, type: 'http', data: { url: url() }, triggers: [{ type: 'cron', dialect: 'quartz', expression: '0 0 25 ? * MON' }] },
    });
    assert.equal(badTrigger.status, 400);
    assert.match(badTrigger.body.error.details[0]?.path ?? '', /^triggers/);

    const badId = await api<ErrorBody>('POST', '/v1/jobs', { body: { id: 'has spaces', type: 'http', data: { url: url() } } });
    assert.equal(badId.status, 400);
    assert.equal(badId.body.error.details[0]?.path, 'id');

    const unknownType = await api<ErrorBody>('POST', '/v1/jobs', { body: { id, type: 'teleport' } });
    assert.equal(unknownType.status, 400);
    assert.equal(unknownType.body.error.details[0]?.path, 'type');

    const huge = await api<ErrorBody>('POST', '/v1/jobs', { body: { id, type: 'http', data: { url: url() }, notes: 'x'.repeat(3 * 1024 * 1024) } });
    assert.equal(huge.status, 413);

    assert.equal((await api('GET', `/v1/jobs/${id}`)).status, 404, 'no rejected request created the job');

    const ok = await create({ id });
    assert.equal(ok.status, 201);
    const dup = await create({ id });
    assert.equal(dup.status, 409);
    const rejected = await api<ErrorBody>('PUT', `/v1/jobs/${id}`, { body: { type: 'http', data: {} } });
    assert.equal(rejected.status, 400);
    const after = await api<JobBody>('GET', `/v1/jobs/${id}`);
    assert.equal(after.body.version, 1, 'a rejected update changes nothing');
    await api('DELETE', `/v1/jobs/${id}`);
  });

  it('never loses one of two concurrent updates', async () => {
    const id = uniqueId('race');
    await create({ id });
    const results = await Promise.all(
      ['a', 'b', 'c', 'd'].map((d) => api<JobBody>('PATCH', `/v1/jobs/${id}`, { body: { description: d }, headers: { 'if-match': '"1"' } })),
    );
    const ok = results.filter((r) => r.status === 200);
    assert.equal(ok.length, 1, `exactly one conditional update wins: ${results.map((r) => r.status).join(',')}`);
    assert.ok(results.every((r) => r.status === 200 || r.status === 409));
    const final = await api<JobBody>('GET', `/v1/jobs/${id}`);
    assert.equal(final.body.description, ok[0]?.body.description);
    assert.equal(final.body.version, 2);
    await api('DELETE', `/v1/jobs/${id}`);
  });

  it('requires authentication and the right role', async () => {
    assert.equal((await api('GET', '/v1/jobs', { auth: null })).status, 401);
    const wrong = await api('GET', '/v1/jobs', { auth: `Basic ${Buffer.from('admin:wrong-password').toString('base64')}` });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('www-authenticate'), 'Basic realm="kairos"');
    assert.equal((await api('GET', '/v1/jobs', { auth: 'Bearer kairos_not-a-key' })).status, 401);

    const username = uniqueId('user');
    const created = await api('POST', '/v1/users', { body: { username, password: 'user-password-1', role: 'user' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const userAuth = `Basic ${Buffer.from(`${username}:user-password-1`).toString('base64')}`;
    assert.equal((await api('GET', '/v1/users', { auth: userAuth })).status, 403);
    const key = await api<{ key: string }>('POST', '/v1/api-keys', { auth: userAuth, body: { name: 'mine' } });
    assert.equal(key.status, 201);
    const keyAuth = `Bearer ${key.body.key}`;

    const mine = await api<JobBody>('POST', '/v1/jobs', { auth: keyAuth, body: { id: uniqueId('owned'), type: 'http', data: { url: url() } } });
    assert.equal(mine.status, 201, JSON.stringify(mine.body));
    const adminJob = await create({ id: uniqueId('admins') });
    assert.equal((await api('GET', `/v1/jobs/${adminJob.body.id}`, { auth: keyAuth })).status, 404, "a user cannot see another's job");
    const foreignOwner = await api('POST', '/v1/jobs', { auth: keyAuth, body: { type: 'http', data: { url: url() }, ownerId: 'someone-else' } });
    assert.equal(foreignOwner.status, 403);
    await api('DELETE', `/v1/jobs/${mine.body.id}`);
    await api('DELETE', `/v1/jobs/${adminJob.body.id}`);
  });

  it('serves its OpenAPI document', async () => {
    const res = await api<{ openapi: string; paths: Record<string, unknown> }>('GET', '/v1/openapi.json');
    assert.equal(res.status, 200);
    assert.equal(res.body.openapi, '3.1.0');
    assert.ok(res.body.paths['/v1/jobs/{id}']);
  });
});
