// The contract between core (which starts workflows and talks to them), the workflows and the
// worker's activities: workflow type names, update names, support-activity names and the limits
// they share. No imports, so that workflow code (a deterministic sandbox) may import it too.
// The activities' own signatures are typed from their factory (activities/registry.ts,
// `KairosActivities`); the runJob input and result types are in core/runs/types.ts.

/** The workflow every job's schedule starts: one execution = one run. */
export const RUN_JOB_WORKFLOW = 'runJob';

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
/** The error type of a run that the concurrent-runs quota refused (its driver was never called). */
export const QUOTA_EXCEEDED = 'QuotaExceeded';

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
