// 2. Run-now latency: the API call → the run's first activity reaching the HTTP target, vs a raw
// client.workflow.start of the job's runJob workflow with the input its schedule's action carries:
// what Kairos's run-now does, minus Kairos.
import { ratios, type Row } from '../lib/report.ts';
import { median, p99, sleep } from '../lib/stats.ts';
import { cleanup, order, type Bench, type BenchResult } from './common.ts';

export async function runNowBench(b: Bench): Promise<BenchResult> {
  const s = b.scale;
  // A few jobs per side, used in turn. Both sides give every run an id of its own, so a job may be
  // run again at once; one run is measured at a time (the target waits for a job's next hit).
  const ids = { kairos: [0, 1, 2, 3].map(() => b.id('rnk')), raw: [0, 1, 2, 3].map(() => b.id('rnr')) };
  for (const id of ids.kairos) await b.kairos.create(id, { kind: 'never' });
  for (const id of ids.raw) await b.raw.create(id, { kind: 'never' });
  let turn = 0;
  const samples: Record<'kairos' | 'raw', number[][]> = { kairos: [], raw: [] };
  const measure = async (side: typeof b.kairos): Promise<number> => {
    const list = ids[side.name];
    const id = list[turn++ % list.length] ?? '';
    const t0 = performance.now();
    const hit = b.ctx.target.next(id, 60_000);
    await side.runNow(id);
    return (await hit).mono - t0;
  };
  for (const side of [b.kairos, b.raw]) for (let i = 0; i < 2; i++) await measure(side); // warm-up
  for (let r = 0; r < s.rounds; r++) {
    for (const side of order(b, r)) {
      const round: number[] = [];
      for (let i = 0; i < s.runNowSamples; i++) {
        round.push(await measure(side));
        await sleep(50);
      }
      samples[side.name].push(round);
    }
    b.log(`run-now: round ${r + 1}/${s.rounds} done`);
  }
  await cleanup(b, b.kairos, ids.kairos);
  await cleanup(b, b.raw, ids.raw);
  const k50 = samples.kairos.map(median);
  const w50 = samples.raw.map(median);
  const k99 = samples.kairos.map(p99);
  const w99 = samples.raw.map(p99);
  const r50 = ratios(k50, w50);
  const r99 = ratios(k99, w99);
  const rows: Row[] = [
    { bench: '2 run-now', metric: 'call → first activity, p50', unit: 'ms', a: median(samples.kairos.flat()), b: median(samples.raw.flat()), ratio: r50, compare: 'ratio', target: '≤ 1.05', met: r50.median <= 1.05 },
    { bench: '2 run-now', metric: 'call → first activity, p99', unit: 'ms', a: p99(samples.kairos.flat()), b: p99(samples.raw.flat()), ratio: r99, compare: 'ratio', target: '≤ 1.25', met: r99.median <= 1.25 },
  ];
  return { rows, data: samples };
}
