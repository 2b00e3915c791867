// Worker process entry point: `node dist/worker/index.js` compiled (started by `npm start`, or alone
// to scale out with `npm run worker`); `npx tsx worker/index.ts` from the sources in development.
import { Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { applyEnvFile, loadConfig, workerMaySee } from '../core/config.ts';
import { ensureFileDirs } from '../activities/datasource/paths.ts';
import { configureEgress } from '../core/net/policy.ts';
import { exitIfSetupError } from '../core/temporal/setup.ts';
import { createLogger } from '../core/telemetry/log.ts';
import { startTracing } from '../core/telemetry/tracing.ts';
import { createWorker, prepareWorker } from './worker.ts';
import { standbyRole } from './standby.ts';
import { metricsExporter } from './metrics.ts';
import { temporalLogger } from './telemetry.ts';

// From a .env file only what the worker may see: never the admin password or the API's credentials.
applyEnvFile(process.env, workerMaySee);
const cfg = loadConfig();
const logger = createLogger(cfg.logLevel, 'kairos-worker');
// Before the worker and its clients exist: they add the tracing interceptors only when it is on.
const tracing = await startTracing(cfg.tracing, 'kairos-worker');
configureEgress(cfg);
// Datasource jobs read and write files only below these (the default one is new on a fresh install).
await ensureFileDirs(cfg.datasource.dirs);
const standby = standbyRole();
// The state store, a Temporal client and the namespace's set-up: a standby has them before it takes over.
const prepared = await prepareWorker(cfg).catch((err: unknown) => exitIfSetupError(err));
if (standby) {
  logger.info({ taskQueue: cfg.taskQueue }, 'worker standing by');
  standby.ready();
  await standby.takeOver;
  logger.info('standby worker taking over');
}
// From here the worker holds the metrics port and the task queue: a standby only after taking over.
const metrics = metricsExporter(cfg.metrics.worker);
try {
  // The SDK's, workflows' and activities' lines, and Temporal Core's warnings (forwarded), all as pino JSON.
  Runtime.install({
    logger: temporalLogger(logger),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} }, ...(metrics ? { metrics } : {}) },
  });
} catch (err) {
  // The one likely cause: the metrics port is taken (another worker on this machine uses it).
  console.error(`worker: could not start the runtime${metrics ? ` (metrics on KAIROS_WORKER_METRICS_HOST:KAIROS_WORKER_METRICS_PORT = ${cfg.metrics.worker?.host}:${cfg.metrics.worker?.port}; each worker on a machine needs a port of its own)` : ''}: ${(err as Error).message}`);
  process.exit(1);
}
const worker = await createWorker(prepared).catch((err: unknown) => exitIfSetupError(err));
logger.info({ taskQueue: cfg.taskQueue, namespace: cfg.temporal.namespace, tracing: tracing ? cfg.tracing.url : 'off' }, 'worker polling');
standby?.polling();
// Worker.run() shuts down gracefully on SIGINT/SIGTERM (the SDK installs the handlers).
await worker.run();
// Spans still in the batch go out before the process ends.
await tracing?.shutdown();
