// The checkpoint: where the source stands, where the sink stands, and the counters at that point.
// It travels inside the progress the activity heartbeats after every batch (so GET /v1/runs/{id}
// shows it), and a retried attempt reads it back from its heartbeat details and resumes there.
// It is only ever advanced after the batch it covers is in the sink.
import { z } from 'zod';
import type { RunProgress } from '../../core/runs/types.ts';

export const SourcePositionSchema = z.object({
  /** Source records consumed (good and bad). */
  records: z.number().int().min(0),
  /** Bytes consumed (CSV and NDJSON): a retry starts reading there. */
  offset: z.number().int().min(0).optional(),
  /** The last line consumed (CSV and NDJSON), so line numbers stay absolute after a resume. */
  line: z.number().int().min(0).optional(),
  /** CSV: the columns the header named (a resumed read starts after the header). */
  columns: z.array(z.string()).optional(),
  /** PostgreSQL: the last key read; the next page is `key > lastKey`. */
  lastKey: z.union([z.string(), z.number()]).optional(),
  /** HTTP: the entity tag of the first response; a different one on resume means the source changed. */
  etag: z.string().optional(),
});
export type SourcePosition = z.output<typeof SourcePositionSchema>;

export const SinkPositionSchema = z.object({
  /** NDJSON file: its length after the last checkpointed batch (a retry truncates to it). */
  offset: z.number().int().min(0).optional(),
  /** Batches written (HTTP sink batch ids derive from the source position, not from this). */
  batches: z.number().int().min(0),
});
export type SinkPosition = z.output<typeof SinkPositionSchema>;

export const BadSampleSchema = z.object({
  /** 1-based ordinal of the record in the source. */
  record: z.number().int(),
  /** Line in the source file (CSV, NDJSON) where the record ends. */
  line: z.number().int().optional(),
  error: z.string(),
  /** The start of the raw text, when the source has it. */
  raw: z.string().optional(),
});
export type BadSample = z.output<typeof BadSampleSchema>;

export const CheckpointSchema = z.object({
  v: z.literal(1),
  source: SourcePositionSchema,
  sink: SinkPositionSchema,
  read: z.number().int().min(0),
  written: z.number().int().min(0),
  failed: z.number().int().min(0),
  badRecords: z.array(BadSampleSchema),
  /** How many attempts resumed from a checkpoint so far. */
  resumes: z.number().int().min(0).default(0),
});
export type Checkpoint = z.output<typeof CheckpointSchema>;

export const MAX_SAMPLES = 10;
export const MAX_SAMPLE_CHARS = 200;

export function freshCheckpoint(): Checkpoint {
  return { v: 1, source: { records: 0 }, sink: { batches: 0 }, read: 0, written: 0, failed: 0, badRecords: [], resumes: 0 };
}

/** The checkpoint inside a previous attempt's last heartbeat, if it carried a valid one. */
export function checkpointFromHeartbeat(details: unknown): Checkpoint | undefined {
  const cp = (details as { checkpoint?: unknown } | null | undefined)?.checkpoint;
  const parsed = CheckpointSchema.safeParse(cp);
  return parsed.success ? parsed.data : undefined;
}

export function addSample(cp: Checkpoint, s: BadSample): void {
  if (cp.badRecords.length >= MAX_SAMPLES) return;
  const raw = s.raw === undefined ? undefined : s.raw.length > MAX_SAMPLE_CHARS ? `${s.raw.slice(0, MAX_SAMPLE_CHARS)}…` : s.raw;
  cp.badRecords.push({ ...s, raw: raw?.replace(/\r?\n$/, '') });
}

/** Progress as the runs API shows it: `done` = records read, plus the counters and the checkpoint. */
export interface DatasourceProgress {
  done: number;
  total: number | null;
  unit: 'records';
  message: string;
  read: number;
  written: number;
  failed: number;
  badRecords: BadSample[];
  checkpoint: Checkpoint;
}

/** A snapshot (never shared with the working state): the heartbeat timer may send it at any moment. */
export function progressOf(current: Checkpoint, total: number | null, state: 'running' | 'stopped' | 'done'): DatasourceProgress {
  const cp = structuredClone(current);
  const of = total === null ? '' : ` of ${total}`;
  const verb = state === 'stopped' ? 'stopped after' : state === 'done' ? 'finished:' : 'read';
  return {
    done: cp.read,
    total,
    unit: 'records',
    message: `${verb} ${cp.read}${of} records, ${cp.written} written, ${cp.failed} bad`,
    read: cp.read,
    written: cp.written,
    failed: cp.failed,
    badRecords: cp.badRecords,
    checkpoint: cp,
  };
}

/**
 * The shared RunProgress type has `total?: number`; the interface wants `total: null` when it
 * is unknown. Both are plain JSON to the runs API, so only the static type differs.
 */
export const asRunProgress = (p: DatasourceProgress): RunProgress => p as unknown as RunProgress;
