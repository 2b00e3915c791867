// What every benchmark gets: both sides, the target, the processes to measure, a logger.
import type { BenchContext, Side } from '../lib/sides.ts';
import type { Row } from '../lib/report.ts';
import type { Scale } from '../lib/scale.ts';

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
