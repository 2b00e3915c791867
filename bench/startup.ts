// Start time and memory of the API and the worker, run from the TypeScript sources through tsx
// (how Kairos ran before the compiled build) and compiled (dist/, how `npm start` runs them now):
//   npx tsx bench/startup.ts [rounds=3]
// One dev server on free ports; each process is started alone against it, `rounds` times per mode,
// alternating. Start time: spawn → the API's "api listening" log line / the worker's first poll
// (its identity, <pid>@<host>, among the task queue's workflow pollers). Memory: the process's
// VmRSS at that moment, and the CPU time it had used (utime + stime from /proc: unlike the wall
// time, it hardly depends on what else the machine runs). tsx's esbuild service is a separate
// process, counted in neither.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, workerEnv } from '../core/config.ts';
import { bootstrapAdminInState } from '../core/auth/bootstrap.ts';
import { startDevServer } from '../scripts/dev-server.ts';
import { ensureBuilt, privateStackEnv, spawnNode, stopChild } from '../scripts/stack.ts';
import { isMessage, STANDBY_ENV, STANDBY_READY, TAKE_OVER } from '../worker/standby.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.argv[2] ?? 3);
type Mode = 'tsx' | 'compiled';
type Kind = 'api' | 'worker';

/** User + system CPU seconds of a process (/proc/<pid>/stat fields 14 and 15, in clock ticks of 1/100 s). */
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function main(): Promise<void> {
  await ensureBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'kairos-startup-'));
  const env = await privateStackEnv(dataDir, { user: 'bench-admin', password: 'bench-admin-password' });
  const cfg = loadConfig(env);
  const server = await startDevServer({
    dbFile: join(dataDir, 'temporal.db'),
    port: cfg.temporal.port,
    uiPort: cfg.temporal.uiPort,
    httpPort: cfg.temporal.httpPort,
    metricsPort: cfg.temporal.metricsPort,
    ui: false,
    namespace: cfg.temporal.namespace,
  });
  env.TEMPORAL_ADDRESS = server.address;
  await bootstrapAdminInState(loadConfig(env));
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: cfg.temporal.namespace });
  const flags: Record<Kind, string[]> = { api: [], worker: [`--max-old-space-size=${cfg.workerMaxHeapMb}`] };
  const envOf: Record<Kind, NodeJS.ProcessEnv> = { api: env, worker: workerEnv(env) };

  const start = (mode: Mode, kind: Kind): ChildProcess => {
    const log = join(dataDir, `${kind}-${mode}.log`);
    if (mode === 'compiled') return spawnNode(`${kind}/index.ts`, envOf[kind], log, flags[kind]);
    return spawn(process.execPath, [...flags[kind], '--import', 'tsx', join(root, kind, 'index.ts')], { cwd: root, env: envOf[kind], stdio: ['ignore', 'pipe', 'pipe'] });
  };

  const ready = async (kind: Kind, child: ChildProcess): Promise<void> => {
    if (kind === 'api') {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout?.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('"api listening"')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`the API exited (${code}): ${out}`)));
      });
      return;
    }
    const identity = `${child.pid}@${hostname()}`;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode})`);
      const res = await client.workflowService.describeTaskQueue({ namespace: cfg.temporal.namespace, taskQueue: { name: cfg.taskQueue }, taskQueueType: 1 });
      if ((res.pollers ?? []).some((p) => p.identity === identity)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const results: Record<string, { ms: number[]; mb: number[]; cpu: number[] }> = {};
  try {
    for (let i = 0; i < rounds; i++) {
      for (const kind of ['api', 'worker'] as const) {
        for (const mode of ['tsx', 'compiled'] as const) {
          const t0 = performance.now();
          const child = start(mode, kind);
          await ready(kind, child);
          const ms = performance.now() - t0;
          const mb = rssMb(child.pid ?? 0);
          const cpu = cpuSeconds(child.pid ?? 0);
          await stopChild(child);
          const r = (results[`${kind} ${mode}`] ??= { ms: [], mb: [], cpu: [] });
          r.ms.push(ms);
          r.mb.push(mb);
          r.cpu.push(cpu);
          console.error(`[startup] ${kind} ${mode}: ${(ms / 1000).toFixed(2)} s, ${cpu.toFixed(2)} s CPU, ${mb.toFixed(0)} MB`);
        }
      }
      // The standby: ready (standing by), then take-over → polling. CPU and memory at the first poll.
      const standby = spawnNode('worker/index.ts', { ...envOf.worker, [STANDBY_ENV]: '1' }, join(dataDir, 'worker-standby.log'), flags.worker, true);
      await new Promise<void>((resolve, reject) => {
        standby.on('message', (msg) => isMessage(msg, STANDBY_READY) && resolve());
        standby.once('exit', (code) => reject(new Error(`the standby worker exited (${code})`)));
      });
      const t0 = performance.now();
      standby.send(TAKE_OVER);
      await ready('worker', standby);
      const ms = performance.now() - t0;
      const r = (results['worker standby'] ??= { ms: [], mb: [], cpu: [] });
      r.ms.push(ms);
      r.mb.push(rssMb(standby.pid ?? 0));
      r.cpu.push(cpuSeconds(standby.pid ?? 0));
      await stopChild(standby);
      console.error(`[startup] worker standby: take-over → polling ${(ms / 1000).toFixed(2)} s`);
    }
  } finally {
    await connection.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  console.log(`node ${process.version}, ${rounds} rounds, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (medians)`);
  for (const [k, r] of Object.entries(results)) {
    console.log(`${k.padEnd(16)} ${(median(r.ms) / 1000).toFixed(2)} s wall  ${median(r.cpu).toFixed(2)} s CPU  ${median(r.mb).toFixed(0)} MB RSS`);
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).stack ?? err);
  process.exit(1);
});
