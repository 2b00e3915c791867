// Which rules an event fires, and how a job's failure streak moves. Pure: the worker's alert step
// (core/alerts/events.ts) feeds it the rules and the stored streak, the unit tests feed it tables.
import { longerThanMs, type AlertCondition, type AlertEvent } from './model.ts';

/** What happened, as far as rules are concerned. */
export type AlertSignal =
  /** A run finished (stopped runs are no signal: they neither fail nor recover). `streak` includes this run. */
  | { kind: 'finished'; outcome: 'succeeded' | 'failed'; streak: Streak }
  /** A run has been running for `thresholdMs` (the workflow timer of that threshold fired). */
  | { kind: 'running'; thresholdMs: number }
  /** A fire time did not run (the skips recorder's call, core/alerts/events.ts notifyRunNotHappened). */
  | { kind: 'notHappened'; status: 'skipped' | 'missed' };

/** A job's failure streak after a run, and before it. */
export interface Streak {
  failures: number;
  previous: number;
}

/** The event a condition fires for a signal, or undefined. */
export function firedEvent(c: AlertCondition, s: AlertSignal): AlertEvent | undefined {
  switch (c.event) {
    case 'failed':
      return s.kind === 'finished' && s.outcome === 'failed' ? 'failed' : undefined;
    case 'consecutiveFailures':
      // Exactly at the count: once per streak, not at every failure after it.
      return s.kind === 'finished' && s.outcome === 'failed' && s.streak.failures === c.count ? 'consecutiveFailures' : undefined;
    case 'recovered':
      return s.kind === 'finished' && s.outcome === 'succeeded' && s.streak.previous >= 1 ? 'recovered' : undefined;
    case 'longerThan':
      return s.kind === 'running' && s.thresholdMs === longerThanMs(c) ? 'longerThan' : undefined;
    case 'skipped':
    case 'missed':
      return s.kind === 'notHappened' && s.status === c.event ? c.event : undefined;
  }
}

/**
 * The streak after run `runId` finished with `outcome`, given the stored one. The same run seen again
 * (a retried activity) leaves it as it is, so a retry neither counts twice nor changes what fires.
 */
export function nextStreak(stored: (Streak & { lastRunId: string }) | undefined, runId: string, outcome: 'succeeded' | 'failed'): Streak {
  if (stored && stored.lastRunId === runId) return { failures: stored.failures, previous: stored.previous };
  const before = stored?.failures ?? 0;
  return outcome === 'failed' ? { failures: before + 1, previous: before } : { failures: 0, previous: before };
}

/** The distinct `longerThan` thresholds among conditions, shortest first, at most `max`. */
export function thresholdsOf(conditions: readonly AlertCondition[], max: number): number[] {
  const ms = new Set<number>();
  for (const c of conditions) {
    const t = longerThanMs(c);
    if (t !== undefined) ms.add(t);
  }
  return [...ms].sort((a, b) => a - b).slice(0, max);
}
