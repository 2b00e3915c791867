// Builds the whole API (composition root): Temporal gateway → store → services → Koa app.
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createLogger as createProcessLogger } from '../core/telemetry/log.ts';
import type { Config } from '../core/config.ts';
import { JobStore } from '../core/jobs/store.ts';
import { BackfillLog } from '../core/jobs/backfills.ts';
import { JobHeads } from '../core/jobs/heads.ts';
import { JobService } from '../core/jobs/service.ts';
import { Quotas } from '../core/quotas/quotas.ts';
import { JobSideState, rolesFrom } from '../core/sharing/job-side-state.ts';
import { openAuthStore } from '../core/auth/store.ts';
import { connectTemporal } from '../core/temporal/connection.ts';
import type { TemporalGateway } from '../core/temporal/gateway.ts';
import { createApp, type Surface } from './app.ts';
import { authenticate } from './auth.ts';
import { healthRoutes } from './health.ts';
import { nativeSurface } from './native/index.ts';
import { RunService } from '../core/runs/service.ts';
import { SecretStore } from '../core/secrets/store.ts';
import { SecretAccess } from '../core/secrets/access.ts';
import { daprSurface, startDaprPort } from './dialects/dapr/index.ts';
import { fusionSurface, startFusionPort } from './dialects/fusion/index.ts';
import { cluedinSurface } from './dialects/cluedin/index.ts';
import { RunOverview } from '../core/runs/overview.ts';
import { informerSurface } from './dialects/informer/index.ts';
import { voltmxSurface } from './dialects/voltmx/index.ts';
import { voltmxJobIds } from './dialects/voltmx/job-ids.ts';
import { uiSurface } from './ui.ts';
import { closeServer, listen } from './dialects/kit/index.ts';
import { openState } from '../core/db/state.ts';
import { openSecretCipher } from '../core/secrets/cipher.ts';
import { storedTokenKey } from '../core/auth/tokens.ts';
import { AuditLog } from '../core/audit/log.ts';
import { VersionStore } from '../core/versions/store.ts';
import { JobVersions, VersionHistory } from '../core/versions/history.ts';
import { JobAuditTrail } from '../core/audit/trail.ts';

/** How often the API deletes hourly run-rollup rows older than the rollup's retention (core/runs/rollup.ts) (and once at start). */
const ROLLUP_PRUNE_INTERVAL_MS = 3_600_000;
/** How often the API deletes audit events older than the retention (and once at start). */
const AUDIT_PURGE_INTERVAL_MS = 3_600_000;
/** How often the API deletes job heads that hold nothing (deleted jobs' tombstones; core/jobs/heads.ts). */
const HEADS_PURGE_INTERVAL_MS = 3_600_000;
import { AccessService } from '../core/access/service.ts';
import { AlertRules } from '../core/alerts/rules.ts';
import { AlertStore } from '../core/alerts/store.ts';
import { AlertEvents } from '../core/alerts/events.ts';
import { JobAccess } from '../core/sharing/access.ts';
import { egressPolicy } from '../core/net/policy.ts';
import { RunSkipStore } from '../core/runs/skip-store.ts';
import { RunRecorder } from '../core/runs/recorder.ts';
import { RunStatsStore } from '../core/runs/stats-store.ts';
import { countRunsNotHappened, createApiMetrics, metricsSurface, startMetricsPort } from './metrics.ts';

export interface ApiServer {
  server: Server;
  url: string;
  temporal: TemporalGateway;
  /** Fire times that did not run: `recorder.onRunNotHappened(listener)` is told of each row once (alerts). */
  recorder: RunRecorder;
  close(): Promise<void>;
}

/** The API's JSON logger (core/telemetry/log.ts). */
export function createLogger(cfg: Config): Logger {
  return createProcessLogger(cfg.logLevel, 'kairos-api');
}

