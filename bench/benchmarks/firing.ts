// 3. Firing lateness (target receive time − scheduled time) of jobs firing every few seconds,
//    Kairos-created vs raw-created; and a burst of jobs all due in the same second (drain time).
// 5. CPU: CPU-seconds of every process per 1,000 jobs created and fired (measured on the bursts).
import { cpuSeconds } from '../../test/support/processes.ts';
import { ratios, type Row } from '../lib/report.ts';
import { median, p99, pool, sleep } from '../lib/stats.ts';
import type { Hit } from '../lib/target.ts';
import type { Side } from '../lib/sides.ts';
import { cleanup, order, type Bench, type BenchResult } from './common.ts';

export interface Window {
  lateness: number[];
  expected: number;
  received: number;
}

/**
 * Creates `jobs` jobs firing every `periodS` seconds, their phases spread evenly over the period
 * (job i fires at seconds i mod periodS, +periodS, … of each minute), so the load is a steady
 * jobs/periodS fires per second, as independent users' jobs are, rather than one burst per period
 * (the burst benchmark measures that). Records the lateness of every fire whose scheduled time falls
 * in a `windowS`-second window that starts after they all exist, then deletes them. A fire's
 * scheduled time is its job's slot at or before its arrival (a fire later than a whole period would
 * count as a miss and a small lateness).
 */
export async function latenessWindow(b: Bench, side: Side, jobs: number, periodS: number, windowS: number): Promise<Window> {
  const offsets = new Map(Array.from({ length: jobs }, (_, i) => [b.id(`lt${side.name[0]}`), i % periodS] as const));
  await pool([...offsets], 8, ([id, offset]) => side.create(id, { kind: 'every', seconds: periodS, offset }));
  const P = periodS * 1000;
  const start = (Math.floor(Date.now() / P) + 2) * P;
  const end = start + windowS * 1000;
  const lateness: number[] = [];
  b.ctx.target.onHit = (h: Hit) => {
    const offset = offsets.get(h.jobId);
    if (offset === undefined) return;
    const phase = offset * 1000;
    const slot = Math.floor((h.wall - phase) / P) * P + phase;
    if (slot >= start && slot < end) lateness.push(h.wall - slot);
  };
  await sleep(end + P - Date.now());
  b.ctx.target.onHit = null;
  await cleanup(b, side, offsets.keys());
  return { lateness, expected: jobs * (windowS / periodS), received: lateness.length };
}

interface Burst {
  drainMs: number;
  p50Ms: number;
  received: number;
  createdBeforeDue: boolean;
  cpuSeconds: number;
  cpuByProcess: Record<string, number>;
}

/** CPU-seconds used so far by each process of the stack (and this one: the client and the target). */
export function cpuNow(b: Bench, withApi: boolean): Record<string, number> {
  const p = b.pids();
  const u = process.cpuUsage();
  const out: Record<string, number> = {
    temporal: p.temporal.reduce((x, pid) => x + cpuSeconds(pid), 0), // the dev server, or the cluster's four services
    worker: cpuSeconds(p.worker),
    bench: (u.user + u.system) / 1e6, // the client and the HTTP target (both sides)
  };
  if (withApi) out.api = cpuSeconds(p.api);
  return out;
}

async function burst(b: Bench, side: Side, n: number, createRate: number): Promise<Burst> {
  const ids = Array.from({ length: n }, () => b.id(`bu${side.name[0]}`));
  const set = new Set(ids);
  // Every job must exist before it is due: Temporal never fires a calendar time at or before a
  // schedule's creation, so a create that lands late is a lost fire, not a late one. Generous lead
  // (3x the measured create time + 5 s): the wait is idle and outside the drain measured.
  const leadMs = Math.max(8000, (n / Math.max(createRate, 1)) * 3000 + 5000);
  const due = Math.ceil((Date.now() + leadMs) / 1000) * 1000;
  const first = new Map<string, number>();
  let lastHit = 0;
  b.ctx.target.onHit = (h) => {
    if (!set.has(h.jobId) || first.has(h.jobId)) return;
    first.set(h.jobId, h.wall);
    lastHit = Math.max(lastHit, h.wall);
  };
  const withApi = side.name === 'kairos';
  const before = cpuNow(b, withApi);
  await pool(ids, 16, (id) => side.create(id, { kind: 'once', at: new Date(due) }));
  const createdBeforeDue = Date.now() < due;
  const deadline = due + 60_000;
  while (first.size < n && Date.now() < deadline) await sleep(100);
  await sleep(2000); // let the runs finish their workflow tasks
  const after = cpuNow(b, withApi);
  b.ctx.target.onHit = null;
  await cleanup(b, side, ids);
  const cpuByProcess = Object.fromEntries(Object.keys(after).map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)]));
  return {
    drainMs: lastHit - due,
    p50Ms: median([...first.values()].map((t) => t - due)),
    received: first.size,
    createdBeforeDue,
    cpuSeconds: Object.values(cpuByProcess).reduce((x, y) => x + y, 0),
    cpuByProcess,
  };
}

