// The pure part of recording fire times that did not run (#17): given the fire times a job's spec
// had in a window, the runs Temporal holds for the job, and what Kairos knows of its pauses, run cap
// and end date, which fire times did not run and the reason that can be proven for each. No I/O
// here (unit-tested); the recorder (./recorder.ts) gathers the inputs.
import type { RunSkip } from './types.ts';
import { stampOf } from './skip-store.ts';

/** A run of the job as visibility reports it (any trigger: a manual run in flight blocks a fire too). */
export interface ObservedRun {
  workflowId: string;
  startedAt: number;
  /** null while it runs. */
  closedAt: number | null;
}

/** When the job was paused: [from, to) intervals (to null: still paused). */
export interface PauseInterval {
  from: number;
  to: number | null;
  /** A sentence for people (who paused it, or the scheduler after a failed run). */
  detail?: string;
}

export interface GapInput {
  jobId: string;
  /**
   * The fire times of the job's spec in the window, ascending, evaluated without its run cap and end
   * date (so that the first time they leave out is among them).
   */
  fireTimes: readonly number[];
  runs: readonly ObservedRun[];
  pauses: readonly PauseInterval[];
  /** The job's end date (inclusive, as Temporal's endAt). */
  endOn?: number;
  /** The schedule's run cap is used up (limitedActions with remainingActions 0). */
  capReached: boolean;
  /** Whether a run in flight makes the schedule leave a fire time out (every policy but allow_all). */
  overlapSkips: boolean;
  /**
   * Fire times after this instant are not judged yet: the scheduler has not processed them (it may
   * still start them after downtime, within the catch-up window). Paused fire times are judged anyway
   * (paused time is never caught up).
   */
  processedUntil: number;
}

export interface GapResult {
  skips: RunSkip[];
  /** The end date or run cap's row is among them: the job fires no more, look no further. */
  closed: boolean;
  /** Fire times up to here are judged (the watermark may move to it); undefined: none was. */
  judgedUntil: number | undefined;
  /** A fire time the scheduler has not processed stopped the judging: look again at the next tick. */
  pending: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The fire times that did not run, each with the reason that can be proven, oldest first. */
export function findGaps(input: GapInput): GapResult {
  const ids = new Set(input.runs.map((r) => r.workflowId));
  const lastScheduled = Math.max(
    Number.NEGATIVE_INFINITY,
    ...input.fireTimes.filter((t) => ids.has(`${input.jobId}-${stampOf(new Date(t))}`)),
  );
  const skips: RunSkip[] = [];
  let judgedUntil: number | undefined;
  // The first fire time the scheduler has not processed: nothing from there on is judged, except
  // paused ones (paused time is never caught up), which are recorded again harmlessly next time.
  let pendingAt: number | undefined;
  const judged = (t: number) => {
    if (pendingAt === undefined) judgedUntil = t;
  };
  for (const t of input.fireTimes) {
    const at = iso(t);
    if (input.endOn !== undefined && t > input.endOn) {
      if (pendingAt !== undefined) break;
      skips.push({ scheduledAt: at, reason: 'endOn', detail: `the job's end date ${iso(input.endOn)} had passed; later fire times are not recorded` });
      return { skips, closed: true, judgedUntil: t, pending: false };
    }
    if (ids.has(`${input.jobId}-${stampOf(new Date(t))}`)) {
      judged(t);
      continue;
    }
    const pause = input.pauses.find((p) => p.from <= t && (p.to === null || t < p.to));
    if (!pause && (pendingAt !== undefined || t > input.processedUntil)) {
      pendingAt ??= t;
      continue;
    }
    if (input.capReached && t > lastScheduled && pendingAt === undefined) {
      skips.push({ scheduledAt: at, reason: 'maxRuns', detail: "the job's run limit was used up; later fire times are not recorded" });
      return { skips, closed: true, judgedUntil: t, pending: false };
    }
    judged(t);
    if (pause) {
      skips.push({ scheduledAt: at, reason: 'paused', detail: pause.detail ?? 'the job was paused' });
      continue;
    }
    const blocking = input.overlapSkips ? input.runs.find((r) => r.startedAt <= t && (r.closedAt === null || r.closedAt > t)) : undefined;
    if (blocking) {
      skips.push({ scheduledAt: at, reason: 'overlap', detail: `run ${blocking.workflowId} was still running (overlap policy)` });
      continue;
    }
    skips.push({ scheduledAt: at, reason: 'catchupWindow', detail: 'no run started: Temporal or the worker was down past the catch-up window' });
  }
  return { skips, closed: false, judgedUntil, pending: pendingAt !== undefined };
}

/**
 * Pause intervals from a job's versions (each: when it was made and whether the job was enabled),
 * oldest first, up to `now`; `pausedNow` adds one from the last run on when the schedule is paused
 * although the definition says enabled (the scheduler paused it after a failed run).
 */
export function pausesOf(
  versions: readonly { at: number; enabled: boolean; author?: string | null }[],
  pausedNow: { paused: boolean; since?: number },
): PauseInterval[] {
  const out: PauseInterval[] = [];
  let open: PauseInterval | undefined;
  for (const v of [...versions].sort((a, b) => a.at - b.at)) {
    if (!v.enabled && !open) {
      open = { from: v.at, to: null, detail: v.author ? `paused by ${v.author}` : 'the job was paused' };
      out.push(open);
    } else if (v.enabled && open) {
      open.to = v.at;
      open = undefined;
    }
  }
  if (pausedNow.paused && !open && pausedNow.since !== undefined) {
    out.push({ from: pausedNow.since, to: null, detail: 'the schedule was paused after a failed run (pauseOnFailure)' });
  }
  return out;
}
