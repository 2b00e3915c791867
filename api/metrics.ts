// The API's Prometheus metrics (prom-client): request latency by route and status, failed
// authentication and authorization, throttled requests, and Node's process metrics. They are served
// at /metrics on the main port to admins, and without credentials on KAIROS_METRICS_HOST:
// KAIROS_METRICS_PORT when that is set (an address of its own, for a Prometheus that holds no Kairos
// credential). Each API instance has a registry of its own: Prometheus scrapes every instance.
import type { Server } from 'node:http';
import Koa, { type Context, type Middleware } from 'koa';
import Router from '@koa/router';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { MetricsBind } from '../core/config.ts';
import { requireAdmin } from './auth.ts';
import { renderNativeError } from './errors.ts';
import type { Surface } from './app.ts';
import { listen } from './dialects/kit/index.ts';

/** The route label of a request that no route answered (refused before routing, or 404). */
export const UNMATCHED_ROUTE = 'unmatched';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The route label: the pattern of the route that answered (`/v1/jobs/:id`), never the path, so the
 * label has one value per route whatever ids clients send.
 */
export function routeLabel(ctx: object): string {
  // Set by @koa/router on the context when one of its routes matched.
  const r = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  if (typeof r === 'string' && r !== '') return r;
  if (r instanceof RegExp) return r.source;
  return UNMATCHED_ROUTE;
}

/** The method label: the standard methods, anything else `OTHER` (a client may send any token). */
export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : 'OTHER';
}

/** The API's metrics registry and the middleware that records each request into it. */
export interface ApiMetrics {
  registry: Registry;
  /** Records a request once the error boundary has set the status the client gets: mount it first. */
  middleware: Middleware;
}

/**
 * `kairos_runs_not_happened_total{status, reason}`: fire times recorded as skipped or missed
 * (core/runs/recorder.ts), counted by the instance that recorded each (sum over instances).
 */
export function countRunsNotHappened(metrics: ApiMetrics, recorder: { onRunNotHappened(l: (r: { status: string; reason: string }) => void): unknown }): void {
  const counter = new Counter({
    name: 'kairos_runs_not_happened_total',
    help: 'Fire times of job schedules that did not run, recorded as history rows: status skipped or missed, and the reason (overlap, paused, maxRuns, endOn, catchupWindow)',
    labelNames: ['status', 'reason'] as const,
    registers: [metrics.registry],
  });
  recorder.onRunNotHappened((r) => counter.inc({ status: r.status, reason: r.reason }));
}

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'kairos_http_request_duration_seconds',
    help: 'API request latency, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'kairos_http_auth_failures_total',
    help: 'Requests refused for missing or wrong credentials (unauthenticated, 401) or missing rights (forbidden, 403)',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const throttled = new Counter({
    name: 'kairos_http_throttled_total',
    help: 'Requests answered 429 (failed logins throttled, limits reached), by route pattern',
    labelNames: ['route'] as const,
    registers: [registry],
  });
  const middleware: Middleware = async (ctx, next) => {
    const stop = duration.startTimer();
    try {
      await next();
    } finally {
      // An error that escaped every handler becomes Koa's 500.
      const status = ctx.status;
      const route = routeLabel(ctx);
      stop({ method: methodLabel(ctx.method), route, status: String(status) });
      if (status === 401) authFailures.inc({ kind: 'unauthenticated' });
      else if (status === 403) authFailures.inc({ kind: 'forbidden' });
      else if (status === 429) throttled.inc({ route });
    }
  };
  return { registry, middleware };
}

async function serve(ctx: Context, registry: Registry): Promise<void> {
  ctx.set('Content-Type', registry.contentType);
  ctx.body = await registry.metrics();
}

/** `/metrics` on the main port: behind authentication like everything else, for admins only. */
export function metricsSurface(metrics: ApiMetrics): Surface {
  const r = new Router();
  r.get('/metrics', async (ctx) => {
    requireAdmin(ctx);
    await serve(ctx, metrics.registry);
  });
  return { prefix: '/metrics', name: 'metrics', renderError: renderNativeError, routers: [r] };
}

/**
 * The metrics-only port (KAIROS_METRICS_HOST:KAIROS_METRICS_PORT): `GET /metrics` without
 * credentials and nothing else. Undefined when no port is configured.
 */
export async function startMetricsPort(bind: MetricsBind | undefined, metrics: ApiMetrics): Promise<Server | undefined> {
  if (!bind) return undefined;
  const app = new Koa();
  app.use(async (ctx) => {
    if (ctx.path !== '/metrics') {
      ctx.status = 404;
      ctx.body = 'only /metrics is served here\n';
    } else if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, HEAD');
    } else {
      ctx.set('Cache-Control', 'no-store');
      await serve(ctx, metrics.registry);
    }
  });
  return await listen(app, bind.port, bind.host, 'KAIROS_METRICS_PORT');
}
