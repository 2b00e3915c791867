// The support activity runJob calls after its outcome: starts every job whose `job` trigger names
// this job and outcome (schedules carry KairosAfterJobs = ["<jobId>:<outcome>", …]). Idempotent:
// the dependent run's workflow id is derived from the parent run, so a retried activity starts nothing twice.
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { executionPlan } from '../core/jobs/execution-plan.ts';
import { RUN_JOB_WORKFLOW, type JobStore } from '../core/jobs/store.ts';
import { runSearchAttributes } from '../core/jobs/schedule-mapping.ts';
import { SA } from '../core/search-attributes.ts';
import { quote } from '../core/runs/query.ts';
import type { RunJobInput, StartDependentsInput } from '../core/runs/types.ts';

export function startDependentsActivity(deps: { client: Client; store: JobStore; taskQueue: string }) {
  const { client, store, taskQueue } = deps;
  return async (input: StartDependentsInput): Promise<string[]> => {
    const ids: string[] = [];
    let token: Uint8Array | undefined;
    do {
      const res = await client.workflowService.listSchedules({
        namespace: client.options.namespace,
        maximumPageSize: 1000,
        nextPageToken: token,
        query: `${SA.afterJobs.name} = ${quote(`${input.jobId}:${input.outcome}`)}`,
      });
      ids.push(...(res.schedules ?? []).map((s) => s.scheduleId ?? '').filter(Boolean));
      token = res.nextPageToken && res.nextPageToken.length ? res.nextPageToken : undefined;
    } while (token);

    const scheduled = new Date(Context.current().info.scheduledTimestampMs);
    const stamp = scheduled.toISOString().replace(/[:.]/g, '');
    const started: string[] = [];
    for (const id of ids) {
      const stored = await store.get(id).catch(() => undefined); // deleted since the list
      if (!stored || stored.state.paused) continue; // a disabled job does not run
      const { job } = stored;
      const suffix = createHash('sha256').update(`${input.workflowId}\n${input.outcome}`).digest('hex').slice(0, 8);
      const workflowId = `${job.id}-dependency-${stamp}-${suffix}`;
      const args: RunJobInput = {
        job,
        plan: executionPlan(job),
        triggeredBy: 'dependency',
        cause: { jobId: input.jobId, workflowId: input.workflowId, outcome: input.outcome, depth: input.depth },
      };
      try {
        await client.workflow.start(RUN_JOB_WORKFLOW, {
          taskQueue,
          workflowId,
          args: [args],
          memo: { jobName: job.name },
          typedSearchAttributes: runSearchAttributes(job, 'dependency'),
          // Even after the dependent run closed, a retried activity must not start it again.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      started.push(workflowId);
    }
    return started;
  };
}
