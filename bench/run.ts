// `npm run bench` (BENCH_SCALE=quick|full, default full; BENCH_ONLY=create,runnow,lateness,burst,scale;
// BENCH_TEMPORAL=dev,cluster, default both). For each Temporal target in turn it starts a fresh
// private stack (the Temporal dev server on its own SQLite file, or a PostgreSQL-backed cluster on
// databases of its own; worker; API), runs every benchmark Kairos-vs-raw-SDK with A/B alternating per
// round, and stops it. It prints one markdown table with the targets side by side and writes JSON
// under bench/results/ (after each target, so a failing target keeps the others' results).
// Benchmarks print numbers; they never pass or fail.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOwnStack, type OwnStack } from '../test/support/processes.ts';
import { TEMPORAL_CLI_VERSION } from '../scripts/temporal-bin.ts';
import { idMaker, type Bench, type BenchResult } from './benchmarks/common.ts';
import { createBench } from './benchmarks/create.ts';
import { runNowBench } from './benchmarks/run-now.ts';
import { burstBench, latenessBench } from './benchmarks/firing.ts';
import { scaleBench } from './benchmarks/scale.ts';
import { report, table, type Results, type Row, type TargetResult, type TemporalTarget } from './lib/report.ts';
import { scaleFromEnv, type Scale } from './lib/scale.ts';
import { connect, kairosSide, rawSide, templateInput, type BenchContext } from './lib/sides.ts';
import { startBenchTarget } from './lib/target.ts';
import { median } from './lib/stats.ts';

/** Schedules start at most this many workflows per second per namespace (default 30): raised for the bursts, on every target. */
const SCHEDULER_RPS = 2000;
const ALL = ['create', 'runnow', 'lateness', 'burst', 'scale'] as const;
type BenchName = (typeof ALL)[number];
const TARGETS: readonly TemporalTarget[] = ['dev', 'cluster'];

function listFromEnv<T extends string>(variable: string, allowed: readonly T[], fallback: readonly T[]): T[] {
  const given = (process.env[variable] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const g of given) if (!(allowed as readonly string[]).includes(g)) throw new Error(`${variable}: unknown value "${g}" (one or more of ${allowed.join(', ')}, comma-separated)`);
  return given.length ? [...new Set(given as T[])] : [...fallback];
}

type Log = (msg: string) => void;

/** Runs the wanted benchmarks on a fresh private stack against one Temporal target. */
async function runTarget(name: TemporalTarget, scale: Scale, wanted: (b: BenchName) => boolean, log: Log, current: { stack: OwnStack | null }): Promise<TargetResult> {
  const startedAt = new Date().toISOString();
  const stack = await startOwnStack({
    temporal: name,
    dynamicConfig: { 'worker.schedulerNamespaceStartWorkflowRPS': SCHEDULER_RPS },
    logLevel: 'warn',
    onProgress: log,
    // One admin creates thousands of jobs and fires hundreds of runs at once: past any per-owner quota.
    env: { KAIROS_QUOTA_JOBS: '0', KAIROS_QUOTA_CONCURRENT_RUNS: '0' },
  });
  current.stack = stack;
  const target = await startBenchTarget();
  const client = await connect(stack.temporalAddress, stack.namespace);
  const rows: Row[] = [];
  const data: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  try {
    const ctx: BenchContext = { apiUrl: stack.apiUrl, auth: stack.auth, client, taskQueue: stack.taskQueue, target };
    const runTag = Date.now().toString(36);
    const template = await templateInput(ctx, `template-${runTag}`);
    const b: Bench = { ctx, kairos: kairosSide(ctx), raw: rawSide(ctx, template), scale, pids: stack.pids, log, id: idMaker(runTag) };
    const record = (bench: string, r: BenchResult) => {
      rows.push(...r.rows);
      data[bench] = r.data;
      process.stderr.write(`${table(r.rows)}\n`);
    };
    /** Runs one benchmark; one that fails is logged and recorded, and the next one still runs. */
    const step = async (bench: string, label: string, fn: () => Promise<BenchResult>): Promise<BenchResult | null> => {
      log(label);
      try {
        const r = await fn();
        record(bench, r);
        return r;
      } catch (err) {
        errors[bench] = (err as Error).message;
        target.onHit = null;
        log(`${bench} failed: ${(err as Error).stack ?? String(err)}`);
        return null;
      }
    };
    // Used to give the burst's jobs enough lead time to all exist before they are due; measured by 'create'.
    let createRates = { kairos: 5, raw: 5 };
    if (wanted('create')) {
      const r = await step('create', '1/5 create throughput…', async () => await createBench(b));
      const c16 = (r?.data as Record<string, Record<'kairos' | 'raw', { perSecond: number }[]>> | undefined)?.c16;
      if (c16) createRates = { kairos: median(c16.kairos.map((x) => x.perSecond)), raw: median(c16.raw.map((x) => x.perSecond)) };
    }
    if (wanted('runnow')) await step('runNow', '2/5 run-now latency…', async () => await runNowBench(b));
    if (wanted('lateness')) await step('lateness', '3/5 firing lateness…', async () => await latenessBench(b));
    if (wanted('burst')) await step('burst', '3/5 burst drain and 5/5 CPU…', async () => await burstBench(b, createRates));
    if (wanted('scale')) await step('scale', '4/5 scale…', async () => await scaleBench(b));
  } finally {
    await client.connection.close();
    await target.close();
    await stack.stop();
    current.stack = null;
  }
  return { name, temporal: stack.temporalDescription, startedAt, finishedAt: new Date().toISOString(), rows, data, ...(Object.keys(errors).length ? { errors } : {}) };
}

