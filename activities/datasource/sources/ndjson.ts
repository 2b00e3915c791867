// NDJSON from a byte stream: one JSON object per line, split on newline bytes so every record has
// an exact byte offset (a retry reopens the bytes there) and an absolute line number. A line that is
// not a JSON object is a bad record; blank lines are skipped.
import type { Readable } from 'node:stream';
import type { SourcePosition } from '../checkpoint.ts';
import { final } from '../failures.ts';
import type { Row } from '../mapping.ts';
import type { SourceItem } from './types.ts';

/** One line may not exceed this: memory stays bounded whatever the input. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;
const NL = 0x0a;

export function parseLine(text: string): { record?: Row; error?: string } {
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: `not a JSON object (${Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v})` };
    return { record: v as Row };
  } catch (err) {
    return { error: `invalid JSON: ${(err as Error).message}` };
  }
}

export function ndjsonItems(bytes: Readable, from: SourcePosition, pos: { current: SourcePosition }): AsyncIterable<SourceItem> {
  let offset = from.offset ?? 0;
  let line = from.line ?? 0;
  let records = from.records;

  function* lineItem(buf: Buffer): Generator<SourceItem> {
    offset += buf.length;
    line += 1;
    let end = buf.length;
    if (end > 0 && buf[end - 1] === NL) end -= 1;
    if (end > 0 && buf[end - 1] === 0x0d) end -= 1;
    const text = buf.toString('utf8', 0, end);
    if (text.trim() === '') return;
    records += 1;
    pos.current = { records, offset, line };
    const r = parseLine(text);
    yield r.record ? { record: r.record, line } : { error: r.error, raw: text, line };
  }

  return {
    async *[Symbol.asyncIterator]() {
      let rest: Buffer | undefined;
      for await (const chunk of bytes as AsyncIterable<Buffer>) {
        let buf = rest ? Buffer.concat([rest, chunk]) : chunk;
        let start = 0;
        for (let nl = buf.indexOf(NL, start); nl !== -1; nl = buf.indexOf(NL, start)) {
          yield* lineItem(buf.subarray(start, nl + 1));
          start = nl + 1;
        }
        buf = buf.subarray(start);
        if (buf.length > MAX_LINE_BYTES) throw final(`line ${line + 1} is longer than ${MAX_LINE_BYTES} bytes`, 'SourceFormat');
        // Copy the tail so the (large) chunk it came from can be freed.
        rest = buf.length ? Buffer.from(buf) : undefined;
      }
      if (rest?.length) yield* lineItem(rest);
    },
  };
}
