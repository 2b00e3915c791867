// The hourly rollup's arithmetic (core/runs/rollup.ts): histogram buckets and quantiles as
// Prometheus's histogram_quantile computes them, UTC-aligned windows and their edges, a series
// built from hourly sums, and the series routes' window parsing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  HISTOGRAM_BOUNDS_S,
  HISTOGRAM_BUCKETS,
  addDelta,
  bucketOf,
  buildSeries,
  deltaOf,
  emptySum,
  histogramQuantile,
  hourOf,
  windowBuckets,
  type RollupSum,
} from '../../../core/runs/rollup.ts';
import { SeriesQuerySchema } from '../../../api/native/runs.ts';

const hist = (entries: Record<number, number>): number[] => {
  const h = new Array<number>(HISTOGRAM_BUCKETS).fill(0);
  for (const [i, n] of Object.entries(entries)) h[Number(i)] = n;
  return h;
};

describe('histogram buckets and quantiles', () => {
  it('puts a value in the first bucket whose upper bound is at least it (le), beyond the last in +Inf', () => {
    assert.equal(HISTOGRAM_BUCKETS, 18, 'the migration has 18 columns per histogram');
    assert.equal(bucketOf(0), 0);
    assert.equal(bucketOf(0.01), 0);
    assert.equal(bucketOf(0.0101), 1);
    assert.equal(bucketOf(1), HISTOGRAM_BOUNDS_S.indexOf(1));
    assert.equal(bucketOf(3600), HISTOGRAM_BOUNDS_S.length - 1);
    assert.equal(bucketOf(3601), HISTOGRAM_BOUNDS_S.length);
    // Log-spaced and increasing.
    for (let i = 1; i < HISTOGRAM_BOUNDS_S.length; i++) assert.ok((HISTOGRAM_BOUNDS_S[i] ?? 0) > (HISTOGRAM_BOUNDS_S[i - 1] ?? 0));
  });

  it('interpolates within the bucket that holds the rank, as histogram_quantile does', () => {
    const bounds = [1, 2, 4];
    // 10 values: 4 in (0,1], 4 in (1,2], 2 in (2,4].
    const h = [4, 4, 2, 0];
    assert.equal(histogramQuantile(0.5, h, bounds), 1.25); // rank 5: 1 + 1 × (5 − 4) / 4
    assert.equal(histogramQuantile(0.2, h, bounds), 0.5); // rank 2 in the first bucket, from 0
    assert.equal(histogramQuantile(0.9, h, bounds), 3); // rank 9: 2 + 2 × (9 − 8) / 2
    assert.equal(histogramQuantile(1, h, bounds), 4);
    assert.equal(histogramQuantile(0, h, bounds), 0);
    // Ranks in +Inf answer the highest finite bound.
    assert.equal(histogramQuantile(0.95, [0, 0, 1, 9], bounds), 4);
    // Empty buckets before the rank are skipped.
    assert.equal(histogramQuantile(0.5, [0, 0, 2, 0], bounds), 3);
  });

  it('answers null for an empty histogram or a NaN quantile, and clamps q to [0, 1]', () => {
    assert.equal(histogramQuantile(0.5, hist({})), null);
    assert.equal(histogramQuantile(Number.NaN, hist({ 3: 1 })), null);
    assert.equal(histogramQuantile(2, [1, 1], [1]), 1);
  });
});

describe('windows', () => {
  it('ends with the bucket that holds now, aligned to UTC hours, 6-hour blocks and midnights', () => {
    const now = Date.parse('2026-12-04T21:35:12.345Z');
    const day = windowBuckets('24h', now);
    assert.equal(day.starts.length, 24);
    assert.equal(new Date(day.starts.at(-1) ?? 0).toISOString(), '2026-12-04T21:00:00.000Z');
    assert.equal(new Date(day.from).toISOString(), '2026-12-03T22:00:00.000Z');
    assert.equal(new Date(day.to).toISOString(), '2026-12-04T22:00:00.000Z');

    const week = windowBuckets('7d', now);
    assert.equal(week.starts.length, 28);
    assert.equal(new Date(week.starts.at(-1) ?? 0).toISOString(), '2026-12-04T18:00:00.000Z');
    assert.equal(new Date(week.from).toISOString(), '2026-11-28T00:00:00.000Z');

    const month = windowBuckets('30d', now);
    assert.equal(month.starts.length, 30);
    assert.equal(new Date(month.starts.at(-1) ?? 0).toISOString(), '2026-12-04T00:00:00.000Z');
    assert.equal(new Date(month.from).toISOString(), '2026-11-05T00:00:00.000Z');
  });

  it('puts an instant exactly on a boundary in the bucket it starts', () => {
    const now = Date.parse('2026-12-04T18:00:00.000Z');
    assert.equal(new Date(windowBuckets('7d', now).starts.at(-1) ?? 0).toISOString(), '2026-12-04T18:00:00.000Z');
    assert.equal(new Date(windowBuckets('24h', now).to).toISOString(), '2026-12-04T19:00:00.000Z');
    assert.equal(hourOf(Date.parse('2026-12-04T18:59:59.999Z')), '2026-12-04T18:00:00.000Z');
    assert.equal(hourOf(Date.parse('2026-12-04T19:00:00.000Z')), '2026-12-04T19:00:00.000Z');
  });

  it('parses ?window (24h by default) and names the field when it is wrong', () => {
    assert.deepEqual(SeriesQuerySchema.parse({}), { window: '24h' });
    assert.deepEqual(SeriesQuerySchema.parse({ window: '30d' }), { window: '30d' });
    for (const bad of [{ window: '1y' }, { window: '' }, { window: ['24h', '7d'] }, { windows: '24h' }]) {
      const r = SeriesQuerySchema.safeParse(bad);
      assert.equal(r.success, false, JSON.stringify(bad));
    }
    const r = SeriesQuerySchema.safeParse({ window: '1y' });
    assert.deepEqual(r.error?.issues[0]?.path, ['window']);
    assert.match(r.error?.issues[0]?.message ?? '', /24h, 7d, 30d/);
  });
});

