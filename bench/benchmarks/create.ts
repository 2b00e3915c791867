// 1. Create throughput: jobs created per second through the API vs raw client.schedule.create, at 1
// and 16 concurrent clients; and the latency Kairos adds at p50 with one client (measured paired).
import { diffs, ratios, type Row } from '../lib/report.ts';
import { median, pool } from '../lib/stats.ts';
import type { Side } from '../lib/sides.ts';
import { cleanup, order, type Bench, type BenchResult } from './common.ts';

interface Sample {
  perSecond: number;
  p50Ms: number;
}

/**
 * One client, paired: each step creates one job on each side back to back (order alternating), so
 * both sides see the same machine state to within milliseconds. Load from anything else on the
 * machine then moves both figures together instead of landing on whichever side ran at that time.
 */
async function paired(b: Bench, n: number): Promise<Record<'kairos' | 'raw', Sample>> {
  const lat: Record<'kairos' | 'raw', number[]> = { kairos: [], raw: [] };
  const made: Record<'kairos' | 'raw', string[]> = { kairos: [], raw: [] };
  for (let i = 0; i < n; i++) {
    for (const side of order(b, i)) {
      const id = b.id(`cr${side.name[0]}`);
      const t0 = performance.now();
      await side.create(id, { kind: 'never' });
      lat[side.name].push(performance.now() - t0);
      made[side.name].push(id);
    }
  }
  await cleanup(b, b.kairos, made.kairos);
  await cleanup(b, b.raw, made.raw);
  const sample = (l: number[]): Sample => ({ perSecond: (l.length * 1000) / l.reduce((x, y) => x + y, 0), p50Ms: median(l) });
  return { kairos: sample(lat.kairos), raw: sample(lat.raw) };
}

async function once(b: Bench, side: Side, n: number, concurrency: number): Promise<Sample> {
  const ids = Array.from({ length: n }, () => b.id(`cr${side.name[0]}`));
  const t0 = performance.now();
  const lat = await pool(ids, concurrency, (id) => side.create(id, { kind: 'never' }));
  const wall = performance.now() - t0;
  await cleanup(b, side, ids);
  return { perSecond: (n * 1000) / wall, p50Ms: median(lat) };
}

export async function createBench(b: Bench): Promise<BenchResult> {
  const s = b.scale;
  // Warm-up (connections, JIT), not recorded.
  for (const side of [b.kairos, b.raw]) await once(b, side, 8, 4);
  const runs: Record<string, Record<'kairos' | 'raw', Sample[]>> = { c1: { kairos: [], raw: [] }, c16: { kairos: [], raw: [] } };
  for (let r = 0; r < s.rounds; r++) {
    const c1 = await paired(b, s.createAt1);
    runs.c1!.kairos.push(c1.kairos);
    runs.c1!.raw.push(c1.raw);
    for (const side of order(b, r)) runs.c16![side.name].push(await once(b, side, s.createAt16, 16));
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
      target: '≥ 0.9',
      met: ratio.median >= 0.9,
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
  });
  return { rows, data: { ...runs } };
}
