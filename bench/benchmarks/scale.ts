// 4. Scale: with many jobs held (10,000 at full scale), firing lateness at the steady load stays close
//    to that with 50 and under a second; GET one job and run-now stay close to theirs with 50 (no
//    scans); listing stays close to raw ListSchedules; and how long growing to that many jobs took.
import { ratios, type Row } from '../lib/report.ts';
import { median, p99, pool, spread } from '../lib/stats.ts';
import type { Side } from '../lib/sides.ts';
import { cleanup, order, type Bench, type BenchResult } from './common.ts';
import { cpuNow, latenessWindow, type Window } from './firing.ts';
import { httpCall } from '../lib/http-client.ts';

interface Phase {
  held: number;
  windows: Window[];
  /**
   * The same steady load created through the raw SDK, in windows alternating with Kairos's: what
   * Temporal itself does with this many schedules held, the baseline that tells Kairos's part.
   */
  rawWindows: Window[];
  /** CPU-seconds per second of each process during Kairos's lateness windows: where the time goes. */
  cpuPerSecond: Record<string, number>;
  getMs: number[];
  /** Run-now of a held job: API call → its first activity reaching the target. */
  runNowMs: number[];
  /** A direct workflow.start of the same job's action → the target (the raw side's run-now), interleaved. */
  rawRunNowMs: number[];
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
  const rawWindows: Window[] = [];
  const cpu: Record<string, number> = {};
  let cpuWall = 0;
  for (let i = 0; i < s.scaleWindows; i++) {
    for (const side of order(b, i)) {
      if (side.name === 'raw') {
        rawWindows.push(await latenessWindow(b, b.raw, s.lateJobs, s.latePeriodS, s.lateWindowS));
        continue;
      }
      const before = cpuNow(b, true);
      const t0 = performance.now();
      windows.push(await latenessWindow(b, b.kairos, s.lateJobs, s.latePeriodS, s.lateWindowS));
      cpuWall += (performance.now() - t0) / 1000;
      const after = cpuNow(b, true);
      for (const [k, v] of Object.entries(after)) cpu[k] = (cpu[k] ?? 0) + v - (before[k] ?? 0);
    }
  }
  const cpuPerSecond = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v / cpuWall]));
  // Held jobs in a stride that visits them all before any twice (37 is prime to 50 and to 10,000).
  const pick = (i: number) => held[(i * 37) % held.length] ?? '';
  const getMs: number[] = [];
  for (let i = 0; i < s.scaleSamples; i++) getMs.push(await timed(() => getJob(b, pick(i))));
  const runNowMs: number[] = [];
  const rawRunNowMs: number[] = [];
  for (let i = 0; i < s.scaleSamples; i++) {
    const id = pick(i);
    for (const side of order(b, i)) {
      const t0 = performance.now();
      const hit = b.ctx.target.next(id, 60_000);
      await side.runNow(id);
      (side.name === 'raw' ? rawRunNowMs : runNowMs).push((await hit).mono - t0);
    }
  }
  const createMs: number[] = [];
  const probe: string[] = [];
  for (let i = 0; i < 10; i++) {
    const id = b.id('scp');
    probe.push(id);
    createMs.push(await timed(() => b.kairos.create(id, { kind: 'never' })));
  }
  await cleanup(b, b.kairos, probe);
  return { held: held.length, windows, rawWindows, cpuPerSecond, getMs, runNowMs, rawRunNowMs, createMs };
}

/**
 * After thousands of creates, Temporal is still starting their scheduler workflows for a while: a
 * schedule created then fires late or not at all (a whole lateness window of 240 fires was lost
 * that way, on whichever side went first). Waits, bounded, until a fresh job fires every 2 s within
 * a second of its times three times in a row; returns how long that took (the backlog's drain).
 */