export async function startApi(cfg: Config, logger = createLogger(cfg)): Promise<ApiServer> {
  const temporal = await connectTemporal(cfg.temporal);
  // The namespace and search attributes (created on a cluster where permitted; a clear stop otherwise).
  await temporal.ensureSetup(cfg.temporal.setup);
  // Users, keys, secrets, shares, versions and the audit log (core/db); migrated and imported here.
  const db = await openState(cfg.database);
  const auth = openAuthStore(cfg, db);
  const audit = new AuditLog(db);
  const retention = audit.startRetention(cfg.audit.retentionMs, AUDIT_PURGE_INTERVAL_MS, (err) => logger.error({ err }, 'audit retention purge failed'));
  const versionStore = new VersionStore(db);
  // Shares, favorites and natural ids: forgotten with their job, read for `job` trigger access.
  // The one access policy's grants (shares to users and teams), asked by the job and run services.
  const access = new AccessService(db);
  const sideState = new JobSideState(db, rolesFrom(auth), access);
  // Job heads (core/jobs/heads.ts): reads of a job need no scheduler query; shared by every instance.
  const heads = new JobHeads(db);
  const headsPurge = heads.startPurge(HEADS_PURGE_INTERVAL_MS, (err) => logger.error({ err }, 'job heads purge failed'));
  const store = new JobStore(temporal, cfg.taskQueue, sideState, heads);
  const cipher = await openSecretCipher(db, cfg.database);
  const secrets = new SecretAccess(new SecretStore(db, cipher), auth, SecretAccess.daprRule(cfg));
  // Every surface saves through the service, so each one gets these checks.
  // Fire times that did not run (#17): rows in the state store, deleted with their job.
  const skips = new RunSkipStore(db);
  const jobs = new JobService(store, undefined, {
    notRun: skips,
    attachments: sideState,
    readAccess: sideState,
    quotas: new Quotas(temporal, store, cfg.quotas),
    saveChecks: [secrets.saveCheck],
    history: new VersionHistory(versionStore, (err, what) => logger.error({ err }, what)),
    access,
    // Backfills are recorded so that the runs they start are told apart (core/jobs/backfills.ts).
    backfills: new BackfillLog(db),
  });
  const runStats = new RunStatsStore(db);
  const runs = new RunService(temporal, store, access, skips, runStats);
  // The hourly run rollup keeps the longest chart window and a little more (idempotent deletes: every instance may run it).
  const rollupPrune = runStats.startPrune(ROLLUP_PRUNE_INTERVAL_MS, (err) => logger.error({ err }, 'run rollup prune failed'));
  const overview = new RunOverview(temporal, runs);
  // Alert rules: managed under the job access policy; URLs and secret references checked at save.
  const alerts = new AlertRules({
    store: new AlertStore(db),
    jobs: new JobAccess(jobs, access),
    secrets,
    checkUrl: (url) => egressPolicy().checkUrl(url),
    emailConfigured: cfg.alerts.smtpUrl !== undefined,
  });
  const native = nativeSurface({ jobs, runs, overview, auth, secrets, versions: new JobVersions(jobs, versionStore), audit, trail: new JobAuditTrail(jobs, access, audit), access, alerts, ownPorts: { dapr: cfg.dapr.port, fusion: cfg.fusionPort } });
  // Each surface's writes name it in the job's versions.
  const surfaces: Surface[] = [native, daprSurface(cfg, jobs.forSurface('dapr')), fusionSurface(cfg, { jobs: jobs.forSurface('fusion'), runs })];
  surfaces.push(informerSurface(cfg, { jobs: jobs.forSurface('informer'), runs, auth, db, access }));
  surfaces.push(
    voltmxSurface(cfg, {
      jobs: jobs.forSurface('voltmx'),
      runs,
      auth,
      jobIds: voltmxJobIds(db, temporal, store),
      authenticate: authenticate(auth),
      tokenKey: storedTokenKey(db, cipher),
    }),
  );
  surfaces.push(cluedinSurface(cfg, { jobs: jobs.forSurface('cluedin'), runs, overview }));
  surfaces.push(uiSurface(cfg, undefined, authenticate(auth)));
  const metrics = createApiMetrics();
  // The recorder of fire times that did not run: every API instance runs it (rows are written once).
  const recorder = new RunRecorder(db, temporal, skips, {
    settleMs: cfg.runSkips.settleMs,
    report: (err, what) => logger.error({ err }, what),
  });
  countRunsNotHappened(metrics, recorder);
  recorder.onRunNotHappened((r) => logger.info({ jobId: r.jobId, scheduledAt: r.scheduledAt, status: r.status, reason: r.reason }, 'a fire time did not run'));
  // …and to the alert rules that watch skipped or missed runs (once per row: the recorder tells only
  // the instance that wrote it, and a delivery is unique per rule, fire time and event).
  const alertEvents = new AlertEvents({ db, temporal, taskQueue: cfg.taskQueue, roleOf: rolesFrom(auth), jobs: sideState, publicUrl: cfg.alerts.publicUrl });
  recorder.onRunNotHappened((r) => {
    alertEvents.notifyRunNotHappened({ jobId: r.jobId, scheduledAt: r.scheduledAt, reason: r.reason, status: r.status }).catch((err: unknown) => {
      logger.error({ err, jobId: r.jobId, scheduledAt: r.scheduledAt }, 'alerting a fire time that did not run failed');
    });
  });
  const recording = recorder.start(cfg.runSkips.intervalMs, (err) => logger.warn({ err }, 'recording fire times that did not run failed; trying again at the next tick'));
  surfaces.push(metricsSurface(metrics));
  const app = createApp({
    logger,
    bodyLimit: cfg.bodyLimit,
    trustedOrigins: cfg.trustedOrigins,
    publicRouters: [healthRoutes(temporal, cfg.taskQueue)],
    authenticate: authenticate(auth),
    surfaces,
    audit,
    metrics,
  });
  const server = await listen(app, cfg.port, cfg.host, 'KAIROS_PORT');
  const daprServer = await startDaprPort(cfg, jobs.forSurface('dapr'), logger, audit, metrics);
  const fusionServer = await startFusionPort(cfg, { jobs: jobs.forSurface('fusion'), runs, auth, audit, metrics }, logger);
  const metricsServer = await startMetricsPort(cfg.metrics.api, metrics);
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
  return {
    server,
    url: `http://${cfg.host}:${port}`,
    temporal,
    recorder,
    async close() {
      await closeServer(server);
      await closeServer(daprServer);
      await closeServer(fusionServer);
      await closeServer(metricsServer);
      await recording.stop();
      await temporal.close();
      await retention.stop();
      await headsPurge.stop();
      await rollupPrune.stop();
      await auth.flush();
      await db.close();
    },
  };
}
