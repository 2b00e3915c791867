// runJob: one execution of a job. Deterministic code only: the work itself happens in the driver's
// activity, named after the job type so Temporal Web UI shows "http", "cleanup", ….
//
// Outcome → workflow status (what visibility and the runs API report):
//   succeeded → Completed (the result is the run record)
//   failed    → Failed    (the failure's details[0] is the run record)
//   stop      → Canceled  (cancellation reaches the driver through its heartbeats; it aborts its work)
//   abort     → Terminated (no workflow code runs: no record, no dependents)
// After the outcome, the jobs whose `job` trigger names this job and outcome are started, and the
// outcome is reported to the alert rules (workflows/run-alerts.ts); `longerThan` rules are workflow
// timers racing the driver.
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  isCancellation,
  log,
  metricMeter,
  patched,
  proxyActivities,
  proxyLocalActivities,
  proxySinks,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { latenessSeconds, RunMetrics, SCHEDULED_START_TIME, TRIGGERED_BY } from './metrics.ts';
import type { DriverFailureDetails, DriverResult, RunError, RunJobInput, RunJobResult } from '../core/runs/types.ts';
import type { RunOutcome, TriggeredBy } from '../core/jobs/model.ts';
import type { RunQuotaVerdict } from '../core/quotas/types.ts';
import { RunAlerts } from './run-alerts.ts';
import {
  BACKFILL_CHECK_AFTER_MS,
  BACKFILL_CHECK_PATCH,
  BACKFILL_OF_ACTIVITY,
  ALERTS_PATCH,
  RUN_NOT_HAPPENED_ACTIVITY,
  CHECK_RUN_QUOTA_ACTIVITY,
  DEFAULT_HEARTBEAT_MS,
  inDstSkip,
  dialectOf,
  MAX_DEPENDENCY_DEPTH,
  QUOTA_EXCEEDED,
  RUN_QUOTA_PATCH,
  START_DEPENDENTS_ACTIVITY,
  SUPPORT_ATTEMPT_MS,
  type RunStatsOutcome,
  type RunStatsSinks,
} from '../core/temporal/contract.ts';
// Typed from the worker's own activity factory (only the types: workflow code never loads it).
import type { DriverActivities, SupportActivities } from '../activities/registry.ts';

type DriverActivity = DriverActivities[keyof DriverActivities];

/** Guards the DST overlap step: runs started before it existed replay without it. */
export const DST_SKIP_PATCH = 'kairos-dst-skip-v1';

/**
 * SA.outcome of core/search-attributes.ts, defined here because workflow code imports nothing from
 * core but the contract (a unit test holds the two equal).
 */
export const OUTCOME_ATTRIBUTE = defineSearchAttributeKey('KairosOutcome', SearchAttributeType.KEYWORD);


