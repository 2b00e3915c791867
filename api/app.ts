// Assembles the Koa app: request ids and structured request logs, one error boundary that renders
// each API surface's own error shape, response headers, the cross-site and body-type checks, health
// checks, auth, body size limits, then the routers.
import Koa, { type Context } from 'koa';
import type Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Logger } from 'pino';
import { KairosError } from '../core/errors.ts';
import { trimEndChar } from '../core/text.ts';
import { normalizeError, renderNativeError, type ErrorRenderer } from './errors.ts';
import type { AuditLog } from '../core/audit/log.ts';
import { inAuditScope, type AuditScope } from '../core/audit/scope.ts';
import { recordRequest } from './audit.ts';
import type { ApiMetrics } from './metrics.ts';
import { requestContext } from './request-context.ts';
import { traceLogFields } from '../core/telemetry/tracing.ts';

export interface Surface {
  /** Path prefix the surface owns, e.g. "/v1" or "/fusion". Longest prefix wins for errors. */
  prefix: string;
  renderError: ErrorRenderer;
  /** Routers mounted after authentication. */
  routers: Router[];
  /** Authentication for paths under `prefix` instead of the app's (a dialect with its own login token). */
  authenticate?: Koa.Middleware;
  /**
   * `METHOD /path` (relative to `prefix`) of the documented endpoints that also take an HTML-form
   * body (application/x-www-form-urlencoded). Every other body must be JSON.
   */
  formRoutes?: readonly string[];
  /**
   * `METHOD /path` (relative to `prefix`) of the endpoints that also take a YAML body (YAML_TYPES):
   * the body reaches them as text (`ctx.request.body`), which they parse themselves.
   */
  yamlRoutes?: readonly string[];
  /** The surface's name in job versions and the audit log (default: the prefix without its slash). */
  name?: string;
  /**
   * `METHOD /path` (relative to `prefix`) of endpoints that take no prior authentication because they
   * are how one logs in (their credentials are in the body). They still pass the cross-site and
   * body-type checks, unlike `publicRouters`.
   */
  publicRoutes?: readonly string[];
}

export interface AppOptions {
  logger: Logger;
  bodyLimit: string;
  /** Routers that need no authentication (health checks). */
  publicRouters: Router[];
  /** Authentication middleware (sets ctx.state.principal or throws 'unauthenticated'). */
  authenticate: Koa.Middleware;
  surfaces: Surface[];
  /** Origins besides the API's own that may send state-changing requests (a TLS proxy's public origin). */
  trustedOrigins?: readonly string[];
  /** Where requests that change something, and failed logins, are recorded (api/audit.ts); none when absent. */
  audit?: AuditLog;
  /** Request metrics (api/metrics.ts); none when absent. */
  metrics?: ApiMetrics;
}

/** Content types a JSON endpoint accepts (type-is patterns: `+json` is any structured `…+json` type). */
export const JSON_TYPES = ['application/json', '+json'];
/** The media types of a YAML body (there is no registered one but application/yaml, RFC 9512; the others are in use). */
export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The request's own origin as a browser would write it (scheme, host, port unless the default). */
function ownOrigin(ctx: Context): string | undefined {
  try {
    return new URL(`${ctx.protocol}://${ctx.host}`).origin;
  } catch {
    return undefined;
  }
}

/**
 * Whether a state-changing request may come from a browser page of another site: an `Origin` that is
 * not this API's (`null`, from sandboxed frames and some redirects, is foreign) or a cross-site
 * `Sec-Fetch-Site`. Requests without either header (curl, scripts, servers) are not a browser's.
 */
export function isCrossSite(ctx: Context, trusted: ReadonlySet<string>): boolean {
  if (ctx.get('Sec-Fetch-Site').toLowerCase() === 'cross-site') return true;
  const origin = ctx.get('Origin');
  if (origin === '') return false;
  let given: string;
  try {
    given = new URL(origin).origin;
  } catch {
    return true;
  }
  return given === 'null' || (given !== ownOrigin(ctx) && !trusted.has(given));
}

