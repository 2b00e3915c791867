// The `cleanup` driver's data: which closed runs to delete (activities/cleanup.ts runs it).
import { z } from 'zod';
import { parseDurationMs } from '../duration.ts';
import { JobIdSchema } from '../jobs/model.ts';

export const CleanupDataSchema = z
  .object({
    olderThanDays: z.number().positive().max(36_500).optional().describe('delete closed runs older than this many days'),
    olderThan: z
      .string()
      .refine((v) => (parseDurationMs(v) ?? 0) > 0, 'must be a positive duration such as "720h" or "P30D"')
      .optional()
      .describe('the same as a duration ("720h", "P30D")'),
    jobId: JobIdSchema.optional().describe('only this job’s runs'),
    maxDeletes: z.number().int().min(1).max(1_000_000).default(10_000).describe('per run of the cleanup job'),
  })
  .strict()
  .refine((d) => !(d.olderThan && d.olderThanDays), { message: 'give olderThan or olderThanDays, not both', path: ['olderThan'] });
export type CleanupData = z.output<typeof CleanupDataSchema>;
