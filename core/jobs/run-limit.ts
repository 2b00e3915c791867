// A job's run limit (maxRuns, Dapr's repeats) counts runs across edits of the job. Temporal keeps
// the count as the schedule's remainingActions, and every write of the schedule sets it anew; so
// each write records the limit it set, and the next one takes off what was used of it since.
// A pause, a resume or a rename then keeps the count instead of granting the whole limit again.
import type { CompiledSpec } from '../triggers/spec.ts';

/**
 * Runs a write of `spec` allows in all: its remainingActions plus the immediate fire of an overdue
 * `once`, which Temporal does not count (the compiler took it off remainingActions). Undefined: no limit.
 */
export function runLimitOf(spec: CompiledSpec | null, enabled: boolean): number | undefined {
  if (spec?.remainingActions === undefined) return undefined;
  return spec.remainingActions + (spec.triggerImmediately && enabled ? 1 : 0);
}

/**
 * Runs used of the limit the current version recorded: that limit less what the schedule has left.
 * 0 when either is unknown (no limit, or a schedule written before limits were recorded).
 */
export function runsUsed(recordedLimit: number | undefined, remainingActions: number | null): number {
  if (recordedLimit === undefined || remainingActions === null) return 0;
  return Math.max(0, recordedLimit - remainingActions);
}
