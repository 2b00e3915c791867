// Conversions between Kairos values and what Temporal's raw RPCs carry: payloads (through the
// client's data converter and codecs), search attributes, timestamps and durations. Built on the
// SDK's public exports only (its `lib/` internals are not an API and change between releases).
import { fromPayloadsAtIndex, toPayloads, TypedSearchAttributes, type LoadedDataConverter, type SearchAttributePair, type SearchAttributeType } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import Long from 'long';

type Payload = temporal.api.common.v1.IPayload;
/** A protobuf Timestamp or Duration as the raw RPCs return it. */
interface Timestamp {
  seconds?: Long | number | null;
  nanos?: number | null;
}

/** Encodes values as payloads the way the SDK does: payload converter, then each codec in order. */
export async function encodePayloads(conv: LoadedDataConverter, ...values: unknown[]): Promise<Payload[]> {
  let payloads = toPayloads(conv.payloadConverter, ...values) ?? [];
  for (const codec of conv.payloadCodecs) payloads = await codec.encode(payloads);
  return payloads;
}

/** Decodes the value at `index`: the codecs in reverse order, then the payload converter. */
export async function decodePayloadAt<T>(conv: LoadedDataConverter, index: number, payloads: Payload[] | null | undefined): Promise<T> {
  let decoded = payloads ?? [];
  for (const codec of [...conv.payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  return fromPayloadsAtIndex<T>(conv.payloadConverter, index, decoded);
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/**
 * Search attributes as the `indexedFields` of a raw request: JSON values with their type in the
 * metadata, as the SDK and the server expect them.
 */
export function encodeSearchAttributes(pairs: readonly SearchAttributePair[]): temporal.api.common.v1.ISearchAttributes {
  const indexedFields: Record<string, Payload> = {};
  for (const { key, value } of pairs) {
    indexedFields[key.name] = {
      metadata: { encoding: utf8.encode('json/plain'), type: utf8.encode(TypedSearchAttributes.toMetadataType(key.type)) },
      // JSON.stringify writes a Date as its ISO string, which is what Datetime attributes hold.
      data: utf8.encode(JSON.stringify(value)),
    };
  }
  return { indexedFields };
}

/** Decodes the search attributes of a raw record; attributes without a known type are left out (as the SDK does). */
export function decodeSearchAttributes(indexedFields: Record<string, Payload> | null | undefined): TypedSearchAttributes {
  const pairs: SearchAttributePair[] = [];
  for (const [name, payload] of Object.entries(indexedFields ?? {})) {
    const typeName = payload.metadata?.['type'];
    const type: SearchAttributeType | undefined = typeName ? TypedSearchAttributes.toSearchAttributeType(fromUtf8.decode(typeName)) : undefined;
    if (!type || !payload.data) continue;
    let value: unknown;
    try {
      value = JSON.parse(fromUtf8.decode(payload.data));
    } catch {
      continue;
    }
    // Older servers wrap single values in a list.
    if (type !== 'KEYWORD_LIST' && Array.isArray(value)) {
      if (value.length !== 1) continue;
      value = value[0];
    }
    if (type === 'DATETIME' && typeof value === 'string') value = new Date(value);
    if (value === null || value === undefined) continue;
    pairs.push({ key: { name, type }, value } as SearchAttributePair);
  }
  return new TypedSearchAttributes(pairs);
}

/** A proto timestamp as a Date (undefined when absent). */
export function timestampToDate(ts: Timestamp | null | undefined): Date | undefined {
  if (!ts) return undefined;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : (ts.seconds?.toNumber() ?? 0);
  // Down to the millisecond, never up: a run listed with `from = its startedAt` must still match
  // StartTime >= from (Temporal keeps nanoseconds).
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000));
}

/** Milliseconds as a proto Duration/Timestamp. */
export function msToTimestamp(ms: number): { seconds: Long; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds: Long.fromNumber(seconds), nanos: Math.round(ms - seconds * 1000) * 1_000_000 };
}

/** A Date as a proto Timestamp (undefined stays undefined). */
export function dateToTimestamp(d: Date | undefined): { seconds: Long; nanos: number } | undefined {
  return d ? msToTimestamp(d.getTime()) : undefined;
}
