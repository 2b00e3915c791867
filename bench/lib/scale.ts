// BENCH_SCALE=quick|full: how big each benchmark is. quick finishes in a few minutes on 2 cores.
export interface Scale {
  name: 'quick' | 'full';
  /** Alternating A/B rounds per benchmark (≥ 5). */
  rounds: number;
  createAt1: number;
  createAt16: number;
  runNowSamples: number;
  lateJobs: number;
  latePeriodS: number;
  lateWindowS: number;
  burstJobs: number;
  heldSmall: number;
  heldLarge: number;
  scaleWindows: number;
  listSamples: number;
}

export const SCALES: Record<Scale['name'], Scale> = {
  quick: {
    name: 'quick',
    rounds: 5,
    createAt1: 10,
    createAt16: 32,
    runNowSamples: 6,
    lateJobs: 20,
    latePeriodS: 2,
    lateWindowS: 6,
    burstJobs: 60,
    heldSmall: 50,
    heldLarge: 1000,
    scaleWindows: 2,
    listSamples: 4,
  },
  full: {
    name: 'full',
    rounds: 5,
    createAt1: 40,
    createAt16: 320,
    runNowSamples: 20,
    lateJobs: 60,
    latePeriodS: 3,
    lateWindowS: 45,
    burstJobs: 300,
    heldSmall: 50,
    heldLarge: 5000,
    scaleWindows: 3,
    listSamples: 10,
  },
};

export function scaleFromEnv(v = process.env.BENCH_SCALE): Scale {
  if (v === undefined || v === '') return SCALES.full;
  if (v !== 'quick' && v !== 'full') throw new Error(`BENCH_SCALE must be "quick" or "full", not "${v}"`);
  return SCALES[v];
}
