// /v1/docs: the API's OpenAPI documents as an interactive page, Swagger UI (swagger-ui-dist, the
// project's own prebuilt bundle) served from this origin. The native document (/v1/openapi.json)
// first, each dialect's (/v1/openapi/{name}.json) in the selector of the top bar; `?doc=dapr` opens
// one directly. Behind authentication like every /v1 path; "Try it out" calls go to this API with the
// browser's credentials.
//
// Its CSP is the dashboard's widened for this page only: Swagger UI sets inline style attributes
// (style-src 'unsafe-inline') and draws its icons as data: URIs. Scripts stay 'self' only: the
// initializer is a file of ours, not the inline script of swagger-ui-dist's own index.html.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Router from '@koa/router';
import { z } from 'zod';
import type { Context } from 'koa';
import { KairosError } from '../../core/errors.ts';
import { own } from '../../core/objects/own.ts';
import { DOCUMENTS, registerOperations } from '../openapi.ts';

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
<link rel="stylesheet" href="/v1/docs/kairos.css">
</head>
<body>
<main id="swagger-ui" aria-label="Kairos API reference"></main>
<script src="/v1/docs/swagger-ui-bundle.js"></script>
<script src="/v1/docs/swagger-ui-standalone-preset.js"></script>
<script src="/v1/docs/init.js"></script>
</body>
</html>
`;

/** Each document's URL, by the name the selector shows and `?doc=` takes. */
const DOCUMENT_URLS = DOCUMENTS.map((name) => ({ name, url: name === 'native' ? '/v1/openapi.json' : `/v1/openapi/${name}.json` }));

/**
 * Swagger UI on every document (the top bar's selector; `?doc=<name>` picks one, and choosing one
 * puts it in the address so it can be linked). No online validator: the page talks to this origin only.
 */
const INIT = `window.addEventListener('load', function () {
  var urls = ${JSON.stringify(DOCUMENT_URLS)};
  var asked = new URLSearchParams(window.location.search).get('doc');
  var primary = urls.some(function (u) { return u.name === asked; }) ? asked : urls[0].name;
  window.ui = SwaggerUIBundle({
    urls: urls,
    'urls.primaryName': primary,
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
    validatorUrl: null,
    syntaxHighlight: false,
    withCredentials: true,
  });
  // Swagger UI's servers selector has no label of its own (axe-core: select-name).
  new MutationObserver(function () {
    document.querySelectorAll('select#servers:not([aria-label])').forEach(function (s) { s.setAttribute('aria-label', 'Server'); });
  }).observe(document.body, { childList: true, subtree: true });
  document.addEventListener('change', function (e) {
    var select = e.target;
    if (!(select instanceof HTMLSelectElement) || !select.closest('.topbar')) return;
    var chosen = urls.find(function (u) { return u.url === select.value || u.name === select.value; });
    if (!chosen) return;
    var link = new URL(window.location.href);
    // Swagger UI writes its own urls.primaryName there: one parameter says it.
    link.searchParams.delete('urls.primaryName');
    link.searchParams.set('doc', chosen.name);
    link.hash = '';
    window.history.replaceState(null, '', link.pathname + link.search);
  });
});
`;

/**
 * Swagger UI's colours where they fail WCAG AA contrast (axe-core's color-contrast): white text on its
 * light method badges and version stamps, its light-blue links, green Authorize button and grey
 * schema expand buttons and parameter locations. Syntax highlighting is off (its theme's colours on
 * the dark code blocks fail too): examples are plain light text on dark. Darker
 * shades of the same hues, so the page reads as Swagger UI still.
 */
const STYLES = `.swagger-ui .opblock.opblock-get .opblock-summary-method { background: #1f69c0; }
.swagger-ui .opblock.opblock-post .opblock-summary-method { background: #1d7a4f; }
.swagger-ui .opblock.opblock-put .opblock-summary-method { background: #a35200; }
.swagger-ui .opblock.opblock-patch .opblock-summary-method { background: #137364; }
.swagger-ui .opblock.opblock-delete .opblock-summary-method { background: #c0262c; }
.swagger-ui .info .title small { background: #545b68; }
.swagger-ui .info .title small.version-stamp { background: #3f6b00; }
.swagger-ui .info a, .swagger-ui .info .url { color: #1f5fa8; }
.swagger-ui .btn.authorize { border-color: #1d7a4f; color: #1d7a4f; }
.swagger-ui .btn.authorize svg { fill: #1d7a4f; color: #1d7a4f; }
.swagger-ui .json-schema-2020-12-expand-deep-button { color: #595959; }
.swagger-ui .parameter__in, .swagger-ui .parameter__extension { color: #5e5e5e; }
`;

function headers(ctx: Context, type: string): void {
  ctx.set('Content-Security-Policy', DOCS_CSP);
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('Cache-Control', 'private, no-cache');
  ctx.type = type;
}

registerOperations('native', [
  {
    operationId: 'getDocsPage',
    method: 'get',
    path: '/v1/docs',
    summary: "This API reference and the dialects' as an interactive page (Swagger UI)",
    tag: 'meta',
    query: z.object({ doc: z.enum(DOCUMENTS).optional().describe('the document to open (default: native)') }),
  },
  { operationId: 'getDocsScript', method: 'get', path: '/v1/docs/init.js', summary: "The docs page's script (Swagger UI on every document)", tag: 'meta' },
  { operationId: 'getDocsStyles', method: 'get', path: '/v1/docs/kairos.css', summary: "The docs page's colours over Swagger UI's (WCAG contrast)", tag: 'meta' },
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
  r.get('/v1/docs/kairos.css', (ctx) => {
    headers(ctx, 'text/css; charset=utf-8');
    ctx.body = STYLES;
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
