// Builds a Kairos worker: the runJob workflow and one activity per driver on the Kairos task queue.
// Any number of workers may poll the same task queue; that is how Kairos scales out.
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Config } from '../core/config.ts';
import { connectTemporal, workerConnectionOptions } from '../core/temporal/connection.ts';
import { createActivities } from '../activities/registry.ts';
import { BackfillLog } from '../core/jobs/backfills.ts';
import { JobStore } from '../core/jobs/store.ts';
import { JobHeads } from '../core/jobs/heads.ts';
import { SecretStore } from '../core/secrets/store.ts';
import { AuthStore } from '../core/auth/store.ts';
import { SecretAccess } from '../core/secrets/access.ts';
import { JobSideState, rolesFrom } from '../core/sharing/job-side-state.ts';
import { openState, type Db } from '../core/db/state.ts';
import { openSecretCipher } from '../core/secrets/cipher.ts';
import { AccessService } from '../core/access/service.ts';
import { DriverMetrics } from '../activities/metrics.ts';
import { workflowBundle } from './workflow-bundle.ts';
import { currentTracing } from '../core/telemetry/tracing.ts';
import { activityInterceptors, workflowSinks } from './telemetry.ts';
import { AlertEvents } from '../core/alerts/events.ts';
import { AlertSender } from '../core/alerts/deliver.ts';
import { RunStatsStore } from '../core/runs/stats-store.ts';
import { RunStatsBatcher } from './run-stats.ts';

/** Dependents start only while their owner may read the parent job (the access policy: shares, teams, roles). */
const jobReadAccess = (db: Db) => new JobSideState(db, rolesFrom(new AuthStore(db)), new AccessService(db));

/**
 * Everything a worker needs that neither holds the task queue nor binds a port: the state store, the
 * secrets' key, a Temporal client and the namespace's set-up. A standby worker (worker/standby.ts)
 * has all of it ready before it takes over.
 */
export interface PreparedWorker {
  cfg: Config;
  db: Db;
  /** Whether this worker opened `db` (and closes it when it stops). */
  ownsDb: boolean;
  cipher: Awaited<ReturnType<typeof openSecretCipher>>;
  temporal: Awaited<ReturnType<typeof connectTemporal>>;
  bundle: Awaited<ReturnType<typeof workflowBundle>>;
}

/** Opens the state store (unless given one) and a Temporal client, and makes sure the namespace is set up. */
export async function prepareWorker(cfg: Config, state?: Db): Promise<PreparedWorker> {
  // Independent of each other: opened side by side (a restarted worker's start time is the point).
  const [db, temporal, bundle] = await Promise.all([state ?? openState(cfg.database), connectTemporal(cfg.temporal), workflowBundle()]);
  const cipher = await openSecretCipher(db, cfg.database);
  // Before Worker.create, which fails on a namespace that does not exist yet.
  await temporal.ensureSetup(cfg.temporal.setup);
  return { cfg, db, ownsDb: !state, cipher, temporal, bundle };
}

/**
 * A worker on the Kairos task queue, from a prepared one (Runtime.install comes first: the drivers'
 * metrics use the runtime's meter). It closes what prepareWorker opened when it stops.
 */
export async function createWorker(prepared: PreparedWorker): Promise<Worker> {
  const { cfg, db, cipher, temporal } = prepared;
  const connection = await NativeConnection.connect(await workerConnectionOptions(cfg.temporal));
  const secrets = new SecretAccess(new SecretStore(db, cipher), new AuthStore(db), SecretAccess.daprRule(cfg));
  // Alerts: rules are matched here, where the run events happen; deliveries are notify workflows on this task queue.
  const alerts = {
    events: new AlertEvents({ db, temporal, taskQueue: cfg.taskQueue, roleOf: rolesFrom(new AuthStore(db)), jobs: jobReadAccess(db), publicUrl: cfg.alerts.publicUrl }),
    sender: new AlertSender({ db, secrets, smtpUrl: cfg.alerts.smtpUrl, from: cfg.alerts.from }),
  };
  // The hourly run rollup (charts): runJob's sink reports ended runs, batched into the state store.
  const runStats = new RunStatsBatcher(new RunStatsStore(db), (err, runs) => {
    Runtime.instance().logger.warn('writing the hourly run rollup failed; trying again in a second', { error: (err as Error).message, runs });
  });
  const worker = await Worker.create({
    connection,
    namespace: cfg.temporal.namespace,
    taskQueue: cfg.taskQueue,
    workflowBundle: prepared.bundle,
    // Drivers resolve secrets from the state store, for each job's owner with the roles in the credential
    // store (read only here); cleanup and dependents need a client of their own.
    activities: createActivities({
      temporal,
      store: new JobStore(temporal, cfg.taskQueue, jobReadAccess(db), new JobHeads(db)),
      taskQueue: cfg.taskQueue,
      secrets,
      alerts,
      concurrentRuns: cfg.quotas.concurrentRuns,
      backfills: new BackfillLog(db),
      // The runtime's meter, tagged as the SDK tags the workflow's meter (namespace, taskQueue), so
      // all of Kairos's metrics carry the same labels; one Prometheus endpoint for both.
      metrics: new DriverMetrics(Runtime.instance().metricMeter.withTags({ namespace: cfg.temporal.namespace, taskQueue: cfg.taskQueue })),
    }),
    // The run's log fields on activity lines; with tracing on, the trace continued into activities
    // and the workflow's spans exported (worker/telemetry.ts).
    interceptors: { activity: await activityInterceptors(currentTracing()) },
    sinks: { ...(await workflowSinks(currentTracing())), ...runStats.sinks() },
    // Heartbeats reach the server at least every second, so a stop reaches the driver within about a second.
    maxHeartbeatThrottleInterval: '1s',
  });
  const run = worker.run.bind(worker);
  // The client and the store must not keep the process alive.
  worker.run = () =>
    run().finally(async () => {
      // The last batch of the rollup, before the store closes.
      await runStats.close();
      await temporal.close();
      if (prepared.ownsDb) await db.close();
    });
  return worker;
}
