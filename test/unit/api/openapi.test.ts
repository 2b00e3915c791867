// The OpenAPI document is valid OpenAPI 3.1 and lists every native route the routers serve.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Router from '@koa/router';
import { Validator } from '@seriousme/openapi-schema-validator';
import { openApiDocument } from '../../../api/native/openapi.ts';
import { nativeRouters } from '../../../api/native/index.ts';

/** Every (method, path) a router serves, with :param turned into {param}. */
function routesOf(routers: Router[]): string[] {
  const out = new Set<string>();
  for (const r of routers) {
    for (const layer of r.stack) {
      for (const m of layer.methods) {
        if (m === 'HEAD') continue;
        out.add(`${m.toLowerCase()} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`);
      }
    }
  }
  return [...out].sort();
}

describe('OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const res = await new Validator().validate(openApiDocument() as Parameters<Validator['validate']>[0]);
    assert.equal(res.valid, true, JSON.stringify(res.errors, null, 2));
  });

  it('documents every native route', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)));
    const served = routesOf([...nativeRouters()]);
    const missing = served.filter((r) => !documented.has(r));
    assert.deepEqual(missing, [], `routes missing from the OpenAPI document: ${missing.join(', ')}`);
    const extra = [...documented].filter((r) => !served.includes(r));
    assert.deepEqual(extra, [], `documented routes nobody serves: ${extra.join(', ')}`);
  });
});
