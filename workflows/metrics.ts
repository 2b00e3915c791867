// runJob's metrics, recorded through the workflow's metric meter: replay-safe (nothing is recorded
// while a workflow replays), and out of the worker's Prometheus endpoint with the SDK's own metrics.
import { defineSearchAttributeKey, SearchAttributeType, type MetricCounter, type MetricHistogram, type MetricMeter, type MetricTags } from '@temporalio/common';
import { METRIC, SCHEDULED_START_TIME_ATTRIBUTE, TRIGGERED_BY_ATTRIBUTE } from '../core/temporal/contract.ts';
import type { RunOutcome } from '../core/jobs/model.ts';

/** The time a schedule meant a run for (set by Temporal on the runs a schedule starts). */
export const SCHEDULED_START_TIME = defineSearchAttributeKey(SCHEDULED_START_TIME_ATTRIBUTE, SearchAttributeType.DATETIME);
/** What started a run (Kairos's attribute): runJob marks a backfill's run, which arrives as a scheduled one. */
export const TRIGGERED_BY = defineSearchAttributeKey(TRIGGERED_BY_ATTRIBUTE, SearchAttributeType.KEYWORD);

/** What labels every run metric: the job's type and dialect, and what started the run. */
export interface RunLabels {
  jobType: string;
  dialect: string;
  trigger: string;
}

/** Why a run did no work (runs that Temporal's scheduler skips never reach a worker: see the README). */
export type SkipReason = 'quota' | 'unknown_type' | 'dst';

/**
 * How late a run started, in seconds: its first workflow step minus the time the schedule meant it
 * for; never negative (clocks a little apart cannot make a run early).
 */
export function latenessSeconds(scheduledAt: Date, startedMs: number): number {
  return Math.max(0, startedMs - scheduledAt.getTime()) / 1000;
}

/** The metrics of one runJob execution. */
export class RunMetrics {
  private readonly tags: MetricTags;
  private readonly started: MetricCounter;
  private readonly finished: MetricCounter;
  private readonly skipped: MetricCounter;
  private readonly duration: MetricHistogram;
  private readonly lateness: MetricHistogram;

  constructor(
    meter: MetricMeter,
    labels: RunLabels,
    private readonly jobId: string,
  ) {
    this.tags = { job_type: labels.jobType, dialect: labels.dialect, trigger: labels.trigger };
    this.started = meter.createCounter(METRIC.runsStarted, '', 'Runs whose workflow started on a worker');
    this.finished = meter.createCounter(METRIC.runsFinished, '', 'Runs that ended, by outcome (a terminated run runs no code and is not counted)');
    this.skipped = meter.createCounter(METRIC.runsSkipped, '', 'Runs the worker declined to do, by reason');
    this.duration = meter.createHistogram(METRIC.runDuration, 'float', 's', 'How long runs took, start to end');
    this.lateness = meter.createHistogram(METRIC.runLateness, 'float', 's', 'How late scheduled runs started: actual start minus scheduled time');
  }

  /** The run's workflow took its first step. */
  runStarted(): void {
    this.started.add(1, this.tags);
  }

  /** A scheduled run started `seconds` after its scheduled time. */
  startedLate(seconds: number): void {
    this.lateness.record(seconds, this.tags);
  }

  /** The run ended with `outcome` (the run record's: a stop is `aborted`) after `durationMs`. */
  runFinished(outcome: RunOutcome, durationMs: number): void {
    this.finished.add(1, { ...this.tags, outcome, job_id: this.jobId });
    this.duration.record(Math.max(0, durationMs) / 1000, { ...this.tags, outcome });
  }

  /** The run did no work, for `reason` (quota, unknown type: it finishes too, as failed; dst: it completes as skipped). */
  runSkipped(reason: SkipReason): void {
    this.skipped.add(1, { ...this.tags, reason, job_id: this.jobId });
  }
}
