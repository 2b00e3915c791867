// The web dashboard: serves the static files of ui/ under /ui/. They are served without credentials
// (they are the published code of the page and hold no data), so that a browser without a session
// gets the dashboard's own login form rather than a Basic password prompt; everything the page shows
// comes from authenticated /v1 calls (and /ui/config.json, which stays authenticated).
// Only plain file names directly in ui/ with a known type are served: the name is matched, never
// resolved as a path, so "../" and encoded variants cannot reach other files.
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Config } from '../core/config.ts';
import { KairosError } from '../core/errors.ts';
import { own } from '../core/objects/own.ts';
import type { Surface } from './app.ts';
import { renderNativeError } from './errors.ts';

export const UI_DIR = fileURLToPath(new URL('../ui/', import.meta.url));

/**
 * Where cronstrue's browser build is (UMD: loaded as a module it sets globalThis.cronstrue), served
 * from the installed package so the page needs no CDN (the CSP allows only this origin) and no copy
 * to keep in step with package.json. Resolved per request, not at start: a missing package costs
 * the page its cron words (a 404 here; the page then shows the server's descriptions), never the API.
 */
function cronstrueDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('cronstrue'));
  } catch {
    throw new KairosError('not_found', 'cronstrue is not installed');
  }
}

/**
 * Where jsdiff's ES module build is (`libesm/`: index.js importing its modules by relative paths one
 * directory deep, e.g. `./diff/line.js`, `../util/params.js`), served under /ui/vendor/diff/ as a
 * read-only tree so that those imports resolve as they are. Resolved per request like cronstrue: a
 * missing package costs the job page its line diffs (a 404), never the API.
 */
function jsdiffDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('diff/package.json')), 'libesm');
  } catch {
    throw new KairosError('not_found', 'diff (jsdiff) is not installed');
  }
}

/** A directory of jsdiff's build: one plain lower-case name (matched, never resolved as a path). */
const VENDOR_DIR = /^[a-z]+$/;

/** A module of jsdiff's build: a file name of the dashboard's kind that is a `.js` file. */
function jsdiffModule(name: string): string {
  if (!name.endsWith('.js')) throw new KairosError('not_found', `no module ${name} in the dashboard`);
  return name;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
  ico: 'image/x-icon',
};

/** A file name the dashboard may serve: letters, digits, dashes, one dot, a known extension. */
const FILE_NAME = /^[a-z0-9][a-z0-9-]*\.([a-z]+)$/;

/**
 * Everything the page loads comes from this origin; no inline script or style, no frames, no
 * plugins, no form posts elsewhere. The page talks to the API with fetch (connect-src 'self').
 */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function securityHeaders(ctx: Context): void {
  ctx.set('Content-Security-Policy', UI_CSP);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'no-referrer');
  // Behind authentication: shared caches must not keep it; the browser revalidates with the ETag,
  // so a new version of the dashboard shows up on the next load.
  ctx.set('Cache-Control', 'private, no-cache');
}

async function serveFile(ctx: Context, dir: string, name: string): Promise<void> {
  const ext = FILE_NAME.exec(name)?.[1];
  const type = ext ? own(TYPES, ext) : undefined;
  if (!type) throw new KairosError('not_found', `no file ${name} in the dashboard`);
  const path = join(dir, name);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new KairosError('not_found', `no file ${name} in the dashboard`);
  securityHeaders(ctx);
  ctx.type = type;
  ctx.status = 200;
  ctx.etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  ctx.lastModified = info.mtime;
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  ctx.body = await readFile(path);
}

/**
 * Where the page links runs and schedules in Temporal Web UI: KAIROS_TEMPORAL_UI_URL when set (a
 * cluster's or any external Temporal's Web UI: its address is not something Kairos can know).
 * Otherwise only for a dev server on this machine: `npm start` hands the API the one it started as
 * TEMPORAL_ADDRESS=127.0.0.1:<KAIROS_TEMPORAL_PORT>, whose Web UI listens on KAIROS_UI_PORT.
 */
export function temporalUiUrl(cfg: Config): string | null {
  if (cfg.temporal.uiUrl) return cfg.temporal.uiUrl;
  const local = [`127.0.0.1:${cfg.temporal.port}`, `localhost:${cfg.temporal.port}`];
  if (!cfg.temporal.ui) return null; // KAIROS_TEMPORAL_UI=off: a headless dev server
  return cfg.temporal.embedded || local.includes(cfg.temporal.address) ? `http://127.0.0.1:${cfg.temporal.uiPort}` : null;
}

/**
 * `/ui` → `/ui/`, `/ui/` → index.html, `/ui/<file>`, `/ui/vendor/cronstrue.js`, jsdiff's modules as
 * `/ui/vendor/diff/[<dir>/]<file>.js`, and the page's settings as `/ui/config.json`.
 */
export function uiRoutes(cfg: Config, dir = UI_DIR): Router {
  // strict: "/ui" and "/ui/" are different routes (one redirects to the other).
  const r = new Router({ strict: true });
  r.get('/ui', (ctx) => ctx.redirect('/ui/'));
  r.get('/ui/', (ctx) => serveFile(ctx, dir, 'index.html'));
  r.get('/ui/config.json', (ctx) => {
    securityHeaders(ctx);
    ctx.body = { temporalUiUrl: temporalUiUrl(cfg), namespace: cfg.temporal.namespace };
  });
  r.get('/ui/vendor/cronstrue.js', (ctx) => serveFile(ctx, cronstrueDir(), 'cronstrue.js'));
  r.get('/ui/vendor/diff/:file', (ctx) => serveFile(ctx, jsdiffDir(), jsdiffModule(ctx.params.file ?? '')));
  r.get('/ui/vendor/diff/:dir/:file', (ctx) => {
    const dir = ctx.params.dir ?? '';
    if (!VENDOR_DIR.test(dir)) throw new KairosError('not_found', `no directory ${dir} in the dashboard`);
    return serveFile(ctx, join(jsdiffDir(), dir), jsdiffModule(ctx.params.file ?? ''));
  });
  r.get('/ui/:file', (ctx) => serveFile(ctx, dir, ctx.params.file ?? ''));
  return r;
}

/** Whether a request is for one of the dashboard's static files (anything under /ui/ but its settings). */
function isStaticFile(ctx: Context): boolean {
  return (ctx.method === 'GET' || ctx.method === 'HEAD') && ctx.path !== '/ui/config.json';
}

/**
 * The dashboard's surface. With `authenticate` (the app's), its static files need no credentials and
 * only /ui/config.json asks for them; without it, every path is authenticated by the app.
 */
export function uiSurface(cfg: Config, dir = UI_DIR, authenticate?: Middleware): Surface {
  // Errors (401 without credentials, 404) use the native API's JSON shape.
  const surface: Surface = { prefix: '/ui', renderError: renderNativeError, routers: [uiRoutes(cfg, dir)] };
  if (authenticate) surface.authenticate = (ctx, next) => (isStaticFile(ctx) ? next() : authenticate(ctx, next));
  return surface;
}
