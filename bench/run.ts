// `npm run bench` (BENCH_SCALE=quick|full, default full; BENCH_ONLY=create,runnow,lateness,burst,scale).
// Starts one fresh private stack (Temporal dev server on its own SQLite file, worker, API), runs every
// benchmark Kairos-vs-raw-SDK with A/B alternating per round, prints a table and writes JSON under
// bench/results/. Benchmarks print numbers; they never pass or fail.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOwnStack } from '../test/support/processes.ts';
import { TEMPORAL_CLI_VERSION } from '../scripts/temporal-bin.ts';
import { idMaker, type Bench, type BenchResult } from './benchmarks/common.ts';
import { createBench } from './benchmarks/create.ts';
import { runNowBench } from './benchmarks/run-now.ts';
import { burstBench, latenessBench } from './benchmarks/firing.ts';
import { scaleBench } from './benchmarks/scale.ts';
import { table, type Row } from './lib/report.ts';
import { scaleFromEnv } from './lib/scale.ts';
import { connect, kairosSide, rawSide, templateInput, type BenchContext } from './lib/sides.ts';
import { startBenchTarget } from './lib/target.ts';
import { median } from './lib/stats.ts';

/** Schedules start at most this many workflows per second per namespace (default 30): raised for the bursts. */
const SCHEDULER_RPS = 2000;
const ALL = ['create', 'runnow', 'lateness', 'burst', 'scale'] as const;

async function main(): Promise<void> {
  const scale = scaleFromEnv();
  const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const o of only) if (!(ALL as readonly string[]).includes(o)) throw new Error(`BENCH_ONLY: unknown benchmark "${o}" (one of ${ALL.join(', ')})`);
  const wanted = (name: (typeof ALL)[number]) => only.length === 0 || only.includes(name);
  const started = new Date();
  const log = (msg: string) => process.stderr.write(`[bench ${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    temporalCli: TEMPORAL_CLI_VERSION,
    loadAverageAtStart: loadavg().map((x) => Number(x.toFixed(2))),
  };
  log(`scale ${scale.name}; ${machine.cores} cores (${machine.cpu}); load average ${machine.loadAverageAtStart.join(' ')}`);

  const stack = await startOwnStack({
    dynamicConfig: { 'worker.schedulerNamespaceStartWorkflowRPS': SCHEDULER_RPS },
    logLevel: 'warn',
    onProgress: log,
    // One admin creates thousands of jobs and fires hundreds of runs at once: past any per-owner quota.
    env: { KAIROS_QUOTA_JOBS: '0', KAIROS_QUOTA_CONCURRENT_RUNS: '0' },
  });
  // Ctrl-C or a kill stops the private stack too, rather than leaving its processes behind.
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) process.once(signal, () => void stack.stop().then(() => process.exit(code)));
  const target = await startBenchTarget();
  const client = await connect(stack.temporalAddress, stack.namespace);
  const rows: Row[] = [];
  const data: Record<string, unknown> = {};
  try {
    const ctx: BenchContext = { apiUrl: stack.apiUrl, auth: stack.auth, client, taskQueue: stack.taskQueue, target };
    const runTag = Date.now().toString(36);
    const template = await templateInput(ctx, `template-${runTag}`);
    const b: Bench = { ctx, kairos: kairosSide(ctx), raw: rawSide(ctx, template), scale, pids: stack.pids, log, id: idMaker(runTag) };
    const record = (name: string, r: BenchResult) => {
      rows.push(...r.rows);
      data[name] = r.data;
      process.stderr.write(`${table(r.rows)}\n`);
    };
    // Used to give the burst's jobs enough lead time to all exist before they are due; measured by 'create'.
    let createRates = { kairos: 5, raw: 5 };
    if (wanted('create')) {
      log('1/5 create throughput…');
      const r = await createBench(b);
      record('create', r);
      const c16 = (r.data as Record<string, Record<'kairos' | 'raw', { perSecond: number }[]>>).c16;
      if (c16) createRates = { kairos: median(c16.kairos.map((x) => x.perSecond)), raw: median(c16.raw.map((x) => x.perSecond)) };
    }
    if (wanted('runnow')) {
      log('2/5 run-now latency…');
      record('runNow', await runNowBench(b));
    }
    if (wanted('lateness')) {
      log('3/5 firing lateness…');
      record('lateness', await latenessBench(b));
    }
    if (wanted('burst')) {
      log('3/5 burst drain and 5/5 CPU…');
      record('burst', await burstBench(b, createRates));
    }
    if (wanted('scale')) {
      log('4/5 scale…');
      record('scale', await scaleBench(b));
    }
  } finally {
    await client.connection.close();
    await target.close();
    await stack.stop();
  }
  const finished = new Date();
  const summary = { scale: scale.name, startedAt: started.toISOString(), finishedAt: finished.toISOString(), machine: { ...machine, loadAverageAtEnd: loadavg().map((x) => Number(x.toFixed(2))) }, rows, data };
  const out = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(out, { recursive: true });
  const file = join(out, `${started.toISOString().replace(/[:.]/g, '-')}-${scale.name}.json`);
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(out, 'latest.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const heading =
    `Kairos vs raw Temporal SDK — scale ${scale.name}, ${scale.rounds} alternating rounds; ${machine.cores} cores (${machine.cpu}), ` +
    `Node ${machine.node}, Temporal CLI ${machine.temporalCli}; load average ${machine.loadAverageAtStart.join('/')} → ${summary.machine.loadAverageAtEnd.join('/')}; ` +
    `${Math.round((finished.getTime() - started.getTime()) / 1000)} s`;
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.bench} ${r.metric}: ${r.note}`);
  const text = `${heading}\n\n${table(rows)}\n${notes.length ? `\n${notes.join('\n')}\n` : ''}`;
  writeFileSync(join(out, 'latest.md'), text);
  process.stdout.write(`\n${text}\nresults: ${file}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error((err as Error).stack ?? err);
    process.exit(1);
  },
);
