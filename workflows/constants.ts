// Names and limits shared by the runJob workflow and the worker's activities (no imports: safe on both sides).

/** Heartbeat timeout when the job sets none: drivers heartbeat every second, so this only catches a lost worker. */
export const DEFAULT_HEARTBEAT_MS = 30_000;
/** The support activity that starts dependents (not a job type: the registry never offers it as one). */
export const START_DEPENDENTS_ACTIVITY = 'kairosStartDependents';
/** Dependency chains deeper than this stop (a job that depends on itself, or a cycle). */
export const MAX_DEPENDENCY_DEPTH = 20;
/** The support activity that checks the owner's concurrent-runs quota before the driver runs. */
export const CHECK_RUN_QUOTA_ACTIVITY = 'kairosCheckRunQuota';
/** Marks the quota step in runJob's history (runs started before it replay without it). */
export const RUN_QUOTA_PATCH = 'kairos-run-quota';
/** The error type of a run that the concurrent-runs quota refused (its driver was never called). */
export const QUOTA_EXCEEDED = 'QuotaExceeded';
