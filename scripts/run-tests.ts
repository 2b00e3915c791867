// Runs test files with node's test runner. For integration tests it first launches one stack for the
// whole run (a dev server on free ports with its own temporary SQLite, the worker and the API),
// hands its addresses to the test files through the environment, and always tears it down.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../core/config.ts';
import { bootstrapAdminInState } from '../core/auth/bootstrap.ts';
import { freePort } from './dev-server.ts';
import { launchStack, privateStackEnv, type Stack } from './stack.ts';
import { dropTestDatabases, stateStoreEnv, testDbPrefix, type TestBackend } from './test-db.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const [suite = 'unit', ...filters] = process.argv.slice(2);

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out.sort();
}

async function runNodeTests(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  return await new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

/** The state-store backends to run on: KAIROS_TEST_DATABASE (a comma list), by default both for integration tests. */
function backends(): TestBackend[] {
  const asked = (process.env.KAIROS_TEST_DATABASE ?? (suite === 'integration' ? 'sqlite,postgres' : 'sqlite')).split(',').map((b) => b.trim());
  for (const b of asked) if (b !== 'sqlite' && b !== 'postgres') throw new Error(`KAIROS_TEST_DATABASE: '${b}' is not sqlite or postgres`);
  return asked as TestBackend[];
}

async function main(): Promise<number> {
  const files = testFiles(join(root, 'test', suite)).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
  if (files.length === 0) {
    console.error(`no ${suite} test files match`);
    return 1;
  }
  // Every PostgreSQL database this run creates (store tests, stacks) starts with this prefix, and is dropped at the end.
  const prefix = testDbPrefix({});
  process.env.KAIROS_TEST_DB_PREFIX = prefix;
  try {
    if (suite !== 'integration') return await runNodeTests(files, process.env);
    let code = 0;
    for (const backend of backends()) {
      console.error(`[it] integration tests with the state store on ${backend}, Temporal ${temporalFor(backend).KAIROS_TEMPORAL === 'cluster' ? 'cluster' : 'dev server'}`);
      process.env.KAIROS_TEST_DATABASE = backend;
      // Both backends run even when the first failed: `code ||= await …` would skip the second.
      const result = await runIntegration(files, backend);
      code ||= result;
    }
    return code;
  } finally {
    await dropTestDatabases(prefix).catch((err: unknown) => console.error(`[test] could not drop the test databases ${prefix}_*: ${(err as Error).message}`));
  }
}

/**
 * Which Temporal a pass runs on: KAIROS_TEST_TEMPORAL (dev|cluster), by default the dev server with
 * SQLite and the cluster with PostgreSQL. The cluster's databases carry the run's prefix, so they are
 * dropped with the others at the end.
 */
function temporalFor(backend: TestBackend): NodeJS.ProcessEnv {
  const mode = process.env.KAIROS_TEST_TEMPORAL ?? (backend === 'postgres' ? 'cluster' : 'dev');
  if (mode !== 'dev' && mode !== 'cluster') throw new Error(`KAIROS_TEST_TEMPORAL: '${mode}' is not dev or cluster`);
  return mode === 'dev' ? { KAIROS_TEMPORAL: 'dev' } : { KAIROS_TEMPORAL: 'cluster', KAIROS_TEMPORAL_DB_NAME: `${process.env.KAIROS_TEST_DB_PREFIX}_temporal` };
}

/** One stack for the whole run on `backend`, then every file against it. */
async function runIntegration(files: string[], backend: TestBackend): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kairos-it-'));
  // privateStackEnv allows the tests' loopback targets and PostgreSQL through KAIROS_EGRESS_ALLOW; the
  // egress policy stays on, so the stack's own ports stay denied (test/integration/security-egress.test.ts).
  const env = await privateStackEnv(
    dataDir,
    { user: 'admin', password: 'integration-admin-pw' },
    {
      KAIROS_LOG_LEVEL: 'info',
      // Every test file connects from 127.0.0.1 and some send wrong credentials on purpose (fuzz.test.ts
      // to every route): the default throttle would lock the suite out. security-web.test.ts tests the
      // throttle on an app of its own with the defaults.
      KAIROS_LOGIN_FAILURES_PER_USER: '100000',
      KAIROS_LOGIN_FAILURES_PER_ADDRESS: '100000',
      // The dialects' dedicated ports, and the apps Dapr deliveries go to (test/integration/dapr*.test.ts bind them).
      KAIROS_DAPR_PORT: String(await freePort()),
      KAIROS_FUSION_PORT: String(await freePort()),
      KAIROS_DAPR_API_TOKEN: 'integration-dapr-api-token',
      KAIROS_DAPR_APP_URL: `http://127.0.0.1:${await freePort()}`,
      KAIROS_DAPR_APP_URLS: `other=http://127.0.0.1:${await freePort()}`,
      KAIROS_DAPR_APP_API_TOKEN_SECRET: 'DAPR_APP_API_TOKEN',
      KAIROS_SECRET_DAPR_APP_API_TOKEN: 'integration-dapr-app-token',
      // The API's and the worker's Prometheus endpoints without credentials (test/integration/metrics.test.ts scrapes them).
      KAIROS_METRICS_PORT: String(await freePort()),
      KAIROS_WORKER_METRICS_PORT: String(await freePort()),
      // The SMTP server alert e-mails go to, and their sender (test/integration/alerts.test.ts binds a real smtp-server there).
      KAIROS_SMTP_URL: `smtp://127.0.0.1:${await freePort()}`,
      KAIROS_ALERT_FROM: 'kairos-alerts@kairos.test',
      // The Volt MX Foundry server whose services Volt MX jobs call (test/integration/voltmx.test.ts binds it).
      KAIROS_VOLTMX_SERVER_URL: `http://127.0.0.1:${await freePort()}`,
      // Every test file shares this stack, in parallel and mostly as the one admin (a burst fires 40
      // runs at once): per-owner quotas would make files fail each other. They are tested on a
      // private stack with small limits (test/integration/security-quotas.test.ts).
      KAIROS_QUOTA_JOBS: '0',
      KAIROS_QUOTA_CONCURRENT_RUNS: '0',
      ...(await stateStoreEnv()),
      // The PostgreSQL pass runs on the PostgreSQL-backed cluster (four Temporal services), the SQLite
      // pass on the dev server: every test meets both Temporals without a third pass.
      ...temporalFor(backend),
    },
  );
  const cfg = loadConfig(env);
  await bootstrapAdminInState(cfg);
  const started = Date.now();
  let stack: Stack | undefined;
  const teardown = async () => {
    await stack?.stop();
    if (!process.env.KAIROS_KEEP_TEST_DATA) rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void teardown().then(() => process.exit(130)));
  try {
    stack = await launchStack(cfg, { env, onProgress: (m) => console.error(`[it] ${m}`) });
    console.error(`[it] stack ready in ${Date.now() - started} ms (data: ${dataDir})`);
    return await runNodeTests(files, {
      ...env,
      KAIROS_TEST_DATABASE: backend,
      KAIROS_TEST_DB_PREFIX: process.env.KAIROS_TEST_DB_PREFIX,
      KAIROS_TEST_API_URL: stack.apiUrl,
      KAIROS_TEST_TEMPORAL_ADDRESS: stack.temporalAddress,
      KAIROS_TEST_NAMESPACE: cfg.temporal.namespace,
      KAIROS_TEST_TASK_QUEUE: cfg.taskQueue,
      // Where datasource tests put their files: the stack's files directories (default <data dir>/files).
      KAIROS_DATASOURCE_DIRS: cfg.datasource.dirs.join(':'),
    });
  } finally {
    await teardown();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error((err as Error).stack ?? err);
    process.exit(1);
  },
);
