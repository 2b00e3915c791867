// Assembles the Koa app: request ids and structured request logs, one error boundary that renders
// each API surface's own error shape, body size limits, health checks, auth, then the routers.
import { randomUUID } from 'node:crypto';
import Koa, { type Context } from 'koa';
import type Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Logger } from 'pino';
import { normalizeError, renderNativeError, type ErrorRenderer } from './errors.ts';

export interface Surface {
  /** Path prefix the surface owns, e.g. "/v1" or "/fusion". Longest prefix wins for errors. */
  prefix: string;
  renderError: ErrorRenderer;
  /** Routers mounted after authentication. */
  routers: Router[];
  /** Authentication for paths under `prefix` instead of the app's (a dialect with its own login token). */
  authenticate?: Koa.Middleware;
}

export interface AppOptions {
  logger: Logger;
  bodyLimit: string;
  /** Routers that need no authentication (health checks). */
  publicRouters: Router[];
  /** Authentication middleware (sets ctx.state.principal or throws 'unauthenticated'). */
  authenticate: Koa.Middleware;
  surfaces: Surface[];
}

export function createApp(opts: AppOptions): Koa {
  const app = new Koa();
  app.proxy = false;
  const surfaces = [...opts.surfaces].sort((a, b) => b.prefix.length - a.prefix.length);
  const rendererFor = (ctx: Context): ErrorRenderer =>
    surfaces.find((s) => ctx.path === s.prefix || ctx.path.startsWith(`${s.prefix}/`))?.renderError ?? renderNativeError;

  // One JSON line per request. Only the path is logged: query strings and headers may carry secrets.
  app.use(async (ctx, next) => {
    const started = performance.now();
    const requestId = ctx.get('x-request-id').slice(0, 100) || randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('x-request-id', requestId);
    try {
      await next();
    } catch (err) {
      const normalized = normalizeError(err);
      rendererFor(ctx)(ctx, normalized);
      if (normalized.status >= 500) {
        opts.logger.error({ requestId, err: normalized.cause ?? err }, 'request failed');
      }
    } finally {
      const principal = ctx.state.principal as { id?: string } | undefined;
      opts.logger.info(
        { requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started), principal: principal?.id },
        'request',
      );
    }
  });

  for (const r of opts.publicRouters) app.use(r.routes()).use(r.allowedMethods());

  app.use((ctx, next) => {
    const own = surfaces.find((s) => s.authenticate && (ctx.path === s.prefix || ctx.path.startsWith(`${s.prefix}/`)));
    return (own?.authenticate ?? opts.authenticate)(ctx, next);
  });
  app.use(
    bodyParser({
      enableTypes: ['json', 'text', 'form'],
      jsonLimit: opts.bodyLimit,
      textLimit: opts.bodyLimit,
      formLimit: opts.bodyLimit,
      encoding: 'utf-8',
      // Unknown content types are read as nothing; handlers then report the missing fields.
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
