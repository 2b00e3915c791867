// The workflow code a worker runs, bundled (webpack, by the Temporal SDK) into one file for its
// sandbox. Bundling takes seconds, so `npm run build` does it once (dist/workflow-bundle.js) and a
// compiled worker only loads that file: it polls within about a second of starting. A worker run
// from the TypeScript sources (`npx tsx worker/index.ts`, development) bundles at start instead.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleOption, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

/** Whether this module runs compiled (dist/…/*.js) rather than from the TypeScript sources. */
const compiled = import.meta.url.endsWith('.js');

/** The workflows' entry point next to this module: workflows/index.ts in the sources, dist/workflows/index.js compiled. */
export const WORKFLOWS_PATH = fileURLToPath(new URL(`../workflows/index.${compiled ? 'js' : 'ts'}`, import.meta.url));

/**
 * The workflow interceptor modules bundled with the workflow code: Kairos's (the run's log fields;
 * first, so its fields are set before anything logs) and OpenTelemetry's (its documented module).
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [
  fileURLToPath(new URL(`../workflows/interceptors.${compiled ? 'js' : 'ts'}`, import.meta.url)),
  createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

/** Where the build writes the bundle: dist/workflow-bundle.js, beside the compiled code. */
export const PREBUILT_BUNDLE_PATH = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Bundles the workflow code now (seconds of webpack). */
export async function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, logger: quiet });
}

let fromSources: Promise<WorkflowBundleWithSourceMap> | undefined;

/**
 * The worker's `workflowBundle` option: the prebuilt file when compiled; bundled once per process
 * when run from the sources (the development fallback).
 */
export async function workflowBundle(): Promise<WorkflowBundleOption> {
  if (compiled) {
    if (!existsSync(PREBUILT_BUNDLE_PATH)) throw new Error(`${PREBUILT_BUNDLE_PATH} is missing: run \`npm run build\``);
    return { codePath: PREBUILT_BUNDLE_PATH };
  }
  fromSources ??= bundleWorkflows();
  return await fromSources;
}
