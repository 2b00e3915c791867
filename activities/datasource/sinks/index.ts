// Opens the sink a job names, positioned at the checkpoint.
import type { SinkPosition } from '../checkpoint.ts';
import type { DatasourceData } from '../../../core/drivers/datasource.ts';
import { httpSink } from './http.ts';
import { ndjsonSink } from './ndjson.ts';
import { postgresSink } from './postgres.ts';
import type { Sink } from './types.ts';

export type { Batch, Sink } from './types.ts';

export async function openSink(data: DatasourceData, at: SinkPosition | undefined): Promise<Sink> {
  const spec = data.sink;
  if (spec.kind === 'ndjson') return await ndjsonSink(spec.path, spec.mode, at?.offset);
  if (spec.kind === 'http') return httpSink(spec);
  return await postgresSink(spec, data.key ?? '', data.mapping);
}
