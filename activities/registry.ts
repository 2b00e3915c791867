// The worker's activities: one driver per job type (named after the type, so Temporal Web UI shows
// "http", "cleanup", …) plus the support activities runJob calls. Which types exist and what their
// data must look like is core's driver catalog (core/drivers/catalog.ts); the workflow's view of
// these activities is typed from this factory (`KairosActivities`), as the Temporal samples do.
import type { JobStore } from '../core/jobs/store.ts';
import type { DriverMetrics } from './metrics.ts';
import { BACKFILL_OF_ACTIVITY, CHECK_RUN_QUOTA_ACTIVITY, START_DEPENDENTS_ACTIVITY } from '../core/temporal/contract.ts';
import type { BackfillLog } from '../core/jobs/backfills.ts';
import { backfillOfActivity } from './backfill.ts';
import type {
  ALERT_THRESHOLDS_ACTIVITY,
  DELIVER_ALERT_ACTIVITY,
  RECORD_ALERT_ACTIVITY,
  RUN_ALERTS_ACTIVITY,
  RUN_NOT_HAPPENED_ACTIVITY,
} from '../core/temporal/contract.ts';
import type { AlertSender } from '../core/alerts/deliver.ts';
import type { AlertEvents } from '../core/alerts/events.ts';
import { alertActivities } from './alerts.ts';
import type { TemporalGateway } from '../core/temporal/gateway.ts';
import { cleanupDriver } from './cleanup.ts';
import { datasourceDriver } from './datasource/index.ts';
import { startDependentsActivity } from './dependents.ts';
import { driverActivity } from './driver.ts';
import type { SecretSource } from '../core/secrets/access.ts';
import { httpDriver } from './http.ts';
import { checkRunQuotaActivity } from './quota.ts';

export interface ActivityDeps {
  temporal: TemporalGateway;
  store: JobStore;
  taskQueue: string;
  secrets: SecretSource;
  /** KAIROS_QUOTA_CONCURRENT_RUNS (0 = unlimited; absent: unlimited). */
  concurrentRuns?: number;
  /** The worker's driver metrics (worker/worker.ts); none: nothing is recorded. */
  metrics?: DriverMetrics;
  /** The record of backfills (core/jobs/backfills.ts); none: no run is told to be a backfill's. */
  backfills?: BackfillLog;
  /** Alerts (core/alerts): rule matching in the worker, and delivery. */
  alerts: { events: AlertEvents; sender: AlertSender };
}

/** The activities a worker registers: one per driver, named after the job type, plus the dependents starter, the run-quota check, the backfill check and the alert steps. */
export function createActivities(deps: ActivityDeps) {
  return {
    http: driverActivity(httpDriver, deps.secrets, deps.metrics),
    cleanup: driverActivity(cleanupDriver(deps), deps.secrets, deps.metrics),
    datasource: driverActivity(datasourceDriver, deps.secrets, deps.metrics),
    [START_DEPENDENTS_ACTIVITY]: startDependentsActivity(deps),
    [CHECK_RUN_QUOTA_ACTIVITY]: checkRunQuotaActivity({ temporal: deps.temporal, concurrentRuns: deps.concurrentRuns ?? 0 }),
    [BACKFILL_OF_ACTIVITY]: backfillOfActivity(deps),
    ...alertActivities(deps.alerts),
  };
}

/** Every activity a Kairos worker registers, by name: what runJob's proxies are typed from. */
export type KairosActivities = ReturnType<typeof createActivities>;
/** The support activities (not job types). */
export type SupportActivities = Pick<
  KairosActivities,
  | typeof START_DEPENDENTS_ACTIVITY
  | typeof CHECK_RUN_QUOTA_ACTIVITY
  | typeof BACKFILL_OF_ACTIVITY
  | typeof RUN_ALERTS_ACTIVITY
  | typeof ALERT_THRESHOLDS_ACTIVITY
  | typeof RUN_NOT_HAPPENED_ACTIVITY
  | typeof DELIVER_ALERT_ACTIVITY
  | typeof RECORD_ALERT_ACTIVITY
>;
/** The driver activities: one per job type, all with the same signature. */
export type DriverActivities = Omit<KairosActivities, keyof SupportActivities>;
