// Driver registry: job `type` → the activity that runs it and the zod schema its `data` must match.
// The job service validates `data` against the schema at save time, so a bad config is a 400 when
// the job is saved, not a failed run later. Secret references (`{"$secret": "NAME"}`) are allowed
// wherever a string is; the worker resolves them at run time (activities/driver.ts).
import type { Client } from '@temporalio/client';
import type { JobStore } from '../core/jobs/store.ts';
import { CHECK_RUN_QUOTA_ACTIVITY, START_DEPENDENTS_ACTIVITY } from '../workflows/constants.ts';
import { CleanupDataSchema, cleanupDriver } from './cleanup.ts';
import { DatasourceSavedSchema, datasourceDriver } from './datasource/index.ts';
import { startDependentsActivity } from './dependents.ts';
import { driverActivity, savedDataSchema, type DriverDefinition, type SecretSource } from './driver.ts';
import { HttpDataSchema, httpDriver } from './http.ts';
import { checkRunQuotaActivity } from './quota.ts';

export type { DriverDefinition } from './driver.ts';

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

export interface ActivityDeps {
  client: Client;
  store: JobStore;
  taskQueue: string;
  secrets: SecretSource;
  /** KAIROS_QUOTA_CONCURRENT_RUNS (0 = unlimited; absent: unlimited). */
  concurrentRuns?: number;
}

/** The activities a worker registers: one per driver, named after the job type, plus the dependents starter and the run-quota check. */
export function createActivities(deps: ActivityDeps) {
  return {
    http: driverActivity(httpDriver, deps.secrets),
    cleanup: driverActivity(cleanupDriver(deps), deps.secrets),
    datasource: driverActivity(datasourceDriver, deps.secrets),
    [START_DEPENDENTS_ACTIVITY]: startDependentsActivity(deps),
    [CHECK_RUN_QUOTA_ACTIVITY]: checkRunQuotaActivity({ client: deps.client, concurrentRuns: deps.concurrentRuns ?? 0 }),
  };
}