export async function runJob(input: RunJobInput): Promise<RunJobResult> {
  const { job, plan } = input;
  const started = Date.now();
  const scheduledAt = input.triggeredBy === 'schedule' ? workflowInfo().typedSearchAttributes.get(SCHEDULED_START_TIME) : undefined;
  // First step: a scheduled time in one of the job's DST skip ranges is the repeat of a fall-back wall
  // time that the job's overlap policy leaves out (Temporal fires both). It ends here as a skip: no
  // driver, no dependents, no run metrics but the skip counter. Manual and dependency runs are never
  // repeats; a backfill's runs carry the schedule's trigger and its scheduled time, so they are checked too.
  if (input.triggeredBy === 'schedule' && plan.dstSkip && patched(DST_SKIP_PATCH)) {
    if (scheduledAt && inDstSkip(plan.dstSkip, scheduledAt.getTime())) return await dstSkipped(input, scheduledAt, started);
  }
  // Temporal's backfill starts the schedule's own action: a backfilled run arrives as a scheduled
  // one, late by as much as its range is old. A late one asks Kairos's record of backfills, and a
  // backfill's run is marked as such (KairosTriggeredBy, what the runs API reports) and left out of
  // the lateness metric, which is about the scheduler keeping time.
  const backfill = scheduledAt !== undefined && started - scheduledAt.getTime() >= BACKFILL_CHECK_AFTER_MS && patched(BACKFILL_CHECK_PATCH) && (await isBackfill(job, scheduledAt));
  if (backfill) upsertSearchAttributes([{ key: TRIGGERED_BY, value: 'backfill' }]);
  const trigger: TriggeredBy = backfill ? 'backfill' : input.triggeredBy;
  // Replay-safe: the workflow's meter records nothing while a workflow replays.
  const metrics = new RunMetrics(metricMeter, { jobType: job.type, dialect: dialectOf(job), trigger }, job.id);
  metrics.runStarted();
  // Lateness of a scheduled run: now (its first workflow task: a worker took it up) minus the time
  // the schedule meant it for.
  if (scheduledAt && !backfill) metrics.startedLate(latenessSeconds(scheduledAt, started));
  // The hourly rollup behind the dashboard's charts (worker/run-stats.ts). A sink call is no
  // command (no history event, not called on replay: contract.ts RunStatsSinks), so no patch.
  const rollup = (outcome: RunStatsOutcome, durationMs: number) =>
    reportRunEnded(job, outcome, durationMs, scheduledAt && !backfill ? Math.max(0, started - scheduledAt.getTime()) : null);
  // Looked up by the job's type: typed from the factory, indexed by a string.
  const drivers: Partial<Record<string, DriverActivity>> = proxyActivities<DriverActivities>({
    startToCloseTimeout: plan.startToCloseMs,
    scheduleToCloseTimeout: plan.scheduleToCloseMs,
    heartbeatTimeout: plan.heartbeatMs ?? Math.min(DEFAULT_HEARTBEAT_MS, plan.startToCloseMs),
    // Stop waits until the driver has actually given up (it saw the cancellation and aborted).
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      maximumAttempts: plan.retry.maximumAttempts,
      initialInterval: plan.retry.initialIntervalMs,
      backoffCoefficient: plan.retry.backoffCoefficient,
      maximumInterval: plan.retry.maximumIntervalMs,
      nonRetryableErrorTypes: plan.retry.nonRetryableErrorTypes,
    },
  });
  const support = proxyActivities<SupportActivities>({
    startToCloseTimeout: SUPPORT_ATTEMPT_MS,
    retry: { maximumAttempts: 5, initialInterval: 1000 },
  });
  const depth = (input.cause?.depth ?? 0) + 1;
  const startDependents = async (outcome: RunOutcome): Promise<string[]> => {
    if (depth > MAX_DEPENDENCY_DEPTH) return [];
    const fn = support[START_DEPENDENTS_ACTIVITY];
    // Never cancelled with the run: a stopped run still starts its 'aborted' dependents.
    return await CancellationScope.nonCancellable(() => fn({ jobId: job.id, ...(job.incarnation ? { incarnation: job.incarnation } : {}), workflowId: workflowInfo().workflowId, outcome, depth }));
  };
  const finish = (fields: Omit<RunJobResult, 'startedAt' | 'endedAt' | 'durationMs'>): RunJobResult => {
    const ended = Date.now();
    metrics.runFinished(fields.outcome, ended - started);
    rollup(fields.outcome, ended - started);
    return { ...fields, startedAt: new Date(started).toISOString(), endedAt: new Date(ended).toISOString(), durationMs: ended - started };
  };

  // Each line carries the run's request id, job id and run id (workflows/interceptors.ts); none while replaying.
  log.info('run started', { trigger, jobType: job.type });
  const driver = drivers[job.type];
  if (!driver) {
    metrics.runSkipped('unknown_type');
    metrics.runFinished('failed', Date.now() - started);
    rollup('failed', Date.now() - started);
    throw ApplicationFailure.nonRetryable(`no driver for job type '${job.type}'`, 'UnknownJobType');
  }
  // Alerts: runs started before this step existed replay without it (no timers, no reports).
  const alerts = patched(ALERTS_PATCH) ? new RunAlerts(input, workflowInfo().workflowId, started, scheduledAt ?? undefined) : undefined;
  // The owner's concurrent-runs quota, before any work: a run over it fails as QuotaExceeded
  // (not retried, driver not called, no dependents started). Runs started before this step existed replay without it.
  if (patched(RUN_QUOTA_PATCH)) {
    const verdict = await checkRunQuota(job.ownerId);
    if (verdict && !verdict.allowed) {
      const error: RunError = { type: QUOTA_EXCEEDED, message: verdict.message ?? 'quota exceeded' };
      metrics.runSkipped('quota');
      const record = finish({ outcome: 'failed', status: 'failed', attempts: 0, error });
      await alerts?.finished({ kind: 'finished', outcome: 'failed', endedAt: record.endedAt, durationMs: record.durationMs, attempts: 0, error });
      throw ApplicationFailure.create({ message: error.message, type: error.type, nonRetryable: true, details: [record] });
    }
  }
  await alerts?.watch();
  let result: DriverResult;
  try {
    result = await driver(job.data, {
      jobId: job.id,
      workflowId: workflowInfo().workflowId,
      ownerId: job.ownerId,
      historyStrategy: job.history.strategy,
      input: input.input,
    });
  } catch (err) {
    if (isCancellation(err)) {
      metrics.runFinished('aborted', Date.now() - started);
      rollup('aborted', Date.now() - started);
      await startDependents('aborted');
      await alerts?.stop();
      log.info('run finished', { outcome: 'aborted' });
      throw err; // the workflow ends Canceled
    }
    const { error, details } = describeFailure(err);
    const record = finish({
      outcome: 'failed',
      status: 'failed',
      attempts: details?.attempt ?? (err instanceof ActivityFailure && err.retryState === 'MAXIMUM_ATTEMPTS_REACHED' ? plan.retry.maximumAttempts : 1),
      error,
      output: details?.output,
    });
    record.dependents = await startDependents('failed');
    await alerts?.finished({ kind: 'finished', outcome: 'failed', endedAt: record.endedAt, durationMs: record.durationMs, attempts: record.attempts, error });
    log.warn('run finished', { outcome: record.outcome, durationMs: record.durationMs, errorType: error.type });
    // The workflow fails (visibility: Failed) and carries the run record in its failure details.
    throw ApplicationFailure.create({ message: error.message, type: error.type, nonRetryable: true, details: [record] });
  }
  const record = finish({ outcome: 'succeeded', status: 'succeeded', attempts: result.attempt, output: result.output, progress: result.progress });
  record.dependents = await startDependents('succeeded');
  await alerts?.finished({ kind: 'finished', outcome: 'succeeded', endedAt: record.endedAt, durationMs: record.durationMs, attempts: record.attempts });
  log.info('run finished', { outcome: record.outcome, durationMs: record.durationMs });
  return record;
}

