// The scale-out test's processes: a Temporal backend that can lose its history service, two API
// processes and two workers on one PostgreSQL state store, each process killable and restartable on
// its own. The Temporal backend is the only part that differs between the CLI dev server and the
// PostgreSQL-backed cluster: `TemporalBackend` is all the test sees of it.
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { workerEnv, type Config } from '../../core/config.ts';
import { startDevServer, type DevServer } from '../../scripts/dev-server.ts';
import { ensureBuilt, spawnNode, stopChild, waitReady } from '../../scripts/stack.ts';
import { killHard } from '../support/processes.ts';
import { dropClusterDatabases, startCluster } from '../../scripts/temporal-cluster.ts';


/** What the test needs of Temporal: where it is, and a way to take its history service down and up. */
export interface TemporalBackend {
  /** 'dev' (CLI dev server: the whole server stands in for its history service) or 'cluster'. */
  kind: 'dev' | 'cluster';
  address: string;
  namespace: string;
  /** SIGKILLs the history service (the dev server: the whole server) and waits for it to exit. */
  killHistory(): Promise<void>;
  /** Starts it again and waits until it serves. */
  startHistory(): Promise<void>;
  stop(): Promise<void>;
}

/** The CLI dev server on a SQLite file of its own; killing it and starting it again keeps the file. */
export async function devServerBackend(opts: { dataDir: string; namespace: string; ports: { port: number; httpPort: number; metricsPort: number; uiPort: number } }): Promise<TemporalBackend> {
  const log = createWriteStream(join(opts.dataDir, 'temporal.log'), { flags: 'a' });
  const options = {
    dbFile: join(opts.dataDir, 'temporal.db'),
    ...opts.ports,
    ui: false,
    namespace: opts.namespace,
    onOutput: (line: string) => log.write(`${line}\n`),
  };
  let server: DevServer | null = await startDevServer(options);
  return {
    kind: 'dev',
    address: server.address,
    namespace: opts.namespace,
    async killHistory() {
      if (server) await killHard(server.process);
      server = null;
    },
    async startHistory() {
      server = await startDevServer(options);
    },
    async stop() {
      await server?.stop();
      server = null;
    },
  };
}

/**
 * The PostgreSQL-backed cluster (four temporal-server processes) on databases `dbName` and
 * `${dbName}_visibility` of the server at `dbUrl`, dropped when it stops.
 */
export async function clusterBackend(opts: { dataDir: string; namespace: string; dbUrl: string; dbName: string; frontendPort: number; onProgress?: (msg: string) => void }): Promise<TemporalBackend> {
  const cluster = await startCluster({ dataDir: opts.dataDir, namespace: opts.namespace, dbUrl: opts.dbUrl, dbName: opts.dbName, frontendPort: opts.frontendPort, onProgress: opts.onProgress });
  return {
    kind: 'cluster',
    address: cluster.address,
    namespace: opts.namespace,
    killHistory: () => cluster.services.history.kill('SIGKILL'),
    startHistory: () => cluster.services.history.start(),
    async stop() {
      try {
        await cluster.stop();
      } finally {
        await dropClusterDatabases(opts.dbUrl, opts.dbName);
      }
    },
  };
}



/** One Kairos process (an API or a worker) that can be SIGKILLed and started again with the same environment. */
export class KairosProcess {
  child: ChildProcess | undefined;
  /** Every exit that the test did not ask for, with its code or signal. */
  readonly unexpectedExits: string[] = [];
  private expectingExit = false;

  constructor(
    readonly name: string,
    private readonly entry: string,
    private readonly env: NodeJS.ProcessEnv,
    readonly logFile: string,
    private readonly nodeFlags: string[] = [],
  ) {}

  start(): void {
    const child = spawnNode(this.entry, this.env, this.logFile, this.nodeFlags);
    this.expectingExit = false;
    child.once('exit', (code, signal) => {
      if (!this.expectingExit) this.unexpectedExits.push(`${this.name} exited by itself (${signal ?? `code ${code}`}) at ${new Date().toISOString()}; see ${this.logFile}`);
    });
    this.child = child;
  }

  async kill(): Promise<void> {
    this.expectingExit = true;
    if (this.child) await killHard(this.child);
  }

  async stop(): Promise<void> {
    this.expectingExit = true;
    if (this.child) await stopChild(this.child);
  }
}

/** One API instance: its process and where its surfaces listen. */
export interface ApiInstance {
  name: string;
  url: string;
  daprUrl: string;
  fusionUrl: string;
  process: KairosProcess;
}

export interface Fleet {
  apis: [ApiInstance, ApiInstance];
  workers: [KairosProcess, KairosProcess];
  /** Starts a killed API process again and waits until it answers /readyz (bounded). */
  restartApi(api: ApiInstance): Promise<void>;
  restartWorker(worker: KairosProcess): Promise<void>;
  /** Every exit of a Kairos process that the test did not cause. */
  unexpectedExits(): string[];
  stop(): Promise<void>;
}

/**
 * Two API and two worker processes. `envs[i]` is the i-th API's environment (validated into `cfgs[i]`);
 * its worker gets the part of it a worker reads.
 */
export async function startFleet(envs: [NodeJS.ProcessEnv, NodeJS.ProcessEnv], cfgs: [Config, Config], logDir: string): Promise<Fleet> {
  mkdirSync(logDir, { recursive: true });
  await ensureBuilt();
  const workers = envs.map(
    (env, i) => new KairosProcess(`worker-${i}`, 'worker/index.ts', workerEnv(env), join(logDir, `worker-${i}.log`), [`--max-old-space-size=${cfgs[i]?.workerMaxHeapMb ?? 512}`]),
  ) as [KairosProcess, KairosProcess];
  const apis = envs.map((env, i) => {
    const cfg = cfgs[i] as Config;
    return {
      name: `api-${i}`,
      url: `http://${cfg.host}:${cfg.port}`,
      daprUrl: `http://${cfg.host}:${cfg.dapr.port}`,
      fusionUrl: `http://${cfg.host}:${cfg.fusionPort}`,
      process: new KairosProcess(`api-${i}`, 'api/index.ts', env, join(logDir, `api-${i}.log`)),
    };
  }) as [ApiInstance, ApiInstance];
  for (const w of workers) w.start();
  for (const a of apis) a.process.start();
  const fleet: Fleet = {
    apis,
    workers,
    async restartApi(api) {
      await api.process.kill();
      api.process.start();
      await waitReady(api.url, 120_000, [[api.process.child as ChildProcess, api.process.logFile]]);
    },
    async restartWorker(worker) {
      await worker.kill();
      worker.start();
    },
    unexpectedExits: () => [...apis.map((a) => a.process), ...workers].flatMap((p) => p.unexpectedExits),
    async stop() {
      await Promise.all([...apis.map((a) => a.process.stop()), ...workers.map((w) => w.stop())]);
    },
  };
  try {
    for (const a of apis) await waitReady(a.url, 120_000, [[a.process.child as ChildProcess, a.process.logFile]]);
  } catch (err) {
    await fleet.stop();
    throw err;
  }
  return fleet;
}