export async function latenessBench(b: Bench): Promise<BenchResult> {
  const s = b.scale;
  const windows: Record<'kairos' | 'raw', Window[]> = { kairos: [], raw: [] };
  for (let r = 0; r < s.rounds; r++) {
    for (const side of order(b, r)) windows[side.name].push(await latenessWindow(b, side, s.lateJobs, s.latePeriodS, s.lateWindowS));
    b.log(`lateness: round ${r + 1}/${s.rounds} done`);
  }
  const all = (w: Window[]) => w.flatMap((x) => x.lateness);
  const r99 = ratios(windows.kairos.map((w) => p99(w.lateness)), windows.raw.map((w) => p99(w.lateness)));
  const miss = (w: Window[]) => w.reduce((x, y) => x + y.expected - y.received, 0);
  const k99 = p99(all(windows.kairos));
  const rows: Row[] = [
    {
      bench: '3 lateness',
      metric: `${s.lateJobs} jobs every ${s.latePeriodS}s (phases spread), p50`,
      unit: 'ms',
      a: median(all(windows.kairos)),
      b: median(all(windows.raw)),
      ratio: ratios(windows.kairos.map((w) => median(w.lateness)), windows.raw.map((w) => median(w.lateness))),
      compare: 'ratio',
      target: '—',
      met: null,
    },
    {
      bench: '3 lateness',
      metric: `${s.lateJobs} jobs every ${s.latePeriodS}s (phases spread), p99`,
      unit: 'ms',
      a: k99,
      b: p99(all(windows.raw)),
      ratio: r99,
      compare: 'ratio',
      target: '≤ 1.10 and < 1000 ms',
      met: r99.median <= 1.1 && k99 < 1000,
      note: `missed fires: kairos ${miss(windows.kairos)}, raw ${miss(windows.raw)}`,
    },
  ];
  return { rows, data: windows };
}

export async function burstBench(b: Bench, createRates: { kairos: number; raw: number }): Promise<BenchResult> {
  const s = b.scale;
  const runs: Record<'kairos' | 'raw', Burst[]> = { kairos: [], raw: [] };
  for (let r = 0; r < s.rounds; r++) {
    for (const side of order(b, r)) runs[side.name].push(await burst(b, side, s.burstJobs, createRates[side.name]));
    b.log(`burst/cpu: round ${r + 1}/${s.rounds} done`);
  }
  const drain = ratios(runs.kairos.map((x) => x.drainMs), runs.raw.map((x) => x.drainMs));
  const per1000 = (x: Burst) => (x.cpuSeconds * 1000) / s.burstJobs;
  const cpu = ratios(runs.kairos.map(per1000), runs.raw.map(per1000));
  const lost = (x: Burst[]) => x.reduce((a, y) => a + s.burstJobs - y.received, 0);
  const late = (x: Burst[]) => x.filter((y) => !y.createdBeforeDue).length;
  const rows: Row[] = [
    {
      bench: '3 burst',
      metric: `${s.burstJobs} jobs due in one second: drain`,
      unit: 'ms',
      a: median(runs.kairos.map((x) => x.drainMs)),
      b: median(runs.raw.map((x) => x.drainMs)),
      ratio: drain,
      compare: 'ratio',
      target: '≤ 1.05',
      met: drain.median <= 1.05,
      note: `not fired: kairos ${lost(runs.kairos)}, raw ${lost(runs.raw)}; rounds created after due: kairos ${late(runs.kairos)}, raw ${late(runs.raw)}`,
    },
    {
      bench: '5 cpu',
      metric: 'CPU per 1,000 jobs created+fired',
      unit: 'cpu-s',
      a: median(runs.kairos.map(per1000)),
      b: median(runs.raw.map(per1000)),
      ratio: cpu,
      compare: 'ratio',
      target: '≤ 1.25',
      met: cpu.median <= 1.25,
      note: `kairos by process (median cpu-s/1000): ${byProcess(runs.kairos, s.burstJobs)}; raw: ${byProcess(runs.raw, s.burstJobs)}`,
    },
  ];
  return { rows, data: runs };
}

function byProcess(runs: Burst[], n: number): string {
  const keys = Object.keys(runs[0]?.cpuByProcess ?? {});
  return keys.map((k) => `${k} ${median(runs.map((r) => ((r.cpuByProcess[k] ?? 0) * 1000) / n)).toFixed(2)}`).join(', ');
}
