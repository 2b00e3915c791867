// BENCH_SCALE=quick|full: how big each benchmark is. quick takes about 10–15 minutes per Temporal target on 2
// quiet cores (its lateness windows are fixed waits); full about 45 (dev server) and 40 (cluster).
export interface Scale {
  name: 'quick' | 'full';
  /** Alternating A/B rounds per benchmark (≥ 5). */
  rounds: number;
  createAt1: number;
  createAt16: number;
  runNowSamples: number;
  /**
   * Steady firing load: lateJobs / latePeriodS fires per second, phases spread over the period. A
   * fire costs the dev server, worker and API about 0.145 CPU-seconds in all (measured), so 6 fires/s
   * keeps a 2-core machine under half busy; at 20 fires/s (60 jobs every 3 s) it is over capacity
   * and lateness measures the queue, not the scheduler.
   */
  lateJobs: number;
  latePeriodS: number;
  lateWindowS: number;
  burstJobs: number;
  /** The scale benchmark compares Kairos with heldLarge jobs held against Kairos with heldSmall. */
  heldSmall: number;
  heldLarge: number;
  scaleWindows: number;
  /** Per population: GET one job and run-now samples, enough for a p99 (≥ 50: one in 100 is the worst or next to it). */
  scaleSamples: number;
  listSamples: number;
}

export const SCALES: Record<Scale['name'], Scale> = {
  quick: {
    name: 'quick',
    rounds: 5,
    createAt1: 20,
    createAt16: 32,
    runNowSamples: 6,
    lateJobs: 20,
    latePeriodS: 5,
    lateWindowS: 15,
    burstJobs: 60,
    heldSmall: 50,
    heldLarge: 1000,
    scaleWindows: 2,
    scaleSamples: 50,
    listSamples: 4,
  },
  full: {
    name: 'full',
    rounds: 5,
    createAt1: 60,
    createAt16: 320,
    runNowSamples: 20,
    lateJobs: 60,
    latePeriodS: 10,
    lateWindowS: 40,
    burstJobs: 300,
    heldSmall: 50,
    heldLarge: 10_000,
    scaleWindows: 3,
    scaleSamples: 100,
    listSamples: 10,
  },
};

export function scaleFromEnv(v = process.env.BENCH_SCALE): Scale {
  if (v === undefined || v === '') return SCALES.full;
  if (v !== 'quick' && v !== 'full') throw new Error(`BENCH_SCALE must be "quick" or "full", not "${v}"`);
  return SCALES[v];
}
