// A PostgreSQL-backed Temporal cluster that Kairos starts itself: the frontend, history, matching and
// worker services as four separate `temporal-server` processes (as in production, where each scales
// and fails on its own), persistence and visibility in two PostgreSQL databases. The dev server
// (scripts/dev-server.ts) runs the same server version in one process on SQLite.
//
// startCluster() makes the databases and their schemas (idempotently: a re-run only upgrades), writes
// the server's config file under the data dir (keeping the ports of the first start, so a restarted
// service comes back with the same ringpop identity), starts the four services, waits until each
// serves, and creates Kairos's namespace and search attributes. Every port is on 127.0.0.1.
//
// `npm run temporal:cluster` runs one in the foreground (main() at the bottom).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { applyEnvFile, ConfigError, loadConfig, type Config } from '../core/config.ts';
import { classifyTemporalError } from '../core/temporal/errors.ts';
import { ensureTemporalSetup } from '../core/temporal/setup.ts';
import { assertPortFree, freePort, PortInUseError } from './dev-server.ts';
import { temporalServerFiles, type TemporalServerFiles } from './temporal-bin.ts';

export interface ClusterOptions {
  /** Config files and per-service logs go here. */
  dataDir: string;
  /** KAIROS_TEMPORAL_DB_URL, default postgres://postgres@127.0.0.1:5432/postgres (its database is only used to create the cluster's). */
  dbUrl?: string;
  /** Default 'temporal' (and `${dbName}_visibility`). */
  dbName?: string;
  /** The frontend's gRPC port (what clients dial). All ports are bound to 127.0.0.1. */
  frontendPort: number;
  /** The frontend's HTTP API; a free port is chosen (and kept) when not given. */
  httpPort?: number;
  /** KAIROS_TEMPORAL_HISTORY_SHARDS, default 4. Fixed for the life of the database: the server refuses another value later. */
  historyShards?: number;
  /** Created if missing, with Kairos's search attributes. */
  namespace: string;
  /** Extra dynamic config (e.g. the scheduler's start rate), as the dev server's --dynamic-config-value. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** Bound on each wait for a service to serve (default 180 s: a cold start creates the shards). */
  readyTimeoutMs?: number;
  onProgress?: (msg: string) => void;
  /** A service exited without kill() or stop() (a crash): its name and how it ended. */
  onServiceExit?: (name: ClusterServiceName, code: number | null, signal: NodeJS.Signals | null) => void;
}

export type ClusterServiceName = 'frontend' | 'history' | 'matching' | 'worker';

export const CLUSTER_SERVICES: readonly ClusterServiceName[] = ['frontend', 'history', 'matching', 'worker'];

export interface ClusterService {
  readonly name: ClusterServiceName;
  /** The running process's id; undefined while it is stopped. */
  readonly pid: number | undefined;
  /** Its log file (`<dataDir>/temporal-<name>.log`). */
  readonly logFile: string;
  /** Signals the process (default SIGTERM) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** (Re)starts it with the same config and waits until it serves. */
  start(): Promise<void>;
}

export interface Cluster {
  /** The frontend, `127.0.0.1:<frontendPort>`. */
  address: string;
  namespace: string;
  services: Record<ClusterServiceName, ClusterService>;
  /** Every port the cluster listens on (all on 127.0.0.1). */
  ports: ClusterPorts;
  /** The server config file the services run with. */
  configFile: string;
  /** Stops the four services (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
}

/** gRPC and ringpop membership ports of one service (the frontend also has its HTTP API). */
export interface ServicePorts {
  grpc: number;
  membership: number;
}

export type ClusterPorts = Record<ClusterServiceName, ServicePorts> & { http: number };

/** PostgreSQL connection settings of the server config, from a postgres:// URL. */
export interface SqlEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The URL's database: where the cluster's databases are created from. */
  adminDatabase: string;
  /** The URL's query parameters (e.g. sslmode), passed to the server as connect attributes. */
  attributes: Record<string, string>;
}

