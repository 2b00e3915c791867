// The support activity runJob asks when a scheduled run starts late: was it started by a backfill?
// Temporal's backfill starts the schedule's own action, so only Kairos's record of the request tells
// (core/jobs/backfills.ts). A local activity: one indexed query in the worker's own state store.
import type { BackfillLog } from '../core/jobs/backfills.ts';
import type { BackfillOfInput } from '../core/runs/types.ts';

export function backfillOfActivity(deps: { backfills?: BackfillLog }) {
  return async (input: BackfillOfInput): Promise<boolean> => {
    if (!deps.backfills) return false;
    return await deps.backfills.covers({
      jobId: input.jobId,
      ...(input.incarnation === undefined ? {} : { incarnation: input.incarnation }),
      scheduledAt: new Date(input.scheduledAt),
      startedAt: new Date(input.startedAt),
    });
  };
}