export function createApp(opts: AppOptions): Koa {
  const app = new Koa();
  app.proxy = false;
  const surfaces = [...opts.surfaces].sort((a, b) => b.prefix.length - a.prefix.length);
  const surfaceOf = (ctx: Context): Surface | undefined => surfaces.find((s) => s.prefix === '' || ctx.path === s.prefix || ctx.path.startsWith(`${s.prefix}/`));
  const rendererFor = (ctx: Context): ErrorRenderer => surfaceOf(ctx)?.renderError ?? renderNativeError;
  const surfaceName = (ctx: Context): string => {
    const s = surfaceOf(ctx);
    return s?.name ?? (s?.prefix.replace(/^\//, '') || 'v1');
  };

  // Outermost: it sees the status the error boundary below gives the client.
  if (opts.metrics) app.use(opts.metrics.middleware);
  app.use(requestContext);
  // One JSON line per request. Only the path is logged: query strings and headers may carry secrets.
  app.use(async (ctx, next) => {
    const started = performance.now();
    const requestId = ctx.state.requestId as string;
    // What core notes for the audit record while the request runs (core/audit/scope.ts).
    const scope: AuditScope = {};
    try {
      await inAuditScope(scope, next);
    } catch (err) {
      const normalized = normalizeError(err);
      rendererFor(ctx)(ctx, normalized, err);
      if (normalized.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(normalized.retryAfterSeconds));
      if (normalized.status >= 500) {
        opts.logger.error({ requestId, err: normalized.cause ?? err }, 'request failed');
      }
    } finally {
      const principal = ctx.state.principal as { id?: string } | undefined;
      opts.logger.info(
        { requestId, ...traceLogFields(), method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started), principal: principal?.id },
        'request',
      );
      // After the error boundary: the status is the one the client gets.
      if (opts.audit) await recordRequest(opts.audit, ctx, surfaceName(ctx), opts.logger, scope);
    }
  });

  // Every answer: no MIME sniffing (a JSON error echoing input must never run as HTML). Everything but
  // health checks is authenticated, and what an authenticated call returns is nobody else's: no
  // cache keeps it (the dashboard's static files set their own revalidating policy).
  app.use(async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  for (const r of opts.publicRouters) app.use(r.routes()).use(r.allowedMethods());

  // Before authentication, so that a foreign page cannot even probe with the browser's credentials.
  const trusted = new Set((opts.trustedOrigins ?? []).map((o) => new URL(o).origin));
  const routeSet = (pick: (s: Surface) => readonly string[] | undefined) =>
    new Set(surfaces.flatMap((s) => (pick(s) ?? []).map((r) => r.replace(' ', ` ${s.prefix}`))));
  const formRoutes = routeSet((s) => s.formRoutes);
  const yamlRoutes = routeSet((s) => s.yamlRoutes);
  const loginRoutes = routeSet((s) => s.publicRoutes);
  app.use(async (ctx, next) => {
    if (STATE_CHANGING.has(ctx.method) && isCrossSite(ctx, trusted)) {
      throw new KairosError('forbidden', 'cross-site request refused: this API accepts state-changing requests only from its own origin');
    }
    await next();
  });

  app.use((ctx, next) => {
    if (loginRoutes.has(`${ctx.method} ${trimEndChar(ctx.path, '/')}`)) return next();
    const own = surfaces.find((s) => s.authenticate && (ctx.path === s.prefix || ctx.path.startsWith(`${s.prefix}/`)));
    return (own?.authenticate ?? opts.authenticate)(ctx, next);
  });
  // A body is JSON, or an HTML form where a dialect documents one; an empty body needs no type.
  // After authentication, so that a caller without credentials learns nothing but 401.
  app.use(async (ctx, next) => {
    const hasBody = ctx.get('Transfer-Encoding') !== '' || (ctx.request.length ?? 0) > 0;
    if (STATE_CHANGING.has(ctx.method) && hasBody && !ctx.request.is(JSON_TYPES)) {
      const route = `${ctx.method} ${trimEndChar(ctx.path, '/')}`;
      const form = formRoutes.has(route) && ctx.request.is('urlencoded');
      const yaml = yamlRoutes.has(route) && ctx.request.is(YAML_TYPES);
      if (!form && !yaml) {
        const type = ctx.get('Content-Type') || 'none';
        throw new KairosError('unsupported_media_type', `request body of type ${JSON.stringify(type.slice(0, 100))} refused: send application/json`, [
          { path: '', message: 'Content-Type must be application/json' },
        ]);
      }
    }
    await next();
  });
  app.use(
    bodyParser({
      // The check above let through only JSON and the documented form and YAML bodies.
      enableTypes: ['json', 'form', 'text'],
      extendTypes: { json: JSON_TYPES, text: YAML_TYPES },
      jsonLimit: opts.bodyLimit,
      formLimit: opts.bodyLimit,
      textLimit: opts.bodyLimit,
      encoding: 'utf-8',
      onError: (err) => {
        throw err;
      },
    }),
  );
  // A surface's routers see only requests under its prefix: a request then walks the routes of one
  // API surface, not of all six (each router matches every route's pattern against the path).
  for (const s of surfaces) {
    const inSurface = (ctx: Context) => s.prefix === '' || ctx.path === s.prefix || ctx.path.startsWith(`${s.prefix}/`);
    for (const r of s.routers) {
      // The router's middleware adds its own context fields (params, router) when it runs.
      const own = [r.routes(), r.allowedMethods({ throw: false })] as unknown as Koa.Middleware[];
      for (const mw of own) app.use((ctx, next) => (inSurface(ctx) ? mw(ctx, next) : next()));
    }
  }
  app.use((ctx) => {
    if (ctx.status === 404 && !ctx.body) {
      rendererFor(ctx)(ctx, { status: 404, code: 'not_found', message: `no route for ${ctx.method} ${ctx.path}`, details: [] });
    }
  });
  return app;
}
