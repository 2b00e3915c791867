import type { Calendar } from './calendar.ts';
import type { DstSkipRange } from '../temporal/contract.ts';

export type { Calendar, Range } from './calendar.ts';

/** Temporal interval semantics: fires at epoch + k*everyMs + offsetMs. */
export interface IntervalSpec {
  everyMs: number;
  offsetMs: number;
}

export interface CompiledSpec {
  /** Union (OR) of calendars, each an AND of its fields. */
  calendars: Calendar[];
  intervals: IntervalSpec[];
  /** Inclusive. */
  startAt?: Date;
  /** Inclusive. */
  endAt?: Date;
  /** IANA zone the calendars are read in ("UTC" by default); one per spec. */
  timezone: string;
  jitterMs?: number;
  /**
   * Scheduled fires allowed after the immediate one, if any (once = 1, Dapr repeats). The fire of
   * `triggerImmediately` is not counted here: Temporal takes it as a manual action, which never uses
   * up remainingActions, so the compiler has already taken it off.
   */
  remainingActions?: number;
  /**
   * Fire once as soon as the schedule is written: a `once` time that has passed (or is too close to
   * be caught by the schedule) and that this write introduced. Its calendar is left out.
   */
  triggerImmediately?: boolean;
  /**
   * Inclusive UTC instant ranges (ms) whose scheduled fires are left out: the repeated wall times of
   * a DST fall-back that the job's overlap policy drops (Temporal fires both). runJob ends a run
   * scheduled in one as a skip; the evaluator leaves them out. Absent when there are none.
   */
  dstSkip?: DstSkipRange[];
  /**
   * Fire times the job's DST policy wants that no calendar makes Temporal 1.31 fire (a first copy of
   * a repeated wall time east of UTC or in Lord Howe: see the README). The other copy runs instead
   * where Temporal fires it. Absent when there are none.
   */
  dstUnreachable?: number[];
}

export interface Dependency {
  jobId: string;
  on: string[];
}

export interface CompiledTriggers {
  /** null = manual only (no schedule). */
  spec: CompiledSpec | null;
  dependencies: Dependency[];
}
