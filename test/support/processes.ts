// A private Kairos stack for tests and benchmarks that kill or measure processes: its own dev server
// (on free ports, with its own SQLite file in a temp dir), worker and API. The dev server is started
// here rather than by launchStack so that it can be SIGKILLed and restarted on the same file; the
// worker and API come from launchStack (TEMPORAL_ADDRESS points them at that server).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../../core/config.ts';
import { bootstrapAdminInState } from '../../core/auth/bootstrap.ts';
import { startDevServer, type DevServer } from '../../scripts/dev-server.ts';
import { launchStack, privateStackEnv, waitReady as waitReadyAt, type Stack } from '../../scripts/stack.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

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
  pids(): { devServer?: number; worker?: number; api?: number };
  /** SIGKILLs the worker and starts a new one. */
  killWorker(): Promise<void>;
  /** SIGKILLs the dev server (its SQLite file stays). */
  killDevServer(): Promise<void>;
  /** Starts the dev server again on the same port and SQLite file. */
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
  dynamicConfig?: Record<string, string | number | boolean>;
  logLevel?: string;
  onProgress?: (msg: string) => void;
  /** Extra environment of the stack's processes (e.g. small quotas). */
  env?: NodeJS.ProcessEnv;
}

const ADMIN_USER = 'admin';
const ADMIN_PASSWORD = 'own-stack-admin-pw';

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

export async function startOwnStack(opts: OwnStackOptions = {}): Promise<OwnStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kairos-own-'));
  const env = await privateStackEnv(dataDir, { user: ADMIN_USER, password: ADMIN_PASSWORD }, { KAIROS_LOG_LEVEL: opts.logLevel ?? 'warn', ...opts.env });
  const temporalPort = Number(env.KAIROS_TEMPORAL_PORT);
  const uiPort = Number(env.KAIROS_UI_PORT);
  // This stack manages its own dev server (to kill and restart it), so its processes connect to it by address.
  env.TEMPORAL_ADDRESS = `127.0.0.1:${temporalPort}`;
  const cfg = loadConfig(env);
  await bootstrapAdminInState(cfg);

  const serverLog = createWriteStream(join(dataDir, 'temporal.log'), { flags: 'a' });
  const devServerOptions = {
    dbFile: join(dataDir, 'temporal.db'),
    port: temporalPort,
    uiPort,
    httpPort: cfg.temporal.httpPort,
    metricsPort: cfg.temporal.metricsPort,
    namespace: cfg.temporal.namespace,
    dynamicConfig: opts.dynamicConfig,
    onOutput: (line: string) => serverLog.write(`${line}\n`),
  };
  opts.onProgress?.('starting a private Temporal dev server…');
  let devServer: DevServer | null = await startDevServer(devServerOptions);
  let stack: Stack;
  try {
    opts.onProgress?.('starting a private worker and API…');
    stack = await launchStack(cfg, { env });
  } catch (err) {
    await devServer.stop();
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
    pids: () => ({ devServer: devServer?.process.pid, worker: stack.worker.pid, api: stack.api.pid }),
    async killWorker() {
      await stack.restartWorker('SIGKILL');
    },
    async killDevServer() {
      if (devServer) await killHard(devServer.process);
      devServer = null;
    },
    async startDevServer() {
      devServer = await startDevServer(devServerOptions);
    },
    async killApi() {
      await killHard(stack.api);
    },
    async startApi() {
      const log = createWriteStream(join(dataDir, 'api.log'), { flags: 'a' });
      const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'api/index.ts')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.pipe(log);
      child.stderr.pipe(log);
      stack.api = child; // stack.stop() stops the current one
      await waitReady();
    },
    waitReady,
    async stop() {
      try {
        await stack.stop();
        await devServer?.stop();
      } finally {
        if (!process.env.KAIROS_KEEP_TEST_DATA) rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
  return own;
}
