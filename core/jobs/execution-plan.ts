// Resolves a job's duration strings to the numbers the runJob workflow needs (workflow code parses
// nothing; the job was validated at save time, so every duration here parses).
import { parseDurationMs } from '../duration.ts';
import type { ExecutionPlan } from '../runs/types.ts';
import type { JobSpec } from './model.ts';

const ms = (text: string): number => parseDurationMs(text) ?? 0;
const optionalMs = (text: string | undefined): number | undefined => (text === undefined ? undefined : ms(text));

export function executionPlan(job: Pick<JobSpec, 'retry' | 'timeout'>): ExecutionPlan {
  return {
    startToCloseMs: ms(job.timeout.startToClose),
    scheduleToCloseMs: optionalMs(job.timeout.scheduleToClose),
    heartbeatMs: optionalMs(job.timeout.heartbeat),
    retry: {
      maximumAttempts: job.retry.maxAttempts,
      initialIntervalMs: ms(job.retry.initialInterval),
      backoffCoefficient: job.retry.backoff,
      maximumIntervalMs: optionalMs(job.retry.maxInterval),
      nonRetryableErrorTypes: job.retry.nonRetryableErrors,
    },
  };
}
