// The contract between core (which starts workflows and talks to them), the workflows and the
// worker's activities: workflow type names, update names, support-activity names and the limits
// they share. No imports, so that workflow code (a deterministic sandbox) may import it too.
// The activities' own signatures are typed from their factory (activities/registry.ts,
// `KairosActivities`); the runJob input and result types are in core/runs/types.ts.

/** The workflow every job's schedule starts: one execution = one run. */
export const RUN_JOB_WORKFLOW = 'runJob';

/**
 * How long one attempt of a support activity (dependents, alert reports) may take: each is a few
 * state-store reads and Temporal calls. Short, because an attempt on a worker that died is only
 * retried elsewhere once this passes, and until then the run stays open (with `overlap: skip`, the
 * job's next fire times are skipped meanwhile).
 */
export const SUPPORT_ATTEMPT_MS = 15_000;

/** Heartbeat timeout when the job sets none: drivers heartbeat every second, so this only catches a lost worker. */
export const DEFAULT_HEARTBEAT_MS = 30_000;
/** The support activity that starts dependents (not a job type: the driver catalog never offers it as one). */
export const START_DEPENDENTS_ACTIVITY = 'kairosStartDependents';
/** Dependency chains deeper than this stop (a job that depends on itself, or a cycle). */
export const MAX_DEPENDENCY_DEPTH = 20;
/** The support activity that checks the owner's concurrent-runs quota before the driver runs. */
export const CHECK_RUN_QUOTA_ACTIVITY = 'kairosCheckRunQuota';
/** Marks the quota step in runJob's history (runs started before it replay without it). */
export const RUN_QUOTA_PATCH = 'kairos-run-quota';
/** The support activity that tells whether a late scheduled run was started by a backfill (Kairos's record of backfills). */
export const BACKFILL_OF_ACTIVITY = 'kairosBackfillOf';
/** Marks the backfill check in runJob's history (runs started before it replay without it). */
export const BACKFILL_CHECK_PATCH = 'kairos-backfill-check';
/**
 * A scheduled run that starts at least this late asks whether it is a backfill's. Runs the schedule
 * starts on time start within milliseconds, so they never ask; a backfill's run starts after the
 * request, which comes after every time of its range (see core/jobs/backfills.ts).
 */
export const BACKFILL_CHECK_AFTER_MS = 1000;
/** The error type of a run that the concurrent-runs quota refused (its driver was never called). */
export const QUOTA_EXCEEDED = 'QuotaExceeded';

/** The workflow that delivers one alert (workflows/notify.ts): its id carries the delivery's, so it runs once. */
export const NOTIFY_WORKFLOW = 'kairosNotify';
/** The notify workflow's id for a delivery (core/alerts/store.ts deliveryId). */
export const notifyWorkflowId = (deliveryId: string): string => `kairos-alert-${deliveryId}`;
/** The support activity that matches a run event against the alert rules and starts the deliveries. */
export const RUN_ALERTS_ACTIVITY = 'kairosRunAlerts';
/** The local activity that tells runJob which `longerThan` thresholds watch the run (its timers). */
export const ALERT_THRESHOLDS_ACTIVITY = 'kairosAlertThresholds';
/** The activity that makes one delivery attempt, and the one that records how the delivery ended (sent, or failed for good). */
export const DELIVER_ALERT_ACTIVITY = 'kairosDeliverAlert';
export const RECORD_ALERT_ACTIVITY = 'kairosRecordAlert';
/** The entry point for a fire time that did not run (the skips recorder's step calls it; core/alerts/events.ts). */
export const RUN_NOT_HAPPENED_ACTIVITY = 'kairosRunNotHappened';
/** Marks the alert steps in runJob's history (runs started before them replay without them). */
export const ALERTS_PATCH = 'kairos-alerts';
/** Delivery attempts of one alert (the notify workflow's retry policy), and its back-off. */
export const ALERT_DELIVERY_RETRY = { maximumAttempts: 5, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 60_000 } as const;

/** Header of a workflow start from the API: the X-Request-Id of the request that started the run (a string). */
export const REQUEST_ID_HEADER = 'kairos-request-id';
/** Header of every activity runJob schedules: the run's log fields (RunLogFields). */
export const RUN_LOG_HEADER = 'kairos-run-log';

