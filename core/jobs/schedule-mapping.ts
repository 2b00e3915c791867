// Translates between a canonical job and the Temporal schedule that holds it. The definition
// travels in the runJob action's arguments (a schedule's memo cannot be updated), and the compiled
// trigger spec is sent as structured calendars — never as the user's cron text.
import type { SearchAttributePair } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { enums } from '../temporal/proto.ts';
import { dateToTimestamp, msToTimestamp } from '../temporal/payloads.ts';
import Long from 'long';
import { parseDurationMs } from '../duration.ts';
import { SA } from '../search-attributes.ts';
import type { CompiledSpec } from '../triggers/compile.ts';
import type { Job } from './model.ts';
import { dialectOf } from '../temporal/contract.ts';

type ProtoSpec = temporal.api.schedule.v1.IScheduleSpec;
const OverlapPolicy = enums.ScheduleOverlapPolicy;

export const OVERLAP_TO_PROTO: Record<Job['overlap'], temporal.api.enums.v1.ScheduleOverlapPolicy> = {
  skip: OverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP,
  buffer_one: OverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE,
  buffer_all: OverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL,
  cancel_other: OverlapPolicy.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER,
  terminate_other: OverlapPolicy.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER,
  allow_all: OverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL,
};

/** A compiled spec as Temporal's ScheduleSpec proto. null (manual only) → an empty spec that never fires. */
export function specToProto(spec: CompiledSpec | null): ProtoSpec {
  if (!spec) return {};
  return {
    structuredCalendar: spec.calendars.map((c) => ({
      second: c.second,
      minute: c.minute,
      hour: c.hour,
      dayOfMonth: c.dayOfMonth,
      month: c.month,
      year: c.year,
      dayOfWeek: c.dayOfWeek,
    })),
    interval: spec.intervals.map((i) => ({ interval: msToTimestamp(i.everyMs), phase: msToTimestamp(i.offsetMs) })),
    startTime: dateToTimestamp(spec.startAt),
    endTime: dateToTimestamp(spec.endAt),
    jitter: spec.jitterMs ? msToTimestamp(spec.jitterMs) : undefined,
    timezoneName: spec.timezone,
  };
}

export function policiesToProto(job: Job): temporal.api.schedule.v1.ISchedulePolicies {
  return {
    overlapPolicy: OVERLAP_TO_PROTO[job.overlap],
    catchupWindow: msToTimestamp(Math.max(parseDurationMs(job.misfire.catchupWindow) ?? 60_000, 10_000)),
    pauseOnFailure: job.pauseOnFailure,
  };
}

/** `usedRuns`: runs of the job's limit used before this write (see core/jobs/run-limit.ts). */
export function stateToProto(job: Job, spec: CompiledSpec | null, usedRuns = 0): temporal.api.schedule.v1.IScheduleState {
  const remaining = spec?.remainingActions === undefined ? undefined : Math.max(0, spec.remainingActions - usedRuns);
  return {
    paused: !job.enabled,
    notes: job.enabled ? '' : 'disabled',
    limitedActions: remaining !== undefined,
    remainingActions: Long.fromNumber(remaining ?? 0),
  };
}

/**
 * The patch that fires an overdue `once` as soon as the schedule is written (null: none). The job's
 * own overlap policy applies to it; Temporal counts it as a manual action, which never uses up
 * remainingActions (the compiler has taken it off already).
 */
export function immediatePatch(job: Job, spec: CompiledSpec | null): temporal.api.schedule.v1.ISchedulePatch | null {
  if (!spec?.triggerImmediately || !job.enabled) return null;
  return { triggerImmediately: { overlapPolicy: OVERLAP_TO_PROTO[job.overlap] } };
}

export { dialectOf };

/** Search attributes on the schedule: every filter the list API offers. */
export function scheduleSearchAttributes(
  job: Job,
  dependencies: { jobId: string; on: string[] }[],
  /** An update must send empty lists too, so that a removed tag or dependency is cleared. */
  includeEmpty = false,
): SearchAttributePair[] {
  return [
    { key: SA.jobId, value: job.id },
    { key: SA.jobType, value: job.type },
    { key: SA.owner, value: job.ownerId },
    { key: SA.dialect, value: dialectOf(job) },
    { key: SA.jobName, value: job.name.slice(0, 1000) },
    ...incarnationAttribute(job),
    // Empty lists are left out: each attribute is one more visibility field to index per write.
    ...(job.tags.length || includeEmpty ? [{ key: SA.tags, value: job.tags }] : []),
    ...(dependencies.length || includeEmpty ? [{ key: SA.afterJobs, value: dependencies.flatMap((d) => d.on.map((o) => `${d.jobId}:${o}`)) }] : []),
  ] as SearchAttributePair[];
}

/** Search attributes on each run the schedule (or a manual trigger) starts. */
export function runSearchAttributes(job: Job, triggeredBy: string): SearchAttributePair[] {
  return [
    { key: SA.jobId, value: job.id },
    { key: SA.jobType, value: job.type },
    { key: SA.owner, value: job.ownerId },
    { key: SA.dialect, value: dialectOf(job) },
    { key: SA.triggeredBy, value: triggeredBy },
    ...incarnationAttribute(job),
    ...(job.tags.length ? [{ key: SA.tags, value: job.tags }] : []),
  ] as SearchAttributePair[];
}

/** A legacy job (created before incarnations) has none: its runs keep matching `IS NULL`. */
function incarnationAttribute(job: Job): SearchAttributePair[] {
  return job.incarnation ? [{ key: SA.incarnation, value: job.incarnation }] : [];
}
