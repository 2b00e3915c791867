// Prometheus metrics after real runs: the shared stack's API and worker serve /metrics on ports of
// their own (the harness sets KAIROS_METRICS_PORT and KAIROS_WORKER_METRICS_PORT); real http and
// datasource jobs run against loopback targets and real files, and the counters must have moved with
// the right labels. /metrics on the main port is for admins only.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { api, apiMetricsUrl, apiUrl, filesDir, uniqueId, workerMetricsUrl } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { parseMetrics, scrape, total, type Sample } from '../support/prometheus.ts';
import { waitFor } from '../support/wait-for.ts';
import { finishedRun, runNow as startRun } from '../support/runs.ts';

type Run = { runId: string; status: string; trigger: string };

describe('metrics', () => {
  let target: HttpTarget;
  let dir: string;
  const jobs: string[] = [];
  let release: (() => void) | undefined;

  before(async () => {
    target = await startHttpTarget();
    target.respond = async (req, res) => {
      if (req.path.startsWith('/fail')) return void res.writeHead(500).end('boom');
      if (req.path.startsWith('/hold')) await new Promise<void>((r) => (release = r));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    };
    dir = await mkdtemp(join(filesDir(), 'kairos-metrics-it-'));
  });
  after(async () => {
    release?.();
    for (const id of jobs) await api('DELETE', `/v1/jobs/${id}`);
    await target.close();
    await rm(dir, { recursive: true, force: true });
  });

  const job = async (body: Record<string, unknown>): Promise<string> => {
    const res = await api<{ id: string }>('POST', '/v1/jobs', { body: { type: 'http', triggers: [], ...body } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    jobs.push(res.body.id);
    return res.body.id;
  };
  const runNow = (id: string): Promise<string> => startRun(id);
  const finished = (runId: string): Promise<Run> => finishedRun<Run>(runId);
  const worker = () => scrape(workerMetricsUrl());
  /** Waits until the worker's metrics satisfy `check` (a run's metrics are recorded as its workflow task completes). */
  const workerUntil = (what: string, check: (s: Sample[]) => boolean) =>
    waitFor(async () => {
      const s = await worker();
      return check(s) ? s : undefined;
    }, 15_000, what);

  it('the API: /metrics on the main port needs an admin, the metrics port needs no credentials', async () => {
    const none = await fetch(`${apiUrl()}/metrics`);
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'unauthenticated');

    const username = uniqueId('metrics-user');
    const user = await api<{ id: string }>('POST', '/v1/users', { body: { username, password: 'metrics-user-password', role: 'user' } });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    try {
      const asUser = await api('GET', '/metrics', { auth: `Basic ${Buffer.from(`${username}:metrics-user-password`).toString('base64')}` });
      assert.equal(asUser.status, 403, 'a user who is not an admin is refused');
    } finally {
      await api('DELETE', `/v1/users/${user.body.id}`);
    }

    const asAdmin = await api<string>('GET', '/metrics');
    assert.equal(asAdmin.status, 200);
    assert.match(asAdmin.headers.get('content-type') ?? '', /^text\/plain/);
    const main = parseMetrics(asAdmin.body);
    assert.ok(main.some((s) => s.name === 'process_resident_memory_bytes'), 'the default process metrics');

    const open = await fetch(apiMetricsUrl());
    assert.equal(open.status, 200, 'no credentials on the metrics port');
    assert.ok(parseMetrics(await open.text()).some((s) => s.name === 'kairos_http_request_duration_seconds_bucket'));
    assert.equal((await fetch(apiMetricsUrl().replace(/\/metrics$/, '/v1/jobs'))).status, 404, 'the metrics port serves nothing else');
    assert.equal((await fetch(apiMetricsUrl(), { method: 'POST' })).status, 405);
  });

  it('the API: requests by route pattern and status, auth failures', async () => {
    const before = await scrape(apiMetricsUrl());
    const missing = uniqueId('no-such-job');
    assert.equal((await api('GET', `/v1/jobs/${missing}`)).status, 404);
    assert.equal((await api('GET', '/v1/jobs', { auth: 'Basic d3Jvbmc6d3Jvbmc=' })).status, 401);
    const now = await scrape(apiMetricsUrl());
    const byRoute = { method: 'GET', route: '/v1/jobs/:id', status: '404' };
    assert.equal(total(now, 'kairos_http_request_duration_seconds_count', byRoute) - total(before, 'kairos_http_request_duration_seconds_count', byRoute), 1);
    assert.ok(!now.some((s) => Object.values(s.labels).some((v) => v.includes(missing))), 'the raw path is never a label');
    const failures = (s: Sample[]) => total(s, 'kairos_http_auth_failures_total', { kind: 'unauthenticated' });
    assert.ok(failures(now) - failures(before) >= 1, 'the wrong credentials count');
    assert.ok(now.some((s) => s.name === 'kairos_http_request_duration_seconds_count' && s.labels.route === 'unmatched' && s.labels.status === '401'), 'refused before routing: route "unmatched"');
  });

  it("the API: requests on the Dapr dialect's own port are in the same metrics", async () => {
    const port = process.env.KAIROS_DAPR_PORT;
    const token = process.env.KAIROS_DAPR_API_TOKEN;
    assert.ok(port && token, 'the test stack serves Dapr on its own port');
    // Dapr answers an unknown job 500 DAPR_SCHEDULER_GET_JOB (as daprd does).
    const byRoute = { method: 'GET', route: '/v1.0-alpha1/jobs/:name', status: '500' };
    const before = total(await scrape(apiMetricsUrl()), 'kairos_http_request_duration_seconds_count', byRoute);
    const res = await fetch(`http://127.0.0.1:${port}/v1.0-alpha1/jobs/${uniqueId('none')}`, { headers: { 'dapr-api-token': token }, signal: AbortSignal.timeout(30_000) });
    assert.equal(res.status, 500, await res.text());
    const after = total(await scrape(apiMetricsUrl()), 'kairos_http_request_duration_seconds_count', byRoute);
    assert.equal(after - before, 1);
  });

  it('the worker: runs started and finished by type, dialect, trigger and outcome; duration; driver errors; SDK metrics', async () => {
    const before = await worker();
    const ok = await job({ id: uniqueId('m-ok'), data: { url: `${target.url}/ok` } });
    const bad = await job({ id: uniqueId('m-fail'), data: { url: `${target.url}/fail` }, retry: { maxAttempts: 1 } });
    assert.equal((await finished(await runNow(ok))).status, 'succeeded');
    assert.equal((await finished(await runNow(bad))).status, 'failed');
    const labels = { job_type: 'http', dialect: 'native', trigger: 'manual' };
    const delta = (now: Sample[], name: string, match: Record<string, string>) => total(now, name, match) - total(before, name, match);
    const now = await workerUntil('both runs in kairos_runs_finished_total', (s) => total(s, 'kairos_runs_finished_total', { job_id: ok }) === 1 && total(s, 'kairos_runs_finished_total', { job_id: bad }) === 1);
    assert.equal(total(now, 'kairos_runs_finished_total', { ...labels, job_id: ok, outcome: 'succeeded' }), 1);
    assert.equal(total(now, 'kairos_runs_finished_total', { ...labels, job_id: bad, outcome: 'failed' }), 1);
    assert.ok(delta(now, 'kairos_runs_started_total', labels) >= 2);
    assert.ok(delta(now, 'kairos_run_duration_seconds_count', { ...labels, outcome: 'succeeded' }) >= 1);
    assert.ok(delta(now, 'kairos_run_duration_seconds_count', { ...labels, outcome: 'failed' }) >= 1);
    assert.ok(delta(now, 'kairos_driver_errors_total', { job_type: 'http', error_type: 'HttpStatus500' }) >= 1);
    // The SDK's own metrics come out of the same endpoint.
    assert.ok(now.some((s) => s.name.startsWith('temporal_')), 'the Temporal SDK metrics');
    assert.ok(total(now, 'temporal_workflow_completed_total', { workflow_type: 'runJob' }) >= 1, 'runJob completions as the SDK counts them');
  });

  it('the worker: a driver at work is in flight until it ends', async () => {
    const inFlight = (s: Sample[]) => total(s, 'kairos_runs_in_flight', { job_type: 'http' });
    const idle = inFlight(await worker());
    const held = await job({ id: uniqueId('m-hold'), data: { url: `${target.url}/hold` } });
    const runId = await runNow(held);
    await workerUntil('the held run in flight', (s) => inFlight(s) === idle + 1);
    await waitFor(() => release, 10_000, 'the target to hold the request');
    release?.();
    assert.equal((await finished(runId)).status, 'succeeded');
    await workerUntil('no longer in flight', (s) => inFlight(s) === idle);
  });

  it('the worker: a scheduled run records how late it started', async () => {
    const before = await worker();
    const lateness = (s: Sample[]) => total(s, 'kairos_run_lateness_seconds_count', { job_type: 'http', trigger: 'schedule' });
    const cron = await job({ id: uniqueId('m-cron'), data: { url: `${target.url}/cron` }, triggers: [{ type: 'interval', every: '1s' }] });
    const now = await workerUntil('a scheduled run of the job to finish', (s) => total(s, 'kairos_runs_finished_total', { job_id: cron, trigger: 'schedule', outcome: 'succeeded' }) >= 1);
    assert.ok(lateness(now) - lateness(before) >= 1, 'lateness recorded for the scheduled run');
    // A loaded machine starts a run late by well under a minute; the sum is in seconds, not milliseconds.
    const sum = total(now, 'kairos_run_lateness_seconds_sum', { job_type: 'http', trigger: 'schedule' }) - total(before, 'kairos_run_lateness_seconds_sum', { job_type: 'http', trigger: 'schedule' });
    assert.ok(sum >= 0 && sum < 60 * (lateness(now) - lateness(before)), `lateness in seconds: ${sum}`);
    assert.equal(total(now, 'kairos_run_lateness_seconds_count', { job_type: 'http', trigger: 'manual' }), 0, 'manual runs have no lateness');
  });

  it('the worker: datasource records by stage', async () => {
    const before = await worker();
    const src = join(dir, 'in.ndjson');
    const out = join(dir, 'out.ndjson');
    await writeFile(src, '{"id":1}\n{"id":2}\n{"id":3}\n');
    const res = await api<{ id: string }>('POST', '/v1/jobs', { body: { type: 'datasource', triggers: [], data: { source: { kind: 'file', path: src, format: 'ndjson' }, key: 'id', sink: { kind: 'ndjson', path: out } } } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    jobs.push(res.body.id);
    assert.equal((await finished(await runNow(res.body.id))).status, 'succeeded');
    assert.equal((await readFile(out, 'utf8')).trim().split('\n').length, 3);
    const written = (s: Sample[]) => total(s, 'kairos_datasource_records_total', { stage: 'written' });
    const now = await workerUntil('3 more records written', (s) => written(s) - written(before) >= 3);
    assert.ok(total(now, 'kairos_datasource_records_total', { stage: 'read' }) - total(before, 'kairos_datasource_records_total', { stage: 'read' }) >= 3);
    assert.ok(total(now, 'kairos_runs_finished_total', { job_type: 'datasource', job_id: res.body.id, outcome: 'succeeded' }) === 1);
  });
});
