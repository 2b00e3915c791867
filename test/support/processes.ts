// A private Kairos stack for tests and benchmarks that kill or measure processes: its own Temporal
// (the dev server on free ports with its own SQLite file in a temp dir, or with `temporal: 'cluster'`
// the PostgreSQL-backed cluster on free ports with databases of its own, dropped at stop), worker and
// API. Temporal is started here rather than by launchStack so that it can be SIGKILLed and restarted
// on the same data; the worker and API come from launchStack (TEMPORAL_ADDRESS points them at it).
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import pg from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../core/config.ts';
import { bootstrapAdminInState } from '../../core/auth/bootstrap.ts';
import { startDevServer, type DevServer } from '../../scripts/dev-server.ts';
import { launchStack, privateStackEnv, waitReady as waitReadyAt, type Stack } from '../../scripts/stack.ts';
import { TEMPORAL_CLI_VERSION, TEMPORAL_SERVER_VERSION } from '../../scripts/temporal-bin.ts';
import { CLUSTER_SERVICES, DEFAULT_CLUSTER_DB_URL, DEFAULT_HISTORY_SHARDS, dropClusterDatabases, internalPorts, startCluster, type Cluster } from '../../scripts/temporal-cluster.ts';


/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; 0 if it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

export interface OwnStack {
  cfg: Config;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  apiUrl: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  /** Authorization header of the bootstrapped admin. */
  auth: string;
  /** Which Temporal this stack runs. */
  temporal: 'dev' | 'cluster';
  /** That Temporal in words, for reports: version and persistence. */
  temporalDescription: string;
  /** The cluster's services (per-service faults), when `temporal` is 'cluster'. */
  cluster: Cluster | null;
  /** Process ids: `temporal` lists the dev server, or the cluster's four services. */
  pids(): { temporal: number[]; worker?: number; api?: number };
  /** SIGKILLs the worker and starts a new one. */
  killWorker(): Promise<void>;
  /** SIGKILLs the worker and starts none (startWorker does), e.g. to keep it down while Temporal is. */
  stopWorker(): Promise<void>;
  /** Starts a worker again after stopWorker. */
  startWorker(): void;
  /** SIGKILLs the dev server (its SQLite file stays), or every service of the cluster (its databases stay). */
  killDevServer(): Promise<void>;
  /** Starts the dev server again on the same port and SQLite file, or the cluster's services on theirs. */
  startDevServer(): Promise<void>;
  /** SIGKILLs the API process. */
  killApi(): Promise<void>;
  /** Starts a new API process and waits until it answers /readyz. */
  startApi(): Promise<void>;
  /** Waits until the API answers /readyz (Temporal reachable, a worker polling). */
  waitReady(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface OwnStackOptions {
  /** The dev server (default) or the PostgreSQL-backed cluster (KAIROS_TEMPORAL_DB_URL, default local PostgreSQL). */
  temporal?: 'dev' | 'cluster';
  /** Temporal dynamic config, on either (the cluster writes it to its dynamic config file). */
  dynamicConfig?: Record<string, string | number | boolean>;
  logLevel?: string;
  onProgress?: (msg: string) => void;
  /** Extra environment of the stack's processes (e.g. small quotas). */
  env?: NodeJS.ProcessEnv;
}

const ADMIN_USER = 'admin';
const ADMIN_PASSWORD = 'own-stack-admin-pw';

/** SIGKILLs `child` and resolves once it has exited (at once if it already has). */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/** The PostgreSQL server's version (for the description of a cluster stack); '' when it cannot be read. */
async function postgresVersion(dbUrl: string): Promise<string> {
  const c = new pg.Client({ connectionString: dbUrl });
  try {
    await c.connect();
    const r = await c.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return r.rows[0]?.v.split(' ')[0] ?? '';
  } catch {
    return '';
  } finally {
    await c.end().catch(() => {});
  }
}

/** A private stack's Temporal: started, stopped and killed the same way whichever it is. */
interface OwnTemporal {
  description: string;
  pids(): number[];
  kill(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and (unless KAIROS_KEEP_TEST_DATA) removes what it stored outside the data dir. */
  stop(): Promise<void>;
}

async function startOwnDevServer(dataDir: string, env: NodeJS.ProcessEnv, opts: OwnStackOptions): Promise<OwnTemporal> {
  const cfg = loadConfig(env);
  const serverLog = createWriteStream(join(dataDir, 'temporal.log'), { flags: 'a' });
  const devServerOptions = {
    dbFile: join(dataDir, 'temporal.db'),
    port: cfg.temporal.port,
    uiPort: cfg.temporal.uiPort,
    httpPort: cfg.temporal.httpPort,
    metricsPort: cfg.temporal.metricsPort,
    namespace: cfg.temporal.namespace,
    dynamicConfig: opts.dynamicConfig,
    onOutput: (line: string) => serverLog.write(`${line}\n`),
  };
  opts.onProgress?.('starting a private Temporal dev server…');
  let devServer: DevServer | null = await startDevServer(devServerOptions);
  return {
    description: `Temporal CLI ${TEMPORAL_CLI_VERSION} dev server (SQLite)`,
    pids: () => (devServer?.process.pid ? [devServer.process.pid] : []),
    async kill() {
      if (devServer) await killHard(devServer.process);
      devServer = null;
    },
    async start() {
      devServer = await startDevServer(devServerOptions);
    },
    async stop() {
      await devServer?.stop();
    },
  };
}

let clusterSeq = 0;

/**
 * A private cluster: databases `kairos_own_<pid>_<n>_<time>` (and `…_visibility`), dropped at stop.
 * Its internal ports go to KAIROS_TEMPORAL_INTERNAL_PORTS in `env` (denied to jobs, as the launcher does).
 */
async function startOwnCluster(dataDir: string, env: NodeJS.ProcessEnv, opts: OwnStackOptions): Promise<OwnTemporal> {
  const dbUrl = env.KAIROS_TEMPORAL_DB_URL ?? DEFAULT_CLUSTER_DB_URL;
  const dbName = `kairos_own_${process.pid}_${clusterSeq++}_${Date.now().toString(36)}`;
  const shards = env.KAIROS_TEMPORAL_HISTORY_SHARDS === undefined ? DEFAULT_HISTORY_SHARDS : Number(env.KAIROS_TEMPORAL_HISTORY_SHARDS);
  let cluster: Cluster;
  try {
    cluster = await startCluster({
      dataDir: join(dataDir, 'temporal-cluster'),
      dbUrl,
      dbName,
      frontendPort: Number(env.KAIROS_TEMPORAL_PORT),
      httpPort: Number(env.KAIROS_TEMPORAL_HTTP_PORT),
      historyShards: shards,
      namespace: env.TEMPORAL_NAMESPACE ?? loadConfig(env).temporal.namespace,
      dynamicConfig: opts.dynamicConfig,
      onProgress: opts.onProgress,
    });
  } catch (err) {
    if (!process.env.KAIROS_KEEP_TEST_DATA) await dropClusterDatabases(dbUrl, dbName);
    throw err;
  }
  env.KAIROS_TEMPORAL_DB_NAME = dbName;
  env.KAIROS_TEMPORAL_INTERNAL_PORTS = internalPorts(cluster.ports).join(',');
  // The worker and the API talk to the frontend; neither needs the database behind it.
  delete env.KAIROS_TEMPORAL_DB_URL;
  const pgVersion = await postgresVersion(dbUrl);
  return {
    description: `temporal-server ${TEMPORAL_SERVER_VERSION} cluster (${CLUSTER_SERVICES.length} services, ${shards} history shards, PostgreSQL${pgVersion ? ` ${pgVersion}` : ''})`,
    pids: () => CLUSTER_SERVICES.map((n) => cluster.services[n].pid).filter((x): x is number => x !== undefined),
    async kill() {
      await Promise.all(CLUSTER_SERVICES.map(async (n) => await cluster.services[n].kill('SIGKILL')));
    },
    async start() {
      // The frontend first, as startCluster does; then the others.
      await cluster.services.frontend.start();
      await Promise.all(CLUSTER_SERVICES.filter((n) => n !== 'frontend').map(async (n) => await cluster.services[n].start()));
    },
    async stop() {
      try {
        await cluster.stop();
      } finally {
        if (!process.env.KAIROS_KEEP_TEST_DATA) await dropClusterDatabases(dbUrl, dbName);
      }
    },
    ...{ cluster },
  } as OwnTemporal & { cluster: Cluster };
}

export async function startOwnStack(opts: OwnStackOptions = {}): Promise<OwnStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kairos-own-'));
  const env = await privateStackEnv(dataDir, { user: ADMIN_USER, password: ADMIN_PASSWORD }, { KAIROS_LOG_LEVEL: opts.logLevel ?? 'warn', ...opts.env });
  const kind = opts.temporal ?? 'dev';
  // This stack manages its own Temporal (to kill and restart it), so its processes connect to it by
  // address; KAIROS_TEMPORAL still says which kind it is (the cluster has no Web UI to link).
  env.TEMPORAL_ADDRESS = `127.0.0.1:${env.KAIROS_TEMPORAL_PORT}`;
  env.KAIROS_TEMPORAL = kind;
  let temporal: OwnTemporal;
  try {
    temporal = kind === 'cluster' ? await startOwnCluster(dataDir, env, opts) : await startOwnDevServer(dataDir, env, opts);
  } catch (err) {
    if (!process.env.KAIROS_KEEP_TEST_DATA) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const cfg = loadConfig(env);
  let stack: Stack;
  try {
    await bootstrapAdminInState(cfg);
    opts.onProgress?.('starting a private worker and API…');
    stack = await launchStack(cfg, { env });
  } catch (err) {
    await temporal.stop();
    throw err;
  }
  const apiUrl = stack.apiUrl;

  const waitReady = async (timeoutMs = 120_000): Promise<void> => await waitReadyAt(apiUrl, timeoutMs);

  const own: OwnStack = {
    cfg,
    env,
    dataDir,
    apiUrl,
    temporalAddress: cfg.temporal.address,
    namespace: cfg.temporal.namespace,
    taskQueue: cfg.taskQueue,
    auth: `Basic ${Buffer.from(`${ADMIN_USER}:${ADMIN_PASSWORD}`).toString('base64')}`,
    temporal: kind,
    temporalDescription: temporal.description,
    cluster: (temporal as OwnTemporal & { cluster?: Cluster }).cluster ?? null,
    pids: () => ({ temporal: temporal.pids(), worker: stack.worker.pid, api: stack.api.pid }),
    async killWorker() {
      await stack.restartWorker('SIGKILL');
    },
    async stopWorker() {
      await killHard(stack.worker);
    },
    startWorker() {
      stack.respawn('worker');
    },
    async killDevServer() {
      await temporal.kill();
    },
    async startDevServer() {
      await temporal.start();
    },
    async killApi() {
      await killHard(stack.api);
    },
    async startApi() {
      stack.respawn('api'); // spawned as launchStack spawns it; stack.stop() stops the current one
      await waitReady();
    },
    waitReady,
    async stop() {
      try {
        await stack.stop();
        await temporal.stop();
      } finally {
        if (!process.env.KAIROS_KEEP_TEST_DATA) rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
  return own;
}
