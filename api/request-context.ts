// The first middleware of every request: its id and, when tracing is on, its server span. The id is
// the caller's X-Request-Id when that is a plausible id (so a proxy's or client's id joins the logs
// up), a new UUID otherwise; it is echoed back, logged on the request line, and carried into the
// runs the request starts (core/telemetry/request-scope.ts → core/temporal/interceptors.ts).
// The span is made here rather than by @opentelemetry/instrumentation-http/-koa: those patch
// modules as they load (a require hook, unreliable for ES modules under tsx), while one middleware
// sees the route koa-router matched and costs nothing when tracing is off.
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { inRequestScope } from '../core/telemetry/request-scope.ts';
import { currentTracing, extractContext, tracer } from '../core/telemetry/tracing.ts';

/** What an incoming X-Request-Id must look like to be kept: UUIDs, ULIDs, base64 and the like; no spaces or control characters. */
const WELL_FORMED = /^[\w.:@+/=-]{1,128}$/;

/** The request's id: the caller's X-Request-Id if well-formed, else a new UUID. */
export function requestIdOf(ctx: Pick<Context, 'get'>): string {
  const given = ctx.get('x-request-id');
  return WELL_FORMED.test(given) ? given : randomUUID();
}

/** Sets ctx.state.requestId and the X-Request-Id response header, and traces the request when tracing is on. */
export async function requestContext(ctx: Context, next: Next): Promise<void> {
  const requestId = requestIdOf(ctx);
  ctx.state.requestId = requestId;
  ctx.set('X-Request-Id', requestId);
  if (!currentTracing()) {
    await inRequestScope(requestId, next);
    return;
  }
  const parent = extractContext(ctx.headers);
  const span = tracer().startSpan(
    `${ctx.method}`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': ctx.method, 'url.path': ctx.path, 'kairos.request_id': requestId } },
    parent,
  );
  try {
    await inRequestScope(requestId, () => context.with(trace.setSpan(parent, span), next));
  } catch (err) {
    // The error boundary after this middleware renders errors; this is only a status it did not set.
    span.recordException(err as Error);
    throw err;
  } finally {
    // The route koa-router matched (its pattern, not the path: one span name per endpoint).
    const route = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute;
    if (typeof route === 'string') {
      span.setAttribute('http.route', route);
      span.updateName(`${ctx.method} ${route}`);
    }
    span.setAttribute('http.response.status_code', ctx.status);
    if (ctx.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }
}
