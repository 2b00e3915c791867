// Worker process entry point: `tsx worker/index.ts` (started by `npm start`, or alone to scale out).
import { Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { loadConfig } from '../core/config.ts';
import { ensureFileDirs } from '../activities/datasource/paths.ts';
import { configureEgress } from '../core/net/policy.ts';
import { exitIfSetupError } from '../core/temporal/setup.ts';
import { createWorker } from './worker.ts';
import { metricsExporter } from './metrics.ts';

const cfg = loadConfig();
configureEgress(cfg);
// Datasource jobs read and write files only below these (the default one is new on a fresh install).
await ensureFileDirs(cfg.datasource.dirs);
const metrics = metricsExporter(cfg.metrics.worker);
try {
  Runtime.install({ telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) }, ...(metrics ? { metrics } : {}) } });
} catch (err) {
  // The one likely cause: the metrics port is taken (another worker on this machine uses it).
  console.error(`worker: could not start the runtime${metrics ? ` (metrics on KAIROS_WORKER_METRICS_HOST:KAIROS_WORKER_METRICS_PORT = ${cfg.metrics.worker?.host}:${cfg.metrics.worker?.port}; each worker on a machine needs a port of its own)` : ''}: ${(err as Error).message}`);
  process.exit(1);
}
const worker = await createWorker(cfg).catch((err: unknown) => exitIfSetupError(err));
console.log(JSON.stringify({ level: 'info', msg: 'worker polling', taskQueue: cfg.taskQueue, namespace: cfg.temporal.namespace }));
// Worker.run() shuts down gracefully on SIGINT/SIGTERM (the SDK installs the handlers).
await worker.run();
