// The native API's OpenAPI document (/v1/openapi.json) and the routes that serve every surface's
// document (/v1/openapi/{name}.json). The operations are registered next to their routes (jobs.ts,
// runs.ts, users.ts, …); api/openapi.ts builds the documents.
import Router from '@koa/router';
import { z } from 'zod';
import { KairosError } from '../../core/errors.ts';
import { NativeErrorBodySchema } from '../errors.ts';
import { buildDocument, DOCUMENTS, KAIROS_SECURITY, KAIROS_SECURITY_SCHEMES, registerDocument, registerOperations, type DocumentName, type ErrorStatus, type Operation, type ServerContext } from '../openapi.ts';

/**
 * The errors any native operation may answer with: 400 for what it takes, 401 without credentials
 * and 429 while failed attempts are throttled, 403 for admins' operations and for a session-cookie
 * request that changes something without its CSRF token, 404 for what the path names, 412 for a
 * stale If-Match, 413/415 for a body too large or not JSON.
 */
function nativeErrors(op: Operation): ErrorStatus[] {
  const out: ErrorStatus[] = [];
  if (op.request || op.query || op.ifMatch) out.push(400);
  if (!op.public) out.push(401);
  if (!op.public && (op.admin || op.method !== 'get')) out.push(403);
  if (op.path.includes('{')) out.push(404);
  if (op.ifMatch) out.push(412);
  if (op.request) out.push(413, 415);
  out.push(429);
  return out;
}

registerDocument({
  name: 'native',
  title: 'Kairos native API',
  description:
    'The native REST API of Kairos, a durable job scheduler on Temporal. A job another user has not shared with you answers 404, exactly like a missing one. The dialects (Fusion, Volt MX, Dapr, Informer, CluedIn) have documents of their own: /v1/openapi/{name}.json.',
  servers: () => [{ url: '/', description: 'this server' }],
  securitySchemes: KAIROS_SECURITY_SCHEMES,
  security: KAIROS_SECURITY,
  error: NativeErrorBodySchema,
  defaultErrors: nativeErrors,
});

const DocumentNameSchema = z.enum(DOCUMENTS.filter((n) => n !== 'native') as [DocumentName, ...DocumentName[]]).describe('the dialect');

registerOperations('native', [
  { operationId: 'getOpenApiDocument', method: 'get', path: '/v1/openapi.json', summary: 'This document', tag: 'meta' },
  {
    operationId: 'getDialectOpenApiDocument',
    method: 'get',
    path: '/v1/openapi/{name}.json',
    summary: "A dialect's OpenAPI document (fusion, voltmx, dapr, informer, cluedin)",
    tag: 'meta',
    params: z.object({ name: DocumentNameSchema }),
  },
]);

/** The native document as served to `at` (tests and the CLI read it without a request). */
export function openApiDocument(at: ServerContext = { protocol: 'http', hostname: 'localhost' }): Record<string, unknown> {
  const doc = buildDocument('native', at);
  if (!doc) throw new Error('the native OpenAPI document is not registered');
  return doc;
}

/** The ports of the dialects' own when configured (KAIROS_DAPR_PORT, KAIROS_FUSION_PORT): their documents' servers. */
export type OwnPorts = Partial<Record<DocumentName, number | undefined>>;

export function openApiRoutes(ownPorts: OwnPorts = {}): Router {
  const r = new Router();
  r.get('/v1/openapi.json', (ctx) => {
    ctx.body = openApiDocument({ protocol: ctx.protocol, hostname: ctx.hostname });
  });
  r.get('/v1/openapi/:name.json', (ctx) => {
    const name = DocumentNameSchema.safeParse(ctx.params.name);
    const port = name.success ? ownPorts[name.data] : undefined;
    const doc = name.success ? buildDocument(name.data, { protocol: ctx.protocol, hostname: ctx.hostname, ...(port === undefined ? {} : { ownPort: port }) }) : undefined;
    if (!doc) throw new KairosError('not_found', `no OpenAPI document '${ctx.params.name ?? ''}' (one of ${DOCUMENTS.filter((n) => n !== 'native').join(', ')})`);
    ctx.body = doc;
  });
  return r;
}
