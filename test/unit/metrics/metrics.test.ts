// The pure parts of the metrics: configuration, the worker's exporter options, label helpers, the
// egress policy's denial of the metrics ports, and the API's middleware and metrics-only port on a
// real Koa app on loopback.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';
import { ConfigError, loadConfig, workerEnv } from '../../../core/config.ts';
import { policyFromConfig } from '../../../core/net/policy.ts';
import { METRIC, METRIC_BUCKETS } from '../../../core/temporal/contract.ts';
import { bindAddress, metricsExporter } from '../../../worker/metrics.ts';
import { latenessSeconds } from '../../../workflows/metrics.ts';
import { errorTypeLabel } from '../../../activities/metrics.ts';
import { createApiMetrics, methodLabel, routeLabel, startMetricsPort, UNMATCHED_ROUTE, type ApiMetrics } from '../../../api/metrics.ts';
import { closeServer } from '../../../api/dialects/kit/index.ts';
import { KairosError } from '../../../core/errors.ts';
import { freePort } from '../../../scripts/dev-server.ts';
import { parseMetrics, total } from '../../support/prometheus.ts';

describe('metrics configuration', () => {
  it('is off unless a port is set; the host defaults to loopback', () => {
    assert.deepEqual(loadConfig({}).metrics, {});
    const cfg = loadConfig({ KAIROS_METRICS_PORT: '9464', KAIROS_WORKER_METRICS_PORT: '9465', KAIROS_WORKER_METRICS_HOST: '0.0.0.0' });
    assert.deepEqual(cfg.metrics, { api: { host: '127.0.0.1', port: 9464 }, worker: { host: '0.0.0.0', port: 9465 } });
  });

  it('a bad port names the variable', () => {
    assert.throws(() => loadConfig({ KAIROS_METRICS_PORT: 'x' }), (err: unknown) => err instanceof ConfigError && /KAIROS_METRICS_PORT: must be a port number/.test(err.message));
    assert.throws(() => loadConfig({ KAIROS_WORKER_METRICS_PORT: '70000' }), /KAIROS_WORKER_METRICS_PORT: must be a port number/);
  });

  it('the worker sees the metrics variables (its own endpoint, and both ports to deny jobs)', () => {
    const env = workerEnv({ KAIROS_METRICS_PORT: '1', KAIROS_METRICS_HOST: 'h', KAIROS_WORKER_METRICS_PORT: '2', KAIROS_WORKER_METRICS_HOST: 'w', KAIROS_ADMIN_PASSWORD: 'nope' });
    assert.deepEqual(env, { KAIROS_METRICS_PORT: '1', KAIROS_METRICS_HOST: 'h', KAIROS_WORKER_METRICS_PORT: '2', KAIROS_WORKER_METRICS_HOST: 'w' });
  });

  it('jobs may not reach either metrics port on this machine', () => {
    const policy = policyFromConfig(loadConfig({ KAIROS_METRICS_PORT: '9464', KAIROS_WORKER_METRICS_PORT: '9465', KAIROS_EGRESS_ALLOW: '127.0.0.1' }), ['127.0.0.1', '::1']);
    const api = policy.check(undefined, '127.0.0.1', 9464);
    const worker = policy.check(undefined, '127.0.0.1', 9465);
    assert.ok(!api.allowed && /the Kairos API metrics endpoint/.test(api.reason), JSON.stringify(api));
    assert.ok(!worker.allowed && /the Kairos worker metrics endpoint/.test(worker.reason), JSON.stringify(worker));
    assert.ok(policy.check(undefined, '127.0.0.1', 9466).allowed, 'the allowed loopback otherwise');
  });
});

describe('worker metrics exporter', () => {
  it('binds host:port, an IPv6 host in brackets', () => {
    assert.equal(bindAddress({ host: '127.0.0.1', port: 9465 }), '127.0.0.1:9465');
    assert.equal(bindAddress({ host: '::1', port: 9465 }), '[::1]:9465');
    assert.equal(bindAddress({ host: '[::]', port: 9465 }), '[::]:9465');
  });

  it('none without a bind; counters with _total, seconds, Kairos buckets', () => {
    assert.equal(metricsExporter(undefined), undefined);
    assert.deepEqual(metricsExporter({ host: '127.0.0.1', port: 1 }), {
      prometheus: { bindAddress: '127.0.0.1:1', countersTotalSuffix: true, useSecondsForDurations: true, histogramBucketOverrides: METRIC_BUCKETS },
    });
    for (const name of [METRIC.runDuration, METRIC.runLateness]) {
      const b = METRIC_BUCKETS[name] ?? [];
      assert.ok(b.length > 5 && b.every((x, i) => i === 0 || x > (b[i - 1] ?? 0)), `${name}: ascending buckets`);
    }
  });
});

