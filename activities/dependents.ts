// The support activity runJob calls after its outcome: starts the jobs whose `job` trigger names
// this job and outcome. The work is the job store's; the activity supplies a stamp that is the same
// on every retry (its scheduled time), so a retried activity starts nothing twice.
import { Context } from '@temporalio/activity';
import type { JobStore } from '../core/jobs/store.ts';
import type { StartDependentsInput } from '../core/runs/types.ts';

export function startDependentsActivity(deps: { store: JobStore }) {
  return async (input: StartDependentsInput): Promise<string[]> =>
    await deps.store.startDependents(input, new Date(Context.current().info.scheduledTimestampMs));
}
