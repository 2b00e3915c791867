// The hourly run rollup's arithmetic (issue #18 item 4: charts). Visibility cannot answer "p95
// duration per hour for 30 days" cheaply, so each ended run adds to one row per (job, incarnation,
// UTC hour) in the state store (./stats-store.ts): counts per outcome, and duration and lateness as
// count, sum, max and a fixed histogram. Percentiles are estimated from the histogram as
// Prometheus's histogram_quantile does. Pure functions only: unit-tested, no store, no clock.
import type { RunStatsEvent } from '../temporal/contract.ts';

export const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Upper bounds (seconds) of the histogram buckets, log-spaced from 10 ms to 1 h, plus +Inf. Frozen:
 * the state store has one column per bucket (migration 0006), so a change is a new migration.
 */
export const HISTOGRAM_BOUNDS_S: readonly number[] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** Buckets per histogram: one per bound and the +Inf one. */
export const HISTOGRAM_BUCKETS = HISTOGRAM_BOUNDS_S.length + 1;

/** Rows older than this are pruned (the longest window, 30 days, plus slack). */
export const ROLLUP_RETENTION_MS = 35 * DAY_MS;

/** The bucket a value (seconds) falls in: the first whose upper bound is ≥ it (Prometheus's `le`). */
export function bucketOf(seconds: number): number {
  const i = HISTOGRAM_BOUNDS_S.findIndex((b) => seconds <= b);
  return i === -1 ? HISTOGRAM_BOUNDS_S.length : i;
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of the values counted in `hist` (per-bucket counts, not cumulative),
 * in seconds, as Prometheus's histogram_quantile estimates it: the bucket holding the rank, linear
 * interpolation within it (the first bucket starts at 0), and the highest finite bound when the rank
 * falls in +Inf. null when nothing was counted.
 */
export function histogramQuantile(q: number, hist: readonly number[], bounds: readonly number[] = HISTOGRAM_BOUNDS_S): number | null {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total <= 0 || Number.isNaN(q)) return null;
  const rank = Math.min(Math.max(q, 0), 1) * total;
  let below = 0;
  for (let i = 0; i < hist.length; i++) {
    const n = hist[i] ?? 0;
    if (n > 0 && below + n >= rank) {
      if (i >= bounds.length) return bounds.at(-1) ?? null;
      const lower = i === 0 ? 0 : (bounds[i - 1] ?? 0);
      const upper = bounds[i] ?? lower;
      return lower + (upper - lower) * ((rank - below) / n);
    }
    below += n;
  }
  return bounds.at(-1) ?? null;
}

/** Count, sum, max and histogram of one measure (duration or lateness) in ms. */
export interface Measure {
  count: number;
  sumMs: number;
  maxMs: number;
  hist: number[];
}

/** Counts and measures summed over rows: what one bucket of a series is made from. */
export interface RollupSum {
  succeeded: number;
  failed: number;
  aborted: number;
  skipped: number;
  duration: Measure;
  lateness: Measure;
}

/** What one row of the rollup holds (or adds to a row): the key, the owner, the counts, the two measures. */
export interface RollupDelta extends RollupSum {
  jobId: string;
  incarnation: string;
  ownerId: string;
  /** The UTC hour, ISO-8601 (`2026-12-04T21:00:00.000Z`). */
  hour: string;
}

export const emptyMeasure = (): Measure => ({ count: 0, sumMs: 0, maxMs: 0, hist: new Array<number>(HISTOGRAM_BUCKETS).fill(0) });

function measureOf(ms: number | null): Measure {
  const m = emptyMeasure();
  if (ms === null) return m;
  const v = Math.max(0, Math.round(ms));
  m.count = 1;
  m.sumMs = v;
  m.maxMs = v;
  m.hist[bucketOf(v / 1000)] = 1;
  return m;
}

export function addMeasure(a: Measure, b: Measure): Measure {
  return { count: a.count + b.count, sumMs: a.sumMs + b.sumMs, maxMs: Math.max(a.maxMs, b.maxMs), hist: a.hist.map((n, i) => n + (b.hist[i] ?? 0)) };
}

/** The UTC hour an instant falls in, as the rollup's key. */
export const hourOf = (ms: number): string => new Date(Math.floor(ms / HOUR_MS) * HOUR_MS).toISOString();

/** One ended run as a row's increment. A skipped run (DST) has no duration; lateness only when the event has one. */
export function deltaOf(e: RunStatsEvent): RollupDelta {
  return {
    jobId: e.jobId,
    incarnation: e.incarnation,
    ownerId: e.ownerId,
    hour: hourOf(e.endedAtMs),
    succeeded: e.outcome === 'succeeded' ? 1 : 0,
    failed: e.outcome === 'failed' ? 1 : 0,
    aborted: e.outcome === 'aborted' ? 1 : 0,
    skipped: e.outcome === 'skipped' ? 1 : 0,
    duration: measureOf(e.outcome === 'skipped' ? null : e.durationMs),
    lateness: measureOf(e.latenessMs),
  };
}

/** The key a batch merges increments on (one upsert per row and flush). */
export const deltaKey = (d: Pick<RollupDelta, 'jobId' | 'incarnation' | 'hour'>): string => `${d.jobId}\u0000${d.incarnation}\u0000${d.hour}`;

/** Two increments of the same row as one (the later owner wins: a job's owner may change). */
export function addDelta(a: RollupDelta, b: RollupDelta): RollupDelta {
  return { ...b, ...addSum(a, b) };
}

// ---------------------------------------------------------------- windows and series