/** The record of a scheduled run that the DST overlap policy leaves out (see runJob's first step). */
async function dstSkipped(input: RunJobInput, at: Date, started: number): Promise<RunJobResult> {
  upsertSearchAttributes([{ key: OUTCOME_ATTRIBUTE, value: 'skipped' }]);
  new RunMetrics(metricMeter, { jobType: input.job.type, dialect: dialectOf(input.job), trigger: input.triggeredBy }, input.job.id).runSkipped('dst');
  reportRunEnded(input.job, 'skipped', null, null);
  const scheduledAt = at.toISOString();
  const detail = `${scheduledAt} repeats a wall-clock time of the daylight saving change in ${input.job.timezone}; the job's DST overlap policy runs the other one`;
  log.info('run skipped', { reason: 'dst', scheduledAt });
  // The alert rules that watch skipped runs hear of it as of any other skipped fire time (the skips
  // recorder leaves this one alone: it is a run). An alert that cannot be handed over is logged,
  // never the run's outcome.
  const notify = proxyActivities<SupportActivities>({ startToCloseTimeout: SUPPORT_ATTEMPT_MS, retry: { maximumAttempts: 5, initialInterval: 1000 } })[RUN_NOT_HAPPENED_ACTIVITY];
  try {
    await notify({ jobId: input.job.id, scheduledAt, reason: 'dst', status: 'skipped' });
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('alerting the skipped run failed', { error: (err as Error).message });
  }
  const when = new Date(started).toISOString();
  return { outcome: 'succeeded', status: 'skipped', startedAt: when, endedAt: when, durationMs: 0, attempts: 0, skip: { scheduledAt, reason: 'dst', detail } };
}