export const DEFAULT_CLUSTER_DB_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_HISTORY_SHARDS = 4;
/** How long a namespace keeps closed workflows' histories. */
const RETENTION_DAYS = 7;
const CONFIG_FILE = 'temporal-cluster.yaml';
const DYNAMIC_CONFIG_FILE = 'temporal-dynamicconfig.yaml';
/** The task queue Temporal's worker service polls in the system namespace (its system workflows). */
const WORKER_SERVICE_TASK_QUEUE = 'default-worker-tq';

/** Parses KAIROS_TEMPORAL_DB_URL; throws naming the variable when it is not a postgres:// URL. */
export function parseDbUrl(url: string): SqlEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`KAIROS_TEMPORAL_DB_URL must be a postgres:// URL, got '${url}'`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new Error('KAIROS_TEMPORAL_DB_URL must be a postgres:// or postgresql:// URL');
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: Number(u.port) || 5432,
    user: decodeURIComponent(u.username) || 'postgres',
    password: decodeURIComponent(u.password),
    adminDatabase: decodeURIComponent(u.pathname.slice(1)) || 'postgres',
    attributes: Object.fromEntries(u.searchParams),
  };
}

/** A database name we create and quote: letters, digits and underscores (PostgreSQL's 63-byte limit, less `_visibility`). */
export function assertDbName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,51}$/.test(name)) throw new Error(`the Temporal database name '${name}' must be letters, digits and underscores (at most 52)`);
}

export interface ClusterConfigInput {
  sql: SqlEndpoint;
  dbName: string;
  historyShards: number;
  ports: ClusterPorts;
  dynamicConfigFile: string;
}

const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/**
 * The server's config (a pure function, unit-tested). Persistence and visibility on PostgreSQL
 * (`postgres12` plugin), ringpop membership on loopback, every service's ports explicit, a single
 * cluster, archival off, no metrics endpoint (four processes would need four), dynamic config from a file.
 */
