// What every source gives the run loop: items in source order (a record, or a bad record with its
// reason), the position just after the last item it handed out, and the total when it is known.
import type { SourcePosition } from '../checkpoint.ts';
import type { Row } from '../mapping.ts';

export interface SourceItem {
  /** The record, or undefined for a record that could not be read (then `error` says why). */
  record?: Row;
  error?: string;
  /** The raw text of a bad record, when the format has it. */
  raw?: string;
  /** Line where the record ends (CSV, NDJSON). */
  line?: number;
}

export interface Source {
  /** Source records in all, when known before reading (a PostgreSQL count); else null. */
  total: number | null;
  items(): AsyncIterable<SourceItem>;
  /** Position after the last item `items()` handed out: a retry resumes exactly there. */
  position(): SourcePosition;
  close(): Promise<void>;
}
