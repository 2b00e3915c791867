// What every sink gives the run loop. A batch write is idempotent: writing the same batch again
// (a retry resumed from an older checkpoint) leaves the sink as one write would.
import type { SinkPosition } from '../checkpoint.ts';
import type { Row } from '../mapping.ts';

export interface Batch {
  /** Stable across attempts: the run and the source position the batch starts at. */
  id: string;
  rows: Row[];
}

export interface Sink {
  write(batch: Batch): Promise<void>;
  /** Where the sink stands after the last write (the NDJSON file's length). */
  position(): Omit<SinkPosition, 'batches'>;
  close(): Promise<void>;
}
