// `npm start`: the embedded Temporal dev server (SQLite under KAIROS_DATA_DIR, Web UI) or with
// KAIROS_TEMPORAL=cluster a PostgreSQL-backed cluster (scripts/temporal-cluster.ts), the worker
// and the API. A process that crashes is restarted with back-off while the others keep serving
// (scripts/supervise.ts); Ctrl-C / SIGTERM stops every child cleanly; a restart keeps every job and
// all history.
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyEnvFile, assertApiConfig, ConfigError, loadConfig } from '../core/config.ts';
import { bootstrapAdminInState } from '../core/auth/bootstrap.ts';
import { launchStack, type Stack } from './stack.ts';
import { PortInUseError } from './dev-server.ts';
import { describeExit, Supervisor } from './supervise.ts';
import type { ClusterServiceName } from './temporal-cluster.ts';
const say = (msg: string) => process.stdout.write(`[kairos] ${msg}\n`);

async function main(): Promise<void> {
  // The environment wins over .env; the children get the merged environment (the worker only its part).
  const envFile = applyEnvFile();
  const cfg = loadConfig();
  assertApiConfig(cfg);
  const started = Date.now();
  const admin = await bootstrapAdminInState(cfg);
  // Until supervision starts (a crash during start-up fails launchStack itself).
  let onServiceExit = (name: ClusterServiceName, code: number | null, signal: NodeJS.Signals | null): void => {
    say(`the Temporal ${name} service exited unexpectedly (${describeExit(code, signal)})`);
  };
  // processes.json names the standby too (rewritten when a new one starts, once the file exists).
  let onStandbyStart = (): void => {};
  let onStandbyExit = (code: number | null, signal: NodeJS.Signals | null): void => {
    say(`the standby worker exited (${describeExit(code, signal)})`);
  };
  const stack = await launchStack(cfg, {
    env: process.env,
    onProgress: say,
    standbyWorker: cfg.workerStandby,
    onStandbyStart: () => onStandbyStart(),
    onStandbyExit: (code, signal) => onStandbyExit(code, signal),
    onClusterServiceExit: (name, code, signal) => onServiceExit(name, code, signal),
  });
  if (envFile) say(`read ${envFile} (the environment wins over it)`);
  say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  say(`Dashboard:   ${stack.apiUrl}/ui/`);
  say(`API:         ${stack.apiUrl}   (try: curl -u USER:PASSWORD ${stack.apiUrl}/v1/jobs)`);
  if (stack.cluster) {
    say(`Temporal:    ${stack.temporalAddress}   cluster on PostgreSQL (${cfg.temporal.cluster.dbName}, ${cfg.temporal.cluster.dbName}_visibility); no Web UI (the cluster has none)`);
    say(`Data dir:    ${cfg.dataDir}   (logs: worker.log, api.log, supervisor.log, temporal-cluster/temporal-<service>.log)`);
  } else {
    say(`Temporal:    ${stack.temporalAddress}${stack.uiUrl ? `   Web UI: ${stack.uiUrl}` : ''}`);
    say(`Data dir:    ${cfg.dataDir}   (logs: temporal.log, worker.log, api.log, supervisor.log)`);
  }
  if (admin.generated) {
    say(`Admin login: ${admin.username} / ${admin.password}   (generated; shown once, stored hashed in ${admin.location})`);
  } else if (admin.username) {
    say(`Admin login: ${admin.username} (password from KAIROS_ADMIN_PASSWORD)`);
  } else {
    say(`Admin login: the credentials created at the first start (stored hashed in ${admin.location})`);
  }
  say('Authenticate with HTTP Basic (curl -u) or Authorization: Bearer <api key> (create keys at POST /v1/api-keys).');

  // Who runs now, for operators and the supervision test: rewritten at every restart.
  const pidsFile = join(cfg.dataDir, 'processes.json');
  const writePids = () => writeFileSync(pidsFile, `${JSON.stringify(processIds(stack), null, 2)}\n`);
  const supervisorLog = join(cfg.dataDir, 'supervisor.log');
  const supervisor = new Supervisor({
    report: (msg) => {
      say(msg);
      appendFileSync(supervisorLog, `${new Date().toISOString()} ${msg}\n`);
      writePids();
    },
  });
  writePids();
  onStandbyStart = writePids;
  say(`Processes:   ${pidsFile}   (restarts: ${supervisorLog})`);

  // The worker and the API come back as new processes with the same environment and log file; a
  // dead worker's place goes at once to the standby worker when one is ready (KAIROS_WORKER_STANDBY).
  for (const which of ['worker', 'api'] as const) {
    const name = which === 'api' ? 'API' : 'worker';
    const onExit = supervisor.watch({
      name,
      restart: async () => {
        const child = (which === 'worker' ? stack.takeOver() : undefined) ?? stack.respawn(which);
        child.once('exit', onExit);
        return child.pid;
      },
      ...(which === 'worker' ? { replacementReady: () => stack.standbyReady() } : {}),
    });
    watchExit(stack[which], onExit);
  }
  // A standby that dies while standing by is started again with back-off (no work was lost with it).
  if (stack.standby) {
    onStandbyExit = supervisor.watch({
      name: 'the standby worker',
      restart: async () => stack.respawnStandby().pid,
    });
  }
  // The dev server comes back on the same database file and ports: the worker's and the API's
  // Temporal connections retry meanwhile and find it again.
  if (stack.devServer) {
    const onExit = supervisor.watch({
      name: 'the Temporal dev server',
      restart: async () => {
        const dev = await stack.restartDevServer();
        dev.process.once('exit', onExit);
        return dev.process.pid;
      },
    });
    watchExit(stack.devServer.process, onExit);
  }
  // A cluster service is restarted on its own (the others keep serving); start() waits until it serves.
  if (stack.cluster) {
    const cluster = stack.cluster;
    const handlers = Object.fromEntries(
      (Object.keys(cluster.services) as ClusterServiceName[]).map((n) => [
        n,
        supervisor.watch({
          name: `the Temporal ${n} service`,
          restart: async () => {
            await cluster.services[n].start();
            return cluster.services[n].pid;
          },
        }),
      ]),
    ) as Record<ClusterServiceName, (code: number | null, signal: NodeJS.Signals | null) => void>;
    onServiceExit = (n, code, signal) => handlers[n](code, signal);
  }

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await supervisor.stop();
    await stack.stop();
    say('stopped');
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
}

/** Calls `onExit` when `child` exits, or now if it exited already (during the start-up output, before anyone listened). */
function watchExit(child: ChildProcess, onExit: (code: number | null, signal: NodeJS.Signals | null) => void): void {
  if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
  else child.once('exit', onExit);
}

/** The pids of everything `npm start` runs (`<dataDir>/processes.json`). */
function processIds(stack: Stack): Record<string, unknown> {
  return {
    start: process.pid,
    worker: stack.worker.pid,
    ...(stack.standby ? { standby: stack.standby.pid } : {}),
    api: stack.api.pid,
    ...(stack.devServer ? { temporal: stack.devServer.process.pid } : {}),
    ...(stack.cluster
      ? { temporal: Object.fromEntries(Object.entries(stack.cluster.services).map(([n, s]) => [n, s.pid])) }
      : {}),
  };
}

main().catch((err: unknown) => {
  console.error(`[kairos] ${err instanceof ConfigError || err instanceof PortInUseError ? err.message : ((err as Error).stack ?? String(err))}`);
  process.exit(1);
});
