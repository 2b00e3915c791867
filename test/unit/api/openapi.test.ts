// The OpenAPI documents, one per API surface (native and each dialect): each is valid OpenAPI 3.1,
// names every operation uniquely, documents exactly the routes its routers serve (walked from the
// routers themselves, so a new route without documentation fails here), types query and path
// parameters from the routes' own zod schemas, and shares its schemas and error responses.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { buildDocument, DOCUMENTS, type DocumentName } from '../../../api/openapi.ts';
import { openApiDocument } from '../../../api/native/openapi.ts';
import { allRoutes } from '../../support/routes.ts';

type Doc = {
  servers: { url: string }[];
  paths: Record<string, Record<string, { operationId: string; parameters?: Param[]; security?: unknown[]; responses: Record<string, { $ref?: string }>; requestBody?: { content: Record<string, { schema: unknown }> } }>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, { content: Record<string, { schema: { $ref: string } }> }>; securitySchemes: Record<string, { type: string; name?: string; in?: string }> };
};
type Param = { name: string; in: string; required: boolean; schema: Record<string, unknown>; style?: string; explode?: boolean };

const doc = (name: DocumentName, ownPort?: number) => buildDocument(name, { protocol: 'http', hostname: 'kairos.example', ...(ownPort === undefined ? {} : { ownPort }) }) as Doc;

/** Each surface's prefix on the main port: its document's paths are relative to it (its first server). */
const PREFIX: Record<DocumentName, string> = { native: '', fusion: '/fusion', voltmx: '/voltmx', dapr: '/dapr', informer: '/informer', cluedin: '/cluedin' };

/**
 * Routes served on purpose without an operation, each with its reason: the dashboard's own files
 * (a web page, not an API; api/ui.ts) and the Prometheus scrape endpoint (text exposition format).
 */
const UNDOCUMENTED: Record<string, string> = {
  'get /ui': 'redirects to the dashboard',
  'get /ui/': "the dashboard's page",
  'get /ui/config.json': "the dashboard's settings",
  'get /ui/vendor/cronstrue.js': "the dashboard's copy of cronstrue",
  'get /ui/vendor/diff/{file}': "the dashboard's copy of jsdiff (its ESM build's modules)",
  'get /ui/vendor/diff/{dir}/{file}': "the dashboard's copy of jsdiff (its ESM build's modules)",
  'get /ui/{file}': "the dashboard's files",
  'get /metrics': 'Prometheus text format, for a scraper',
};

function operations(d: Doc): { key: string; operationId: string }[] {
  return Object.entries(d.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ key: `${method} ${path}`, operationId: op.operationId })));
}

function param(d: Doc, path: string, method: string, name: string): Param {
  const p = d.paths[path]?.[method]?.parameters?.find((x) => x.name === name);
  assert.ok(p, `${method} ${path} has a parameter ${name}`);
  return p;
}

