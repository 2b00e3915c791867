// Launches the whole stack: the embedded Temporal dev server, or with KAIROS_TEMPORAL=cluster a
// PostgreSQL-backed cluster (scripts/temporal-cluster.ts), unless TEMPORAL_ADDRESS points at an
// existing Temporal; then the worker and the API as child processes. Used by `npm start` and by the
// integration-test harness, so the tests run exactly what users run: the worker and the API start
// from the compiled JavaScript in dist/ (scripts/build.mjs), built first when a source is newer.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerEnv, type Config } from '../core/config.ts';
import { isMessage, POLLING, STANDBY_ENV, STANDBY_READY, TAKE_OVER } from '../worker/standby.ts';
import { ensureFileDirs } from '../activities/datasource/paths.ts';
import { assertPortFree, freePort, startDevServer, type DevServer } from './dev-server.ts';
import { clusterOptionsFrom, internalPorts, startCluster, type Cluster, type ClusterServiceName } from './temporal-cluster.ts';
import { stateStoreEnv } from './test-db.ts';

/** Whether this module runs compiled (dist/scripts/stack.js, `npm start`) or from the sources (tsx: tests, benchmarks). */
const compiled = import.meta.url.endsWith('.js');
/** The repository (the children's working directory) and the compiled code the children run. */
const root = fileURLToPath(new URL(compiled ? '../..' : '..', import.meta.url));
const dist = fileURLToPath(new URL(compiled ? '..' : '../dist/', import.meta.url));

export interface Stack {
  apiUrl: string;
  uiUrl: string | null;
  temporalAddress: string;
  devServer: DevServer | null;
  /** The PostgreSQL-backed cluster in mode `cluster` (KAIROS_TEMPORAL=cluster); it has no Web UI. */
  cluster: Cluster | null;
  worker: ChildProcess;
  /**
   * The standby worker (StackOptions.standbyWorker): loaded, connected, not polling; `takeOver()`
   * makes it the worker. Null while there is none (not asked for, or a new one is starting).
   */
  standby: ChildProcess | null;
  api: ChildProcess;
  /**
   * Makes a ready standby the worker (it polls within a fraction of a second) and starts a new
   * standby; undefined (nothing changed) when no standby is ready.
   */
  takeOver(): ChildProcess | undefined;
  /** Whether a standby is ready to take over now. */
  standbyReady(): boolean;
  /** Starts a new standby worker in place of one that exited (the current one, when there is one). */
  respawnStandby(): ChildProcess;
  /** Restarts the worker process (fault tests). */
  restartWorker(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Starts a new worker or API process in place of one that has exited (the supervisor in
   * scripts/start.ts), with the same environment and log file; it becomes `stack.worker` / `stack.api`.
   */
  respawn(which: 'worker' | 'api'): ChildProcess;
  /** Starts the dev server again (same database file and ports) after it exited; it becomes `stack.devServer`. */
  restartDevServer(): Promise<DevServer>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Environment of the API process (the validated config came from it); the worker gets the part it reads (workerEnv). */
  env: NodeJS.ProcessEnv;
  /** Where child output goes; default: files under the data dir. */
  logDir?: string;
  dynamicConfig?: Record<string, string | number | boolean>;
  readyTimeoutMs?: number;
  onProgress?: (msg: string) => void;
  /** Keep a standby worker beside the worker (worker/standby.ts; `npm start` with KAIROS_WORKER_STANDBY). */
  standbyWorker?: boolean;
  /** A standby worker was started (its pid). */
  onStandbyStart?: (pid: number | undefined) => void;
  /** The standby exited while standing by (it is not restarted by the stack: the caller decides). */
  onStandbyExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
  /** A cluster service exited without being asked to (mode `cluster`). */
  onClusterServiceExit?: (name: ClusterServiceName, code: number | null, signal: NodeJS.Signals | null) => void;
}

/**
 * Builds dist/ when a source is newer than the last build (scripts/build.mjs --if-stale: a scan of
 * modification times when nothing changed). Compiled, this module is the build: `npm start` ran
 * the same check just before starting it.
 */
export async function ensureBuilt(): Promise<void> {
  if (compiled) return;
  // Its progress (and tsc's errors) on our stderr; stdout stays free for a test runner's protocol.
  const build = spawn(process.execPath, [join(root, 'scripts', 'build.mjs'), '--if-stale'], { cwd: root, stdio: ['ignore', 2, 2] });
  const code = await new Promise<number | null>((resolve, reject) => build.once('error', reject).once('exit', resolve));
  if (code !== 0) throw new Error(`the build (node scripts/build.mjs --if-stale) failed with code ${code}; its output is above`);
}

/**
 * Starts a Kairos process: `entry` (a source path such as 'worker/index.ts') compiled, from dist/
 * (`node <flags> dist/worker/index.js`), with its output appended to `logFile`. The one place that
 * decides how a Kairos child process is started; ensureBuilt() comes first.
 */
export function spawnNode(entry: string, env: NodeJS.ProcessEnv, logFile: string, nodeFlags: string[] = [], ipc = false): ChildProcess {
  const log = createWriteStream(logFile, { flags: 'a' });
  const stdio: StdioOptions = ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc' as const] : [])];
  const child = spawn(process.execPath, [...nodeFlags, join(dist, entry.replace(/\.ts$/, '.js'))], { cwd: root, env, stdio });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function tail(file: string, lines = 25): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';
}

/**
 * What a private stack's jobs may reach on loopback (KAIROS_EGRESS_ALLOW): the HTTP targets tests and
 * benchmarks bind on free ports and PostgreSQL at 127.0.0.1:5432. The policy stays on: the stack's
 * own Temporal and Kairos ports remain denied whatever this allows.
 */
export const PRIVATE_STACK_EGRESS_ALLOW = '127.0.0.1,localhost';

/**
 * The environment of a private stack (tests, benchmarks): its own data dir, free ports, the given
 * admin credential, loopback targets allowed (PRIVATE_STACK_EGRESS_ALLOW), and none of the outer
 * environment's Temporal address, dialect ports or test-harness settings. `extra` is applied last.
 */
export async function privateStackEnv(dataDir: string, admin: { user: string; password: string }, extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) {
    // The outer stack's Temporal choice too (KAIROS_TEMPORAL, its cluster's database name and ports):
    // two clusters on one database would corrupt each other. A private stack runs the dev server
    // unless `extra` asks for a cluster of its own.
    if (k === 'TEMPORAL_ADDRESS' || k === 'KAIROS_TEMPORAL' || k === 'KAIROS_TEMPORAL_DB_NAME' || k === 'KAIROS_TEMPORAL_INTERNAL_PORTS' || k.startsWith('KAIROS_DAPR_') || k.startsWith('KAIROS_FUSION_') || k.startsWith('KAIROS_TEST_')) delete env[k];
    // Nor the outer stack's metrics ports: a second API or worker could not bind them.
    if (k.startsWith('KAIROS_METRICS_') || k.startsWith('KAIROS_WORKER_METRICS_')) delete env[k];
  }
  Object.assign(env, {
    KAIROS_DATA_DIR: dataDir,
    KAIROS_PORT: String(await freePort()),
    KAIROS_TEMPORAL_PORT: String(await freePort()),
    KAIROS_UI_PORT: String(await freePort()),
    KAIROS_TEMPORAL_HTTP_PORT: String(await freePort()),
    KAIROS_TEMPORAL_METRICS_PORT: String(await freePort()),
    KAIROS_ADMIN_USER: admin.user,
    KAIROS_ADMIN_PASSWORD: admin.password,
    KAIROS_EGRESS_ALLOW: PRIVATE_STACK_EGRESS_ALLOW,
    // Whatever .env a developer keeps in the checkout: a private stack is configured here alone.
    KAIROS_ENV_FILE: 'none',
    // On PostgreSQL runs (scripts/test-db.ts), each stack has a database of its own.
    ...(await stateStoreEnv()),
    ...extra,
  });
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env;
}

