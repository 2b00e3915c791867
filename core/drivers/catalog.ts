// The driver catalog: job `type` → what a saved job's `data` must match. The job service validates
// `data` against it at save time, so a bad config is a 400 when the job is saved, not a failed run
// later; a dialect offers only the types listed here. Secret references (`{"$secret": "NAME"}`) are
// allowed wherever a string is; the worker resolves them at run time. The drivers themselves (the
// activities that run a job) are the worker's: activities/registry.ts.
import type { z } from 'zod';
import { CleanupDataSchema } from './cleanup.ts';
import { DatasourceSavedSchema } from './datasource.ts';
import { HttpDataSchema } from './http.ts';
import { savedDataSchema } from './saved-data.ts';

export interface DriverDefinition {
  type: string;
  description: string;
  /** The data schema a saved job must match (secret references allowed where a string is expected). */
  dataSchema: z.ZodType;
  /** Dotted paths in `data` of the URLs it connects to: a literal one the egress policy refuses is a 400 at save. */
  urlFields?: readonly string[];
}

export const DRIVERS: readonly DriverDefinition[] = [
  { type: 'http', description: 'an HTTP request to a URL', dataSchema: savedDataSchema(HttpDataSchema), urlFields: ['url'] },
  {
    type: 'cleanup',
    description: 'deletes closed runs older than each job’s history.retentionDays (or a given age)',
    dataSchema: savedDataSchema(CleanupDataSchema),
  },
  {
    type: 'datasource',
    description: 'streams records from a file, HTTP or PostgreSQL source into a PostgreSQL, NDJSON or HTTP sink; checkpointed and resumable',
    dataSchema: DatasourceSavedSchema,
    urlFields: ['source.url', 'sink.url'],
  },
];

export function driverFor(type: string): DriverDefinition | undefined {
  return DRIVERS.find((d) => d.type === type);
}