async function settle(b: Bench, boundS = 600): Promise<number> {
  const t0 = performance.now();
  const deadline = t0 + boundS * 1000;
  const id = b.id('settle');
  await b.kairos.create(id, { kind: 'every', seconds: 2, offset: 0 });
  try {
    let inTime = 0;
    while (inTime < 3 && performance.now() < deadline) {
      const hit = await b.ctx.target.next(id, Math.max(1, deadline - performance.now())).catch(() => null);
      if (!hit) break;
      inTime = hit.wall % 2000 < 1000 ? inTime + 1 : 0;
    }
  } finally {
    await cleanup(b, b.kairos, [id]);
  }
  return (performance.now() - t0) / 1000;
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
  /** Creates jobs up to `to` held, 16 at a time (the create benchmark's concurrency); returns the seconds it took. */
  const grow = async (to: number): Promise<number> => {
    const ids = Array.from({ length: to - held.length }, () => b.id('held'));
    let done = 0;
    const t0 = performance.now();
    await pool(ids, 16, async (id) => {
      await b.kairos.create(id, { kind: 'never' });
      held.push(id);
      if (++done % 1000 === 0) b.log(`scale: ${held.length}/${to} jobs held (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    });
    return (performance.now() - t0) / 1000;
  };
  await grow(s.heldSmall);
  const small = await phase(b, held);
  b.log(`scale: measured with ${held.length} jobs held; creating ${s.heldLarge}…`);
  const growS = await grow(s.heldLarge);
  const growRate = (s.heldLarge - s.heldSmall) / growS;
  b.log(`scale: grew to ${held.length} jobs held in ${growS.toFixed(0)} s (${growRate.toFixed(1)} jobs/s); waiting for Temporal to settle…`);
  const settleS = await settle(b);
  b.log(`scale: settled in ${settleS.toFixed(0)} s`);
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
  const rawLate = (p: Phase) => p.rawWindows.flatMap((w) => w.lateness);
  const cpuNote = (p: Phase) =>
    Object.entries(p.cpuPerSecond)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ');
  const latePairs = spread(large.windows.map((w, i) => p99(w.lateness) / p99(small.windows[i]?.lateness ?? [])));
  const lateLarge = p99(late(large));
  const latenessRatio = lateLarge / p99(late(small));
  const pageRatio = ratios(page.kairos, page.raw);
  const fullRatio = ratios(full.kairos, full.raw);
  const one = (x: number) => ({ median: x, min: x, max: x });
  const getRatio = p99(large.getMs) / p99(small.getMs);
  const runNowRatio = p99(large.runNowMs) / p99(small.runNowMs);
  const createRatio = median(large.createMs) / median(small.createMs);
  const vs = `${s.heldLarge} (A) vs ${s.heldSmall} held (B)`;
  const miss = (p: Phase) => p.windows.reduce((x, w) => x + w.expected - w.received, 0);
  const rows: Row[] = [
    {
      bench: '4 scale',
      metric: `time to grow ${s.heldSmall} → ${s.heldLarge} held, 16 clients`,
      unit: 's',
      a: growS,
      b: Number.NaN,
      ratio: one(Number.NaN),
      compare: 'value',
      target: '—',
      met: null,
      note: `${growRate.toFixed(1)} jobs/s`,
    },
    {
      bench: '4 scale',
      metric: `then until a new job fires on time (Temporal's backlog of new schedules)`,
      unit: 's',
      a: settleS,
      b: Number.NaN,
      ratio: one(Number.NaN),
      compare: 'value',
      target: '—',
      met: null,
    },
    {
      bench: '4 scale',
      metric: `p99 lateness, ${s.lateJobs} jobs every ${s.latePeriodS}s, ${vs}`,
      unit: 'ms',
      a: lateLarge,
      b: p99(late(small)),
      ratio: { ...latePairs, median: latenessRatio },
      compare: 'ratio',
      target: '≤ 1.5 and < 1000 ms',
      met: latenessRatio <= 1.5 && lateLarge < 1000,
      note: `missed fires: ${s.heldLarge} held ${miss(large)}, ${s.heldSmall} held ${miss(small)}; CPU-s/s in its windows, ${s.heldLarge} held: ${cpuNote(large)}; ${s.heldSmall} held: ${cpuNote(small)}`,
    },
    {
      bench: '4 scale',
      metric: `raw SDK's p99 lateness, same load, ${vs}`,
      unit: 'ms',
      a: p99(rawLate(large)),
      b: p99(rawLate(small)),
      ratio: one(p99(rawLate(large)) / p99(rawLate(small))),
      compare: 'ratio',
      target: 'baseline',
      met: null,
      note: `Temporal's own change with the population; Kairos vs raw at ${s.heldLarge} held: ${(lateLarge / p99(rawLate(large))).toFixed(2)}`,
    },
    {
      bench: '4 scale',
      metric: `GET one job p99 (${s.scaleSamples} samples), ${vs}`,
      unit: 'ms',
      a: p99(large.getMs),
      b: p99(small.getMs),
      ratio: one(getRatio),
      compare: 'ratio',
      target: '≤ 1.2',
      met: getRatio <= 1.2,
    },
    {
      bench: '4 scale',
      metric: `run-now → first activity p99 (${s.scaleSamples} samples), ${vs}`,
      unit: 'ms',
      a: p99(large.runNowMs),
      b: p99(small.runNowMs),
      ratio: one(runNowRatio),
      compare: 'ratio',
      target: '≤ 1.2',
      met: runNowRatio <= 1.2,
    },
    {
      bench: '4 scale',
      metric: `raw workflow.start → first activity p99 (${s.scaleSamples} samples), ${vs}`,
      unit: 'ms',
      a: p99(large.rawRunNowMs),
      b: p99(small.rawRunNowMs),
      ratio: one(p99(large.rawRunNowMs) / p99(small.rawRunNowMs)),
      compare: 'ratio',
      target: 'baseline',
      met: null,
      note: `p50 ${median(large.rawRunNowMs).toFixed(0)} vs ${median(small.rawRunNowMs).toFixed(0)} ms; Kairos's p50 ${median(large.runNowMs).toFixed(0)} vs ${median(small.runNowMs).toFixed(0)} ms`,
    },
    {
      bench: '4 scale',
      metric: `create p50, ${vs}`,
      unit: 'ms',
      a: median(large.createMs),
      b: median(small.createMs),
      ratio: one(createRatio),
      compare: 'ratio',
      target: 'flat (no scan)',
      met: createRatio <= 1.5,
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
  ];
  return { rows, data: { small, large, growSeconds: growS, settleSeconds: settleS, page, full, counts } };
}