/** Polls /readyz (bounded); fails early with the end of its log if a watched process exits. */
export async function waitReady(url: string, timeoutMs: number, children: [ChildProcess, string][] = []): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    for (const [c, log] of children) {
      if (c.exitCode !== null) throw new Error(`a Kairos process exited early with code ${c.exitCode}; the end of ${log}:\n${tail(log)}`);
    }
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = JSON.stringify(await res.json());
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Kairos not ready after ${timeoutMs} ms: ${last}`);
}

export async function launchStack(cfg: Config, opts: StackOptions): Promise<Stack> {
  mkdirSync(cfg.dataDir, { recursive: true });
  await ensureFileDirs(cfg.datasource.dirs);
  const logDir = opts.logDir ?? cfg.dataDir;
  mkdirSync(logDir, { recursive: true });
  await assertPortFree(cfg.port, 'KAIROS_PORT', cfg.host);
  await ensureBuilt();
  let devServer: DevServer | null = null;
  let cluster: Cluster | null = null;
  let serverLog: WriteStream | undefined;
  // The same database file and ports at a restart: jobs, history and every client's address stay.
  const startDev = async (): Promise<DevServer> => {
    const log = (serverLog ??= createWriteStream(join(logDir, 'temporal.log'), { flags: 'a' }));
    return await startDevServer({
      dbFile: join(cfg.dataDir, 'temporal.db'),
      port: cfg.temporal.port,
      uiPort: cfg.temporal.uiPort,
      httpPort: cfg.temporal.httpPort,
      metricsPort: cfg.temporal.metricsPort,
      ui: cfg.temporal.ui,
      namespace: cfg.temporal.namespace,
      dynamicConfig: opts.dynamicConfig,
      onOutput: (line) => log.write(`${line}\n`),
    });
  };
  // The children read no .env of their own: the launcher's environment is the whole configuration
  // (`npm start` read .env into it already; a test stack must not pick up a developer's file).
  const env: NodeJS.ProcessEnv = { ...opts.env, KAIROS_ENV_FILE: 'none' };
  if (cfg.temporal.mode === 'cluster') {
    opts.onProgress?.('starting the Temporal cluster (frontend, history, matching, worker on PostgreSQL)…');
    cluster = await startCluster({
      ...clusterOptionsFrom(cfg),
      dynamicConfig: opts.dynamicConfig,
      onProgress: opts.onProgress,
      onServiceExit: opts.onClusterServiceExit,
    });
    env.TEMPORAL_ADDRESS = cluster.address;
    // Jobs may not reach the cluster's other services either (core/net/policy.ts).
    env.KAIROS_TEMPORAL_INTERNAL_PORTS = internalPorts(cluster.ports).join(',');
    // The worker and the API talk to the frontend; neither needs the database behind it.
    delete env.KAIROS_TEMPORAL_DB_URL;
  } else if (cfg.temporal.mode === 'dev') {
    opts.onProgress?.('starting the Temporal dev server…');
    devServer = await startDev();
    env.TEMPORAL_ADDRESS = devServer.address;
  }
  opts.onProgress?.('starting the worker and the API…');
  // A bounded heap makes V8 collect as it goes: with the default limit a streaming ingestion grows
  // the worker's memory by ~200 MB of garbage per million rows; at 512 MB it stays within ~35 MB.
  const workerFlags = [`--max-old-space-size=${cfg.workerMaxHeapMb}`];
  // The worker runs other people's jobs: it gets only the variables it reads (core/config.ts
  // WORKER_ENV_ALLOW), never the admin password or the API's credentials. The API keeps them all.
  const wenv = workerEnv(env);
  const spawnWorker = () => spawnNode('worker/index.ts', wenv, join(logDir, 'worker.log'), workerFlags);
  const spawnApi = () => spawnNode('api/index.ts', env, join(logDir, 'api.log'));
  // The standby writes to the same log (its lines say "standing by" and "taking over").
  let standbyReady = false;
  let stopped = false;
  const spawnStandby = (): ChildProcess => {
    standbyReady = false;
    const child = spawnNode('worker/index.ts', { ...wenv, [STANDBY_ENV]: '1' }, join(logDir, 'worker.log'), workerFlags, true);
    child.on('message', (msg) => {
      if (isMessage(msg, STANDBY_READY) && stack.standby === child) standbyReady = true;
    });
    child.once('exit', (code, signal) => {
      if (stack.standby !== child) return;
      stack.standby = null;
      standbyReady = false;
      opts.onStandbyExit?.(code, signal);
    });
    // It is the stack's standby from now on (before anyone hears of it).
    stack.standby = child;
    opts.onStandbyStart?.(child.pid);
    return child;
  };
  const worker = spawnWorker();
  const api = spawnApi();
  const stack: Stack = {
    apiUrl: `http://${cfg.host}:${cfg.port}`,
    uiUrl: devServer ? devServer.uiUrl : null,
    temporalAddress: devServer?.address ?? cluster?.address ?? cfg.temporal.address,
    devServer,
    cluster,
    worker,
    // Started once the stack serves (below): three processes loading at once would slow the start.
    standby: null,
    api,
    standbyReady: () => Boolean(stack.standby && standbyReady && stack.standby.connected),
    takeOver() {
      const next = stack.standby;
      if (!next || !stack.standbyReady()) return undefined;
      next.send(TAKE_OVER);
      stack.worker = next;
      stack.standby = null;
      // The next standby once this one polls (or is gone): starting it now would take CPU from the take-over.
      const replace = () => {
        next.off('message', onMessage);
        next.off('exit', replace);
        if (stopped || stack.standby) return;
        spawnStandby();
      };
      const onMessage = (msg: unknown) => {
        if (isMessage(msg, POLLING)) replace();
      };
      next.on('message', onMessage);
      next.once('exit', replace);
      return next;
    },
    respawnStandby() {
      return stack.standby ?? spawnStandby();
    },
    async restartWorker(signal: NodeJS.Signals = 'SIGTERM') {
      const current = stack.worker;
      const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
      current.kill(signal);
      await exited;
      stack.respawn('worker');
    },
    respawn(which) {
      if (which === 'worker') return (stack.worker = spawnWorker());
      return (stack.api = spawnApi());
    },
    async restartDevServer() {
      if (cfg.temporal.mode !== 'dev') throw new Error('this stack runs no dev server');
      const next = await startDev();
      stack.devServer = next;
      return next;
    },
    async stop() {
      stopped = true;
      const standby = stack.standby;
      stack.standby = null;
      await Promise.all([stopChild(stack.api), stopChild(stack.worker), ...(standby ? [stopChild(standby)] : [])]);
      await stack.devServer?.stop();
      await cluster?.stop();
      serverLog?.end();
    },
  };
  try {
    await waitReady(stack.apiUrl, opts.readyTimeoutMs ?? 120_000, [
      [worker, join(logDir, 'worker.log')],
      [api, join(logDir, 'api.log')],
    ]);
  } catch (err) {
    await stack.stop();
    throw err;
  }
  if (opts.standbyWorker) spawnStandby();
  return stack;
}
