// What travels between the job store, the runJob workflow and the drivers. Plain JSON: it is
// stored in schedule arguments and workflow history, so it must never hold a secret's value.
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
}

export interface RunJobInput {
  /** The job definition this run executes (a snapshot: later edits do not change a started run). */
  job: Job;
  plan: ExecutionPlan;
  triggeredBy: TriggeredBy;
  /** Optional run-time input from "run now". */
  input?: unknown;
  /** For dependency runs: the run that caused this one. */
  cause?: { jobId: string; workflowId: string; outcome: RunOutcome };
}

export interface DriverContext {
  jobId: string;
  workflowId: string;
  historyStrategy: Job['history']['strategy'];
  input?: unknown;
}

export interface RunJobResult {
  outcome: RunOutcome;
  output?: unknown;
  error?: string;
  startedAt: string;
  endedAt: string;
}