async function main(): Promise<number> {
  const scale = scaleFromEnv();
  const only = listFromEnv('BENCH_ONLY', ALL, ALL);
  const targets = listFromEnv('BENCH_TEMPORAL', TARGETS, TARGETS);
  const wanted = (name: BenchName) => only.includes(name);
  const started = new Date();
  const log = (msg: string) => process.stderr.write(`[bench ${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);
  const results: Results = {
    scale: scale.name,
    rounds: scale.rounds,
    startedAt: started.toISOString(),
    finishedAt: started.toISOString(),
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      loadAverageAtStart: loadavg().map((x) => Number(x.toFixed(2))),
    },
    targets: [],
  };
  const m = results.machine;
  log(`scale ${scale.name}; targets ${targets.join(', ')}; ${m.cores} cores (${m.cpu}); load average ${m.loadAverageAtStart.join(' ')}`);

  // Ctrl-C or a kill stops the private stack too, rather than leaving its processes (and a cluster's databases) behind.
  const current: { stack: OwnStack | null } = { stack: null };
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => void (current.stack?.stop() ?? Promise.resolve()).finally(() => process.exit(code)));
  }
  const out = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(out, { recursive: true });
  const file = join(out, `${started.toISOString().replace(/[:.]/g, '-')}-${scale.name}.json`);
  const save = () => {
    results.finishedAt = new Date().toISOString();
    results.machine.loadAverageAtEnd = loadavg().map((x) => Number(x.toFixed(2)));
    const json = `${JSON.stringify(results, null, 2)}\n`;
    writeFileSync(file, json);
    writeFileSync(join(out, 'latest.json'), json);
  };
  for (const [i, name] of targets.entries()) {
    const what = name === 'dev' ? `Temporal dev server (CLI ${TEMPORAL_CLI_VERSION}, SQLite)` : 'Temporal cluster on PostgreSQL';
    log(`target ${i + 1}/${targets.length}: ${what}`);
    const startedAt = new Date().toISOString();
    try {
      results.targets.push(await runTarget(name, scale, wanted, log, current));
    } catch (err) {
      // The other targets still run: one that cannot start (no PostgreSQL, say) says why and the run goes on.
      log(`target ${name} failed: ${(err as Error).stack ?? String(err)}`);
      results.targets.push({ name, temporal: what, startedAt, finishedAt: new Date().toISOString(), rows: [], data: {}, errors: { stack: (err as Error).message } });
    }
    save();
  }
  const failed = results.targets.filter((t) => t.errors).map((t) => `${t.name} (${Object.keys(t.errors ?? {}).join(', ')})`);
  const text = report(results);
  writeFileSync(join(out, 'latest.md'), text);
  process.stdout.write(`\n${text}\nresults: ${file}\n`);
  if (failed.length) process.stderr.write(`\nfailed: ${failed.join('; ')} (see above)\n`);
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error((err as Error).stack ?? err);
    process.exit(1);
  },
);
