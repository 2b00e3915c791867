// Rows of fire times that did not run (core/runs/skip-store.ts) for store tests.
import { notRunId, type NotHappenedRun } from '../../core/runs/skip-store.ts';

/** A row of `jobId` at `at` (skipped for overlap, or missed after downtime); `over` replaces any field. */
export const notRunRow = (jobId: string, at: string, over: Partial<NotHappenedRun> = {}): NotHappenedRun => {
  const status = over.status ?? 'skipped';
  return {
    id: notRunId(jobId, new Date(at), status),
    jobId,
    incarnation: 'i1',
    ownerId: 'usr_a',
    dialect: 'native',
    jobName: jobId,
    scheduledAt: new Date(at).toISOString(),
    status,
    reason: status === 'missed' ? 'catchupWindow' : 'overlap',
    recordedAt: new Date().toISOString(),
    ...over,
  };
};
