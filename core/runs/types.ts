// What travels between the job store, the runJob workflow and the drivers. Plain JSON: it is
// stored in schedule arguments and workflow history, so it must never hold a secret's value
// (job data holds `{"$secret": "NAME"}` references; only the activity resolves them, in memory).
import type { Job, RunOutcome, TriggeredBy } from '../jobs/model.ts';

/** The job's policies resolved to numbers at save time, so workflow code parses nothing. */
export interface ExecutionPlan {
  startToCloseMs: number;
  scheduleToCloseMs?: number;
  heartbeatMs?: number;
  retry: {
    maximumAttempts: number;
    initialIntervalMs: number;
    backoffCoefficient: number;
    maximumIntervalMs?: number;
    nonRetryableErrorTypes: string[];
  };
  /**
   * Inclusive UTC instant ranges (ms): a scheduled run whose scheduled time falls in one is a repeat
   * of a DST fall-back wall time that the job's overlap policy leaves out (core/triggers/dst.ts).
   */
  dstSkip?: [number, number][];
}

/** Why a dependency run started: the run that finished, and how deep the chain is (loop guard). */
export interface RunCause {
  jobId: string;
  workflowId: string;
  outcome: RunOutcome;
  depth?: number;
}

export interface RunJobInput {
  /** The job definition this run executes (a snapshot: later edits do not change a started run). */
  job: Job;
  plan: ExecutionPlan;
  triggeredBy: TriggeredBy;
  /** On schedules: unique per write of the definition (optimistic concurrency; see JobStore.update). */
  writeId?: string;
  /** On schedules: the run limit this write set, counting runs used before it (see core/jobs/run-limit.ts). */
  runLimit?: number;
  /** Optional run-time input from "run now". */
  input?: unknown;
  /**
   * Who asked for a "run now" (a user's name), so the run's page can say "run now by alice". The
   * workflow ignores it; runs started before it was recorded have none.
   */
  requestedBy?: string;
  /** For dependency runs: the run that caused this one. */
  cause?: RunCause;
}

export type HistoryStrategy = Job['history']['strategy'];

export interface DriverContext {
  jobId: string;
  workflowId: string;
  /** Owner of the job (informational; drivers may log or scope by it). */
  ownerId?: string;
  historyStrategy: HistoryStrategy;
  input?: unknown;
}

/** Progress a driver reports while it runs (heartbeat details): readable on GET /v1/runs/{id}. */
export interface RunProgress {
  done: number;
  total?: number;
  unit?: string;
  message?: string;
}

/** What a driver activity returns to the workflow (already filtered by history strategy and masked). */
export interface DriverResult {
  output?: unknown;
  attempt: number;
  progress?: RunProgress;
}

/** Details carried by a driver's failure (ApplicationFailure details[0]). */
export interface DriverFailureDetails {
  attempt: number;
  /** Payload of the failed attempt (ERROR and FULL strategies only). */
  output?: unknown;
}

export interface RunError {
  type: string;
  message: string;
}

/**
 * Where a running run's driver stands, from Temporal's pending activity (a describe): what a user
 * asks when a run is slow — which attempt, why the last one failed, and when the next one is due.
 */
export interface RunAttemptInfo {
  /**
   * queued: no worker has picked the attempt up yet; executing: a worker runs it; retrying: the last
   * attempt failed and the next one waits for its retry interval (`nextAttemptAt`); stopping: the run
   * was stopped and the driver has not yet acknowledged it.
   */
  state: 'queued' | 'executing' | 'retrying' | 'stopping';
  /** The current attempt, from 1 (while retrying: the attempt that is due next). */
  attempt: number;
  /** The retry policy's limit; null when unlimited. */
  maximumAttempts: number | null;
  /** When a worker started the current attempt (null before it has). */
  startedAt: string | null;
  /** The driver's last heartbeat (its progress reports). */
  lastHeartbeatAt: string | null;
  /** Why the previous attempt failed (null on the first attempt). */
  lastFailure: RunError | null;
  /** When the previous attempt ended. */
  lastFailedAt: string | null;
  /** While retrying: when the next attempt is due. */
  nextAttemptAt: string | null;
}

/**
 * Status of a run as the API reports it: a workflow's (running … timed_out; `skipped` also for a
 * run that runJob left out by decision, KairosOutcome), or a fire time that did not run at all
 * (`skipped` by a decision, `missed` when nothing was there to run it; core/runs/recorder.ts).
 */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'terminated' | 'timed_out' | 'skipped' | 'missed';

/**
 * Why a fire time of a job's schedule did not run (#17): `skipped` by a decision (the overlap policy,
 * a pause, the DST policy, the run cap or end date), `missed` when nothing was there to run it (the
 * catch-up window after downtime). Each such fire time is one history row with this reason.
 */
export type SkipReason = 'overlap' | 'paused' | 'dst' | 'maxRuns' | 'endOn' | 'catchupWindow';

/** A fire time that did not run: its scheduled time, the reason, and a sentence for people. */
export interface RunSkip {
  scheduledAt: string;
  reason: SkipReason;
  detail?: string;
}

/** The run's record: the workflow's result on success, the failure's details[0] on failure. */
export interface RunJobResult {
  outcome: RunOutcome;
  /** 'skipped': the run did no work by decision (see `skip`); its workflow completes. */
  status: 'succeeded' | 'failed' | 'cancelled' | 'skipped';
  startedAt: string;
  endedAt: string;
  durationMs: number;
  attempts: number;
  error?: RunError;
  output?: unknown;
  progress?: RunProgress;
  /** Workflow ids of the dependent runs this run started. */
  dependents?: string[];
  /** Set when the run did no work by decision: which fire time it was and why. */
  skip?: RunSkip;
}

/** Input of the support activity that starts the jobs whose `job` trigger names this outcome. */
export interface StartDependentsInput {
  jobId: string;
  /** The incarnation of the job the finished run belongs to (absent: a legacy job, or an abort). */
  incarnation?: string;
  workflowId: string;
  outcome: RunOutcome;
  depth: number;
}

/** Input of the support activity that tells whether a scheduled run was started by a backfill (activities/backfill.ts). */
export interface BackfillOfInput {
  jobId: string;
  /** Absent: a legacy job. */
  incarnation?: string;
  /** The time the schedule meant the run for (RFC 3339). */
  scheduledAt: string;
  /** When the run's workflow started (RFC 3339). */
  startedAt: string;
}