export function clusterConfig(input: ClusterConfigInput): Record<string, unknown> {
  const { sql, dbName, historyShards, ports } = input;
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: hostPort(sql.host, sql.port),
      connectProtocol: 'tcp',
      user: sql.user,
      password: sql.password,
      ...(Object.keys(sql.attributes).length > 0 ? { connectAttributes: sql.attributes } : {}),
      // Per process: four processes share PostgreSQL's max_connections (100 by default) with Kairos.
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (name: ClusterServiceName) => ({
    rpc: {
      grpcPort: ports[name].grpc,
      membershipPort: ports[name].membership,
      bindOnLocalHost: true,
      ...(name === 'frontend' ? { httpPort: ports.http } : {}),
    },
  });
  return {
    log: { stdout: true, level: 'info', format: 'json' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: historyShards,
      datastores: {
        'postgres-default': datastore(dbName, 10),
        'postgres-visibility': datastore(`${dbName}_visibility`, 4),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
    },
    services: Object.fromEntries(CLUSTER_SERVICES.map((name) => [name, service(name)])),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports.frontend.grpc}` },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: input.dynamicConfigFile, pollInterval: '10s' },
  };
}

/**
 * The dynamic config file: what the dev server sets that Kairos relies on, plus the caller's values.
 * Kairos lists runs through visibility, whose default rate (10/s per frontend) the dev server raises to 100.
 */
export function dynamicConfig(extra: Record<string, string | number | boolean> = {}): Record<string, { value: string | number | boolean }[]> {
  const values: Record<string, string | number | boolean> = { 'frontend.namespaceRPS.visibility': 100, ...extra };
  return Object.fromEntries(Object.entries(values).map(([k, value]) => [k, [{ value }]]));
}

const HEADER = [
  '# Temporal server config, written by Kairos (scripts/temporal-cluster.ts) at each cluster start.',
  '# YAML in its JSON form, so that Kairos can read it back: the ports chosen at the first start are',
  '# kept across restarts (a restarted service keeps its ringpop identity); the rest is rewritten.',
];

/** The file's text: the header comment and the config as JSON (which is YAML). */
export function renderConfigFile(config: Record<string, unknown>): string {
  return `${HEADER.join('\n')}\n${JSON.stringify(config, null, 2)}\n`;
}

/** The ports in a config file written by renderConfigFile; undefined when there is none or it does not parse. */
export function portsFromConfigFile(text: string): Partial<ClusterPorts> | undefined {
  try {
    const config = JSON.parse(text.replace(/^#.*$/gm, '')) as { services?: Record<string, { rpc?: { grpcPort?: unknown; membershipPort?: unknown; httpPort?: unknown } }> };
    const ports: Partial<ClusterPorts> = {};
    for (const name of CLUSTER_SERVICES) {
      const rpc = config.services?.[name]?.rpc;
      if (typeof rpc?.grpcPort === 'number' && typeof rpc.membershipPort === 'number') ports[name] = { grpc: rpc.grpcPort, membership: rpc.membershipPort };
      if (name === 'frontend' && typeof rpc?.httpPort === 'number') ports.http = rpc.httpPort;
    }
    return ports;
  } catch {
    return undefined;
  }
}

async function isFree(port: number): Promise<boolean> {
  try {
    await assertPortFree(port, 'port');
    return true;
  } catch {
    return false;
  }
}

/**
 * Ringpop membership ports: Temporal's SQL schema stores them as SMALLINT (cluster_membership.rpc_port),
 * so they must be below 32768, where the OS's free-port choice (Linux's ephemeral range is
 * 32768–60999) never lands. Chosen at random in 20000–32767, which is also out of that range.
 */
export const MEMBERSHIP_PORT_RANGE = [20000, 32767] as const;

/** The ports to use: the frontend's and HTTP's as given, the others kept from the last start when still free, else new free ones. */
async function choosePorts(previous: Partial<ClusterPorts>, frontendPort: number, httpPort: number | undefined): Promise<ClusterPorts> {
  const taken = new Set<number>([frontendPort]);
  if (httpPort !== undefined) taken.add(httpPort);
  const keep = async (old: number | undefined, fits: (p: number) => boolean): Promise<number | undefined> => {
    if (old === undefined || taken.has(old) || !fits(old) || !(await isFree(old))) return undefined;
    taken.add(old);
    return old;
  };
  const grpc = async (old: number | undefined): Promise<number> => {
    const kept = await keep(old, () => true);
    if (kept !== undefined) return kept;
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  const [lo, hi] = MEMBERSHIP_PORT_RANGE;
  const membership = async (old: number | undefined): Promise<number> => {
    const kept = await keep(old, (p) => p >= lo && p <= hi);
    if (kept !== undefined) return kept;
    for (let i = 0; i < 500; i++) {
      const p = lo + Math.floor(Math.random() * (hi - lo + 1));
      if (!taken.has(p) && (await isFree(p))) {
        taken.add(p);
        return p;
      }
    }
    throw new Error(`no free port for Temporal's membership in ${lo}–${hi}`);
  };
  const ports = {} as ClusterPorts;
  ports.frontend = { grpc: frontendPort, membership: await membership(previous.frontend?.membership) };
  ports.http = httpPort ?? (await grpc(previous.http));
  for (const name of ['history', 'matching', 'worker'] as const) {
    ports[name] = { grpc: await grpc(previous[name]?.grpc), membership: await membership(previous[name]?.membership) };
  }
  return ports;
}

