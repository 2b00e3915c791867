// 1. Create throughput: jobs created per second through the API vs raw client.schedule.create, at 1
// and 16 concurrent clients; and the latency Kairos adds at p50 with one client.
import { diffs, ratios, type Row } from '../lib/report.ts';
import { median, pool } from '../lib/stats.ts';
import type { Side } from '../lib/sides.ts';
import { order, type Bench, type BenchResult } from './common.ts';

interface Sample {
  perSecond: number;
  p50Ms: number;
}

/** Diagnostic: p50 of the raw DescribeSchedule that Kairos's create does after CreateSchedule (for its response). */
async function describeP50(b: Bench, n: number): Promise<number> {
  const ids = Array.from({ length: n }, () => b.id('crd'));
  await pool(ids, 4, (id) => b.raw.create(id, { kind: 'never' }));
  const lat = await pool(ids, 1, async (id) => {
    await b.ctx.client.schedule.getHandle(id).describe();
  });
  await pool(ids, 4, (id) => b.raw.remove(id));
  return median(lat);
}

async function once(b: Bench, side: Side, n: number, concurrency: number): Promise<Sample> {
  const ids = Array.from({ length: n }, () => b.id(`cr${side.name[0]}`));
  const t0 = performance.now();
  const lat = await pool(ids, concurrency, (id) => side.create(id, { kind: 'never' }));
  const wall = performance.now() - t0;
  await pool(ids, 8, (id) => side.remove(id)); // untimed cleanup
  return { perSecond: (n * 1000) / wall, p50Ms: median(lat) };
}

export async function createBench(b: Bench): Promise<BenchResult> {
  const s = b.scale;
  // Warm-up (connections, JIT), not recorded.
  for (const side of [b.kairos, b.raw]) await once(b, side, 8, 4);
  const runs: Record<string, Record<'kairos' | 'raw', Sample[]>> = { c1: { kairos: [], raw: [] }, c16: { kairos: [], raw: [] } };
  const describeMs: number[] = [];
  for (let r = 0; r < s.rounds; r++) {
    for (const side of order(b, r)) {
      runs.c1![side.name].push(await once(b, side, s.createAt1, 1));
      runs.c16![side.name].push(await once(b, side, s.createAt16, 16));
    }
    describeMs.push(await describeP50(b, 5));
    b.log(`create: round ${r + 1}/${s.rounds} done`);
  }
  const rows: Row[] = [];
  for (const [key, c] of [['c1', 1], ['c16', 16]] as const) {
    const k = runs[key]!.kairos.map((x) => x.perSecond);
    const w = runs[key]!.raw.map((x) => x.perSecond);
    const ratio = ratios(k, w);
    rows.push({
      bench: '1 create',
      metric: `throughput, ${c} client${c > 1 ? 's' : ''}`,
      unit: 'jobs/s',
      a: median(k),
      b: median(w),
      ratio,
      compare: 'ratio',
      target: '≥ 0.85',
      met: ratio.median >= 0.85,
    });
  }
  const k1 = runs.c1!.kairos.map((x) => x.p50Ms);
  const w1 = runs.c1!.raw.map((x) => x.p50Ms);
  const added = diffs(k1, w1);
  rows.push({
    bench: '1 create',
    metric: 'p50 latency, 1 client',
    unit: 'ms',
    a: median(k1),
    b: median(w1),
    ratio: added,
    compare: 'diff',
    target: '≤ +3 ms',
    met: added.median <= 3,
    note: `raw DescribeSchedule p50 (which Kairos's create also does, to answer with the stored job and its next run): ${median(describeMs).toFixed(1)} ms`,
  });
  return { rows, data: { ...runs, describeMs } };
}