describe('metric labels', () => {
  it('lateness in seconds, never negative', () => {
    assert.equal(latenessSeconds(new Date(10_000), 12_500), 2.5);
    assert.equal(latenessSeconds(new Date(10_000), 9_000), 0);
  });

  it('error types: known shapes kept, the rest bounded', () => {
    assert.equal(errorTypeLabel('HttpStatus500'), 'HttpStatus500');
    assert.equal(errorTypeLabel('InvalidJobData'), 'InvalidJobData');
    assert.equal(errorTypeLabel(undefined), 'Error');
    assert.equal(errorTypeLabel(''), 'Error');
    assert.equal(errorTypeLabel('weird type from data'), 'other');
    assert.equal(errorTypeLabel('x'.repeat(65)), 'other');
  });

  it('routes by pattern, methods from a fixed set', () => {
    assert.equal(routeLabel({ _matchedRoute: '/v1/jobs/:id' }), '/v1/jobs/:id');
    assert.equal(routeLabel({}), UNMATCHED_ROUTE);
    assert.equal(routeLabel({ _matchedRoute: /^\/x/ }), '^\\/x');
    assert.equal(methodLabel('GET'), 'GET');
    assert.equal(methodLabel('BREW'), 'OTHER');
  });
});

describe('API request metrics on a real Koa app', () => {
  let metrics: ApiMetrics;
  let server: Server;
  let metricsServer: Server | undefined;
  let base: string;
  let metricsUrl: string;

  before(async () => {
    metrics = createApiMetrics();
    const app = new Koa();
    app.use(metrics.middleware);
    // The shape of the real app: an error boundary that turns errors into statuses below the metrics.
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (err) {
        ctx.status = err instanceof KairosError && err.kind === 'unauthenticated' ? 401 : err instanceof KairosError && err.kind === 'forbidden' ? 403 : 500;
      }
    });
    const r = new Router();
    r.get('/things/:id', (ctx) => {
      ctx.body = { id: ctx.params.id };
    });
    r.post('/login', (ctx) => {
      ctx.status = 429;
    });
    r.get('/admin', () => {
      throw new KairosError('forbidden', 'no');
    });
    app.use(async (ctx, next) => {
      if (ctx.get('authorization') === 'bad') throw new KairosError('unauthenticated', 'no');
      await next();
    });
    app.use(r.routes());
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const port = await freePort();
    metricsServer = await startMetricsPort({ host: '127.0.0.1', port }, metrics);
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
  });
  after(async () => {
    await closeServer(server);
    await closeServer(metricsServer);
  });

  it('records latency by route pattern and status, auth failures and throttling', async () => {
    for (const id of ['a', 'b', 'c']) assert.equal((await fetch(`${base}/things/${id}`)).status, 200);
    assert.equal((await fetch(`${base}/login`, { method: 'POST' })).status, 429);
    assert.equal((await fetch(`${base}/things/a`, { headers: { authorization: 'bad' } })).status, 401);
    assert.equal((await fetch(`${base}/admin`)).status, 403);
    assert.equal((await fetch(`${base}/nowhere`)).status, 404);
    const res = await fetch(metricsUrl);
    assert.equal(res.status, 200);
    const s = parseMetrics(await res.text());
    const count = (labels: Record<string, string>) => total(s, 'kairos_http_request_duration_seconds_count', labels);
    assert.equal(count({ method: 'GET', route: '/things/:id', status: '200' }), 3);
    assert.equal(count({ method: 'POST', route: '/login', status: '429' }), 1);
    assert.equal(count({ method: 'GET', route: UNMATCHED_ROUTE, status: '401' }), 1);
    assert.equal(count({ method: 'GET', route: '/admin', status: '403' }), 1);
    assert.equal(count({ method: 'GET', route: UNMATCHED_ROUTE, status: '404' }), 1);
    assert.equal(total(s, 'kairos_http_auth_failures_total', { kind: 'unauthenticated' }), 1);
    assert.equal(total(s, 'kairos_http_auth_failures_total', { kind: 'forbidden' }), 1);
    assert.equal(total(s, 'kairos_http_throttled_total', { route: '/login' }), 1);
    assert.ok(s.some((x) => x.name === 'nodejs_eventloop_lag_seconds'), "Node's default metrics");
  });

  it('the metrics-only port serves /metrics and nothing else', async () => {
    assert.equal((await fetch(metricsUrl.replace('/metrics', '/'))).status, 404);
    assert.equal((await fetch(metricsUrl, { method: 'DELETE' })).status, 405);
    const taken = Number(new URL(metricsUrl).port);
    await assert.rejects(startMetricsPort({ host: '127.0.0.1', port: taken }, metrics), /port \d+ is already in use; set KAIROS_METRICS_PORT/);
  });
});
