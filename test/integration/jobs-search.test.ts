// Issue #18 item 3, the API half: GET /v1/jobs?q= finds a job by a case-insensitive substring of its
// name or id, combined with the other filters, sorting and paging; a user only ever finds jobs it may
// read (a stranger's job with the same words never shows up), and bad query values are a 400 in the
// native error shape naming the parameter.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { api, type ApiResponse } from '../support/env.ts';
import { waitFor } from '../support/wait-for.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';

type Json = Record<string, unknown>;
type Summary = { id: string; name: string; ownerId: string; enabled: boolean; dialect: string; lastOutcome?: string };
type Page = { items: Summary[]; nextCursor: string | null };
type NativeError = { error: { code: string; message: string; details: { path: string; message: string }[] } };

const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

describe('GET /v1/jobs?q= (search by name and id)', { timeout: 300_000 }, () => {
  // A word no other test's job carries, so that the results are exactly this test's jobs.
  const word = `zq${randomUUID().slice(0, 6)}`;
  const pw = 'jobs-search-password';
  const users = { a: `js-alice-${word}`, b: `js-bob-${word}` };
  let A = '';
  let B = '';
  const created: { auth: string | undefined; id: string }[] = [];

  const as =
    (auth: string | undefined) =>
    <T = Json>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> =>
      api<T>(method, path, { ...(auth ? { auth } : {}), ...(body !== undefined ? { body } : {}) });

  const job = async (auth: string, id: string, name: string, extra: Json = {}) => {
    const res = await as(auth)('POST', '/v1/jobs', {
      id,
      name,
      type: 'http',
      data: { url: 'http://127.0.0.1:9/never', method: 'GET' },
      triggers: [{ type: 'cron', expression: '0 3 * * *' }],
      ...extra,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    created.push({ auth, id });
  };
  const ids = (p: Page) => p.items.map((j) => j.id).sort();
  const sorted = (...xs: string[]) => xs.sort();

  before(async () => {
    for (const username of Object.values(users)) {
      const res = await api('POST', '/v1/users', { body: { username, password: pw, role: 'user' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    A = basic(users.a, pw);
    B = basic(users.b, pw);
    await job(A, `${word}-alpha`, `Nightly ${word.toUpperCase()} report`);
    await job(A, `${word}-beta`, 'Invoice export', { tags: ['billing'], enabled: false });
    await job(A, `gamma-${word}-x`, 'Gamma sync');
    // Bob's job has the same word in its name and id: Alice must never find it.
    await job(B, `${word}-bob`, `Bob's ${word} report`);
    // Visibility lags a write by a moment: wait until the admin sees all four.
    await waitFor(async () => (await as(undefined)<Page>('GET', `/v1/jobs?q=${word}`)).body.items.length === 4, 20_000, 'the jobs in the list');
  });
  after(async () => {
    for (const c of created) await as(c.auth)('DELETE', `/v1/jobs/${c.id}`).catch(() => undefined);
  });

  it('matches a case-insensitive substring of the name or of the id, among the jobs the user may read', async () => {
    const mine = await as(A)<Page>('GET', `/v1/jobs?q=${word.toUpperCase()}`);
    assert.equal(mine.status, 200);
    assert.deepEqual(ids(mine.body), sorted(`${word}-alpha`, `${word}-beta`, `gamma-${word}-x`));
    assert.ok(mine.body.items.every((j) => j.ownerId !== users.b), "no stranger's job");

    // By name only (the id does not hold it), in any case.
    assert.deepEqual(ids((await as(A)<Page>('GET', '/v1/jobs?q=INVOICE%20exp')).body).filter((id) => id.startsWith(word)), [`${word}-beta`]);
    // By id only.
    assert.deepEqual(ids((await as(A)<Page>('GET', `/v1/jobs?q=${encodeURIComponent(`${word}-x`)}`)).body), [`gamma-${word}-x`]);

    // Bob finds his own, never Alice's.
    assert.deepEqual(ids((await as(B)<Page>('GET', `/v1/jobs?q=${word}`)).body), [`${word}-bob`]);
    // Alice searching for Bob's job finds nothing, exactly as for a job that does not exist.
    const probe = await as(A)<Page>('GET', `/v1/jobs?q=${word}-bob`);
    assert.equal(probe.status, 200);
    assert.deepEqual(probe.body, { items: [], nextCursor: null });
    // The admin finds all four.
    assert.equal((await as(undefined)<Page>('GET', `/v1/jobs?q=${word}`)).body.items.length, 4);
  });

  it('combines with the filters, sorting and paging', async () => {
    assert.deepEqual(ids((await as(A)<Page>('GET', `/v1/jobs?q=${word}&enabled=false`)).body), [`${word}-beta`]);
    assert.deepEqual(ids((await as(A)<Page>('GET', `/v1/jobs?q=${word}&tag=billing`)).body), [`${word}-beta`]);
    assert.deepEqual(ids((await as(A)<Page>('GET', `/v1/jobs?q=${word}&enabled=true&dialect=native`)).body), sorted(`${word}-alpha`, `gamma-${word}-x`));

    // Sorted by name, one per page: the cursor walks all three in order.
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const res: ApiResponse<Page> = await as(A)<Page>('GET', `/v1/jobs?q=${word}&sort=name&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      names.push(...res.body.items.map((j) => j.name));
      cursor = res.body.nextCursor;
    } while (cursor && names.length < 10);
    assert.deepEqual(names, ['Gamma sync', 'Invoice export', `Nightly ${word.toUpperCase()} report`]);

    // Unsorted paging with a search pages too (by offset), without repeats.
    const first = await as(A)<Page>('GET', `/v1/jobs?q=${word}&limit=2`);
    assert.equal(first.body.items.length, 2);
    assert.ok(first.body.nextCursor);
    const second = await as(A)<Page>('GET', `/v1/jobs?q=${word}&limit=2&cursor=${first.body.nextCursor}`);
    assert.deepEqual([...ids(first.body), ...ids(second.body)].sort(), sorted(`${word}-alpha`, `${word}-beta`, `gamma-${word}-x`));
    assert.equal(second.body.nextCursor, null);
  });

  it('filters by the last outcome of the schedule\'s runs (lastOutcome)', async () => {
    const target: HttpTarget = await startHttpTarget();
    target.respond = (req, res) => {
      res.writeHead(req.path.startsWith('/fail') ? 500 : 200, { 'content-type': 'text/plain' }).end('ok');
    };
    try {
      // Each fires once, a second after it is saved (Dapr's six fields: every second, one run).
      const once = (path: string) => ({
        data: { url: `${target.url}/${path}`, method: 'GET' },
        retry: { maxAttempts: 1 },
        maxRuns: 1,
        triggers: [{ type: 'cron', dialect: 'dapr', expression: '* * * * * *' }],
      });
      await job(A, `${word}-ok`, 'Outcome ok', once('ok'));
      await job(A, `${word}-bad`, 'Outcome bad', once('fail'));
      const outcomes = async () =>
        Object.fromEntries((await as(A)<Page>('GET', `/v1/jobs?q=${word}-`)).body.items.map((j) => [j.id, j.lastOutcome]));
      // The schedule's list entry learns a run's status when its scheduler next writes it: about a
      // minute after the run ended here (eventually consistent, as Temporal documents the field).
      await waitFor(async () => {
        const o = await outcomes();
        return o[`${word}-ok`] === 'succeeded' && o[`${word}-bad`] === 'failed';
      }, 150_000, 'the outcomes of the scheduled runs in the list').catch(async (err: unknown) => {
        throw new Error(`${(err as Error).message}: ${JSON.stringify(await outcomes())}`);
      });
      assert.deepEqual(ids((await as(A)<Page>('GET', `/v1/jobs?q=${word}&lastOutcome=failed`)).body), [`${word}-bad`]);
      assert.deepEqual(ids((await as(A)<Page>('GET', `/v1/jobs?q=${word}&lastOutcome=succeeded`)).body), [`${word}-ok`]);
      // Jobs whose schedule has not run yet.
      assert.deepEqual(ids((await as(A)<Page>('GET', `/v1/jobs?q=${word}&lastOutcome=none`)).body), sorted(`${word}-alpha`, `${word}-beta`, `gamma-${word}-x`));
      // Bob's job never fired either, and is never counted for Alice.
      assert.deepEqual(ids((await as(B)<Page>('GET', `/v1/jobs?lastOutcome=none&q=${word}`)).body), [`${word}-bob`]);
    } finally {
      await target.close();
    }
  });

  it('refuses bad query values with a 400 naming the parameter, in the native error shape', async () => {
    const cases: [string, string][] = [
      ['q=', 'query.q'],
      ['q=%20%20', 'query.q'],
      [`q=${'x'.repeat(201)}`, 'query.q'],
      ['enabled=maybe', 'query.enabled'],
      ['sort=owner', 'query.sort'],
      ['limit=0', 'query.limit'],
      ['lastOutcome=great', 'query.lastOutcome'],
      ['q=a&cursor=bm90LWEtY3Vyc29y', 'query.cursor'],
      ['nonsense=1', 'query'],
    ];
    for (const [qs, path] of cases) {
      const res = await as(A)<NativeError>('GET', `/v1/jobs?${qs}`);
      assert.equal(res.status, 400, `${qs} → ${res.status}`);
      assert.equal(res.body.error.code, 'validation', qs);
      assert.ok(
        res.body.error.details.some((d) => d.path === path || (path === 'query' && d.path.startsWith('query'))),
        `${qs}: ${JSON.stringify(res.body.error.details)}`,
      );
    }
  });
});
