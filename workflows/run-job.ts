// runJob: one execution of a job. Deterministic code only: the work itself happens in the driver's
// activity, named after the job type so Temporal Web UI shows "http", "cleanup", ….
import { proxyActivities, workflowInfo, ApplicationFailure } from '@temporalio/workflow';
import type { DriverContext, RunJobInput, RunJobResult } from '../core/runs/types.ts';

type Driver = (data: unknown, ctx: DriverContext) => Promise<unknown>;

export async function runJob(input: RunJobInput): Promise<RunJobResult> {
  const { job, plan } = input;
  const startedAt = new Date().toISOString();
  const drivers = proxyActivities<Record<string, Driver>>({
    startToCloseTimeout: plan.startToCloseMs,
    scheduleToCloseTimeout: plan.scheduleToCloseMs,
    heartbeatTimeout: plan.heartbeatMs,
    retry: {
      maximumAttempts: plan.retry.maximumAttempts,
      initialInterval: plan.retry.initialIntervalMs,
      backoffCoefficient: plan.retry.backoffCoefficient,
      maximumInterval: plan.retry.maximumIntervalMs,
      nonRetryableErrorTypes: plan.retry.nonRetryableErrorTypes,
    },
  });
  const driver = drivers[job.type];
  if (!driver) throw ApplicationFailure.nonRetryable(`no driver for job type '${job.type}'`, 'UnknownJobType');
  const output = await driver(job.data, {
    jobId: job.id,
    workflowId: workflowInfo().workflowId,
    historyStrategy: job.history.strategy,
    input: input.input,
  });
  return { outcome: 'succeeded', output, startedAt, endedAt: new Date().toISOString() };
}