/** Tells the worker's rollup (the run-stats sink) that the run ended now; does nothing on replay. */
function reportRunEnded(job: RunJobInput['job'], outcome: RunStatsOutcome, durationMs: number | null, latenessMs: number | null): void {
  proxySinks<RunStatsSinks>().kairosRunStats.runEnded({
    jobId: job.id,
    incarnation: job.incarnation ?? '',
    ownerId: job.ownerId,
    outcome,
    endedAtMs: Date.now(),
    durationMs: durationMs === null ? null : Math.max(0, durationMs),
    latenessMs,
  });
}

/**
 * Whether Kairos recorded a backfill that started this scheduled run; false when it could not tell
 * (the run then counts as a late scheduled run, which is what it looks like).
 */
async function isBackfill(job: RunJobInput['job'], scheduledAt: Date): Promise<boolean> {
  const check = proxyLocalActivities<SupportActivities>({ startToCloseTimeout: 10_000, retry: { maximumAttempts: 3, initialInterval: 1000 } })[BACKFILL_OF_ACTIVITY];
  try {
    return await check({
      jobId: job.id,
      ...(job.incarnation === undefined ? {} : { incarnation: job.incarnation }),
      scheduledAt: scheduledAt.toISOString(),
      startedAt: workflowInfo().startTime.toISOString(),
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    return false;
  }
}

/**
 * Asks the quota activity; undefined (the run goes ahead) when it could not answer: a quota that
 * cannot be counted does not stop the owner's work. A stop during the check still stops the run.
 */
async function checkRunQuota(ownerId: string): Promise<RunQuotaVerdict | undefined> {
  // A local activity: one count query in the worker that runs this workflow, without a second
  // round-trip through the task queue before every run's real work.
  const check = proxyLocalActivities<SupportActivities>({ startToCloseTimeout: 10_000, retry: { maximumAttempts: 3, initialInterval: 1000 } })[CHECK_RUN_QUOTA_ACTIVITY];
  const info = workflowInfo();
  try {
    return await check({ ownerId, workflowId: info.workflowId, startedAt: info.startTime.toISOString() });
  } catch (err) {
    if (isCancellation(err)) throw err;
    return undefined;
  }
}

/** The driver's last failure as a run error (type + message) and its details (attempt, payload). */
function describeFailure(err: unknown): { error: RunError; details?: DriverFailureDetails } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const d = cause.details?.[0] as DriverFailureDetails | undefined;
    return { error: { type: cause.type ?? 'Error', message: cause.message }, details: d && typeof d === 'object' ? d : undefined };
  }
  if (cause instanceof TimeoutFailure) {
    const last = cause.cause instanceof ApplicationFailure ? `; last attempt: ${cause.cause.message}` : '';
    const kind = String(cause.timeoutType ?? 'timeout').toLowerCase().replace(/_/g, '-');
    return { error: { type: 'Timeout', message: `the run timed out (${kind})${last}` } };
  }
  const e = cause as Error | undefined;
  return { error: { type: e?.name ?? 'Error', message: e?.message ?? String(cause) } };
}
