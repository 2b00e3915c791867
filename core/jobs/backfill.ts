// Backfill's request and answer (the use case is JobService.backfill; the record of requests is
// ./backfills.ts). Kept apart so that the native API and the dashboard share one shape.
import type { Job } from './model.ts';

/** The most fire times one backfill may run: a larger range is a 400 naming `to`. */
export const MAX_BACKFILL_TIMES = 1000;

/** What a caller asks: the range (both ends inclusive), an overlap policy (default: the job's own), and whether only to list. */
export interface BackfillRequest {
  from: Date;
  to: Date;
  overlap?: Job['overlap'];
  dryRun: boolean;
}

/** What a backfill did (or, with dryRun, would do): the fire times of the range, in order. */
export interface BackfillResult {
  jobId: string;
  from: Date;
  to: Date;
  overlap: Job['overlap'];
  dryRun: boolean;
  count: number;
  times: Date[];
  /** The recorded request (absent on a dry run and on a range without fire times: nothing was asked of Temporal). */
  backfillId?: string;
}