/** What a worker log line about a run carries besides its own fields (runId is Kairos's run id: the workflow id). */
export interface RunLogFields {
  requestId?: string;
  jobId?: string;
  runId?: string;
}

/** Whether a decoded RUN_LOG_HEADER is what it should be (a foreign client's header is ignored, not trusted). */
export function isRunLogFields(v: unknown): v is RunLogFields {
  if (typeof v !== 'object' || v === null) return false;
  const f = v as Record<string, unknown>;
  return ['requestId', 'jobId', 'runId'].every((k) => f[k] === undefined || typeof f[k] === 'string');
}

/**
 * The dialect a job belongs to (`extras.dialect`; `native` for the native API): a search attribute
 * of its schedule and runs, and a label of runJob's metrics.
 */
export function dialectOf(job: { extras: Record<string, unknown> }): string {
  const d = job.extras['dialect'];
  return typeof d === 'string' ? d : 'native';
}

/** Kairos's search attribute saying what started a run (core/search-attributes.ts: SA.triggeredBy); runJob sets it to `backfill` on a backfill's run. */
export const TRIGGERED_BY_ATTRIBUTE = 'KairosTriggeredBy';

/** Temporal's search attribute on a run a schedule started: the time the schedule meant it for. */
export const SCHEDULED_START_TIME_ATTRIBUTE = 'TemporalScheduledStartTime';

/**
 * Kairos's metrics on the worker's Prometheus endpoint (workflows/metrics.ts records the run
 * metrics, activities/metrics.ts the driver metrics). Counters are scraped with `_total` added.
 */
export const METRIC = {
  runsStarted: 'kairos_runs_started',
  runsFinished: 'kairos_runs_finished',
  runsSkipped: 'kairos_runs_skipped',
  runDuration: 'kairos_run_duration_seconds',
  runLateness: 'kairos_run_lateness_seconds',
  runsInFlight: 'kairos_runs_in_flight',
  driverErrors: 'kairos_driver_errors',
  datasourceRecords: 'kairos_datasource_records',
} as const;

/**
 * Histogram buckets in seconds, by metric name (the exporter's histogramBucketOverrides): runs take
 * from milliseconds (an HTTP call) to hours (an ingestion); a run starts late by milliseconds when
 * all is well and by minutes when workers were down.
 */
export const METRIC_BUCKETS: Record<string, number[]> = {
  [METRIC.runDuration]: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200],
  [METRIC.runLateness]: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
};

/** How a run ended, as the hourly rollup counts it (core/runs/rollup.ts): a stop or an abort is `aborted`, a DST repeat `skipped`. */
export type RunStatsOutcome = 'succeeded' | 'failed' | 'aborted' | 'skipped';

/** One ended run, as runJob hands it to the run-stats sink (and the abort path to the store). */
export interface RunStatsEvent {
  jobId: string;
  /** '' for a legacy job. */
  incarnation: string;
  ownerId: string;
  outcome: RunStatsOutcome;
  /** When the run ended (workflow time, ms since the epoch): the rollup's hour. */
  endedAtMs: number;
  /** Start to end; null for a DST skip (it did no work). */
  durationMs: number | null;
  /** Start minus scheduled time of a scheduled run; null for manual, dependency and backfill runs. */
  latenessMs: number | null;
}

/**
 * The workflow sink runJob reports ended runs to (worker/run-stats.ts batches them into the state
 * store). A sink call is no command: it adds no history event and is not called while a workflow
 * replays, so runJob calls it without a patch — old histories replay exactly as before.
 */
export type RunStatsSinks = {
  kairosRunStats: { runEnded(event: RunStatsEvent): void };
};

/**
 * An inclusive range of UTC instants (ms) whose scheduled fires a job's DST overlap policy leaves out
 * (core/triggers/dst.ts computes them). Here, not in core/triggers, because runJob checks them too.
 */
export type DstSkipRange = [number, number];

/** Whether `instant` (ms) lies in one of the inclusive ranges: for the evaluator, the next-run time and runJob. */
export function inDstSkip(ranges: readonly (readonly [number, number])[] | undefined, instant: number): boolean {
  if (!ranges) return false;
  for (const [a, b] of ranges) if (instant >= a && instant <= b) return true;
  return false;
}
