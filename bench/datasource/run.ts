// Datasource benchmark (issue 6): ingest N CSV rows into PostgreSQL through Kairos (a datasource job
// run by the worker on a private stack) and through the bare pipeline (the same driver loop in a
// plain process, no Temporal), alternating, and print rows/s of each, their ratio, and the memory
// growth of the process that did the work. Prints numbers; never passes or fails.
//   npm run bench:datasource            (1,000,000 rows; BENCH_DS_ROWS=200000 for a quicker run)
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../../core/config.ts';
import { bootstrapAdminInState } from '../../core/auth/bootstrap.ts';
import { launchStack, privateStackEnv } from '../../scripts/stack.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ROWS = Number(process.env.BENCH_DS_ROWS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_DS_ROUNDS ?? 2);
const BATCH = 1000;
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const say = (m: string) => process.stderr.write(`[bench-ds] ${m}\n`);

async function writeCsv(path: string): Promise<void> {
  const out = createWriteStream(path);
  out.write('id,name,year,score\n');
  for (let i = 1; i <= ROWS; i++) {
    if (!out.write(`${i},"Movie ${i}, part ${i % 7}",${1950 + (i % 75)},${(i % 1000) / 10}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
}

function dataFor(csv: string, table: string, connection: unknown) {
  return {
    source: { kind: 'file', path: csv, format: 'csv' },
    key: 'id',
    mapping: { id: { type: 'integer' }, title: { from: 'name', type: 'string' }, year: { type: 'integer' }, score: { type: 'number' } },
    sink: { kind: 'postgres', connection, table, create: true },
    batchSize: BATCH,
    maxBadRecords: 0,
  };
}

async function dropTable(table: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(`DROP TABLE IF EXISTS ${table}`);
  } finally {
    await c.end();
  }
}

async function countRows(table: string): Promise<number> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return Number((await c.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  } finally {
    await c.end();
  }
}

const statusKb = (pid: number, field: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

interface Sample {
  rowsPerS: number;
  rssGrowthMb: number;
  rows: number;
}

async function bare(csv: string): Promise<Sample> {
  const table = 'kairos_bench_bare';
  await dropTable(table);
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/datasource/bare.ts'), JSON.stringify(dataFor(csv, table, PG_URL))], {
    cwd: root,
    env: { ...process.env, KAIROS_DATASOURCE_DIRS: dirname(csv) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number>((r) => child.once('exit', (c) => r(c ?? 1)));
  if (code !== 0) throw new Error(`bare pipeline exited ${code}`);
  const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { rows: number; ms: number; startRssMb: number; peakRssMb: number };
  return { rowsPerS: r.rows / (r.ms / 1000), rssGrowthMb: r.peakRssMb - r.startRssMb, rows: await countRows(table) };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'kairos-bench-ds-'));
  const dataDir = join(work, 'data');
  // Datasource jobs read only under the files directory (default <data dir>/files).
  mkdirSync(join(dataDir, 'files'), { recursive: true });
  const csv = join(dataDir, 'files', 'rows.csv');
  say(`writing ${ROWS.toLocaleString('en')} CSV rows…`);
  await writeCsv(csv);
  const env = await privateStackEnv(dataDir, { user: 'bench', password: 'bench-password' }, { KAIROS_LOG_LEVEL: 'warn' });
  const cfg = loadConfig(env);
  await bootstrapAdminInState(cfg);
  say('starting a private stack…');
  const stack = await launchStack(cfg, { env });
  const auth = `Basic ${Buffer.from('bench:bench-password').toString('base64')}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  const kairos = async (round: number): Promise<Sample> => {
    const table = 'kairos_bench_kairos';
    await dropTable(table);
    const id = `bench-ds-${round}`;
    await call('POST', '/v1/jobs', { id, type: 'datasource', data: dataFor(csv, table, { $secret: 'BENCH_PG' }), timeout: { startToClose: '2h', heartbeat: '30s' } });
    const worker = stack.worker.pid as number;
    const before = statusKb(worker, 'VmRSS');
    let peak = before;
    const { runId } = (await call('POST', `/v1/jobs/${id}/run`)) as { runId: string };
    const deadline = Date.now() + 60 * 60_000;
    let run: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      run = await call('GET', `/v1/runs/${runId}`);
      peak = Math.max(peak, statusKb(worker, 'VmRSS'));
      if (run.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    if (run.status !== 'succeeded') throw new Error(`run ${runId} ended ${String(run.status)}: ${JSON.stringify(run.error)}`);
    await call('DELETE', `/v1/jobs/${id}`);
    return { rowsPerS: ROWS / (Number(run.durationMs) / 1000), rssGrowthMb: peak - before, rows: await countRows(table) };
  };
  try {
    await call('PUT', '/v1/secrets/BENCH_PG', { value: PG_URL });
    const samples: { kairos: Sample[]; bare: Sample[] } = { kairos: [], bare: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const side of r % 2 === 0 ? (['kairos', 'bare'] as const) : (['bare', 'kairos'] as const)) {
        say(`round ${r + 1}/${ROUNDS}: ${side}…`);
        samples[side].push(side === 'kairos' ? await kairos(r) : await bare(csv));
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    const k = median(samples.kairos.map((s) => s.rowsPerS));
    const b = median(samples.bare.map((s) => s.rowsPerS));
    const ratios = samples.kairos.map((s, i) => s.rowsPerS / (samples.bare[i]?.rowsPerS ?? NaN));
    const lines = [
      `Datasource ingestion: ${ROWS.toLocaleString('en')} CSV rows → PostgreSQL upsert, batch ${BATCH}, ${ROUNDS} alternating rounds; ${availableParallelism()} cores (${cpus()[0]?.model.trim()}), Node ${process.version}`,
      '',
      '| | Kairos (datasource job) | bare pipeline (no Temporal) | Kairos/bare | target |',
      '|---|---|---|---|---|',
      `| rows/s (median) | ${Math.round(k).toLocaleString('en')} | ${Math.round(b).toLocaleString('en')} | ${(k / b).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) | ≥ 0.8 |`,
      `| RSS growth of the working process, MB (max) | ${Math.max(...samples.kairos.map((s) => s.rssGrowthMb)).toFixed(0)} (worker) | ${Math.max(...samples.bare.map((s) => s.rssGrowthMb)).toFixed(0)} | | < 100 (worker) |`,
      `| rows in the table after each run | ${samples.kairos.map((s) => s.rows).join(', ')} | ${samples.bare.map((s) => s.rows).join(', ')} | | ${ROWS} |`,
    ];
    console.log(lines.join('\n'));
    const dir = join(root, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `datasource-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ rows: ROWS, samples }, null, 2));
  } finally {
    await stack.stop();
    await dropTable('kairos_bench_kairos').catch(() => {});
    await dropTable('kairos_bench_bare').catch(() => {});
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).stack ?? err);
  process.exit(1);
});