async function withPg<T>(sql: SqlEndpoint, database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ host: sql.host, port: sql.port, user: sql.user, password: sql.password, database });
  try {
    await c.connect();
  } catch (err) {
    throw new Error(`the Temporal cluster's PostgreSQL (KAIROS_TEMPORAL_DB_URL, ${hostPort(sql.host, sql.port)}, database ${database}) refused the connection: ${(err as Error).message}`, { cause: err });
  }
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function sqlToolEnv(sql: SqlEndpoint, database: string): NodeJS.ProcessEnv {
  // The password goes by environment, never on a command line other users can read.
  return {
    ...process.env,
    SQL_HOST: sql.host,
    SQL_PORT: String(sql.port),
    SQL_USER: sql.user,
    SQL_PASSWORD: sql.password,
    SQL_DATABASE: database,
    SQL_PLUGIN: 'postgres12',
    SQL_CONNECT_ATTRIBUTES: new URLSearchParams(sql.attributes).toString(),
  };
}

async function runTool(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((res, rej) => {
    child.once('error', rej);
    child.once('exit', res);
  });
  if (code !== 0) throw new Error(`temporal-sql-tool ${args.join(' ')} failed (exit ${code}):\n${output.trim().split('\n').slice(-15).join('\n')}`);
}

/**
 * Creates `<dbName>` and `<dbName>_visibility` when missing and brings their schemas to the version
 * the server ships: `setup-schema -v 0.0` only on a database without Temporal's version table, then
 * `update-schema` (a no-op when current) from the copied versioned directories.
 */
export async function ensureClusterDatabases(files: TemporalServerFiles, sql: SqlEndpoint, dbName: string, say: (msg: string) => void = () => {}): Promise<void> {
  assertDbName(dbName);
  for (const [database, kind] of [
    [dbName, 'temporal'],
    [`${dbName}_visibility`, 'visibility'],
  ] as const) {
    const created = await withPg(sql, sql.adminDatabase, async (c) => {
      const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (rowCount) return false;
      // The name passed assertDbName: safe to quote as an identifier.
      await c.query(`CREATE DATABASE "${database}"`);
      return true;
    });
    if (created) say(`created database ${database}`);
    const versioned = await withPg(sql, database, async (c) => (await c.query<{ t: string | null }>("SELECT to_regclass('schema_version')::text AS t")).rows[0]?.t != null);
    const env = sqlToolEnv(sql, database);
    if (!versioned) await runTool(files.sqlTool, ['setup-schema', '-v', '0.0'], env);
    await runTool(files.sqlTool, ['update-schema', '-d', join(files.schemaDir, kind, 'versioned')], env);
  }
}

/**
 * Forgets members of an earlier run that are gone: rows of Temporal's membership table on loopback
 * whose port nobody listens on. A starting service bootstraps its ring from the rows of the last
 * minutes and, finding only dead ones, retries for `maxJoinDuration` (30 s) and more before it
 * starts alone: a restart soon after a stop took ~50 s instead of ~2 s. Live members (a port in use)
 * are kept.
 */
async function pruneDeadMembers(sql: SqlEndpoint, dbName: string): Promise<number> {
  return await withPg(sql, dbName, async (c) => {
    const { rows } = await c.query<{ rpc_port: number }>("SELECT DISTINCT rpc_port FROM cluster_membership WHERE rpc_address = '127.0.0.1'");
    let pruned = 0;
    for (const { rpc_port: port } of rows) {
      if (await isFree(port)) pruned += (await c.query("DELETE FROM cluster_membership WHERE rpc_address = '127.0.0.1' AND rpc_port = $1", [port])).rowCount ?? 0;
    }
    return pruned;
  });
}

/** Drops the cluster's two databases (tests; the cluster must be stopped). */
export async function dropClusterDatabases(dbUrl: string, dbName: string): Promise<void> {
  assertDbName(dbName);
  const sql = parseDbUrl(dbUrl);
  await withPg(sql, sql.adminDatabase, async (c) => {
    for (const d of [dbName, `${dbName}_visibility`]) await c.query(`DROP DATABASE IF EXISTS "${d}" WITH (FORCE)`);
  });
}

