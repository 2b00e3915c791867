import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { driverFor, DRIVERS } from '../../../core/drivers/catalog.ts';
import { keepPayload } from '../../../activities/driver.ts';

describe('driver registry', () => {
  it('offers http, cleanup and datasource, and nothing internal', () => {
    assert.deepEqual(DRIVERS.map((d) => d.type), ['http', 'cleanup', 'datasource']);
    assert.equal(driverFor('kairosStartDependents'), undefined);
  });

  it('validates saved http data, with secret references where strings go', () => {
    const schema = driverFor('http')?.dataSchema;
    assert.ok(schema);
    assert.equal(schema.safeParse({ url: 'https://example.com', headers: { authorization: { $secret: 'TOKEN' } } }).success, true);
    assert.equal(schema.safeParse({ url: { $secret: 'URL' } }).success, true);
    const bad = schema.safeParse({ url: 'ftp://x' });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error?.issues.map((i) => i.path.join('.')), ['url']);
    const unknown = schema.safeParse({ url: 'https://x', verb: 'GET' });
    assert.equal(unknown.success, false);
    const malformedRef = schema.safeParse({ url: 'https://x', headers: { a: { $secret: 'has space' } } });
    assert.deepEqual(malformedRef.error?.issues.map((i) => i.path.join('.')), ['headers.a']);
    const refAsNumber = schema.safeParse({ url: 'https://x', timeoutMs: { $secret: 'T' } });
    assert.deepEqual(refAsNumber.error?.issues.map((i) => i.path.join('.')), ['timeoutMs']);
    assert.equal(schema.safeParse({ url: 'https://x', timeout: 'soon' }).success, false);
  });

  it('validates cleanup data', () => {
    const schema = driverFor('cleanup')?.dataSchema;
    assert.ok(schema);
    assert.equal(schema.safeParse({}).success, true);
    assert.equal(schema.safeParse({ olderThanDays: 30, jobId: 'a-job' }).success, true);
    assert.equal(schema.safeParse({ olderThan: '720h' }).success, true);
    assert.deepEqual(schema.safeParse({ olderThan: 'later' }).error?.issues.map((i) => i.path.join('.')), ['olderThan']);
    assert.equal(schema.safeParse({ olderThan: '1h', olderThanDays: 1 }).success, false);
    assert.equal(schema.safeParse({ olderThanDays: -1 }).success, false);
  });

  it('keeps payloads per history strategy', () => {
    assert.deepEqual(
      (['OFF', 'MINIMAL', 'ERROR', 'FULL'] as const).map((s) => [keepPayload(s, false), keepPayload(s, true)]),
      [
        [false, false],
        [false, false],
        [false, true],
        [true, true],
      ],
    );
  });
});
