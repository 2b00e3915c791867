// Opens the source a job names, positioned at the checkpoint.
import type { SourcePosition } from '../checkpoint.ts';
import type { SourceSpec } from '../../../core/drivers/datasource.ts';
import { openBytes } from './bytes.ts';
import { csvItems } from './csv.ts';
import { jsonArrayItems } from './json-array.ts';
import { ndjsonItems } from './ndjson.ts';
import { postgresSource } from './postgres.ts';
import type { Source } from './types.ts';

export type { Source, SourceItem } from './types.ts';

export async function openSource(spec: SourceSpec, from: SourcePosition, batchSize: number, signal: AbortSignal): Promise<Source> {
  if (spec.kind === 'postgres') return await postgresSource(spec, from, batchSize, signal);
  // A JSON array cannot be entered mid-way: it is re-read from the start and the covered elements skipped.
  const offset = spec.format === 'json' ? 0 : (from.offset ?? 0);
  const { stream, etag } = await openBytes(spec, offset, from.etag, signal);
  const pos = { current: { ...from, etag: from.etag ?? etag } };
  const keepEtag = etag ?? from.etag;
  const items = spec.format === 'csv' ? csvItems(stream, spec, from, pos) : spec.format === 'ndjson' ? ndjsonItems(stream, from, pos) : jsonArrayItems(stream, from, pos);
  return {
    total: null,
    items: () => items,
    position: () => (keepEtag ? { ...pos.current, etag: keepEtag } : pos.current),
    close: async () => {
      stream.destroy();
    },
  };
}
