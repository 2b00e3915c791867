// Worker process entry point: `tsx worker/index.ts` (started by `npm start`, or alone to scale out).
import { Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { applyEnvFile, loadConfig, workerMaySee } from '../core/config.ts';
import { ensureFileDirs } from '../activities/datasource/paths.ts';
import { configureEgress } from '../core/net/policy.ts';
import { exitIfSetupError } from '../core/temporal/setup.ts';
import { createWorker } from './worker.ts';

// From a .env file only what the worker may see: never the admin password or the API's credentials.
applyEnvFile(process.env, workerMaySee);
const cfg = loadConfig();
configureEgress(cfg);
// Datasource jobs read and write files only below these (the default one is new on a fresh install).
await ensureFileDirs(cfg.datasource.dirs);
Runtime.install({ telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } } });
const worker = await createWorker(cfg).catch((err: unknown) => exitIfSetupError(err));
console.log(JSON.stringify({ level: 'info', msg: 'worker polling', taskQueue: cfg.taskQueue, namespace: cfg.temporal.namespace }));
// Worker.run() shuts down gracefully on SIGINT/SIGTERM (the SDK installs the handlers).
await worker.run();