/** The last lines of a file (a failed service's log). */
function tailOf(file: string, lines = 20): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';
}

/** Whether `text` appears in a file after byte `from` (a log line written by a process started at that offset). */
function logHas(file: string, from: number, text: string): boolean {
  const size = existsSync(file) ? statSync(file).size : 0;
  if (size <= from) return false;
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(size - from);
    readSync(fd, buf, 0, buf.length, from);
    return buf.includes(text);
  } finally {
    closeSync(fd);
  }
}

async function connect(address: string): Promise<Connection> {
  return await Connection.connect({ address, connectTimeout: 2000 });
}

/** Calls `probe` until it resolves true (bounded); fails early when `alive()` turns false. */
async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>, alive: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const dead = alive();
    if (dead) throw new Error(dead);
    try {
      if (await probe()) return;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface ServiceHandle extends ClusterService {
  /** Spawns the process without waiting (the first start launches three at once). */
  spawn(): void;
  /** Waits until it serves. */
  waitServing(): Promise<void>;
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const say = opts.onProgress ?? (() => {});
  const dataDir = resolve(opts.dataDir);
  const dbName = opts.dbName ?? 'temporal';
  const historyShards = opts.historyShards ?? DEFAULT_HISTORY_SHARDS;
  if (!Number.isInteger(historyShards) || historyShards < 1) throw new Error(`the history shard count must be a whole number ≥ 1, got ${historyShards}`);
  const sql = parseDbUrl(opts.dbUrl ?? DEFAULT_CLUSTER_DB_URL);
  const timeoutMs = opts.readyTimeoutMs ?? 180_000;
  mkdirSync(dataDir, { recursive: true });
  await assertPortFree(opts.frontendPort, 'KAIROS_TEMPORAL_PORT');
  if (opts.httpPort !== undefined) await assertPortFree(opts.httpPort, 'KAIROS_TEMPORAL_HTTP_PORT');

  say('getting temporal-server and temporal-sql-tool…');
  const files = await temporalServerFiles();
  say(`preparing databases ${dbName} and ${dbName}_visibility…`);
  await ensureClusterDatabases(files, sql, dbName, say);

  const configFile = join(dataDir, CONFIG_FILE);
  const dynamicConfigFile = join(dataDir, DYNAMIC_CONFIG_FILE);
  const previous = (existsSync(configFile) && portsFromConfigFile(readFileSync(configFile, 'utf8'))) || {};
  const ports = await choosePorts(previous, opts.frontendPort, opts.httpPort);
  // 0600: it holds the database password when the URL has one.
  writeFileSync(configFile, renderConfigFile(clusterConfig({ sql, dbName, historyShards, ports, dynamicConfigFile })), { mode: 0o600 });
  writeFileSync(dynamicConfigFile, `# Temporal dynamic config, written by Kairos at each cluster start.\n${JSON.stringify(dynamicConfig(opts.dynamicConfig), null, 2)}\n`);

  await pruneDeadMembers(sql, dbName);

  const address = `127.0.0.1:${opts.frontendPort}`;
  let conn: Connection | undefined;
  const frontendConn = async (): Promise<Connection> => (conn ??= await connect(address));
  const closeConn = async () => {
    const c = conn;
    conn = undefined;
    await c?.close();
  };

  // What proves each service serves, asked through the frontend (the way Kairos reaches them):
  // history answers NOT_FOUND for a workflow that does not exist, matching describes a task queue,
  // and Temporal's own worker service polls its task queue (a poll since `since`: the old process's
  // poller stays listed for minutes after it died).
  const probes: Record<ClusterServiceName, (since: number) => Promise<boolean>> = {
    frontend: async () => {
      await (await frontendConn()).workflowService.describeNamespace({ namespace: 'temporal-system' });
      return true;
    },
    history: async () => {
      try {
        await (await frontendConn()).workflowService.describeWorkflowExecution({ namespace: 'temporal-system', execution: { workflowId: `kairos-probe-${randomUUID()}` } });
        return true;
      } catch (err) {
        return classifyTemporalError(err)?.kind === 'not_found';
      }
    },
    matching: async () => {
      await (await frontendConn()).workflowService.describeTaskQueue({ namespace: 'temporal-system', taskQueue: { name: 'kairos-probe' }, taskQueueType: 1 });
      return true;
    },
    worker: async (since) => {
      const { pollers } = await (await frontendConn()).workflowService.describeTaskQueue({ namespace: 'temporal-system', taskQueue: { name: WORKER_SERVICE_TASK_QUEUE }, taskQueueType: 1 });
      // Whole seconds on the server's side: compare with the spawn time rounded down.
      return (pollers ?? []).some((p) => Number(p.lastAccessTime?.seconds ?? 0) * 1000 >= Math.floor(since / 1000) * 1000);
    },
  };

  const makeService = (name: ClusterServiceName): ServiceHandle => {
    const logFile = join(dataDir, `temporal-${name}.log`);
    let child: ChildProcess | undefined;
    let exit: Promise<void> = Promise.resolve();
    let logStart = 0;
    let spawnedAt = 0;
    let expectExit = false;
    const dead = (): string | undefined =>
      child && child.exitCode === null && child.signalCode === null
        ? undefined
        : `Temporal ${name} service exited (${child?.exitCode ?? child?.signalCode}); the end of ${logFile}:\n${tailOf(logFile)}`;
    const handle: ServiceHandle = {
      name,
      logFile,
      get pid() {
        return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
      },
      spawn() {
        logStart = existsSync(logFile) ? statSync(logFile).size : 0;
        spawnedAt = Date.now();
        const fd = openSync(logFile, 'a');
        try {
          // The process writes its log itself: it keeps logging whatever happens to this one.
          child = spawn(files.server, ['--config-file', configFile, '--allow-no-auth', 'start', '--service', name], { cwd: dataDir, stdio: ['ignore', fd, fd] });
        } finally {
          closeSync(fd);
        }
        const c = child;
        expectExit = false;
        exit = new Promise<void>((res) =>
          c.once('exit', (code, signal) => {
            if (!expectExit) opts.onServiceExit?.(name, code, signal);
            res();
          }),
        );
      },
      async waitServing() {
        await until(`Temporal ${name} service`, timeoutMs, async () => logHas(logFile, logStart, `Starting to serve on ${name} listener`) && (await probes[name](spawnedAt)), dead);
      },
      async kill(signal: NodeJS.Signals = 'SIGTERM') {
        const c = child;
        if (!c || c.exitCode !== null || c.signalCode !== null) return;
        expectExit = true;
        c.kill(signal);
        const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
        await exit;
        clearTimeout(timer);
      },
      async start() {
        if (handle.pid !== undefined) throw new Error(`Temporal ${name} service is running (pid ${handle.pid})`);
        await closeConn(); // a fresh channel: the old one may be backing off from the dead frontend
        handle.spawn();
        await handle.waitServing();
      },
    };
    return handle;
  };

  const services = Object.fromEntries(CLUSTER_SERVICES.map((n) => [n, makeService(n)])) as Record<ClusterServiceName, ServiceHandle>;
  const stop = async () => {
    await closeConn();
    await Promise.all(CLUSTER_SERVICES.map(async (n) => await services[n].kill('SIGTERM')));
  };
  try {
    say(`starting the Temporal frontend, history, matching and worker services (logs: ${join(dataDir, 'temporal-<service>.log')})…`);
    // The frontend first: every service writes the cluster's metadata record at its start when there
    // is none, and on an empty database four at once race for it (the losers exit). The frontend
    // serving means the record (and the system namespace) exists; the other three then start together.
    services.frontend.spawn();
    await services.frontend.waitServing();
    for (const n of ['history', 'matching', 'worker'] as const) services[n].spawn();
    say(`creating namespace ${opts.namespace} and Kairos's search attributes if missing…`);
    await until('namespace setup', timeoutMs, async () => {
      const c = await frontendConn();
      // The same setup every Kairos process does at start (it also waits until the frontend's
      // namespace cache serves the new namespace and attributes).
      await ensureTemporalSetup(c, { namespace: opts.namespace, mode: 'auto', retentionDays: RETENTION_DAYS });
      return true;
    }, () => services.frontend.pid === undefined ? 'Temporal frontend service exited' : undefined);
    for (const n of ['history', 'matching', 'worker'] as const) await services[n].waitServing();
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, namespace: opts.namespace, services, ports, configFile, stop };
}

/**
 * The ports of the cluster besides the frontend's gRPC and HTTP API (which Kairos's config names):
 * the value of KAIROS_TEMPORAL_INTERNAL_PORTS, so the egress policy denies them to jobs too.
 */
export function internalPorts(ports: ClusterPorts): number[] {
  return CLUSTER_SERVICES.flatMap((n) => (n === 'frontend' ? [ports[n].membership] : [ports[n].grpc, ports[n].membership]));
}

/** The cluster Kairos's configuration describes (KAIROS_TEMPORAL=cluster): `npm start` and `npm run temporal:cluster` start the same one. */
export function clusterOptionsFrom(cfg: Config): ClusterOptions {
  return {
    dataDir: join(cfg.dataDir, 'temporal-cluster'),
    dbUrl: cfg.temporal.cluster.dbUrl,
    dbName: cfg.temporal.cluster.dbName,
    frontendPort: cfg.temporal.port,
    httpPort: cfg.temporal.httpPort,
    historyShards: cfg.temporal.cluster.historyShards,
    namespace: cfg.temporal.namespace,
  };
}

/** `npm run temporal:cluster`: a cluster in the foreground until Ctrl-C, configured as `KAIROS_TEMPORAL=cluster npm start` would. */
async function main(): Promise<void> {
  const say = (msg: string) => process.stdout.write(`[temporal-cluster] ${msg}\n`);
  applyEnvFile();
  const cfg = loadConfig();
  const started = Date.now();
  let stopping = false;
  let cluster: Cluster | undefined = undefined; // set once started; stop() may run before
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await cluster?.stop();
    say('stopped');
    process.exit(code);
  };
  cluster = await startCluster({
    ...clusterOptionsFrom(cfg),
    onProgress: say,
    onServiceExit: (name, code, signal) => {
      if (stopping) return;
      say(`the ${name} service exited unexpectedly (${signal ?? `code ${code}`}); stopping the others`);
      void stop(1);
    },
  });
  say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  say(`Temporal:    ${cluster.address}   namespace ${cluster.namespace}   (no Web UI: the cluster has none)`);
  for (const s of CLUSTER_SERVICES) say(`  ${s.padEnd(9)} pid ${cluster.services[s].pid}   gRPC 127.0.0.1:${cluster.ports[s].grpc}   log ${cluster.services[s].logFile}`);
  say(`Config:      ${cluster.configFile}`);
  say('Point Kairos on this machine at it (the internal ports are denied to jobs like the frontend):');
  say(`  TEMPORAL_ADDRESS=${cluster.address} TEMPORAL_NAMESPACE=${cluster.namespace} KAIROS_TEMPORAL_INTERNAL_PORTS=${internalPorts(cluster.ports).join(',')} npm start`);
  say('or let `npm start` run the cluster itself: KAIROS_TEMPORAL=cluster npm start. Ctrl-C stops the four services.');
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(`[temporal-cluster] ${err instanceof ConfigError || err instanceof PortInUseError ? err.message : ((err as Error).stack ?? String(err))}`);
    process.exit(1);
  });
}