describe('series', () => {
  const ev = (outcome: 'succeeded' | 'failed' | 'aborted' | 'skipped', at: string, durationMs: number | null, latenessMs: number | null = null) =>
    deltaOf({ jobId: 'j', incarnation: 'i', ownerId: 'u', outcome, endedAtMs: Date.parse(at), durationMs, latenessMs });
  const sumOf = (...ds: ReturnType<typeof ev>[]): RollupSum => {
    const d = ds.reduce((a, b) => addDelta(a, b));
    return { succeeded: d.succeeded, failed: d.failed, aborted: d.aborted, skipped: d.skipped, duration: d.duration, lateness: d.lateness };
  };

  it('counts a run in the hour it ended; a skip has no duration; lateness only when given', () => {
    const d = addDelta(ev('succeeded', '2026-12-04T10:59:59Z', 40, 5), ev('skipped', '2026-12-04T10:10:00Z', 0));
    assert.equal(d.hour, '2026-12-04T10:00:00.000Z');
    assert.deepEqual([d.succeeded, d.skipped, d.duration.count, d.duration.sumMs, d.lateness.count], [1, 1, 1, 40, 1]);
    assert.equal(d.duration.hist[bucketOf(0.04)], 1);
  });

  it('sums hours into 6-hour buckets with rates, percentiles (never above max), and did-not-run marks', () => {
    const now = Date.parse('2026-12-04T21:35:00Z');
    const hours = new Map<string, RollupSum>([
      ['2026-12-04T18:00:00.000Z', sumOf(ev('succeeded', '2026-12-04T18:05:00Z', 40, 3), ev('failed', '2026-12-04T18:06:00Z', 120))],
      ['2026-12-04T20:00:00.000Z', sumOf(ev('succeeded', '2026-12-04T20:05:00Z', 60), ev('aborted', '2026-12-04T20:06:00Z', 5000))],
      // Outside the window: ignored.
      ['2026-11-01T00:00:00.000Z', sumOf(ev('failed', '2026-11-01T00:05:00Z', 1))],
    ]);
    const notRun = new Map([['2026-12-04T19:00:00.000Z', { skipped: 2, missed: 1 }]]);
    const s = buildSeries('7d', now, hours, notRun);
    assert.equal(s.step, '6h');
    assert.equal(s.buckets.length, 28);
    const last = s.buckets.at(-1);
    assert.equal(last?.start, '2026-12-04T18:00:00.000Z');
    assert.deepEqual(last?.counts, { succeeded: 2, failed: 1, aborted: 1, skipped: 0 });
    assert.equal(last?.successRate, 0.5);
    assert.deepEqual(last?.notRun, { skipped: 2, missed: 1 });
    assert.equal(last?.duration.max, 5000);
    assert.equal(last?.duration.mean, Math.round((40 + 120 + 60 + 5000) / 4));
    // p50 falls in (50 ms, 100 ms]: rank 2 of 4 (40 ms in (25, 50], 60 in (50, 100]).
    assert.ok((last?.duration.p50 ?? 0) > 50 && (last?.duration.p50 ?? 0) <= 100, String(last?.duration.p50));
    // p95 lies in 5000's bucket (2.5 s, 5 s] and never above the exact max.
    assert.ok((last?.duration.p95 ?? 0) > 2500 && (last?.duration.p95 ?? 0) <= 5000, String(last?.duration.p95));
    assert.deepEqual(last?.lateness, { mean: 3, p95: 3, max: 3 });
    // An empty bucket: no rate, no durations.
    assert.deepEqual(s.buckets[0], { start: '2026-11-28T00:00:00.000Z', counts: { succeeded: 0, failed: 0, aborted: 0, skipped: 0 }, successRate: null, duration: { mean: null, p50: null, p95: null, max: null }, lateness: { mean: null, p95: null, max: null }, notRun: { skipped: 0, missed: 0 } });
    assert.deepEqual(s.total.counts, { succeeded: 2, failed: 1, aborted: 1, skipped: 0 });
    assert.deepEqual(s.total.notRun, { skipped: 2, missed: 1 });
    assert.equal(buildSeries('24h', now, new Map([['2026-12-04T18:00:00.000Z', emptySum()]]), new Map()).buckets.length, 24);
  });
});
