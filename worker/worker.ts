// Builds a Kairos worker: the runJob workflow and one activity per driver on the Kairos task queue.
// Any number of workers may poll the same task queue; that is how Kairos scales out.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Config } from '../core/config.ts';
import { connectionOptions } from '../core/temporal.ts';
import { activities } from '../activities/registry.ts';

const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundling the workflow code takes seconds; do it once per process. */
function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
  return bundle;
}

export async function createWorker(cfg: Config): Promise<Worker> {
  const { address, tls, apiKey } = await connectionOptions(cfg.temporal);
  const connection = await NativeConnection.connect({ address, tls, apiKey });
  return await Worker.create({
    connection,
    namespace: cfg.temporal.namespace,
    taskQueue: cfg.taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
  });
}
