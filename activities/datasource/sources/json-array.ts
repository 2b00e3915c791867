// A top-level JSON array, streamed element by element with stream-json (never the whole document in
// memory). JSON has no record boundaries a reader could seek to, so a retry re-reads the array and
// skips the elements the checkpoint already covers. An element that is not an object is a bad record;
// malformed JSON ends the run (nothing after it can be trusted).
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import streamArray from 'stream-json/streamers/stream-array.js';
import type { SourcePosition } from '../checkpoint.ts';
import { final } from '../failures.ts';
import type { Row } from '../mapping.ts';
import type { SourceItem } from './types.ts';

export function jsonArrayItems(bytes: Readable, from: SourcePosition, pos: { current: SourcePosition }): AsyncIterable<SourceItem> {
  const elements = streamArray.withParserAsStream();
  let readError: unknown;
  bytes.once('error', (err) => (readError = err));
  pipeline(bytes, elements, () => {}); // an error on either side reaches the reader through `elements`
  const skip = from.records;
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for await (const { key, value } of elements as AsyncIterable<{ key: number; value: unknown }>) {
          if (key < skip) continue;
          pos.current = { records: key + 1 };
          if (typeof value === 'object' && value !== null && !Array.isArray(value)) yield { record: value as Row };
          else {
            const raw = JSON.stringify(value);
            yield { error: `element ${key} is not a JSON object`, raw };
          }
        }
      } catch (err) {
        // A failed read (a stop, a dropped connection) is the reader's; anything else is the JSON's.
        if (readError !== undefined || (err as Error)?.name === 'AbortError') throw readError ?? err;
        throw final(`malformed JSON after element ${pos.current.records}: ${(err as Error)?.message ?? String(err)}`, 'SourceFormat');
      }
    },
  };
}
