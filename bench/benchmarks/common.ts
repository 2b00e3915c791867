// What every benchmark gets: both sides, the target, the processes to measure, a logger.
import type { BenchContext, Side } from '../lib/sides.ts';
import type { Row } from '../lib/report.ts';
import type { Scale } from '../lib/scale.ts';
import { pool } from '../lib/stats.ts';

export interface Bench {
  ctx: BenchContext;
  kairos: Side;
  raw: Side;
  scale: Scale;
  /** `temporal`: the dev server, or the cluster's four services. */
  pids(): { temporal: number[]; worker?: number; api?: number };
  log(msg: string): void;
  /** Unique ids per run. */
  id(prefix: string): string;
}

export interface BenchResult {
  rows: Row[];
  /** Everything measured, for the JSON file. */
  data: Record<string, unknown>;
}

/** A then B on even rounds, B then A on odd rounds. */
export function order(b: Bench, round: number): Side[] {
  return round % 2 === 0 ? [b.kairos, b.raw] : [b.raw, b.kairos];
}

let seq = 0;
export function idMaker(runTag: string): (prefix: string) => string {
  return (prefix) => `${prefix}-${runTag}-${(seq++).toString(36)}`;
}

/**
 * Deletes a benchmark's jobs (untimed). A delete that fails (an overloaded machine can leave one
 * unanswered) is logged and skipped: what was measured stands, and the stack is thrown away anyway.
 */
export async function cleanup(b: Bench, side: Side, ids: Iterable<string>): Promise<void> {
  let failed = 0;
  let first = '';
  await pool([...ids], 8, async (id) => {
    try {
      await side.remove(id);
    } catch (err) {
      failed++;
      first ||= (err as Error).message;
    }
  });
  if (failed) b.log(`cleanup: ${failed} ${side.name} job(s) not deleted (first: ${first})`);
}
