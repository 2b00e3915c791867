import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DatasourceDataSchema, DatasourceSavedSchema } from '../../../core/drivers/datasource.ts';

// Save time checks file paths against the configured directories (read from the environment on first use).
process.env.KAIROS_DATASOURCE_DIRS = '/srv/kairos-files:/data';

const paths = (r: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) => (r.error?.issues ?? []).map((i) => i.path.join('.'));

void describe('datasource data schema', () => {
  const base = {
    source: { kind: 'file', path: '/data/movies.csv', format: 'csv' },
    key: 'id',
    mapping: { id: { type: 'integer' }, title: { from: 'name' } },
    sink: { kind: 'postgres', connection: { $secret: 'pg' }, table: 'public.movies', create: true },
  };

  void it('accepts the issue example and fills defaults', () => {
    const r = DatasourceSavedSchema.safeParse(base);
    assert.ok(r.success, JSON.stringify(r.error?.issues));
    const d = DatasourceDataSchema.parse({ ...base, sink: { ...base.sink, connection: 'postgres://x@h/db' } });
    assert.equal(d.batchSize, 1000);
    assert.equal(d.maxBadRecords, 100);
    assert.equal(d.source.kind === 'file' && d.source.delimiter, ',');
  });

  void it('insists on secret references for credentials', () => {
    const inline = DatasourceSavedSchema.safeParse({ ...base, sink: { ...base.sink, connection: 'postgres://u:pw@h/db' } });
    assert.deepEqual(paths(inline), ['sink.connection']);
    const header = DatasourceSavedSchema.safeParse({ ...base, source: { kind: 'http', url: 'http://h/x', format: 'ndjson', headers: { Authorization: 'Bearer t' } } });
    assert.deepEqual(paths(header), ['source.headers.Authorization']);
    const ok = DatasourceSavedSchema.safeParse({ ...base, source: { kind: 'http', url: 'http://h/x', format: 'ndjson', headers: { Authorization: { $secret: 'tok' } } } });
    assert.ok(ok.success, JSON.stringify(ok.error?.issues));
    const url = DatasourceSavedSchema.safeParse({ ...base, source: { kind: 'http', url: 'http://u:pw@h/x', format: 'ndjson' } });
    assert.deepEqual(paths(url), ['source.url']);
  });

  void it('rejects inconsistent configurations with the path at fault', () => {
    assert.deepEqual(paths(DatasourceSavedSchema.safeParse({ ...base, key: undefined })), ['key']);
    assert.deepEqual(paths(DatasourceSavedSchema.safeParse({ ...base, key: 'nope' })), ['key']);
    assert.deepEqual(paths(DatasourceSavedSchema.safeParse({ ...base, key: 'constructor' })), ['key'], 'an inherited name is not a mapped field');
    assert.deepEqual(paths(DatasourceSavedSchema.safeParse({ ...base, mapping: undefined })), ['sink.create']);
    assert.deepEqual(paths(DatasourceSavedSchema.safeParse({ ...base, source: { ...base.source, header: false } })), ['source.columns']);
    assert.deepEqual(paths(DatasourceSavedSchema.safeParse({ ...base, sink: { ...base.sink, table: 'a;drop' } })), ['sink.table']);
    assert.deepEqual(paths(DatasourceSavedSchema.safeParse({ ...base, source: { kind: 'file', path: 'rel.csv', format: 'csv' } })), ['source.path']);
    assert.deepEqual(paths(DatasourceSavedSchema.safeParse({ ...base, batchSize: 0 })), ['batchSize']);
    assert.deepEqual(paths(DatasourceSavedSchema.safeParse({ ...base, source: { kind: 'file', path: '/etc/passwd', format: 'csv' } })), ['source.path']);
    assert.deepEqual(paths(DatasourceSavedSchema.safeParse({ ...base, source: { kind: 'file', path: '/data/../etc/passwd', format: 'csv' } })), ['source.path']);
    assert.deepEqual(paths(DatasourceSavedSchema.safeParse({ ...base, sink: { kind: 'ndjson', path: '/tmp/out.ndjson' } })), ['sink.path']);
    assert.deepEqual(paths(DatasourceSavedSchema.safeParse({ ...base, sink: { kind: 'ndjson', path: '/srv/kairos-files/out.ndjson', mode: 'overwrite' } })), ['sink.mode']);
    assert.deepEqual(paths(DatasourceSavedSchema.safeParse({ ...base, extra: 1 })), ['']);
  });
});