export const SERIES_WINDOWS = ['24h', '7d', '30d'] as const;
export type SeriesWindow = (typeof SERIES_WINDOWS)[number];

/** Buckets of each window: 24 hourly, 28 of 6 hours, 30 daily. */
export const WINDOW_BUCKETS: Record<SeriesWindow, { count: number; stepMs: number; step: string }> = {
  '24h': { count: 24, stepMs: HOUR_MS, step: '1h' },
  '7d': { count: 28, stepMs: 6 * HOUR_MS, step: '6h' },
  '30d': { count: 30, stepMs: DAY_MS, step: '1d' },
};

/**
 * The bucket starts of a window ending with the bucket that holds `now`: UTC-aligned (multiples of
 * the step since the epoch, which is a UTC midnight), oldest first; `to` is the last bucket's end.
 */
export function windowBuckets(window: SeriesWindow, now: number): { starts: number[]; from: number; to: number; stepMs: number } {
  const { count, stepMs } = WINDOW_BUCKETS[window];
  const to = Math.floor(now / stepMs) * stepMs + stepMs;
  const from = to - count * stepMs;
  return { starts: Array.from({ length: count }, (_, i) => from + i * stepMs), from, to, stepMs };
}

export const emptySum = (): RollupSum => ({ succeeded: 0, failed: 0, aborted: 0, skipped: 0, duration: emptyMeasure(), lateness: emptyMeasure() });

export function addSum(a: RollupSum, b: RollupSum): RollupSum {
  return {
    succeeded: a.succeeded + b.succeeded,
    failed: a.failed + b.failed,
    aborted: a.aborted + b.aborted,
    skipped: a.skipped + b.skipped,
    duration: addMeasure(a.duration, b.duration),
    lateness: addMeasure(a.lateness, b.lateness),
  };
}

/** One bucket of a series, as the API answers it (times in ms). */
export interface SeriesBucket {
  start: string;
  counts: { succeeded: number; failed: number; aborted: number; skipped: number };
  /** succeeded / (succeeded + failed + aborted); null when no run ended. */
  successRate: number | null;
  duration: { mean: number | null; p50: number | null; p95: number | null; max: number | null };
  lateness: { mean: number | null; p95: number | null; max: number | null };
  /** Fire times that did not run (the run_skips rows), by their scheduled time. */
  notRun: { skipped: number; missed: number };
}

/** A percentile in ms from a measure's histogram, never above the measure's max (which is exact). */
function percentileMs(q: number, m: Measure): number | null {
  const s = histogramQuantile(q, m.hist);
  return s === null ? null : Math.min(Math.round(s * 1000), m.maxMs);
}

const meanMs = (m: Measure): number | null => (m.count ? Math.round(m.sumMs / m.count) : null);

/** A bucket from its summed rows and its not-run counts. */
export function bucketOfSum(start: number, s: RollupSum, notRun: { skipped: number; missed: number }): SeriesBucket {
  const ended = s.succeeded + s.failed + s.aborted;
  return {
    start: new Date(start).toISOString(),
    counts: { succeeded: s.succeeded, failed: s.failed, aborted: s.aborted, skipped: s.skipped },
    successRate: ended ? Math.round((s.succeeded / ended) * 10_000) / 10_000 : null,
    duration: {
      mean: meanMs(s.duration),
      p50: percentileMs(0.5, s.duration),
      p95: percentileMs(0.95, s.duration),
      max: s.duration.count ? s.duration.maxMs : null,
    },
    lateness: { mean: meanMs(s.lateness), p95: percentileMs(0.95, s.lateness), max: s.lateness.count ? s.lateness.maxMs : null },
    notRun,
  };
}

/** A series: the window's buckets, oldest first, and the whole window as one. */
export interface Series {
  window: SeriesWindow;
  step: string;
  from: string;
  to: string;
  buckets: SeriesBucket[];
  total: Omit<SeriesBucket, 'start'>;
}

/**
 * A window's series from the rollup's rows summed per hour and the not-run rows counted per hour
 * (both keyed by the hour's ISO start). Hours outside the window are ignored.
 */
export function buildSeries(
  window: SeriesWindow,
  now: number,
  hours: ReadonlyMap<string, RollupSum>,
  notRun: ReadonlyMap<string, { skipped: number; missed: number }>,
): Series {
  const { starts, from, to, stepMs } = windowBuckets(window, now);
  const sums = starts.map(() => emptySum());
  const skips = starts.map(() => ({ skipped: 0, missed: 0 }));
  const index = (hour: string): number => {
    const t = Date.parse(hour);
    return t >= from && t < to ? Math.floor((t - from) / stepMs) : -1;
  };
  for (const [hour, s] of hours) {
    const i = index(hour);
    if (i >= 0) sums[i] = addSum(sums[i] ?? emptySum(), s);
  }
  for (const [hour, n] of notRun) {
    const i = index(hour);
    const b = skips[i];
    if (b) {
      b.skipped += n.skipped;
      b.missed += n.missed;
    }
  }
  const buckets = starts.map((t, i) => bucketOfSum(t, sums[i] ?? emptySum(), skips[i] ?? { skipped: 0, missed: 0 }));
  const all = sums.reduce(addSum, emptySum());
  const allSkips = skips.reduce((a, b) => ({ skipped: a.skipped + b.skipped, missed: a.missed + b.missed }), { skipped: 0, missed: 0 });
  const { start: _start, ...total } = bucketOfSum(from, all, allSkips);
  return { window, step: WINDOW_BUCKETS[window].step, from: new Date(from).toISOString(), to: new Date(to).toISOString(), buckets, total };
}