describe('OpenAPI documents', () => {
  for (const name of DOCUMENTS) {
    describe(name, () => {
      it('is valid OpenAPI 3.1', async () => {
        const res = await new Validator().validate(doc(name) as unknown as Parameters<Validator['validate']>[0]);
        assert.equal(res.valid, true, JSON.stringify(res.errors, null, 2));
      });

      it('names every operation with a unique camelCase operationId', () => {
        const ids = operations(doc(name)).map((o) => o.operationId);
        assert.ok(ids.length > 0);
        for (const id of ids) assert.match(id, /^[a-z][A-Za-z0-9]*$/, id);
        assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), [], 'duplicate operationIds');
      });

      it("documents exactly the routes its routers serve, each once (no drift)", () => {
        const served = allRoutes()
          .filter((r) => r.surface === name)
          .map((r) => `${r.method.toLowerCase()} ${r.path.slice(PREFIX[name].length).replace(/:(\w+)/g, '{$1}')}`)
          .filter((key) => !(name === 'native' && key in UNDOCUMENTED));
        const documented = operations(doc(name)).map((o) => o.key);
        assert.ok(served.length > 0, 'the surface serves routes');
        assert.deepEqual(served.filter((r) => !documented.includes(r)).sort(), [], 'routes without an operation');
        assert.deepEqual(documented.filter((r) => !served.includes(r)).sort(), [], 'operations no router serves');
        assert.equal(new Set(served).size, served.length, 'one route per method and path');
      });

      it("refers every error response to the surface's Error schema, and every $ref resolves", () => {
        const d = doc(name);
        for (const r of Object.values(d.components.responses)) for (const c of Object.values(r.content)) assert.equal(c.schema.$ref, '#/components/schemas/Error');
        const text = JSON.stringify(d);
        for (const m of text.matchAll(/"\$ref":"#\/components\/(schemas|responses)\/([^"]+)"/g)) {
          const [, kind, id] = m;
          assert.ok(id! in (kind === 'schemas' ? d.components.schemas : d.components.responses), `${kind}/${id} exists`);
        }
        assert.doesNotMatch(text, /"#\/\$defs\/|schemas\/input:/, 'no reference left unresolved');
      });
    });
  }

  it("types the native query parameters from the routes' own zod schemas", () => {
    const d = doc('native');
    const limit = param(d, '/v1/jobs', 'get', 'limit');
    assert.deepEqual({ type: limit.schema.type, minimum: limit.schema.minimum, maximum: limit.schema.maximum, default: limit.schema.default, required: limit.required }, { type: 'integer', minimum: 1, maximum: 1000, default: 100, required: false });
    const sort = param(d, '/v1/jobs', 'get', 'sort');
    assert.ok(Array.isArray(sort.schema.enum) && (sort.schema.enum as string[]).includes('-name'), 'sort is an enum');
    const status = param(d, '/v1/runs', 'get', 'status');
    assert.equal(status.schema.type, 'array');
    assert.deepEqual((status.schema.items as { enum: string[] }).enum.slice(0, 3), ['running', 'succeeded', 'failed']);
    assert.deepEqual([status.style, status.explode], ['form', false], 'comma-separated');
    assert.deepEqual(param(d, '/v1/jobs', 'get', 'enabled').schema.enum, ['true', 'false'], 'a flag is sent as text');
    assert.equal(param(d, '/v1/jobs/apply', 'post', 'dryRun').schema.default, 'false');
    // The history pages share the dialects' page size rule (api/dialects/kit/lists.ts).
    const page = param(d, '/v1/audit', 'get', 'limit').schema;
    assert.deepEqual([page.type, page.minimum, page.maximum, page.default], ['integer', 1, 500, 50]);
    const n = param(d, '/v1/jobs/{id}/versions/{n}', 'get', 'n');
    assert.deepEqual([n.in, n.required, n.schema.type, n.schema.minimum], ['path', true, 'integer', 1]);
    assert.equal(param(d, '/v1/jobs/{id}', 'get', 'id').schema.type, 'string');
    assert.ok(d.paths['/v1/jobs/{id}']?.put?.parameters?.some((p) => p.in === 'header' && p.name === 'If-Match'), 'If-Match');
  });

  it('shares named schemas as components, input forms apart where they differ', () => {
    const d = doc('native');
    for (const id of ['Error', 'JobView', 'JobInput', 'Trigger', 'TriggerInput', 'RunView', 'RunSummary', 'User', 'Team', 'AlertRule']) assert.ok(id in d.components.schemas, id);
    const create = d.paths['/v1/jobs']?.post;
    assert.deepEqual(create?.requestBody?.content['application/json']?.schema, { $ref: '#/components/schemas/JobInput' });
    assert.deepEqual(Object.keys(create?.responses ?? {}), ['201', '400', '401', '403', '409', '413', '415', '429']);
    assert.equal(create?.responses['404'], undefined, 'no path id, no 404');
    assert.equal(d.paths['/v1/jobs/{id}']?.put?.responses['412']?.$ref, '#/components/responses/PreconditionFailed');
    assert.equal(d.paths['/v1/users']?.get?.responses['403']?.$ref, '#/components/responses/Forbidden');
  });

  it('names the credentials the API takes; the login needs none', () => {
    const d = doc('native');
    const s = d.components.securitySchemes;
    assert.deepEqual([s.basic?.type, s.bearer?.type, s.apiKey?.name, s.session?.in, s.session?.name, s.csrf?.name], ['http', 'http', 'X-API-Key', 'cookie', 'kairos_session', 'X-CSRF-Token']);
    assert.deepEqual(d.paths['/v1/sessions']?.post?.security, []);
    assert.equal(doc('voltmx').components.securitySchemes.voltmxToken?.name, 'X-VoltMX-Authorization');
    assert.equal(doc('dapr').components.securitySchemes.daprApiToken?.name, 'dapr-api-token');
  });

  it("serves the dialects' documents from their prefix, and from their own port when one is configured", () => {
    assert.deepEqual(doc('dapr').servers.map((s) => s.url), ['/dapr']);
    assert.deepEqual(doc('dapr', 3500).servers.map((s) => s.url), ['/dapr', 'http://kairos.example:3500']);
    assert.deepEqual(doc('fusion', 8764).servers.map((s) => s.url), ['/fusion', 'http://kairos.example:8764']);
    assert.deepEqual(doc('cluedin', 1).servers.map((s) => s.url), ['/cluedin'], 'no own port');
    assert.ok(doc('fusion').paths['/api/apps/{app}/jobs/{resource}/schedule']?.put, 'Fusion under /apps/{app} too');
    assert.equal(doc('fusion').paths['/api/apps/{app}/jobs']?.get?.operationId, 'listJobsForApp');
    assert.equal(param(doc('fusion'), '/api/jobs', 'get', 'type').schema.type, 'string');
    assert.deepEqual(param(doc('fusion'), '/api/jobs', 'get', 'type').schema.enum, ['datasource', 'spark', 'task']);
    assert.equal(doc('dapr').paths['/apps/{appId}/v1.0/jobs/{name}']?.post?.operationId, 'scheduleJobV1ForApp');
    assert.deepEqual(Object.keys(doc('cluedin').components.responses.BadRequest?.content ?? {}), ['application/problem+json']);
    assert.deepEqual(Object.keys(doc('voltmx').paths['/authService/accounts/login']?.post?.requestBody?.content ?? {}), ['application/x-www-form-urlencoded', 'application/json']);
    assert.equal(param(doc('informer'), '/api/jobs', 'get', 'limit').schema.maximum, 1000);
    assert.equal(param(doc('cluedin'), '/api/v1/jobs', 'get', 'take').required, true);
  });

  it('is what /v1/openapi.json serves (the CLI checks its commands against it)', () => {
    const d = openApiDocument() as Doc;
    assert.ok(d.paths['/v1/openapi/{name}.json']?.get);
    assert.deepEqual(param(d, '/v1/openapi/{name}.json', 'get', 'name').schema.enum, ['fusion', 'voltmx', 'dapr', 'informer', 'cluedin']);
  });
});
