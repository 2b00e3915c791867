// Starts the Temporal CLI dev server (SQLite persistence + Web UI) as a child process and waits,
// bounded, until its frontend answers. We spawn it ourselves rather than use the SDK's createLocal():
// that gives the server only a few seconds to come up, too little on a 2-core machine.
//
// Every port it opens that we can name is bound to 127.0.0.1 and given explicitly (frontend, Web UI,
// HTTP API, metrics), so the egress policy can deny each one: whoever reaches the frontend or the
// UI's HTTP API holds the whole namespace. Its internal services (history, matching, worker) take
// random loopback ports the CLI does not let us set; the default deny of loopback covers them.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../core/search-attributes.ts';
import { temporalBinary } from './temporal-bin.ts';

export interface DevServerOptions {
  dbFile: string;
  port: number;
  uiPort: number;
  /** The frontend's HTTP API (the CLI would pick a random free port). */
  httpPort: number;
  /** The /metrics endpoint (the CLI would pick a random free port). */
  metricsPort: number;
  /** false: no Web UI at all (`--headless`). Default true. */
  ui?: boolean;
  namespace: string;
  /** Names the environment variable that sets each port, for a clear "port taken" message. */
  portVariables?: { port: string; uiPort: string; httpPort: string; metricsPort: string };
  logLevel?: string;
  /** Passed as --dynamic-config-value KEY=VALUE (e.g. raising the scheduler's start rate). */
  dynamicConfig?: Record<string, string | number | boolean>;
  readyTimeoutMs?: number;
  onOutput?: (line: string) => void;
}

export interface DevServer {
  address: string;
  /** null when headless. */
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

export class PortInUseError extends Error {}

export async function assertPortFree(port: number, variable: string, host = '127.0.0.1'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new PortInUseError(`port ${port} is already in use; set ${variable} to a free port`)
          : err,
      ),
    );
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}

/** Every port freePort handed out in this process: none is handed out twice. */
const handedOut = new Set<number>();

/**
 * A port free on 127.0.0.1 now, and not one this process handed out before: callers pick several
 * ports before anything binds them (a stack's env), and the OS may give a just-released port again
 * (a Dapr app URL once got the Temporal Web UI's port that way).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await anyFreePort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

async function anyFreePort(): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The dev server lost a race for a port to itself: the CLI picks its internal services' ports (history,
 * matching, worker) as ports free at that moment, which can be the one given for its frontend before
 * the frontend binds it. Starting again picks other internal ports.
 */
class InternalPortRace extends Error {}

/** Starts the dev server; a start lost to the CLI's own port race (InternalPortRace) is tried again, twice at most. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServerOnce(opts);
    } catch (err) {
      if (!(err instanceof InternalPortRace) || attempt >= 3) throw err;
    }
  }
}

async function startDevServerOnce(opts: DevServerOptions): Promise<DevServer> {
  const vars = opts.portVariables ?? {
    port: 'KAIROS_TEMPORAL_PORT',
    uiPort: 'KAIROS_UI_PORT',
    httpPort: 'KAIROS_TEMPORAL_HTTP_PORT',
    metricsPort: 'KAIROS_TEMPORAL_METRICS_PORT',
  };
  const ui = opts.ui ?? true;
  await assertPortFree(opts.port, vars.port);
  if (ui) await assertPortFree(opts.uiPort, vars.uiPort);
  await assertPortFree(opts.httpPort, vars.httpPort);
  await assertPortFree(opts.metricsPort, vars.metricsPort);
  const bin = await temporalBinary();
  const args = [
    'server', 'start-dev',
    '--db-filename', opts.dbFile,
    // --ip binds the frontend, its HTTP API, metrics and internal services; --ui-ip the Web UI
    // (it defaults to --ip, said explicitly so that a CLI change of default cannot expose it).
    '--ip', '127.0.0.1',
    '--port', String(opts.port),
    '--http-port', String(opts.httpPort),
    '--metrics-port', String(opts.metricsPort),
    ...(ui ? ['--ui-ip', '127.0.0.1', '--ui-port', String(opts.uiPort)] : ['--headless']),
    '--namespace', opts.namespace,
    '--log-level', opts.logLevel ?? 'warn',
    '--log-format', 'json',
  ];
  for (const [name, type] of SEARCH_ATTRIBUTE_DEFINITIONS) args.push('--search-attribute', `${name}=${type}`);
  for (const [k, v] of Object.entries(opts.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);

  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const recent: string[] = [];
  const onLine = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      recent.push(line);
      if (recent.length > 30) recent.shift();
      opts.onOutput?.(line);
    }
  };
  child.stdout?.on('data', onLine);
  child.stderr?.on('data', onLine);
  let exited: number | null | undefined;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      resolve();
    }),
  );

  const address = `127.0.0.1:${opts.port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 120_000);
  for (;;) {
    if (exited !== undefined) {
      const message = `Temporal dev server exited with code ${exited} before it was ready:\n${recent.join('\n')}`;
      if (recent.some((l) => l.includes('address already in use'))) {
        // Our own ports still free: the clash was between the CLI's ports, not with another process.
        const ours = [opts.port, opts.httpPort, opts.metricsPort, ...(ui ? [opts.uiPort] : [])];
        const free = await Promise.all(ours.map((p) => assertPortFree(p, 'port').then(() => true, () => false)));
        if (free.every(Boolean)) throw new InternalPortRace(message);
      }
      throw new Error(message);
    }
    try {
      const conn = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await conn.workflowService.describeNamespace({ namespace: opts.namespace });
        break;
      } finally {
        await conn.close();
      }
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Temporal dev server not ready after ${opts.readyTimeoutMs ?? 120_000} ms:\n${recent.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  return {
    address,
    uiUrl: ui ? `http://127.0.0.1:${opts.uiPort}` : null,
    process: child,
    async stop() {
      if (exited !== undefined) return;
      // SIGTERM lets the server close its SQLite file cleanly; SIGKILL only if it hangs.
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}
