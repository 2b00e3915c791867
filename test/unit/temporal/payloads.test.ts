// Conversions for Temporal's raw RPCs (core/temporal/payloads.ts), built on the SDK's public exports:
// search attributes as the server stores them, payloads through a data converter, timestamps.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Long from 'long';
import { defaultDataConverter, defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { decodePayloadAt, decodeSearchAttributes, encodePayloads, encodeSearchAttributes, msToTimestamp, timestampToDate } from '../../../core/temporal/payloads.ts';

const utf8 = (b: Uint8Array | null | undefined) => new TextDecoder().decode(b ?? new Uint8Array());

describe('Temporal payload conversions', () => {
  it('search attributes: typed JSON payloads that decode back, Datetime as a Date, empty lists kept', () => {
    const id = defineSearchAttributeKey('KairosJobId', SearchAttributeType.KEYWORD);
    const tags = defineSearchAttributeKey('KairosTags', SearchAttributeType.KEYWORD_LIST);
    const at = defineSearchAttributeKey('KairosScheduledAt', SearchAttributeType.DATETIME);
    const when = new Date('2026-12-03T08:30:51.068Z');
    const encoded = encodeSearchAttributes([
      { key: id, value: 'nightly' },
      { key: tags, value: [] },
      { key: at, value: when },
    ]);
    const fields = encoded.indexedFields ?? {};
    assert.equal(utf8(fields.KairosJobId?.metadata?.type), 'Keyword');
    assert.equal(utf8(fields.KairosJobId?.metadata?.encoding), 'json/plain');
    assert.equal(utf8(fields.KairosTags?.metadata?.type), 'KeywordList');
    assert.equal(utf8(fields.KairosTags?.data), '[]', 'an empty list is sent, so that an update clears the attribute');
    const decoded = decodeSearchAttributes(fields);
    assert.equal(decoded.get(id), 'nightly');
    assert.deepEqual(decoded.get(tags), []);
    assert.equal(decoded.get(at)?.toISOString(), when.toISOString());
  });

  it('search attributes from older servers (single values in a list) and without a type are read as the SDK reads them', () => {
    const id = defineSearchAttributeKey('KairosJobId', SearchAttributeType.KEYWORD);
    const enc = new TextEncoder();
    const decoded = decodeSearchAttributes({
      KairosJobId: { metadata: { encoding: enc.encode('json/plain'), type: enc.encode('Keyword') }, data: enc.encode('["legacy"]') },
      Untyped: { metadata: { encoding: enc.encode('json/plain') }, data: enc.encode('"x"') },
    });
    assert.equal(decoded.get(id), 'legacy');
    assert.equal(decoded.getAll().length, 1);
  });

  it('payloads round-trip through the data converter', async () => {
    const value = { job: { id: 'nightly', tags: ['a'] }, n: 3 };
    const payloads = await encodePayloads(defaultDataConverter, value, 'second');
    assert.equal(payloads.length, 2);
    assert.deepEqual(await decodePayloadAt(defaultDataConverter, 0, payloads), value);
    assert.equal(await decodePayloadAt(defaultDataConverter, 1, payloads), 'second');
  });

  it('timestamps: nanoseconds round down to the millisecond; milliseconds round-trip', () => {
    assert.equal(timestampToDate({ seconds: Long.fromNumber(1_764_750_651), nanos: 68_999_999 })?.toISOString(), '2025-12-03T08:30:51.068Z');
    assert.equal(timestampToDate({ seconds: 1, nanos: 0 })?.getTime(), 1000);
    assert.equal(timestampToDate(null), undefined);
    const ts = msToTimestamp(1_764_750_651_068);
    assert.equal(ts.seconds.toNumber(), 1_764_750_651);
    assert.equal(ts.nanos, 68_000_000);
    assert.equal(timestampToDate(ts)?.getTime(), 1_764_750_651_068);
  });
});
