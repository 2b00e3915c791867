// 4. Scale: with many jobs held, firing lateness stays close to that with 50; listing stays close to
//    raw ListSchedules; reads and writes of one job do not grow with the number of jobs (no scans).
import { ratios, type Row } from '../lib/report.ts';
import { median, p99, pool, spread } from '../lib/stats.ts';
import type { Side } from '../lib/sides.ts';
import { order, type Bench, type BenchResult } from './common.ts';
import { latenessWindow, type Window } from './firing.ts';
import { httpCall } from '../lib/http-client.ts';

interface Phase {
  held: number;
  windows: Window[];
  getMs: number[];
  createMs: number[];
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function getJob(b: Bench, id: string): Promise<void> {
  const res = await httpCall(`${b.ctx.apiUrl}/v1/jobs/${encodeURIComponent(id)}`, 'GET', { authorization: b.ctx.auth });
  if (res.status !== 200) throw new Error(`GET job ${id} → ${res.status}`);
}

async function phase(b: Bench, held: string[]): Promise<Phase> {
  const s = b.scale;
  const windows: Window[] = [];
  for (let i = 0; i < s.scaleWindows; i++) windows.push(await latenessWindow(b, b.kairos, s.lateJobs, s.latePeriodS, s.lateWindowS));
  const getMs: number[] = [];
  for (let i = 0; i < 20; i++) getMs.push(await timed(() => getJob(b, held[(i * 37) % held.length] ?? '')));
  const createMs: number[] = [];
  const probe: string[] = [];
  for (let i = 0; i < 10; i++) {
    const id = b.id('scp');
    probe.push(id);
    createMs.push(await timed(() => b.kairos.create(id, { kind: 'never' })));
  }
  await pool(probe, 8, (id) => b.kairos.remove(id));
  return { held: held.length, windows, getMs, createMs };
}

async function listAll(side: Side): Promise<number> {
  let cursor: string | undefined;
  let total = 0;
  for (;;) {
    const page = await side.list(1000, cursor);
    total += page.count;
    if (!page.cursor) return total;
    cursor = page.cursor;
  }
}

export async function scaleBench(b: Bench): Promise<BenchResult> {
  const s = b.scale;
  const held: string[] = [];
  const grow = async (to: number) => {
    const ids = Array.from({ length: to - held.length }, () => b.id('held'));
    let done = 0;
    await pool(ids, 16, async (id) => {
      await b.kairos.create(id, { kind: 'never' });
      held.push(id);
      if (++done % 500 === 0) b.log(`scale: ${held.length}/${to} jobs held`);
    });
  };
  await grow(s.heldSmall);
  const small = await phase(b, held);
  b.log(`scale: measured with ${held.length} jobs held; creating ${s.heldLarge}…`);
  await grow(s.heldLarge);
  const large = await phase(b, held);
  b.log(`scale: measured with ${held.length} jobs held; listing…`);

  const page: Record<'kairos' | 'raw', number[]> = { kairos: [], raw: [] };
  const full: Record<'kairos' | 'raw', number[]> = { kairos: [], raw: [] };
  const counts: Record<'kairos' | 'raw', number[]> = { kairos: [], raw: [] };
  for (let r = 0; r < s.rounds; r++) {
    for (const side of order(b, r)) {
      const t: number[] = [];
      for (let i = 0; i < s.listSamples; i++) t.push(await timed(() => side.list(100)));
      page[side.name].push(median(t));
      const t0 = performance.now();
      counts[side.name].push(await listAll(side));
      full[side.name].push(performance.now() - t0);
    }
  }
  const late = (p: Phase) => p.windows.flatMap((w) => w.lateness);
  const latePairs = spread(large.windows.map((w, i) => p99(w.lateness) / p99(small.windows[i]?.lateness ?? [])));
  const latenessRatio = p99(late(large)) / p99(late(small));
  const pageRatio = ratios(page.kairos, page.raw);
  const fullRatio = ratios(full.kairos, full.raw);
  const getRatio = median(large.getMs) / median(small.getMs);
  const createRatio = median(large.createMs) / median(small.createMs);
  const rows: Row[] = [
    {
      bench: '4 scale',
      metric: `p99 lateness, ${s.heldLarge} held (A) vs ${s.heldSmall} held (B)`,
      unit: 'ms',
      a: p99(late(large)),
      b: p99(late(small)),
      ratio: { ...latePairs, median: latenessRatio },
      compare: 'ratio',
      target: '≤ 1.5',
      met: latenessRatio <= 1.5,
    },
    {
      bench: '4 scale',
      metric: `list one page of 100, ${s.heldLarge} held`,
      unit: 'ms',
      a: median(page.kairos),
      b: median(page.raw),
      ratio: pageRatio,
      compare: 'ratio',
      target: '≤ 1.2',
      met: pageRatio.median <= 1.2,
    },
    {
      bench: '4 scale',
      metric: `list all ${s.heldLarge} (pages of 1000)`,
      unit: 'ms',
      a: median(full.kairos),
      b: median(full.raw),
      ratio: fullRatio,
      compare: 'ratio',
      target: '≤ 1.2',
      met: fullRatio.median <= 1.2,
      note: `items listed: kairos ${median(counts.kairos)}, raw ${median(counts.raw)}`,
    },
    {
      bench: '4 scale',
      metric: `GET one job p50, ${s.heldLarge} (A) vs ${s.heldSmall} held (B)`,
      unit: 'ms',
      a: median(large.getMs),
      b: median(small.getMs),
      ratio: { median: getRatio, min: getRatio, max: getRatio },
      compare: 'ratio',
      target: 'flat (no scan)',
      met: getRatio <= 1.5,
    },
    {
      bench: '4 scale',
      metric: `create p50, ${s.heldLarge} (A) vs ${s.heldSmall} held (B)`,
      unit: 'ms',
      a: median(large.createMs),
      b: median(small.createMs),
      ratio: { median: createRatio, min: createRatio, max: createRatio },
      compare: 'ratio',
      target: 'flat (no scan)',
      met: createRatio <= 1.5,
    },
  ];
  return { rows, data: { small, large, page, full, counts } };
}
