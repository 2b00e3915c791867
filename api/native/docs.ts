// /v1/docs: the native API's OpenAPI document (/v1/openapi.json) as an interactive page, Swagger UI
// (swagger-ui-dist, the project's own prebuilt bundle) served from this origin. Behind authentication
// like every /v1 path; "Try it out" calls go to this API with the browser's credentials.
//
// Its CSP is the dashboard's widened for this page only: Swagger UI sets inline style attributes
// (style-src 'unsafe-inline') and draws its icons as data: URIs. Scripts stay 'self' only: the
// initializer is a file of ours, not the inline script of swagger-ui-dist's own index.html.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Router from '@koa/router';
import type { Context } from 'koa';
import { KairosError } from '../../core/errors.ts';
import { own } from '../../core/objects/own.ts';
import { registerOperations } from '../openapi.ts';

/** Where swagger-ui-dist is installed (a production dependency: the API serves its files). */
const SWAGGER_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The only files of the package served, by name (never a path from the request). */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
};

/** The docs page's CSP: the dashboard's, plus inline styles and data: images and fonts for Swagger UI. */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kairos API</title>
<link rel="stylesheet" href="/v1/docs/swagger-ui.css">
</head>
<body>
<main id="swagger-ui" aria-label="Kairos API reference"></main>
<script src="/v1/docs/swagger-ui-bundle.js"></script>
<script src="/v1/docs/swagger-ui-standalone-preset.js"></script>
<script src="/v1/docs/init.js"></script>
</body>
</html>
`;

/** Swagger UI on the native document; "Try it out" sends the browser's credentials to this origin. */
const INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/v1/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'BaseLayout',
    withCredentials: true,
  });
});
`;

function headers(ctx: Context, type: string): void {
  ctx.set('Content-Security-Policy', DOCS_CSP);
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('Cache-Control', 'private, no-cache');
  ctx.type = type;
}

registerOperations('native', [
  { operationId: 'getDocsPage', method: 'get', path: '/v1/docs', summary: 'This API reference as an interactive page (Swagger UI)', tag: 'meta' },
  { operationId: 'getDocsScript', method: 'get', path: '/v1/docs/init.js', summary: "The docs page's script (Swagger UI on /v1/openapi.json)", tag: 'meta' },
  { operationId: 'getDocsAsset', method: 'get', path: '/v1/docs/{file}', summary: "The docs page's Swagger UI files (swagger-ui.css, swagger-ui-bundle.js, swagger-ui-standalone-preset.js)", tag: 'meta' },
]);

export function docsRoutes(): Router {
  const r = new Router();
  r.get('/v1/docs', (ctx) => {
    headers(ctx, 'text/html; charset=utf-8');
    ctx.body = PAGE;
  });
  r.get('/v1/docs/init.js', (ctx) => {
    headers(ctx, 'text/javascript; charset=utf-8');
    ctx.body = INIT;
  });
  r.get('/v1/docs/:file', async (ctx) => {
    const name = ctx.params.file ?? '';
    const type = own(ASSETS, name);
    if (!type) throw new KairosError('not_found', `no file ${name} in the API docs`);
    headers(ctx, type);
    ctx.body = await readFile(join(SWAGGER_DIR, name));
  });
  return r;
}
