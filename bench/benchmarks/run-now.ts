// 2. Run-now latency: the API call → the run's first activity reaching the HTTP target, vs the raw
// handle.trigger() of a schedule (the SDK's way to run a scheduled job now).
import { ratios, type Row } from '../lib/report.ts';
import { median, p99, sleep } from '../lib/stats.ts';
import { order, type Bench, type BenchResult } from './common.ts';

export async function runNowBench(b: Bench): Promise<BenchResult> {
  const s = b.scale;
  // A few jobs per side, each used at most once a second: Temporal names a triggered run
  // "<scheduleId>-<time in whole seconds>", so a second trigger() of one schedule within the same
  // second is silently dropped (Kairos's run-now gives every run its own id and has no such limit).
  const ids = { kairos: [0, 1, 2, 3].map(() => b.id('rnk')), raw: [0, 1, 2, 3].map(() => b.id('rnr')) };
  for (const id of ids.kairos) await b.kairos.create(id, { kind: 'never' });
  for (const id of ids.raw) await b.raw.create(id, { kind: 'never' });
  const lastUse = new Map<string, number>();
  let turn = 0;
  const samples: Record<'kairos' | 'raw', number[][]> = { kairos: [], raw: [] };
  const measure = async (side: typeof b.kairos): Promise<number> => {
    const list = ids[side.name];
    const id = list[turn++ % list.length] ?? '';
    const wait = (lastUse.get(id) ?? 0) + 1100 - Date.now();
    if (wait > 0) await sleep(wait);
    lastUse.set(id, Date.now());
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
  for (const id of ids.kairos) await b.kairos.remove(id);
  for (const id of ids.raw) await b.raw.remove(id);
  const k50 = samples.kairos.map(median);
  const w50 = samples.raw.map(median);
  const k99 = samples.kairos.map(p99);
  const w99 = samples.raw.map(p99);
  const r50 = ratios(k50, w50);
  const r99 = ratios(k99, w99);
  const rows: Row[] = [
    { bench: '2 run-now', metric: 'call → first activity, p50', unit: 'ms', a: median(samples.kairos.flat()), b: median(samples.raw.flat()), ratio: r50, compare: 'ratio', target: '≤ 1.10', met: r50.median <= 1.1 },
    { bench: '2 run-now', metric: 'call → first activity, p99', unit: 'ms', a: p99(samples.kairos.flat()), b: p99(samples.raw.flat()), ratio: r99, compare: 'ratio', target: '≤ 1.25', met: r99.median <= 1.25 },
  ];
  return { rows, data: samples };
}
