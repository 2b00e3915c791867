// The Dapr dialect end to end: the Jobs API on /dapr and on its own port, against the real dev
// server and worker, delivering to a real app on loopback (the address the harness configured as
// KAIROS_DAPR_APP_URL, bound here).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { api, uniqueId } from '../support/env.ts';
import { waitFor } from '../support/wait-for.ts';

interface Delivery {
  path: string;
  name: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

interface App {
  deliveries: Delivery[];
  /** Status per job name (default 200). */
  status: Map<string, number>;
  of(name: string): Delivery[];
  close(): Promise<void>;
}

/** A Dapr app: answers POST /job/{name} and records it. */
async function startApp(url: string): Promise<App> {
  const port = Number(new URL(url).port);
  const app: App = {
    deliveries: [],
    status: new Map(),
    of: (name) => app.deliveries.filter((d) => d.name === name),
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      const name = decodeURIComponent(path.replace(/^\/job\//, ''));
      app.deliveries.push({ path, name, headers: req.headers, body: Buffer.concat(chunks).toString(), at: Date.now() });
      res.writeHead(app.status.get(name) ?? 200).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  app.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return app;
}

type DaprError = { errorCode: string; message: string; details: Record<string, unknown>[] };
const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run through scripts/run-tests.ts`);
  return v;
};
const daprPortUrl = () => `http://127.0.0.1:${env('KAIROS_DAPR_PORT')}`;
const job = (name: string) => `/dapr/v1.0-alpha1/jobs/${encodeURIComponent(name)}`;
const jobV1 = (name: string) => `/dapr/v1.0/jobs/${encodeURIComponent(name)}`;
const schedule = (name: string, body: unknown) => api<DaprError | null>('POST', job(name), { body });
const get = (name: string) => api<Record<string, unknown> & DaprError>('GET', job(name));

/** On the dedicated port, with Dapr's token header. */
async function daprd(method: string, path: string, opts: { body?: string; token?: string | null; contentType?: string } = {}) {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? env('KAIROS_DAPR_API_TOKEN') : opts.token;
  if (token) headers['dapr-api-token'] = token;
  if (opts.contentType) headers['content-type'] = opts.contentType;
  const res = await fetch(`${daprPortUrl()}${path}`, { method, headers, body: opts.body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* text */
  }
  return { status: res.status, body: body as Record<string, unknown>, headers: res.headers };
}

/**
 * Bounds for a due time that has passed: its run starts, and the app receives it, this soon after the
 * request. Kairos used to move such a due time 2 s ahead (2.7-3.7 s to the delivery); the path is now
 * ~0.1 s to the run's start and 0.15-0.65 s to the delivery on a 2-core dev server.
 */
const IMMEDIATE_START_MS = 1000;
const IMMEDIATE_DELIVERY_MS = 1500;

/** GET answers Dapr's "not found" (500 DAPR_SCHEDULER_GET_JOB) once the job is gone. */
const gone = async (name: string) => {
  const r = await get(name);
  return r.status === 500 && r.body.errorCode === 'DAPR_SCHEDULER_GET_JOB';
};

describe('Dapr Jobs API', () => {
  let app: App;
  let other: App;
  before(async () => {
    app = await startApp(env('KAIROS_DAPR_APP_URL'));
    other = await startApp(env('KAIROS_DAPR_APP_URLS').replace(/^other=/, ''));
  });
  after(async () => {
    await app.close();
    await other.close();
  });

  it("accepts the seed's requests as written", async () => {
    const name = uniqueId('jobforjabba');
    const seedData = { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: '"someData"' };
    const created = await schedule(name, { job: { data: seedData, dueTime: '30s' } });
    assert.equal(created.status, 204, JSON.stringify(created.body));
    assert.equal(created.body, null, 'empty body');
    const got = await get(name);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.deepEqual(got.body, { name, dueTime: '30s', data: seedData, failurePolicy: { constant: { interval: '1s', maxRetries: 3 } } });

    // The page's curl example (its "scheudle" typo included): rejected, nothing created.
    const typo = uniqueId('jabba-typo');
    const bad = await schedule(typo, { job: { data: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: 'Running spice' }, scheudle: '@every 1m', repeats: 5 } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body?.errorCode, 'ERR_MALFORMED_REQUEST');
    assert.match(bad.body?.message ?? '', /scheudle/);
    assert.ok(await gone(typo));
    // … and as meant.
    const spice = await schedule(typo, { job: { data: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: 'Running spice' }, schedule: '@every 1m', repeats: 5 } });
    assert.equal(spice.status, 204, JSON.stringify(spice.body));
    const spiceGot = await api('GET', jobV1(typo));
    assert.deepEqual(spiceGot.body, {
      name: typo,
      schedule: '@every 1m',
      repeats: 5,
      data: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: 'Running spice' },
      failurePolicy: { constant: { interval: '1s', maxRetries: 3 } },
    });

    for (const n of [name, typo]) {
      assert.equal((await api('DELETE', job(n))).status, 204);
      assert.ok(await gone(n));
    }
    const missing = await api('DELETE', job(uniqueId('never-was')));
    assert.equal(missing.status, 204, 'deleting a missing job is a success');
    const notFound = await get(uniqueId('never-was'));
    assert.equal(notFound.status, 500, "Dapr's status for a missing job");
    assert.equal(notFound.body.errorCode, 'DAPR_SCHEDULER_GET_JOB');
    assert.equal(notFound.body.details[0]?.['reason'], 'DAPR_SCHEDULER_GET_JOB');
  });

  it('delivers a one-shot job once, with its data, then removes it', async () => {
    const name = uniqueId('oneshot');
    const data = { task: 'db-backup', metadata: { DBName: 'my-prod-db' } };
    assert.equal((await schedule(name, { dueTime: '1s', data })).status, 204);
    await waitFor(() => app.of(name).length === 1, 20_000, 'the delivery');
    const d = app.of(name)[0];
    assert.ok(d);
    assert.equal(d.path, `/job/${name}`);
    assert.deepEqual(JSON.parse(d.body), data);
    assert.equal(d.headers['content-type'], 'application/json');
    assert.equal(d.headers['dapr-api-token'], env('KAIROS_SECRET_DAPR_APP_API_TOKEN'));
    await waitFor(() => gone(name), 20_000, 'the used-up job to be removed');
    assert.equal(app.of(name).length, 1);
  });

  it('delivers a dueTime of "0s" or in the past at once, and a job with no data with an empty body', async (t) => {
    // Each job's delays from just before its request. One job at a time, so that the measure is the
    // scheduling path's and not a queue of concurrent creates on a small dev server.
    const dueTimes = ['0s', 'PT0S', '1s', new Date(Date.now() - 3_600_000).toISOString(), '2020-01-01T00:00:00Z'];
    const rows: string[] = [];
    const names: string[] = [];
    for (const [i, dueTime] of dueTimes.entries()) {
      const name = uniqueId(`now${i}`);
      names.push(name);
      const sent = Date.now();
      const r = await schedule(name, { dueTime });
      const answered = Date.now();
      assert.equal(r.status, 204, JSON.stringify(r.body));
      await waitFor(() => app.of(name).length === 1, 20_000, `the delivery of ${name}`);
      const delay = (app.of(name)[0]?.at ?? Infinity) - sent;
      const run = await waitFor(async () => {
        const page = await api<{ items: { scheduledAt: string; startedAt: string }[] }>('GET', `/v1/runs?jobId=${encodeURIComponent(`dapr:${name}`)}`);
        return page.body.items[0];
      }, 10_000, `the run record of ${name}`);
      const started = Date.parse(run.startedAt) - sent;
      rows.push(`${dueTime}: answered ${answered - sent}, run started ${started}, delivered ${delay}`);
      assert.ok(started < IMMEDIATE_START_MS, `${dueTime}: the run started ${started} ms after the request`);
      assert.ok(delay < IMMEDIATE_DELIVERY_MS, `${dueTime} delivered ${delay} ms after the request`);
    }
    t.diagnostic(`ms after the request: ${rows.join('; ')}`);
    assert.equal(app.of(names[0] ?? '')[0]?.body, '');
    for (const n of names) await waitFor(() => gone(n), 20_000, `${n} to be removed`);
    for (const n of names) assert.equal(app.of(n).length, 1, `${n} delivered once`);
  });

  it("a GET right after scheduling an overdue job does not remove it before it is delivered", async () => {
    const names = [0, 1, 2].map((i) => uniqueId(`get-now${i}`));
    for (const name of names) {
      assert.equal((await schedule(name, { dueTime: '0s' })).status, 204);
      // Its only action is the immediate one, so it has no actions left: not used up until that ran.
      const got = await get(name);
      assert.ok(got.status === 200 || app.of(name).length === 1, `GET ${got.status} ${JSON.stringify(got.body)} before the delivery`);
    }
    for (const name of names) await waitFor(() => app.of(name).length === 1, 20_000, `the delivery of ${name}`);
    for (const name of names) await waitFor(() => gone(name), 20_000, `${name} to be removed`);
    for (const name of names) assert.equal(app.of(name).length, 1);
  });

  it('counts the immediate delivery of a past dueTime as one of `repeats`', async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    const one = uniqueId('past-once');
    const two = uniqueId('past-twice');
    const sent = Date.now();
    assert.equal((await schedule(one, { schedule: '@every 1s', dueTime: past, repeats: 1 })).status, 204);
    assert.equal((await schedule(two, { schedule: '@every 1s', dueTime: past, repeats: 2 })).status, 204);
    // Removed once used up: had the schedule one action more, @every 1s would fire it first.
    await waitFor(() => gone(one), 20_000, `${one} to be used up and removed`);
    await waitFor(() => gone(two), 20_000, `${two} to be used up and removed`);
    assert.equal(app.of(one).length, 1, 'repeats: 1 → exactly one delivery');
    assert.equal(app.of(two).length, 2, 'repeats: 2 → the immediate one and one tick');
    assert.ok((app.of(one)[0]?.at ?? Infinity) - sent < IMMEDIATE_DELIVERY_MS, 'the first delivery is immediate');
  });

  it('an edit of the job does not fire a passed dueTime again; an overwrite does', async () => {
    const name = uniqueId('refire');
    const id = encodeURIComponent(`dapr:${name}`);
    const body = { schedule: '@daily', dueTime: new Date(Date.now() - 60_000).toISOString() };
    assert.equal((await schedule(name, body)).status, 204);
    await waitFor(() => app.of(name).length === 1, 20_000, 'the immediate delivery');
    type Native = { state: { lastRunAt: string | null; running: string[] } };
    const first = await waitFor(async () => (await api<Native>('GET', `/v1/jobs/${id}`)).body.state.lastRunAt, 10_000, 'the last run time');
    // Reads of a job are consistent with every signal sent before: a fire these edits triggered would show.
    assert.equal((await api('PATCH', `/v1/jobs/${id}`, { body: { description: 'edited' } })).status, 200);
    assert.equal((await api('POST', `/v1/jobs/${id}/pause`)).status, 200);
    assert.equal((await api('POST', `/v1/jobs/${id}/resume`)).status, 200);
    const after = await api<Native>('GET', `/v1/jobs/${id}`);
    assert.equal(after.body.state.lastRunAt, first, 'no action since the first');
    assert.equal(app.of(name).length, 1);
    // Dapr's overwrite schedules a new job: the same passed dueTime fires again.
    assert.equal((await schedule(name, { ...body, overwrite: true })).status, 204);
    await waitFor(() => app.of(name).length === 2, 20_000, 'the delivery after the overwrite');
    assert.equal((await api('DELETE', job(name))).status, 204);
  });

  it('@every with a dueTime fires at dueTime + k·every; an overdue one fires now, then on that grid', async (t) => {
    // A whole second whose parity differs from now's, so that a grid counted from creation cannot pass.
    const base = Math.ceil(Date.now() / 1000) * 1000 + 3000;
    const due = Math.floor(base / 1000) % 2 === Math.floor(Date.now() / 1000) % 2 ? base + 1000 : base;
    const ahead = uniqueId('every-due');
    const overdue = uniqueId('every-overdue');
    const overdueAt = Math.floor(Date.now() / 1000) * 1000 - 3000; // an odd number of seconds ago, likewise
    const sent = Date.now();
    assert.equal((await schedule(ahead, { schedule: '@every 2s', dueTime: new Date(due).toISOString(), repeats: 3 })).status, 204);
    assert.equal((await schedule(overdue, { schedule: '@every 2s', dueTime: new Date(overdueAt).toISOString(), repeats: 3 })).status, 204);
    for (const n of [ahead, overdue]) await waitFor(() => gone(n), 30_000, `${n} to be used up and removed`);
    const runs = async (name: string) => {
      const r = await waitFor(async () => {
        const page = await api<{ items: { scheduledAt: string; startedAt: string; status: string }[] }>('GET', `/v1/runs?jobId=${encodeURIComponent(`dapr:${name}`)}&limit=10`);
        return page.body.items.length === 3 && page.body.items;
      }, 10_000, `the run records of ${name}`);
      return r.map((x) => Date.parse(x.scheduledAt)).sort((a, b) => a - b);
    };
    const aheadRuns = await runs(ahead);
    t.diagnostic(`dueTime ${new Date(due).toISOString()}: runs scheduled at ${aheadRuns.map((x) => new Date(x).toISOString()).join(', ')}`);
    assert.deepEqual(aheadRuns, [due, due + 2000, due + 4000]);
    assert.ok((app.of(ahead)[0]?.at ?? 0) >= due, 'not before dueTime');

    const overdueRuns = await runs(overdue);
    t.diagnostic(`overdue ${new Date(overdueAt).toISOString()}: runs scheduled at ${overdueRuns.map((x) => new Date(x).toISOString()).join(', ')}`);
    assert.equal(app.of(overdue).length, 3);
    assert.ok((app.of(overdue)[0]?.at ?? Infinity) - sent < IMMEDIATE_DELIVERY_MS, 'the overdue fire is immediate');
    const [, second, third] = overdueRuns;
    assert.equal(((second ?? 1) - overdueAt) % 2000, 0, 'then on the grid of dueTime');
    assert.equal((third ?? 0) - (second ?? 0), 2000);
  });

  it('delivers a repeating job exactly `repeats` times, then removes it', async () => {
    const name = uniqueId('repeat');
    const created = Date.now();
    assert.equal((await schedule(name, { schedule: '@every 1s', repeats: 3, data: 'someData' })).status, 204);
    await waitFor(() => app.of(name).length === 3, 30_000, 'three deliveries');
    await waitFor(() => gone(name), 20_000, 'the used-up job to be removed');
    assert.equal(app.of(name).length, 3);
    for (const d of app.of(name)) assert.equal(d.body, '"someData"', 'a string is delivered as a JSON string');
    assert.ok((app.of(name)[0]?.at ?? 0) - created >= 500, 'the first fire is one period after creation, not at once');
  });

  it('stops a repeating job at its ttl (counted from dueTime) and removes it', async () => {
    const name = uniqueId('ttl');
    assert.equal((await schedule(name, { schedule: '@every 1s', dueTime: '1s', ttl: '2s' })).status, 204);
    await waitFor(() => gone(name), 30_000, 'the expired job to be removed');
    const n = app.of(name).length;
    assert.ok(n >= 2 && n <= 4, `fired ${n} times between dueTime and dueTime + 2s`);
  });

  it('retries per the failure policy; a 404 from the app is final', async () => {
    const names = { dflt: uniqueId('fp-default'), constant: uniqueId('fp-constant'), drop: uniqueId('fp-drop'), notFound: uniqueId('fp-404') };
    app.status.set(names.dflt, 500);
    app.status.set(names.constant, 503);
    app.status.set(names.drop, 500);
    app.status.set(names.notFound, 404);
    const results = await Promise.all([
      schedule(names.dflt, { dueTime: '1s' }),
      schedule(names.constant, { dueTime: '1s', failure_policy: { constant: { interval: '0.5s', max_retries: 1 } } }),
      schedule(names.drop, { dueTime: '1s', failurePolicy: { drop: {} } }),
      schedule(names.notFound, { dueTime: '1s', failurePolicy: { constant: { interval: '0.2s', maxRetries: 5 } } }),
    ]);
    for (const r of results) assert.equal(r.status, 204, JSON.stringify(r.body));
    const constantGot = await get(names.constant);
    assert.deepEqual(constantGot.body.failurePolicy, { constant: { interval: '0.5s', maxRetries: 1 } });
    assert.deepEqual((await get(names.drop)).body.failurePolicy, { drop: {} });
    await waitFor(() => app.of(names.dflt).length === 4, 30_000, 'default policy: 1 + 3 retries');
    for (const n of Object.values(names)) await waitFor(() => gone(n), 30_000, `${n} to be removed`);
    assert.equal(app.of(names.dflt).length, 4, 'default: 3 retries');
    const gaps = app.of(names.dflt).slice(1).map((d, i) => d.at - (app.of(names.dflt)[i]?.at ?? 0));
    for (const g of gaps) assert.ok(g >= 800, `default retries are ~1s apart (${gaps.join(', ')} ms)`);
    assert.equal(app.of(names.constant).length, 2, 'constant maxRetries 1');
    assert.equal(app.of(names.drop).length, 1, 'drop: no retry');
    assert.equal(app.of(names.notFound).length, 1, '404 is final');
  });

  it('refuses to replace a job without overwrite, and replaces it with overwrite', async () => {
    const name = uniqueId('over');
    assert.equal((await schedule(name, { schedule: '@daily', data: { v: 1 } })).status, 204);
    const again = await schedule(name, { schedule: '@hourly', data: { v: 2 } });
    assert.equal(again.status, 409);
    assert.equal(again.body?.errorCode, 'DAPR_SCHEDULER_SCHEDULE_JOB');
    assert.deepEqual((await get(name)).body.data, { v: 1 }, 'unchanged');
    const over = await schedule(name, { schedule: '@hourly', data: { v: 2 }, overwrite: true });
    assert.equal(over.status, 204, JSON.stringify(over.body));
    const got = await get(name);
    assert.equal(got.body.schedule, '@hourly');
    assert.deepEqual(got.body.data, { v: 2 });
    assert.equal((await api('DELETE', job(name))).status, 204);
  });

  it('rejects malformed and invalid requests with 4xx and creates nothing', async () => {
    const cases: { body?: unknown; raw?: string; name?: string; status: number; code: string; message?: RegExp }[] = [
      { body: {}, status: 400, code: 'DAPR_SCHEDULER_SCHEDULE_EMPTY', message: /^Schedule is empty$/ },
      { body: { name: 'x', schedule: '@daily' }, status: 400, code: 'DAPR_SCHEDULER_JOB_NAME', message: /url only/ },
      { body: { schedule: '* * * * *' }, status: 400, code: 'DAPR_SCHEDULER_SCHEDULE_JOB', message: /6 fields/ },
      { body: { schedule: '0 0 0 L * *' }, status: 400, code: 'DAPR_SCHEDULER_SCHEDULE_JOB' },
      { body: { schedule: '@daily', repeats: 0 }, status: 400, code: 'DAPR_SCHEDULER_SCHEDULE_JOB', message: /greater than 0/ },
      { body: { dueTime: '10s', repeats: 2 }, status: 400, code: 'DAPR_SCHEDULER_SCHEDULE_JOB', message: /schedule to repeat/ },
      { body: { dueTime: '10s', ttl: '1m' }, status: 400, code: 'DAPR_SCHEDULER_SCHEDULE_JOB', message: /schedule to have a ttl/ },
      { body: { dueTime: 'tomorrow' }, status: 400, code: 'DAPR_SCHEDULER_SCHEDULE_JOB' },
      { body: { schedule: '@daily', dueTime: '10m', ttl: '2020-01-01T00:00:00Z' }, status: 400, code: 'DAPR_SCHEDULER_SCHEDULE_JOB', message: /ttl/ },
      { body: { schedule: '@daily', ttl: 'P1M' }, status: 400, code: 'DAPR_SCHEDULER_SCHEDULE_JOB', message: /years and months/ },
      { body: { schedule: '@daily', cron: 'x' }, status: 400, code: 'ERR_MALFORMED_REQUEST', message: /cron/ },
      { body: { schedule: '@daily', failurePolicy: { constant: {}, drop: {} } }, status: 400, code: 'ERR_MALFORMED_REQUEST' },
      { body: { schedule: '@daily', repeats: -1 }, status: 400, code: 'ERR_MALFORMED_REQUEST' },
      { body: { schedule: '@daily', dueTime: '1s', due_time: '2s' }, status: 400, code: 'ERR_MALFORMED_REQUEST' },
      { raw: '{"schedule": ', status: 400, code: 'ERR_MALFORMED_REQUEST' },
      { raw: '[1]', status: 400, code: 'ERR_MALFORMED_REQUEST' },
      { name: 'bad#name', body: { schedule: '@daily' }, status: 400, code: 'DAPR_SCHEDULER_SCHEDULE_JOB', message: /invalid/ },
      { name: ' ', body: { schedule: '@daily' }, status: 400, code: 'DAPR_SCHEDULER_JOB_NAME_EMPTY', message: /^Name is empty$/ },
    ];
    for (const c of cases) {
      const name = c.name ?? uniqueId('bad');
      const res = await api<DaprError>('POST', job(name), c.raw !== undefined ? { rawBody: c.raw } : { body: c.body });
      const what = `${JSON.stringify(c.body ?? c.raw)} → ${res.status} ${JSON.stringify(res.body)}`;
      assert.equal(res.status, c.status, what);
      assert.equal(res.body.errorCode, c.code, what);
      if (c.message) assert.match(res.body.message, c.message, what);
      assert.equal(res.body.details[0]?.['@type'], 'type.googleapis.com/google.rpc.ErrorInfo', what);
      if (name.trim() !== '') assert.ok(await gone(name), `nothing created for ${what}`);
    }
  });

  it('serves the API at the root of KAIROS_DAPR_PORT behind the dapr-api-token', async () => {
    const name = uniqueId('port');
    const denied = await daprd('POST', `/v1.0/jobs/${name}`, { body: '{"dueTime":"1s"}', token: 'wrong' });
    assert.equal(denied.status, 401);
    assert.equal(denied.body as unknown, 'invalid api token\n');
    assert.equal((await daprd('GET', `/v1.0/jobs/${name}`, { token: null })).status, 401);
    // daprd reads the body as JSON whatever the content type; Kairos takes JSON types only (#13: a
    // browser form could send any other cross-site), so a form type is a 415 and nothing is scheduled.
    const form = await daprd('POST', `/v1.0/jobs/${name}`, { body: '{"due_time":"1s"}', contentType: 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 415);
    assert.equal((await daprd('GET', `/v1.0-alpha1/jobs/${name}`)).status, 500, 'not scheduled (Dapr answers a missing job with 500)');
    const ok = await daprd('POST', `/v1.0/jobs/${name}`, {
      body: '{"due_time":"1s","data":{"expression":"val"}}',
      contentType: 'application/json',
    });
    assert.equal(ok.status, 204, JSON.stringify(ok.body));
    const got = await daprd('GET', `/v1.0-alpha1/jobs/${name}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.data, { expression: 'val' });
    await waitFor(() => app.of(name).length === 1, 20_000, 'the delivery');
    assert.equal(app.of(name)[0]?.body, '{"expression":"val"}');
    const bad = await daprd('POST', `/v1.0/jobs/${name}x`, { body: '{}', contentType: 'application/json' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errorCode, 'DAPR_SCHEDULER_SCHEDULE_EMPTY');
    assert.equal((await daprd('DELETE', `/v1.0/jobs/${name}`)).status, 204);
  });

  it('delivers to the app named by the path when several apps are configured', async () => {
    const name = uniqueId('other');
    const res = await api('POST', `/dapr/apps/other/v1.0/jobs/${name}`, { body: { dueTime: '1s', data: 1 } });
    assert.equal(res.status, 204, JSON.stringify(res.body));
    await waitFor(() => other.of(name).length === 1, 20_000, 'the delivery to app "other"');
    assert.equal(other.of(name)[0]?.body, '1');
    assert.equal(app.of(name).length, 0);
    const unknown = await api<DaprError>('POST', `/dapr/apps/nope/v1.0/jobs/${name}`, { body: { dueTime: '1s' } });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.message, /unknown app id/);
  });
});
