import type { Calendar } from './calendar.ts';

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
  /** Total scheduled fires allowed (once = 1, Dapr repeats). */
  remainingActions?: number;
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
